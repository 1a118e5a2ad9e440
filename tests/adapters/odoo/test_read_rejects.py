"""A bad source record is skipped with a reason naming it; the others are still read. A bad Odoo
mapping names the file and the key."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from adapters.odoo.emulator import OdooEmulator
from adapters.odoo.emulator.ledger import base_records
from adapters.odoo.mapping import load_mapping, shipped_mapping_path
from adapters.odoo.source import OdooSource
from connector.errors import ConfigError
from tests.adapters.odoo.books import Books

A = date(2026, 3, 2)


@pytest.fixture
def emu():
    e = OdooEmulator(version="17.0", db="rejects")
    e.seed(base_records("17.0"))
    e.add_user(login="relance", password="pw", api_key="key", groups=("account",), company_ids=(1,))
    e.start()
    yield e
    e.stop()


def test_given_line_without_due_date_or_with_unknown_currency_then_rejected_and_others_read(emu):
    src = OdooSource(emu.url, "rejects", "relance", "pw", protocol="xmlrpc")
    src.client.connect()
    books = Books(src.client)
    p = books.partner("Rejects")
    _, [good] = books.invoice(p, date(2026, 1, 1), "100.00", due=date(2026, 1, 31))
    _, [no_due] = books.invoice(p, date(2026, 1, 2), "200.00", due=date(2026, 2, 1))
    _, [odd] = books.invoice(p, date(2026, 1, 3), "300.00", due=date(2026, 2, 2))
    emu.store.data["account.move.line"][no_due]["date_maturity"] = False  # as a broken import leaves it
    zzz = src.client.call("res.currency", "create", vals_list=[{"name": "ZZZ", "symbol": "Z"}])[0]
    emu.store.data["account.move.line"][odd]["currency_id"] = zzz
    emu.store.data["account.move.line"][odd]["amount_currency"] = 300.0
    led = src.fetch(A)
    assert [r.id for r in led.receivables if r.customer_id == str(p)] == [str(good)]
    reasons = {r.record.split(" (")[0]: r.reason for r in led.rejected}
    assert reasons[f"account.move.line {no_due}"] == "no due date (date_maturity is empty)"
    assert "unknown currency 'ZZZ'" in reasons[f"account.move.line {odd}"]


@pytest.mark.parametrize(("mutate", "key"), [
    (lambda d: d["penalties"].__setitem__("mode", "credit_note"), "penalties.mode"),
    (lambda d: d["receivables"].__setitem__("page_size", 0), "receivables.page_size"),
    (lambda d: d.__setitem__("activity", {}), "activity: unknown key"),
    (lambda d: d["activities"].__setitem__("fax", {"xmlid": "x.y"}), "activities.fax"),
])
def test_given_bad_mapping_then_file_and_key_named(tmp_path, mutate, key):
    data = yaml.safe_load(shipped_mapping_path().read_text())
    mutate(data)
    path = tmp_path / "odoo.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as exc:
        load_mapping(path)
    assert str(path) in str(exc.value) and key in str(exc.value)
