"""Converting an amount the law fixes in one currency (the 40 EUR indemnity, the UK's GBP sums) into the
currency of the invoice it is charged on, at the source system's own rates: the rate in force on the day, the
latest dated on or before it, directly, inverted, or through a currency both are quoted against."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from connector.models import ExchangeRate
from connector.money import round_money


class Exchange:
    def __init__(self, rates: Iterable[ExchangeRate] = ()):
        series: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
        for r in rates:
            series[(r.base, r.currency)].append((r.date, r.rate))
        self._series = {k: sorted(v) for k, v in series.items()}
        self._days = {k: [d for d, _ in v] for k, v in self._series.items()}

    def __bool__(self) -> bool:
        return bool(self._series)

    def _quote(self, base: str, currency: str, day: date) -> Decimal | None:
        """How many `currency` one `base` buys on `day` by a stored rate, or its inverse."""
        for key, invert in (((base, currency), False), ((currency, base), True)):
            days = self._days.get(key)
            if days:
                i = bisect.bisect_right(days, day)
                if i:
                    rate = self._series[key][i - 1][1]
                    return 1 / rate if invert else rate
        return None

    def rate(self, source: str, target: str, day: date) -> Decimal | None:
        """Units of `target` one `source` buys on `day`; None when the books hold no rate for it by then."""
        if source == target:
            return Decimal(1)
        direct = self._quote(source, target, day)
        if direct is not None:
            return direct
        for base in {b for b, _ in self._series} | {c for _, c in self._series}:
            there, back = self._quote(source, base, day), self._quote(base, target, day)
            if there is not None and back is not None:
                return there * back
        return None

    def convert(self, amount: Decimal, source: str, target: str, day: date) -> Decimal | None:
        """`amount` of `source` in `target` on `day`, rounded to the target's minor unit; None without a rate."""
        rate = self.rate(source, target, day)
        return None if rate is None else round_money(amount * rate, target)
