"""Postal address lines as a letter's window shows them: the street lines, the locality written the way the
destination country's post reads it ("75002 Paris", "Springfield, IL 62704", a British postcode on its own
line), and the destination country in capitals on the last line when it is not the sender's."""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale, UnknownLocaleError

_CITY_FIRST = {"US", "CA", "AU"}  # "City, ST 12345"
_POSTCODE_BELOW = {"GB", "IE"}  # the postcode on a line of its own, after the town


def lines(street: Iterable[str | None], postcode: str | None, city: str | None, state: str | None = None,
          country: str | None = None, home: str | None = None, lang: str | None = None) -> tuple[str, ...]:
    """`country` and `home` are ISO 3166 alpha-2 codes (or None); the country line is named in `lang`."""
    out = [s.strip() for s in street if s and s.strip()]
    postcode, city, state = (postcode or "").strip(), (city or "").strip(), (state or "").strip()
    code = (country or "").strip().upper()
    if code in _CITY_FIRST:
        locality = ", ".join(x for x in (city, " ".join(x for x in (state, postcode) if x)) if x)
        out.append(locality)
    elif code in _POSTCODE_BELOW:
        out.extend(x for x in (city.upper(), postcode) if x)
    else:
        out.append(" ".join(x for x in (postcode, city) if x))
    if code and code != (home or "").upper():
        out.append(_country_name(code, lang).upper())
    return tuple(x for x in out if x)


def _country_name(code: str, lang: str | None) -> str:
    try:
        return Locale.parse(lang or "en_US").territories.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code
