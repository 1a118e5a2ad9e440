"""The first hour of a new user: rate failures reported once per cause with the command that fixes them, and
after `relance rates update` (against the publishers' recorded answers) interest computed as of today."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import responses

from connector import publishers
from connector.interest import known_until
from connector.policy import load_policy
from tests.cli.cliutil import charging_history_policy, demo_odoo, odoo_config

FIXTURES = Path(__file__).parents[1] / "connector" / "fixtures" / "rates"


def past_the_tables() -> date:
    """A working day two months into the first half-year whose ECB rate the tables do not hold."""
    day = known_until(load_policy("fr-b2b").rules.interest) + timedelta(days=62)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_given_a_day_past_the_rate_tables_when_planning_and_running_then_one_line_per_cause_and_no_lone_indemnity(
        relance, tmp_path, monkeypatch):
    day = past_the_tables()
    emu, url = demo_odoo(day, "first-hour-Secret-1")
    monkeypatch.setenv("RELANCE_TEST_ODOO_SECRET", "first-hour-Secret-1")
    try:  # a policy that charges the demo's history, so that many invoices need the missing rate
        cfg = odoo_config(tmp_path, url, policy=str(charging_history_policy(tmp_path)))
        relance("--config", cfg, "init")
        cause = (r"FAILED (\d+) item\(s\): no ECB main refinancing operations rate known after (\S+) "
                 r"\((\S+)\) — run `relance rates update`")
        plan = relance("--config", cfg, "--as-of", day.isoformat(), "plan", "-v")
        run = relance("--config", cfg, "--as-of", day.isoformat(), "run", "-v")
    finally:
        emu.stop()
    assert plan.code == 1 and run.code == 1
    [(count, _, table)] = re.findall(cause, plan.out)  # one line for the cause, not one per invoice
    assert re.findall(cause, run.out) == [(count, _, table)] and int(count) > 10 and table.endswith("ecb_mro.csv")
    assert "FAILED invoice" not in plan.out + run.out
    failed = re.findall(r"^ +invoice (\S+)$", plan.out, re.M)  # -v lists the items under their cause
    assert failed and len(failed) == len(set(failed)) == int(count)
    assert re.findall(r"^ +invoice (\S+)$", run.out, re.M) == failed
    written = re.findall(r"penalty .* on (\S+)", run.out)
    assert not set(failed) & set(written)  # nothing charged on an invoice whose interest failed: no lone indemnity
    assert re.search(rf"wrote .* skipped, {count} failed", run.out)  # the closing line counts them


def test_given_rates_updated_from_the_publishers_then_penalty_and_demo_work_as_of_today(relance, rates_dir):
    with responses.RequestsMock() as rsps:
        rsps.get(publishers.ECB_URL, body=(FIXTURES / "ecb_mro_dataonly.csv").read_bytes(), content_type="text/csv")
        rsps.get(publishers.BOE_URL, body=(FIXTURES / "boe_iudbedr_2025-12.csv").read_bytes(),
                 content_type="application/csv")
        rsps.get(publishers.BBK_URL, status=503, body="")
        got = relance("rates", "update")
    assert got.code == 1  # the Bundesbank failed: said, and the others written
    assert re.search(r"updated  ecb_mro: covered until \d{4}-\d\d-\d\d \(was 2026-\d\d-\d\d\); \d+ rate change", got.out)
    assert "kept     boe_bank" in got.out or "FAILED   boe_bank" in got.out  # a one-month answer replaces nothing
    assert "FAILED   de_base: Deutsche Bundesbank answered HTTP 503" in got.out
    assert "by hand  fr_legal_individual" in got.out
    assert f"rates directory: {rates_dir} (RELANCE_RATES_DIR)" in got.out

    pen = relance("penalty", "--amount", "1000", "--due", "2026-05-01", "--jurisdiction", "fr-b2b")
    assert pen.code == 0, pen.err
    assert f"as of {date.today()}" in pen.out and "total:" in pen.out

    demo = relance("demo", "--as-of", date.today().isoformat())
    assert demo.code == 0, demo.out + demo.err
    assert "FAILED" not in demo.out and "rate" not in demo.err

    shown = relance("rates", "show")
    assert re.search(rf"ecb_mro\s+2026-09-16\s+2.65 %\s+{date.today()}\s+{rates_dir}/ecb_mro.csv", shown.out)


def test_given_demo_help_then_it_says_why_its_day_may_not_be_today(relance):
    got = relance("demo", "--help")
    assert got.code == 0
    text = " ".join(got.out.split())
    assert "the last working day the rate tables cover when they end before today" in text
    assert "relance rates update" in text
