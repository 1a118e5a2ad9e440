"""One operation on its way through a batch (adapters/odoo/batch.py), and the domain that finds many at once."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Callable

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


def search_tokens(client, model: str, field: str, items: list[Item], needle: Callable[[Item], str],
                  fields: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """One search for the records of `model` on each item's document whose `field` holds `needle(item)`: operation
    key -> those records, `field` unescaped (Odoo stores HTML)."""
    if not items:
        return {}
    document = "res_model" if model == "mail.activity" else "model"
    rows = client.call(model, "search_read", fields=["id", field, *fields], context={"active_test": False},
                       domain=or_terms([[(document, "=", i.target[0]), ("res_id", "=", i.target[1]),
                                         (field, "ilike", needle(i))] for i in items]))
    found: dict[str, list[dict]] = {}
    for row in rows:
        text = html.unescape(str(row.get(field) or ""))
        for i in items:
            if needle(i) in text:
                found.setdefault(i.op.key, []).append({**row, field: text})
    return found
