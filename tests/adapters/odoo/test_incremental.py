"""Incremental fetches of the Odoo adapter against the emulator (or a real Odoo, ODOO_URL set): a
second fetch by the same source reads only what changed and gives the ledger a full read gives."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest

from adapters.odoo.source import OdooSource
from connector.runner import run
from connector.models import Ledger
from connector.policy import load_policy
from tests.adapters.odoo.books import Books, Scoped

A = date(2026, 3, 2)


def open_source(odoo, **kw) -> OdooSource:
    src = OdooSource(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol, **kw)
    src.client.connect()
    return src


def comparable(led: Ledger) -> dict[str, list]:
    return {name: sorted(getattr(led, name), key=repr)
            for name in ("customers", "receivables", "history", "plans", "credits", "rejected")}


def full_read(odoo, as_of: date = A) -> dict[str, list]:
    src = open_source(odoo, incremental=False)
    try:
        return comparable(src.fetch(as_of))
    finally:
        src.close()


def counted(src: OdooSource, as_of: date = A) -> tuple[Ledger, int]:
    before = src.client.calls
    led = src.fetch(as_of)
    return led, src.client.calls - before


def after_this_second() -> None:
    """write_date and the HTTP Date header count whole seconds: let the data just written fall before
    the next signpost."""
    time.sleep(1.1 - datetime.now().microsecond / 1e6)


@pytest.fixture(scope="module")
def books(odoo):
    admin = open_source(odoo) if not odoo.admin_login else OdooSource(
        odoo.url, odoo.db, odoo.admin_login, odoo.admin_secret, protocol=odoo.protocol)
    admin.init()
    src = open_source(odoo, incremental=False)
    b = Books(src.client)
    b.late = b.partner("Incremental Late")
    b.split = b.partner("Incremental Split")
    b.i1, b.i1_lines = b.invoice(b.late, A - timedelta(days=60), "1000.00", due=A - timedelta(days=30))
    b.i2, b.i2_lines = b.invoice(b.split, A - timedelta(days=10), "1000.00", installments=True)
    b.i3, b.i3_lines = b.invoice(b.split, A - timedelta(days=45), "600.00", due=A - timedelta(days=15))
    return b


def test_given_unchanged_data_when_fetched_again_then_few_calls_and_the_full_ledger(odoo, books):
    after_this_second()
    src = open_source(odoo, lag_minutes=0)  # with the lag, the rows the fixture just wrote are read again
    first, full_calls = counted(src)
    second, inc_calls = counted(src)
    assert src.reader.last_read == "incremental"
    # ids of the domain, then lines, partials, moves, partners and messages written since: one call each; and
    # the approvals (the activities waiting, the messages of those done): two; the promises to pay: one
    assert inc_calls <= 9 < full_calls, (inc_calls, full_calls)
    assert comparable(second) == comparable(first) == full_read(odoo)
    assert any(r.id == str(books.i2_lines[1]) for r in second.receivables)


def test_given_payment_invoice_dispute_email_and_relance_writes_then_incremental_equals_full(odoo, books):
    after_this_second()
    src = open_source(odoo, lag_minutes=0)  # what changes must be read because it changed, not because it is recent
    src.fetch(A)
    books.pay(books.split, books.i2_lines[0], "300.00", A - timedelta(days=1))
    _, new_lines = books.invoice(books.late, A - timedelta(days=40), "250.00", due=A - timedelta(days=20))
    books.dispute(books.i3_lines[0])
    books.c.call("res.partner", "write", ids=[books.split], vals={"email": False})
    history_before = len(src.fetch(A).history)
    result = run(Scoped(src, books.partners), load_policy("fr-b2b"), A, dry_run=False)  # Relance writes
    assert result.failed == [] and result.done, [f.reason for f in result.failed]

    led = src.fetch(A)
    assert src.reader.last_read == "incremental"
    assert comparable(led) == full_read(odoo)
    recs = {r.id: r for r in led.receivables}
    assert recs[str(books.i2_lines[0])].open_amount == 0 and recs[str(books.i3_lines[0])].disputed
    assert str(new_lines[0]) in recs
    assert not next(c for c in led.customers if c.id == str(books.split)).has_email
    assert len(led.history) > history_before


def test_given_an_invoice_reset_to_draft_when_fetched_again_then_its_lines_are_gone(odoo, books):
    src = open_source(odoo)
    move, lines = books.invoice(books.late, A - timedelta(days=5), "80.00", due=A + timedelta(days=25))
    assert str(lines[0]) in {r.id for r in src.fetch(A).receivables}
    books.c.call("account.move", "button_draft", ids=[move])
    led = src.fetch(A)
    assert src.reader.last_read == "incremental"
    assert str(lines[0]) not in {r.id for r in led.receivables}
    assert comparable(led) == full_read(odoo)


def test_given_a_row_committed_after_the_signpost_was_taken_then_the_lag_window_reads_it(odoo, books):
    no_lag, lagged = open_source(odoo, lag_minutes=0), open_source(odoo, lag_minutes=5)
    no_lag.fetch(A), lagged.fetch(A)
    line = books.i1_lines[0]
    books.dispute(line)
    stamp = books.c.call("account.move.line", "read", ids=[line], fields=["write_date"])[0]["write_date"]
    # As if the previous runs had started after this transaction began but read before it committed.
    for src in (no_lag, lagged):
        src.reader.snapshot.signpost = datetime.fromisoformat(stamp) + timedelta(seconds=1)
    missed = {r.id: r for r in no_lag.fetch(A).receivables}
    seen = lagged.fetch(A)
    assert lagged.reader.last_read == no_lag.reader.last_read == "incremental"
    assert not missed[str(line)].disputed  # without the lag the change is lost until the next full read
    assert {r.id: r for r in seen.receivables}[str(line)].disputed
    assert comparable(seen) == full_read(odoo)


def test_given_a_new_day_a_stale_cache_or_an_error_then_a_full_read(odoo, books):
    src = open_source(odoo)
    src.fetch(A)
    src.fetch(A + timedelta(days=1))
    assert src.reader.last_read == "full"  # as_of moved: the paid_lookback window moved
    src.reader.full_every = timedelta(0)
    src.fetch(A + timedelta(days=1))
    assert src.reader.last_read == "full"
    if odoo.emulator is None:
        return
    from adapters.odoo.emulator import UserError

    src.reader.full_every = timedelta(hours=24)

    def fail_once(protocol, model, method):
        if method == "search" and model == "account.move.line":
            odoo.emulator.fault_hook = None
            raise UserError("the incremental step fails once")

    odoo.emulator.fault_hook = fail_once
    led = src.fetch(A + timedelta(days=1))
    assert src.reader.last_read == "full" and odoo.emulator.fault_hook is None
    assert comparable(led) == full_read(odoo, A + timedelta(days=1))
