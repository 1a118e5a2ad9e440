"""Adapters: one package per accounting system, each implementing connector.protocol.Source."""
