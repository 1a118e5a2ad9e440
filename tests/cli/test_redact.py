"""`--redact` on the demo ledger in the Odoo emulator: plan (text, JSON, every message and letter rendered), report
(table and JSON) and a run's output and JSON logs hold none of the customers' names, contacts, e-mails or street
lines, each replaced by the same pseudonym every time; the run itself still writes to the real customers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pypdf
import pytest

from adapters.odoo.client import OdooClient
from connector import pseudonyms
from tests.cli.cliutil import demo_odoo, odoo_config

AS_OF = date(2026, 3, 10)
SECRET = "emulated-Password-4711"


@pytest.fixture(scope="module")
def odoo(tmp_path_factory):
    emu, url = demo_odoo(AS_OF, SECRET)
    yield url, odoo_config(tmp_path_factory.mktemp("redact"), url)
    emu.stop()


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_ODOO_SECRET", SECRET)


def _seeded(url: str) -> tuple[set[str], list[str]]:
    """Every personal value of the partners invoiced in the emulated Odoo, and their ids."""
    client = OdooClient(url, "demo", "relance", SECRET)
    client.connect()
    moves = client.call("account.move", "search_read", domain=[("move_type", "=", "out_invoice")],
                        fields=["partner_id", "commercial_partner_id"])
    ids = sorted({m["commercial_partner_id"][0] for m in moves} | {m["partner_id"][0] for m in moves})
    rows = client.call("res.partner", "search_read", domain=[("id", "in", ids)],
                       fields=["name", "email", "street", "street2"]) + client.call(
        "res.partner", "search_read", domain=[("parent_id", "in", ids)], fields=["name", "email", "street", "street2"])
    values = {str(r[k]) for r in rows for k in ("name", "email", "street", "street2") if r.get(k)}
    return {v for v in values if len(v) >= 4}, [str(i) for i in ids]


def _leaks(text: str, values: set[str]) -> list[str]:
    return sorted(v for v in values if v in text)


def test_plan_report_and_run_under_redact_name_no_one(odoo, relance, tmp_path):
    url, cfg = odoo
    values, ids = _seeded(url)
    assert len(values) > 20  # names, e-mails and streets of the demo's customers and their contacts
    day = AS_OF.isoformat()

    shown = relance("--config", cfg, "--as-of", day, "--redact", "plan", "--show-messages",
                    "--messages-dir", str(tmp_path))
    assert shown.code in (0, 1), shown.err
    assert _leaks(shown.out + shown.err, values) == []
    assert "Customer " in shown.out and "@redacted.invalid" in shown.out
    letters = sorted(Path(tmp_path).rglob("*.pdf"))
    assert letters, "the plan renders letters"
    for pdf in letters:
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)
        assert _leaks(text, values) == [], pdf.name
        assert "[address of customer" in text

    doc = relance("--config", cfg, "--as-of", day, "--redact", "plan", "--json")
    assert _leaks(doc.out + doc.err, values) == []
    ops = json.loads(doc.out)["tenants"][0]["operations"]
    again = json.loads(relance("--config", cfg, "--as-of", day, "--redact", "plan", "--json").out)["tenants"][0]
    assert [o["customer_name"] for o in ops] == [o["customer_name"] for o in again["operations"]]  # stable
    assert {o["customer_name"] for o in ops} <= {pseudonyms.name(i) for i in ids}

    for fmt in ("table", "json"):
        rep = relance("--config", cfg, "--as-of", day, "--redact", "report", "--format", fmt)
        assert rep.code in (0, 1), rep.err
        assert _leaks(rep.out + rep.err, values) == [], fmt

    done = relance("--config", cfg, "--as-of", day, "--redact", "--log-format", "json", "-v", "run")
    assert done.code in (0, 1), done.err
    assert _leaks(done.out + done.err, values) == []
    client = OdooClient(url, "demo", "relance", SECRET)
    client.connect()
    sent = client.call("mail.message", "search_read", domain=[("message_type", "=", "comment"),
                                                              ("subject", "!=", False)], fields=["body"])
    assert sent and any(_leaks(m["body"], values) for m in sent)  # the customers got their real names



def test_json_logs_pseudonymise_logs_but_not_what_the_plan_prints(odoo, relance):
    url, cfg = odoo
    values, _ = _seeded(url)
    got = relance("--config", cfg, "--as-of", "2026-03-12", "--log-format", "json", "plan")
    assert got.code in (0, 1), got.err
    assert _leaks(got.out, values)  # a plan printed for a person names its customers unless --redact
