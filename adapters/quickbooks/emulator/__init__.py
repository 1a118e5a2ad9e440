"""A loopback QuickBooks Online (REST, OAuth 2.0, CDC, batch) for the tests, the demo and the benchmarks."""

from adapters.quickbooks.emulator.server import QuickBooksEmulator

__all__ = ["QuickBooksEmulator"]
