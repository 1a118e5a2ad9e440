"""Argument types of the CLI: each refuses what it cannot read with a message naming the value."""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal, InvalidOperation


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def decimal(text: str) -> Decimal:
    """An amount; thousands separators (10,000) are dropped."""
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    return value


def percent(text: str) -> Decimal:
    """A rate as published, with a decimal point: a French "2,62" is refused rather than read as 262."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        hint = f" (write {text.replace(',', '.')} with a decimal point)" if "," in text else ""
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage{hint}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage")
    return value


def payment(text: str) -> tuple[date, Decimal]:
    day, sep, amount = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: expected DATE:AMOUNT, e.g. 2025-08-15:4000")
    return iso_date(day), decimal(amount)
