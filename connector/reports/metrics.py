"""DSO (count-back and simple), Collection Effectiveness Index, days late per customer, and how much
of what was overdue when first reminded was paid within 30 days. All per currency, in days or %.

DSO count-back: take the receivables at the day and subtract the credit sales of each month going
back (the month ending on that day, then the one before...): every month whose sales are used up
counts its calendar days; the month that covers what is left counts days × left / its sales.
DSO simple: receivables at the day / sales of the 90 days ending on it × 90.
Receivables are the balance the aged balance shows: open items less the unapplied credits of that day.
CEI: (begin + sales − end total) / (begin + sales − end current) × 100, where begin is what was
owed at the end of the day before the period, sales those invoiced in it, end total what was owed
at its last day and end current the part of it not yet due on that day.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from connector import channels
from connector.models import Credit, Customer, HistoryEntry, Receivable

from connector.reports.balances import (ZERO, add_months, balance_at, credits_at, month_ends, q2, receivables_at,
                                        sales_between)

SIMPLE_DAYS = 90
MAX_MONTHS = 24  # count-back gives up there: the adapter reads barely more history than that
YEAR = timedelta(days=365)
REMINDER_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Dso:
    currency: str
    day: date
    receivables: Decimal
    count_back: Decimal | None  # None: no receivables and no sales
    count_back_capped: bool  # the sales of MAX_MONTHS did not cover the receivables: a lower bound
    sales_90d: Decimal
    simple: Decimal | None  # None: no sales in the 90 days


@dataclass(frozen=True)
class Cei:
    currency: str
    start: date
    end: date
    beginning: Decimal
    sales: Decimal
    ending_total: Decimal
    ending_current: Decimal
    cei: Decimal | None  # percent; None when nothing was collectible


@dataclass(frozen=True)
class DaysLate:
    customer_id: str
    customer: str
    items: int
    average: Decimal
    worst: int


@dataclass(frozen=True)
class ReminderEffect:
    currency: str
    items: int
    reminded: Decimal  # open on the day of each item's first reminder
    paid_30d: Decimal  # settled within 30 days after it
    share: Decimal | None  # percent


def count_back(items: list[Receivable], currency: str, day: date, credits: list[Credit] = ()) -> tuple[Decimal | None, bool]:
    mine = [r for r in items if r.currency == currency]
    left = receivables_at(mine, day).get(currency, ZERO) - credits_at(credits, day, currency)
    if left <= 0:
        return ZERO, False
    ascending = [add_months(day, -k) for k in range(MAX_MONTHS, -1, -1)]  # month k back: (asc[-k-1], asc[-k]]
    sales = [ZERO] * MAX_MONTHS  # sales[k - 1]: the k-th month counting back, in one pass over the items
    for r in mine:
        if ascending[0] < r.issue_date <= day:
            sales[MAX_MONTHS - bisect_left(ascending, r.issue_date)] += r.amount
    days = ZERO
    for k in range(1, MAX_MONTHS + 1):
        length = (ascending[-k] - ascending[-k - 1]).days
        if sales[k - 1] >= left:
            return q2(days + Decimal(length) * left / sales[k - 1]), False
        left -= sales[k - 1]
        days += length
    return q2(days), True


def dso(items: list[Receivable], currency: str, day: date, credits: list[Credit] = ()) -> Dso:
    ar = receivables_at(items, day).get(currency, ZERO) - credits_at(credits, day, currency)
    sales = sales_between(items, day - timedelta(days=SIMPLE_DAYS - 1), day).get(currency, ZERO)
    cb, capped = count_back(items, currency, day, credits)
    simple = q2(ar / sales * SIMPLE_DAYS) if sales > 0 else (ZERO if ar == 0 else None)
    return Dso(currency, day, ar, cb, capped, sales, simple)


def currencies(items: list[Receivable]) -> list[str]:
    return sorted({r.currency for r in items})


def dso_all(items: list[Receivable], day: date, credits: list[Credit] = ()) -> list[Dso]:
    return [dso(items, cur, day, credits) for cur in currencies(items)]


def dso_trend(items: list[Receivable], day: date, months: int = 12, credits: list[Credit] = ()) -> list[Dso]:
    """DSO at each of the last `months` month ends (the as-of day standing for the current month),
    from the first month end with receivables or sales in that currency."""
    out = []
    for cur in currencies(items):
        points = [dso(items, cur, d, credits) for d in month_ends(day, months)]
        while points and not (points[0].receivables or points[0].sales_90d):
            points.pop(0)
        out += points
    return sorted(out, key=lambda d: (d.day, d.currency))


def cei(items: list[Receivable], currency: str, start: date, end: date, credits: list[Credit] = ()) -> Cei:
    mine = [r for r in items if r.currency == currency]
    before = start - timedelta(days=1)
    begin = receivables_at(mine, before).get(currency, ZERO) - credits_at(credits, before, currency)
    sales = sales_between(mine, start, end).get(currency, ZERO)
    total = receivables_at(mine, end).get(currency, ZERO) - credits_at(credits, end, currency)
    current = (receivables_at([r for r in mine if r.due_date >= end], end).get(currency, ZERO)
               - credits_at(credits, end, currency, due_from=end))
    collectible = begin + sales - current
    value = q2((begin + sales - total) / collectible * 100) if collectible > 0 else None
    return Cei(currency, start, end, begin, sales, total, current, value)


def cei_all(items: list[Receivable], start: date, end: date, credits: list[Credit] = ()) -> list[Cei]:
    return [cei(items, cur, start, end, credits) for cur in currencies(items)]


def default_period(as_of: date) -> tuple[date, date]:
    """The three months ending on the as-of day."""
    return add_months(as_of, -3) + timedelta(days=1), as_of


def days_late_12m(items: list[Receivable], customers: list[Customer], as_of: date) -> list[DaysLate]:
    """Per customer, over the items fully settled in the 12 months to the as-of day: days after the
    due date (0 when on time), as the policy's segment rule `avg_days_late_12m` counts them."""
    names = {c.id: c.name for c in customers}
    late: dict[str, list[int]] = defaultdict(list)
    for r in items:
        paid = r.paid_on
        if paid is not None and as_of - YEAR < paid <= as_of:
            late[r.customer_id].append(max(0, (paid - r.due_date).days))
    rows = [DaysLate(cid, names.get(cid, f"customer {cid}"), len(v), q2(Decimal(sum(v)) / len(v)), max(v))
            for cid, v in late.items()]
    return sorted(rows, key=lambda d: (-d.average, d.customer, d.customer_id))


