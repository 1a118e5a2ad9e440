"""One operation on its way through a batch (adapters/odoo/batch.py), and the domain that finds many at once."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from connector.models import Operation


@dataclass
class Item:
    """One operation on its way: where it writes, what it found done, what it did."""

    op: Operation
    target: tuple[str, int]
    token: str
    markers: str
    done: list[str] = field(default_factory=list)  # what was written, for the marker note
    text: Any = None  # the rendered message
    sent: bool = False  # its e-mail is already in the chatter (an earlier run's, or this one's)
    move: dict | None = None  # penalty: the invoice written
    ref: str = ""  # what the user is told was written


def or_terms(terms: list[list]) -> list:
    """Odoo's prefix notation for term1 OR term2 OR ..., each term a list of leaves and-ed together."""
    out: list = ["|"] * (len(terms) - 1)
    for term in terms:
        out.extend(["&"] * (len(term) - 1) + term)
    return out
