"""Aged balance: open amounts per customer, currency and bucket of days past due, with totals.

Read from the reconciliation's positions (open items only) and the customers' unapplied credits; a currency is
never added to another. A credit (an unapplied credit note or payment) is a negative amount in the bucket of its
own date, as Odoo's aged receivable shows it (account_reports' aged partner balance puts every open receivable
line, credits included, in the period of COALESCE(date_maturity, date), with no separate column): so a row's
total, and the report's, is the customer's balance, what the accounting system's receivable account says.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from connector.money import round_money
from connector.reconcile import BUCKETS, PAID, Reconciliation, bucket

from connector.reports.balances import ZERO


@dataclass(frozen=True)
class AgingRow:
    customer_id: str
    customer: str
    currency: str
    buckets: dict[str, Decimal]  # every name of BUCKETS, in order

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["current"]


def aged_balance(rec: Reconciliation) -> list[AgingRow]:
    """One row per customer and currency, largest total first; orphan items under their customer id; the
    unapplied credits (as of the day: connector/asof.py) as negative amounts."""
    per: dict[tuple[str, str, str], dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, ZERO))
    names = {acc.customer.id: acc.customer.name for acc in rec.accounts}
    for c in rec.credits:
        name = names.get(c.customer_id) or f"customer {c.customer_id} (credits only)"
        day = c.due_date or c.date or rec.as_of
        per[(c.customer_id, name, c.currency)][bucket((rec.as_of - day).days)] -= c.amount
    for acc in rec.accounts:
        for p in acc.positions:
            r = p.receivable
            if p.status is not PAID and r.open_amount > 0:
                per[(acc.customer.id, acc.customer.name, r.currency)][p.bucket] += r.open_amount
    for r in rec.orphans:
        if r.open_amount > 0:
            late = (rec.as_of - r.due_date).days
            per[(r.customer_id, f"customer {r.customer_id} (not read)", r.currency)][bucket(late)] += r.open_amount
    rows = [AgingRow(cid, name, cur, {b: round_money(v, cur) for b, v in buckets.items()})
            for (cid, name, cur), buckets in per.items()]
    return sorted(rows, key=lambda r: (r.currency, -r.total, r.customer, r.customer_id))


def totals(rows: list[AgingRow]) -> dict[str, dict[str, Decimal]]:
    """Per currency, the amount in each bucket and the `total`."""
    out: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        t = out.setdefault(r.currency, dict.fromkeys((*BUCKETS, "total"), ZERO))
        for b in BUCKETS:
            t[b] += r.buckets[b]
        t["total"] += r.total
    return dict(sorted(out.items()))


def row_dict(r: AgingRow) -> dict:
    return {"customer_id": r.customer_id, "customer": r.customer, "currency": r.currency,
            "buckets": dict(r.buckets), "total": r.total}
