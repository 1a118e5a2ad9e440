"""Odoo adapter: reads receivables and writes follow-up back over the external API (16-19)."""
