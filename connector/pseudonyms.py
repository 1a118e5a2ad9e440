"""Pseudonyms for the personal data Relance reads (`--redact`): a customer's name, its contact, e-mail and postal
address become "Customer 42", "customer-42@redacted.invalid", "[address of customer 42]", the same on every run.

The id stays: it is what lets someone with access to the source system find the customer again, and nobody
without. A plan or a report under --redact is computed on the pseudonymised ledger, so its tables, JSON and
rendered messages hold no name; every log line and CLI line from then on has each name replaced as well (JSON logs
do this by default: a log collector is no place for customers' names). A redacted ledger is never written back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from connector import logs
from connector.errors import RelanceError
from connector.models import Customer, Ledger, Operation

OFF, LOGS, OUTPUT = "off", "logs", "output"
_mode = OFF  # set once by the CLI: OUTPUT with --redact, LOGS for JSON logs, OFF otherwise


def configure(mode: str) -> None:
    global _mode
    _mode = mode


def mode() -> str:
    return _mode


def name(customer_id: str) -> str:
    return f"Customer {customer_id}"


def email(customer_id: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in customer_id).strip("-").lower() or "x"
    return f"customer-{slug}@redacted.invalid"  # RFC 2606: .invalid never delivers


def _address(customer_id: str) -> tuple[str, ...]:
    return (f"[address of customer {customer_id}]",)


def customer(c: Customer) -> Customer:
    return replace(c, name=name(c.id), contact=f"Contact of customer {c.id}" if c.contact else None,
                   email=email(c.id) if c.email else None, address=_address(c.id) if c.address else ())


def _personal_lines(address: Sequence[str]) -> list[str]:
    """The address lines that identify someone: not a country line (capitals, no digit)."""
    return [ln for ln in address if any(ch.isdigit() for ch in ln) or not ln.isupper()]


def mapping(customers: Sequence[Customer]) -> dict[str, str]:
    """Each personal value of the customers -> its pseudonym, for the log and CLI filter."""
    out: dict[str, str] = {}
    for c in customers:
        out[c.name] = name(c.id)
        if c.contact:
            out[c.contact] = f"Contact of customer {c.id}"
        if c.email:
            for address in c.email.replace(";", ",").split(","):
                if address.strip():
                    out[address.strip()] = email(c.id)
        for line in _personal_lines(c.address):
            out[line] = _address(c.id)[0]
    return out


def ledger(led: Ledger) -> Ledger:
    return replace(led, customers=[customer(c) for c in led.customers])


class Redacted:
    """A source whose ledger comes out pseudonymised, for plans and reports; it refuses every write."""

    def __init__(self, source, output: bool = True):
        self.source, self.output = source, output

    def __getattr__(self, attr: str):
        return getattr(self.source, attr)

    def __enter__(self):
        self.source.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.__exit__(*exc)

    def fetch(self, as_of: date) -> Ledger:
        led = self.source.fetch(as_of)
        logs.register_pseudonyms(mapping(led.customers))
        return ledger(led) if self.output else led

    def _written(self) -> None:
        if self.output:
            raise RelanceError("a pseudonymised ledger (--redact) is never written back: run without --redact")

    def apply(self, op: Operation) -> str:
        self._written()
        return self.source.apply(op)

    def apply_many(self, ops: Sequence[Operation]) -> dict:
        self._written()
        return self.source.apply_many(ops)

    def decide(self, op: Operation, approve: bool) -> str:
        self._written()
        return self.source.decide(op, approve)


def wrap(source, dry_run: bool):
    """The source as the configured mode wants it: pseudonymised for a dry run under --redact; for a run that
    writes (or JSON logs), the real ledger, its names kept out of the logs."""
    if _mode == OFF:
        return source
    return Redacted(source, output=_mode == OUTPUT and dry_run)
