"""Days without contact: chosen weekdays, public holidays of a country, and listed days."""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING

import holidays

if TYPE_CHECKING:
    from connector.policy import Contact

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@functools.cache
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


def quiet_reason(contact: Contact, day: date) -> str | None:
    """Why `day` is a day without contact, or None when customers may be contacted."""
    weekday = WEEKDAYS[day.weekday()]
    if weekday in contact.quiet_weekdays:
        return f"{day} is a {day.strftime('%A')}"
    if day in contact.quiet_days:
        return f"{day} is listed in contact.quiet_days"
    if contact.holidays:
        name = _public_holidays(contact.holidays, contact.holiday_subdivision, day.year).get(day)
        if name:
            return f"{day} is a public holiday in {contact.holidays} ({name})"
    return None


def check_country(code: str) -> str:
    """Validate a holiday calendar code at policy load time rather than on the first quiet-day check."""
    try:
        holidays.country_holidays(code)
    except NotImplementedError:
        raise ValueError(f"no public-holiday calendar for country {code!r}") from None
    return code


@functools.lru_cache(maxsize=256)  # one answer per as-of date and delay in a run of thousands of reminders
def business_days_after(day: date, n: int, country: str | None = None, subdivision: str | None = None,
                        weekend: tuple[str, ...] = ("sat", "sun")) -> date:
    """The day `n` working days after `day`: weekend days and the country's public holidays are not counted,
    so "huit jours ouvrés" from a Friday before Ascension lands where a debtor would count it."""
    out, left = day, n
    while left > 0:
        out = date.fromordinal(out.toordinal() + 1)
        if WEEKDAYS[out.weekday()] in weekend:
            continue
        if country and out in _public_holidays(country, subdivision, out.year):
            continue
        left -= 1
    return out
