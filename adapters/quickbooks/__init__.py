"""QuickBooks Online adapter: reads receivables and writes follow-up back over the Accounting API v3 (JSON)."""
