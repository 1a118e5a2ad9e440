"""`relance report --check-ledger` end to end on the demo ledger in the Odoo emulator: the totals per company and
currency agree to the cent, today and as of an earlier day; a receivable Relance does not read is a failure
(exit 1), named with -v."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from tests.cli.cliutil import demo_odoo, odoo_config

from adapters.odoo.client import OdooClient

AS_OF = date(2026, 3, 10)
SECRET = "emulated-Password-4711"


@pytest.fixture
def demo(tmp_path, monkeypatch):
    emu, url = demo_odoo(AS_OF, SECRET)
    monkeypatch.setenv("RELANCE_TEST_ODOO_SECRET", SECRET)
    yield odoo_config(tmp_path, url), url
    emu.stop()


def check_rows(out: str) -> list[tuple[str, str, str, str]]:
    """(currency, report, Odoo, difference) of each line of the check's table."""
    return re.findall(r"^\s+Relance Demo SAS\s+(\w{3})\s+([\d,.-]+)\s+([\d,.-]+)\s+([\d,.-]+)$", out, re.M)


def test_given_the_demo_when_checked_today_and_on_an_earlier_day_then_each_currency_differs_by_nothing(relance, demo):
    cfg, _ = demo
    for day in (AS_OF, AS_OF - timedelta(days=50)):
        code, out, err = relance("--config", cfg, "--as-of", day.isoformat(), "report", "--check-ledger")
        assert code == 0, err
        rows = check_rows(out)
        assert [r[0] for r in rows] == ["EUR", "USD"] and all(r[1] == r[2] and r[3] == "0.00" for r in rows), out
        total = re.search(r"TOTAL EUR\s+EUR(?:\s+[\d,.-]+){6}\s+([\d,.-]+)", out).group(1)
        assert rows[0][1] == total  # the aged balance's total is the one checked
        assert "agrees with the ledger to the cent" in out


def test_given_a_receivable_entry_relance_does_not_follow_when_checked_then_it_fails_and_names_it(relance, demo):
    cfg, url = demo
    c = OdooClient(url, "demo", "relance", SECRET, protocol="json2")
    c.connect()
    receivable = c.call("account.account", "search_read", domain=[("account_type", "=", "asset_receivable")],
                        fields=["id"], limit=1)[0]["id"]
    income = c.call("account.account", "search_read", domain=[("account_type", "=", "income")], fields=["id"],
                    limit=1)[0]["id"]
    journal = c.call("account.journal", "search_read", domain=[("type", "=", "general")], fields=["id"], limit=1)[0]["id"]
    partner = c.call("res.partner", "search_read", domain=[("customer_rank", ">", 0)], fields=["id"], limit=1) or \
        c.call("res.partner", "search_read", domain=[], fields=["id"], limit=1)
    move = c.call("account.move", "create", vals_list=[{  # an opening balance booked as a journal entry
        "move_type": "entry", "date": (AS_OF - timedelta(days=3)).isoformat(), "journal_id": journal, "ref": "Opening",
        "line_ids": [(0, 0, {"account_id": receivable, "partner_id": partner[0]["id"], "name": "Opening balance",
                             "debit": 250.0, "credit": 0.0}),
                     (0, 0, {"account_id": income, "name": "Opening balance", "debit": 0.0, "credit": 250.0})]}])[0]
    c.call("account.move", "action_post", ids=[move])
    code, out, err = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "report", "--check-ledger")
    assert code == 1 and "FAILED" in out and "1 item(s) differ: -v lists them" in out
    eur = check_rows(out)[0]
    assert eur[0] == "EUR" and Decimal(eur[3].replace(",", "")) == Decimal("-250.00")
    code, out, err = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "-v", "report", "--check-ledger")
    assert code == 1
    assert re.search(r"Opening.*account\.move\.line \d+ .*EUR\s+0\.00\s+250\.00\s+open in the system, not read by "
                     r"Relance", out), out
    code, out, err = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "report", "--check-ledger", "--json")
    doc = json.loads(out, parse_float=Decimal)["tenants"][0]["ledger_check"]
    assert doc["ok"] is False and [d["system"] for d in doc["differences"]] == ["250.00"]
