"""Currencies and cent-exact rounding: amounts are `Decimal` in a known ISO 4217 currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 active codes with their minor units (decimals). Codes not listed here are refused,
# so a typo in a source record ("EURO", "eur ") never turns into money silently.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD "
        "CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD "
        "GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD "
        "MDL MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR "
        "PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT "
        "TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWL".split(),
        2,
    ),
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}


def is_currency(code: str) -> bool:
    return code in _MINOR_UNITS


def check_currency(code: str) -> str:
    """Return the code if it is a known ISO 4217 currency, else raise ValueError naming it."""
    if code not in _MINOR_UNITS:
        raise ValueError(f"unknown currency {code!r} (expected an ISO 4217 code such as EUR)")
    return code


_QUANTUM = {code: Decimal(1).scaleb(-units) for code, units in _MINOR_UNITS.items()}


def quantum(currency: str) -> Decimal:
    return _QUANTUM[currency]


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round once, half up, to the currency's minor unit (the cent for EUR)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def fmt(amount: Decimal, currency: str) -> str:
    return f"{round_money(amount, currency):,} {currency}"
