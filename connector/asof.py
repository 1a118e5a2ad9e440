"""The ledger as it stood at the end of the as-of day: what an adapter reads is today's books, and a run as of
an earlier day must see neither the documents dated after it nor the settlements made after it.

Invoices issued after the day are left out; a settlement dated after it is taken back (the item was open by
that much more); a credit note or payment dated after it is left out, and one applied after it counts as
unapplied by what was applied later. Odoo dates a reconciliation by the later of its two documents (the
partial's `max_date`), QuickBooks by the payment's TxnDate: either way a settlement after the day has a
document after the day, so this is what the source system's own aged balance at that date shows.
`plan_ledger` and `reports.build` call it: plans, the aged balance, DSO, CEI and the worklist see one ledger.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from connector.models import Credit, Ledger, Receivable

_ZERO = Decimal(0)


def ledger_as_of(ledger: Ledger, day: date) -> Ledger:
    """`ledger` itself when nothing in it is dated after `day` (a run of today: one pass, no copy), else a
    ledger with the same customers and history and the receivables and credits as they were on `day`."""
    kept: list[Receivable] = []
    changed = False
    for r in ledger.receivables:
        if r.issue_date > day:
            changed = True
            continue
        for s in r.settlements:
            if s.date > day:
                r = receivable_on(r, day)
                changed = True
                break
        kept.append(r)
    credits = []
    for c in ledger.credits:
        was = credit_on(c, day)
        if was is c and c.amount > 0:
            credits.append(c)
            continue
        changed = True  # dated after the day, applied after it, or applied in full (no credit that day)
        if was is not None and was.amount > 0:
            credits.append(was)
    if not changed:
        return ledger
    return dataclasses.replace(ledger, receivables=kept, credits=credits)


def receivable_on(r: Receivable, day: date) -> Receivable:
    """The receivable without its settlements dated after `day`, open by what they settled."""
    later = sum((s.amount for s in r.settlements if s.date > day), _ZERO)
    return dataclasses.replace(r, open_amount=min(r.amount, r.open_amount + later),
                               settlements=tuple(s for s in r.settlements if s.date <= day))


def credit_on(c: Credit, day: date) -> Credit | None:
    """What of the credit was unapplied at the end of `day` (None: it did not exist yet); `c` itself when
    nothing about it happened after `day`."""
    if c.date is not None and c.date > day:
        return None
    later = [s for s in c.settlements if s.date > day]
    if not later:
        return c
    return c.model_copy(update={"amount": c.amount + sum((s.amount for s in later), _ZERO),
                                "settlements": tuple(s for s in c.settlements if s.date <= day)})


def credit_at(c: Credit, day: date) -> Decimal:
    """The credit's unapplied amount at the end of `day` (0 before its date)."""
    was = credit_on(c, day)
    return _ZERO if was is None else was.amount
