"""An in-memory accounting system, an adapter of its own (`system: fake`), for CLI and daemon tests without a
server: a test registers `FAKE` in adapters.registry.SYSTEMS.

Books are shared per database name; what `apply` writes is a note carrying the operation's markers,
read back as history by `fetch`, as the real adapters do."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from connector.errors import SourceUnavailable
from connector.keys import parse, render
from connector.models import Ledger, Operation
from connector.config import TenantBase
from connector.protocol import Adapter, Source
from tests.builders import customer, ledger, receivable


@dataclass
class Books:
    ledger: Ledger
    secret: str = "fake-secret-value"
    notes: list[str] = field(default_factory=list)
    down: bool = False
    write_delay: float = 0.0
    writes: int = 0
    running: int = 0
    max_running: int = 0
    opened: int = 0
    closed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_write: object = None  # called after each write (with the write count): a test's hook, no clock involved


BOOKS: dict[str, Books] = {}


def overdue_books(n_customers: int = 3, **kw) -> Books:
    """Customers each with an invoice 20 days overdue on Tuesday 10 March 2026 (letters, calls, emails)."""
    custs = [customer(f"C{i}") for i in range(1, n_customers + 1)]
    recs = [receivable(f"R{i}", customer=f"C{i}", due="2026-02-18", amount="1200.00") for i in range(1, n_customers + 1)]
    return Books(ledger(custs, recs), **kw)


class FakeSource(Source):
    def __init__(self, db: str, secret: str):
        self.books = BOOKS[db]
        if secret != self.books.secret:
            raise SourceUnavailable(f"fake source {db}: credentials refused")
        with self.books.lock:
            self.books.opened += 1

    def fetch(self, as_of: date) -> Ledger:
        b = self.books
        if b.down:
            raise SourceUnavailable("fake source is down")
        with self._busy():
            time.sleep(b.write_delay)
            with b.lock:
                history = [h for note in b.notes for h in parse(note)]
        led = b.ledger
        return Ledger(customers=led.customers, receivables=led.receivables, history=history)

    @contextmanager
    def _busy(self):
        """Counts the calls in progress: two runs of one tenant at once would overlap here."""
        b = self.books
        with b.lock:
            b.running += 1
            b.max_running = max(b.max_running, b.running)
        try:
            yield
        finally:
            with b.lock:
                b.running -= 1

    def apply(self, op: Operation) -> str:
        b = self.books
        with self._busy():
            time.sleep(b.write_delay)
            with b.lock:
                if any(f"relance:{op.key}" in n for n in b.notes):
                    return "already"
                b.notes.append(" ".join(render(h) for h in op.history()))
                b.writes += 1
                written = b.writes
            if b.on_write:
                b.on_write(written)
            return f"note {written}"

    def check(self) -> list[tuple[str, bool, str]]:
        return [("connect", not self.books.down, "fake"), ("read account.move.line", True, "allowed")]

    def init(self) -> list[str]:
        return ["found everything"]

    def close(self) -> None:
        with self.books.lock:
            self.books.closed += 1


class FakeTenant(TenantBase):
    """`system: fake` in a test's relance.yaml: books in memory, named by `database`."""

    system: Literal["fake"]
    database: str
    api_key_env: str

    @property
    def where(self) -> str:
        return f"books {self.database}"

    def open(self, secrets) -> FakeSource:
        return FakeSource(self.database, self.secret(secrets, "api_key_env").get_secret_value())


FAKE = Adapter(system="fake", label="in-memory books", tenant=FakeTenant)
