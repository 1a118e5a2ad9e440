"""What was owed on a past day, rebuilt from each receivable's dated settlements.

Nothing is stored between runs, so DSO and CEI at earlier dates come from the items the adapter
reads: the open ones and those settled inside its look-back window (Odoo mapping
`receivables.paid_lookback_days`, 400 days by default). Dates further back than that are incomplete.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from connector.asof import credit_at
from connector.models import Credit, Receivable

ZERO = Decimal(0)


def balance_at(r: Receivable, day: date) -> Decimal:
    """Open amount at the end of `day`: today's open amount plus what was settled after that day."""
    if day < r.issue_date:
        return ZERO
    later = sum((s.amount for s in r.settlements if s.date > day), ZERO)
    return min(r.amount, r.open_amount + later)


def add_months(day: date, months: int) -> date:
    """Same day `months` later (negative: earlier); a month end stays a month end (31 Mar - 1 = 28 Feb)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_end else min(day.day, last))


def month_ends(day: date, count: int) -> list[date]:
    """The last `count` month ends before `day`, oldest first, then `day` itself."""
    first = day.replace(day=1)
    ends = []
    for _ in range(count - 1):
        first = first - timedelta(days=1)
        ends.append(first)
        first = first.replace(day=1)
    return [*reversed(ends), day]


def per_currency(items: Iterable[Receivable], value: Callable[[Receivable], Decimal]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in items:
        v = value(r)
        if v:
            out[r.currency] += v
    return dict(out)


def receivables_at(items: Iterable[Receivable], day: date) -> dict[str, Decimal]:
    return per_currency(items, lambda r: balance_at(r, day))


def credits_at(credits: Iterable[Credit], day: date, currency: str, due_from: date | None = None) -> Decimal:
    """What the customers held as unapplied credits in `currency` at the end of `day` (those placed on or after
    `due_from` only, when given: the current part, as an aged balance places them)."""
    return sum((credit_at(c, day) for c in credits if c.currency == currency
                and (due_from is None or (c.due_date or c.date or day) >= due_from)), ZERO)


def sales_between(items: Iterable[Receivable], start: date, end: date) -> dict[str, Decimal]:
    """Credit sales invoiced from `start` to `end`, both included (gross: credit notes are settlements)."""
    return per_currency(items, lambda r: r.amount if start <= r.issue_date <= end else ZERO)


def q2(value: Decimal) -> Decimal:
    """Days and percentages are shown with two decimals, rounded half up once at the end."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
