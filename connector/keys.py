"""Idempotency keys and the markers that carry them into the source system.

A key is derived only from source record ids, the level and the penalty period, so the same
situation always gives the same key. The marker written on what an operation creates encodes the
history entry, so history is read back from the source system: no database of ours.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal

from connector.models import HistoryEntry

PREFIX = "relance:"
_MARKER = re.compile(r"\[relance:([0-9a-f]{32})\|([^\]]*)\]")


def make_key(*parts: object) -> str:
    """32 hex characters (fits QuickBooks' 50-character requestid)."""
    text = "\x1f".join(map(str, parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _esc(value: str) -> str:
    return value.replace("%", "%25").replace("|", "%7C").replace(",", "%2C").replace("]", "%5D").replace("=", "%3D")


def _unesc(value: str) -> str:
    return value.replace("%3D", "=").replace("%5D", "]").replace("%2C", ",").replace("%7C", "|").replace("%25", "%")


def render(entry: HistoryEntry) -> str:
    """One bracketed marker, e.g. `[relance:<key>|action|2026-11-22|c=42|r=7,8|l=3|ch=email]`."""
    fields = [entry.kind, entry.date.isoformat(), f"c={_esc(entry.customer_id)}",
              "r=" + ",".join(_esc(r) for r in entry.receivable_ids)]
    if entry.level is not None:
        fields.append(f"l={entry.level}")
    if entry.channel:
        fields.append(f"ch={entry.channel}")
    if entry.penalty:
        fields.append(f"p={entry.penalty}")
    if entry.period_start:
        fields.append(f"ps={entry.period_start.isoformat()}")
    if entry.period_end:
        fields.append(f"pe={entry.period_end.isoformat()}")
    if entry.amount is not None:
        fields.append(f"a={entry.amount}")
    if entry.currency:
        fields.append(f"cur={entry.currency}")
    if entry.invoice_id:
        fields.append(f"i={_esc(entry.invoice_id)}")
    if entry.of:
        fields.append(f"o={entry.of}")
    return f"[{PREFIX}{entry.key}|{'|'.join(fields)}]"


def search_token(key: str) -> str:
    """The text to search for in the source system to find what an operation wrote."""
    return f"{PREFIX}{key}"


def parse(text: str, source_ref: str | None = None) -> list[HistoryEntry]:
    """Every marker found in `text` (a note body, a line label), as history entries; junk is ignored."""
    out = []
    for key, body in _MARKER.findall(text or ""):
        parts = body.split("|")
        if len(parts) < 4:
            continue
        kind, day, *rest = parts
        kv = dict(p.split("=", 1) for p in rest if "=" in p)
        try:
            out.append(HistoryEntry(
                key=key, kind=kind, date=date.fromisoformat(day), customer_id=_unesc(kv.get("c", "")),
                receivable_ids=tuple(_unesc(r) for r in kv.get("r", "").split(",") if r),
                level=int(kv["l"]) if "l" in kv else None, channel=kv.get("ch"), penalty=kv.get("p"),
                period_start=date.fromisoformat(kv["ps"]) if "ps" in kv else None,
                period_end=date.fromisoformat(kv["pe"]) if "pe" in kv else None,
                amount=Decimal(kv["a"]) if "a" in kv else None, currency=kv.get("cur"), source_ref=source_ref,
                invoice_id=_unesc(kv["i"]) if "i" in kv else None, of=kv.get("o"),
            ))
        except (ValueError, ArithmeticError):
            continue  # a marker edited by hand into nonsense is not history
    return out
