"""Builders for canonical records with sensible defaults, so each test states only what matters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connector.models import Customer, HistoryEntry, Ledger, Receivable, Settlement


def customer(id: str = "C1", **kw) -> Customer:
    base = dict(id=id, name=f"Customer {id}", kind="company", lang="fr_FR", country="FR",
                has_email=True, has_phone=True, has_address=True)
    base.update(kw)
    return Customer(**base)


def receivable(id: str = "R1", *, due: str | date = "2026-01-31", amount: str = "1000.00", open: str | None = None,
               customer: str = "C1", invoice: str | None = None, issued: str | date | None = None,
               payments: tuple[tuple[str, str], ...] = (), currency: str = "EUR", **kw) -> Receivable:
    due_d = date.fromisoformat(due) if isinstance(due, str) else due
    settlements = tuple(Settlement(date=date.fromisoformat(d), amount=Decimal(a)) for d, a in payments)
    paid = sum((s.amount for s in settlements), Decimal(0))
    return Receivable(
        id=id, invoice_id=invoice or f"INV-{id}", number=kw.pop("number", f"FA-{id}"), customer_id=customer,
        issue_date=(date.fromisoformat(issued) if isinstance(issued, str) else issued) or due_d.replace(day=1),
        due_date=due_d, amount=Decimal(amount),
        open_amount=Decimal(open) if open is not None else max(Decimal(amount) - paid, Decimal(0)),
        currency=currency, settlements=settlements, **kw,
    )


def ledger(customers, receivables, history=(), **kw) -> Ledger:
    return Ledger(customers=list(customers), receivables=list(receivables), history=list(history), **kw)


def applied(led: Ledger, ops) -> Ledger:
    """The ledger as the source system would show it after the operations were written."""
    hist = list(led.history)
    for op in ops:
        hist.extend(op.history())
    return Ledger(customers=led.customers, receivables=led.receivables, history=hist, plans=led.plans,
                  credits=led.credits, rejected=led.rejected, exchange_rates=led.exchange_rates)


def action(key: str, day: str, level: int, rids: tuple[str, ...], customer: str = "C1", channel: str = "email") -> HistoryEntry:
    return HistoryEntry(key=key, kind="action", date=date.fromisoformat(day), customer_id=customer,
                        receivable_ids=rids, level=level, channel=channel)