def first_reminders(history: list[HistoryEntry], items: dict[str, Receivable]) -> dict[str, date]:
    """Per receivable id, the first day a reminder reached the customer about it while it was overdue."""
    first: dict[str, date] = {}
    for h in history:
        if h.kind != "action" or h.channel not in channels.CONTACT:
            continue
        for rid in h.receivable_ids:
            r = items.get(rid)
            if r is not None and h.date > r.due_date and (rid not in first or h.date < first[rid]):
                first[rid] = h.date
    return first


def reminder_effect(items: list[Receivable], history: list[HistoryEntry], as_of: date) -> list[ReminderEffect]:
    """Of the amounts overdue at their first reminder (sent in the 12 months before the as-of day and
    at least 30 days ago, so the window is complete), the share settled within 30 days after it."""
    by_id = {r.id: r for r in items}
    reminded: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for rid, day in first_reminders(history, by_id).items():
        if not (as_of - YEAR < day and day + REMINDER_WINDOW <= as_of):
            continue
        r = by_id[rid]
        owed = balance_at(r, day)
        if owed <= 0:
            continue
        count[r.currency] += 1
        reminded[r.currency] += owed
        paid[r.currency] += owed - balance_at(r, day + REMINDER_WINDOW)
    return [ReminderEffect(cur, count[cur], reminded[cur], paid[cur], q2(paid[cur] / reminded[cur] * 100))
            for cur in sorted(reminded)]
