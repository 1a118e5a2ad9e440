"""Reliability tests: secrets, failures and limits across the whole connector."""
