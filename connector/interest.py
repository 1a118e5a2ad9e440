"""Late-payment interest, day by day on the amount actually outstanding.

A day d accrues interest on the base still unpaid at the start of d (a settlement dated s lowers the
base from s + 1: the period [due, s] counts s - due days at the old base). Periods split at every
settlement, at every rate change (half-years where the rate is fixed per half-year) and at year ends
for actual/actual. Nothing is rounded here: the caller rounds once per charge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from connector.jurisdictions import InterestRule
from connector.models import InterestPeriod, Settlement
from connector.rates import fixing_date_before, half_year_end, half_year_start, table

DayCount = Literal["actual/365", "actual/360", "actual/actual"]
_HUNDRED = Decimal(100)
ONE_DAY = timedelta(days=1)


def annual_rate(rule: InterestRule, day: date, interest_start: date, contract_rate: Decimal | None = None) -> Decimal:
    """Annual rate in percent that applies to accrual day `day`."""
    if rule.fixing == "start_of_delay":
        reference = table(rule.reference).on(fixing_date_before(interest_start + ONE_DAY))
    else:
        reference = table(rule.reference).on(half_year_start(day))
    statutory = reference + rule.margin
    if contract_rate is None:
        return statutory
    if rule.contractual_floor_table is None:
        return contract_rate
    floor = table(rule.contractual_floor_table).on(half_year_start(day)) * rule.contractual_floor_multiple
    return max(contract_rate, floor)


def known_until(rule: InterestRule, table_name: str | None = None) -> date:
    """The last accrual day whose rate `table_name` (default: the rule's reference) can give: with a rate fixed
    per half-year, the end of the half-year whose first day the table covers."""
    covered = table(table_name or rule.reference).covered_until
    return half_year_end(covered) if rule.fixing == "half_year" else covered


def _denominator(day_count: DayCount, year: int) -> int:
    if day_count == "actual/360":
        return 360
    if day_count == "actual/actual":
        return 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
    return 365


def _cut_points(start: date, end: date, rule: InterestRule, day_count: DayCount, settlements: Iterable[Settlement]) -> list[date]:
    """Dates c in (start, end) where a period ends (accrual days after c differ in base, rate or year)."""
    cuts = {s.date for s in settlements if start < s.date < end}
    if rule.fixing == "half_year" or day_count == "actual/actual":
        year = start.year
        while date(year, 1, 1) <= end:
            for c in (date(year, 6, 30), date(year, 12, 31)):
                if start < c < end and (rule.fixing == "half_year" or c.month == 12):
                    cuts.add(c)
            year += 1
    return sorted(cuts)


def interest_periods(
    amount: Decimal,
    settlements: Sequence[Settlement],
    start: date,
    end: date,
    rule: InterestRule,
    *,
    interest_start: date | None = None,
    contract_rate: Decimal | None = None,
    day_count: DayCount = "actual/365",
) -> list[InterestPeriod]:
    """Interest on `amount` less settlements for the accrual days in (start, end].

    `interest_start` is the day interest began to run (the due date, or the formal notice): it fixes
    the UK reference rate; `start` may be later when part of the delay was already charged.
    """
    if end <= start:
        return []
    interest_start = interest_start or start
    periods: list[InterestPeriod] = []
    ordered = sorted(settlements, key=lambda s: s.date)
    paid_before = sum((s.amount for s in ordered if s.date < start + ONE_DAY), Decimal(0))
    upcoming = [s for s in ordered if s.date >= start + ONE_DAY]
    lo = start
    for hi in [*_cut_points(start, end, rule, day_count, ordered), end]:
        first_day = lo + ONE_DAY
        while upcoming and upcoming[0].date < first_day:
            paid_before += upcoming.pop(0).amount
        base = amount - paid_before
        if base > 0:
            days = (hi - lo).days
            rate = annual_rate(rule, first_day, interest_start, contract_rate)
            value = base * rate / _HUNDRED * days / _denominator(day_count, first_day.year)
            periods.append(InterestPeriod(start=lo, end=hi, days=days, base=base, rate=rate, amount=value))
        lo = hi
    return periods


def total(periods: Iterable[InterestPeriod]) -> Decimal:
    return sum((p.amount for p in periods), Decimal(0))

