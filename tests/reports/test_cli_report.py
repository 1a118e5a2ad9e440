"""`relance report` end to end on the demo ledger in the Odoo emulator: the terminal tables (aged balance
and worklist), CSV, JSON, the HTML page (loaded in Chromium when installed) and the PNG charts."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from tests.cli.cliutil import demo_odoo, odoo_config
from tests.reports.pngread import read_png

AS_OF = date(2026, 3, 10)
SECRET = "emulated-Password-4711"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    emu, url = demo_odoo(AS_OF, SECRET)
    path = odoo_config(tmp_path_factory.mktemp("cfg"), url)
    mp = pytest.MonkeyPatch()
    mp.setenv("RELANCE_TEST_ODOO_SECRET", SECRET)
    yield path
    mp.undo()
    emu.stop()


def report(relance, cfg, *extra):
    return relance("--config", cfg, "--as-of", AS_OF.isoformat(), "report", *extra)


@pytest.fixture(scope="module")
def doc(cfg):
    from adapters.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--config", cfg, "--as-of", AS_OF.isoformat(), "report", "--format", "json",
                     "--financing-rate", "5", "--admin-cost", "12"]) == 0
    return json.loads(out.getvalue(), parse_float=Decimal)["tenants"][0]


def test_given_the_demo_when_reported_then_the_aged_balance_and_the_worklist_are_printed(relance, cfg):
    code, out, err = report(relance, cfg)
    assert code == 0, err
    assert "== demo: report as of 2026-03-10" in out
    assert re.search(r"TOTAL EUR\s+EUR\s+[\d,.]+", out) and re.search(r"TOTAL USD\s+USD", out)
    assert "today's worklist" in out and re.search(r"^\s+1  \S", out, re.M)
    assert "count-back" in out and "Collection Effectiveness Index" in out


def test_given_json_when_reported_then_totals_add_up_per_currency_and_the_worklist_is_ranked(doc):
    for cur, totals in doc["aged_totals"].items():
        rows = [r for r in doc["aged_balance"] if r["currency"] == cur]
        assert sum(Decimal(r["total"]) for r in rows) == Decimal(totals["total"])
    work = doc["worklist"]
    assert [w["rank"] for w in work] == list(range(1, len(work) + 1))
    eur = [w for w in work if w["currency"] == "EUR"]
    assert eur and [w["expected"] for w in eur] == sorted((w["expected"] for w in eur), key=Decimal, reverse=True)
    assert work[0]["currency"] == "EUR" and all(w["channel"] and w["reason"] for w in work)
    assert {f["currency"] for f in doc["cost"]["financing"]} == {"EUR", "USD"}
    assert {d["currency"] for d in doc["dso"]} == {"EUR", "USD"}


def test_given_the_old_json_flag_when_reported_then_the_aged_balance_keeps_its_shape(relance, cfg):
    code, out, _ = report(relance, cfg, "--json")
    row = json.loads(out)["tenants"][0]["aged_balance"][0]
    assert set(row) == {"customer_id", "customer", "currency", "buckets", "total"}


def test_given_csv_when_reported_then_one_table_per_section(relance, cfg, doc):
    code, out, _ = report(relance, cfg, "--format", "csv")
    assert code == 0
    blocks = [list(csv.reader(io.StringIO(block))) for block in out.strip().split("\n\n")]
    assert len(blocks) == 7 and all(b[0][0] == "section" for b in blocks)
    aging, work = blocks[0], blocks[-1]
    assert {r[0] for r in aging[1:]} == {"aged_balance"} and len(aging) - 1 == len(doc["aged_balance"])
    assert work[0][:4] == ["section", "tenant", "rank", "customer_id"]
    assert [r[2] for r in work[1:]] == [str(w["rank"]) for w in doc["worklist"]]


def test_given_html_and_png_when_reported_then_the_page_shows_the_json_totals(relance, cfg, doc, tmp_path):
    page, folder = tmp_path / "report.html", tmp_path / "png"
    code, out, err = report(relance, cfg, "--html", str(page), "--png", str(folder))
    assert code == 0, err
    assert f"wrote {page}" in out
    assert sorted(p.name for p in folder.iterdir()) == ["demo-aging-EUR.png", "demo-aging-USD.png",
                                                       "demo-dso-trend.png", "demo-top-overdue-EUR.png",
                                                       "demo-top-overdue-USD.png"]
    assert read_png((folder / "demo-aging-EUR.png").read_bytes())[:2] == (1120, 600)
    text = page.read_text(encoding="utf-8")
    for cur, totals in doc["aged_totals"].items():
        assert f'data-total="{cur}" data-amount="{totals["total"]}"' in text

    from tests.reports.browser import dump_dom, screenshot  # skips from here on without Chromium
    dom = dump_dom(page)
    for cur, totals in doc["aged_totals"].items():
        shown = f"{Decimal(totals['total']):,.2f}"
        assert re.search(rf'data-total="{cur}" data-amount="{totals["total"]}">{shown}<', dom)
    assert len(re.findall(r'<rect class="bar"', dom)) >= 12
    assert 'id="dso-trend"' in dom
    screenshot(page, tmp_path / "shot.png")


def test_given_a_period_end_after_the_as_of_day_when_reported_then_exit_2(relance, cfg):
    code, _, err = report(relance, cfg, "--period-end", "2026-04-30")
    assert code == 2 and "--period-end 2026-04-30 is after the as-of day 2026-03-10" in err
