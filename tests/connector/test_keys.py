"""Markers: what an operation writes can be parsed back into the same history, whatever the ids hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from connector.keys import make_key, parse, render, search_token
from connector.models import HistoryEntry

ids = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@given(cid=ids, rids=st.lists(ids, min_size=1, max_size=4), level=st.integers(1, 12))
def test_action_marker_round_trips_any_ids(cid, rids, level):
    entry = HistoryEntry(key=make_key("action", cid, level, *rids), kind="action", date=date(2026, 3, 10),
                         customer_id=cid, receivable_ids=tuple(rids), level=level, channel="email")
    text = f"<p>Reminder sent.</p><p>{render(entry)}</p>"
    assert parse(text) == [entry]
    assert search_token(entry.key) in text


def test_penalty_marker_round_trips():
    entry = HistoryEntry(key=make_key("p"), kind="penalty", date=date(2026, 3, 10), customer_id="7",
                         receivable_ids=("12",), penalty="interest", period_start=date(2026, 1, 31),
                         period_end=date(2026, 3, 10), amount=Decimal("12.34"), currency="EUR")
    assert parse("Interest " + render(entry)) == [entry]


def test_garbage_markers_are_ignored():
    assert parse("[relance:nothex|action|2026-01-01|c=1|r=1]") == []
    assert parse(f"[relance:{make_key('x')}|action|not-a-date|c=1|r=1]") == []
    assert parse(None) == []


def test_keys_are_deterministic_and_distinct():
    assert make_key("action", "C1", 2, "R1") == make_key("action", "C1", 2, "R1")
    assert make_key("action", "C1", 2, "R1") != make_key("action", "C1", 3, "R1")
    assert make_key("a", "b|c") != make_key("a|b", "c")
    assert len(make_key("x")) == 32
