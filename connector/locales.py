"""Amounts, dates and delays as the customer's language writes them ("1 175,00 €", "15 juin 2026", "31 jours"),
from the Unicode CLDR data that Babel keeps: separators, symbol placement and plurals differ in every language
and are not ours to tabulate. A language Babel does not know is written in English."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_timedelta
from babel.lists import format_list
from babel.numbers import format_currency, format_percent

FALLBACK = "en_US"


@functools.lru_cache(maxsize=64)
def _locale(lang: str | None) -> Locale:
    try:
        return Locale.parse(lang or FALLBACK)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK)


def money(amount: Decimal, currency: str, lang: str | None) -> str:
    """`1 175,00 €` in French, `€1,175.00` in American English; amounts are rounded before they get here."""
    return format_currency(amount, currency, locale=_locale(lang))


def day(value: date, lang: str | None) -> str:
    """`15 juin 2026`, `June 15, 2026`, `15. Juni 2026`."""
    return format_date(value, format="long", locale=_locale(lang))


def days(n: int, lang: str | None) -> str:
    """`31 jours`, `1 day`: never rounded up to months."""
    return format_timedelta(timedelta(days=n), granularity="day", threshold=10**9, locale=_locale(lang))


def percent(rate: Decimal, lang: str | None) -> str:
    """An annual rate given in percent (12.15) as the language writes it: `12,15 %`, `12.15%`."""
    return format_percent(Decimal(rate) / 100, locale=_locale(lang), decimal_quantization=False)


def listing(words: list[str], lang: str | None) -> str:
    """`a, b et c`, `a, b, and c`, `a, b und c`."""
    return format_list(words, locale=_locale(lang)) if words else ""
