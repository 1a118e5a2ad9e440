"""The CLI end to end against the Odoo emulator seeded with the demo ledger (19 over JSON-2; the daemon
on 17 over XML-RPC): check, init, plan --json,
run twice (the second writes nothing), a daemon stopped by SIGTERM mid-run that loses and doubles nothing, and
a first plan that charges no history."""

from __future__ import annotations

import html
import json
import re
import signal
import time
from collections import Counter
from datetime import date

import pytest

from adapters.odoo.client import OdooClient
from tests.cli.cliutil import charging_history_policy, demo_odoo, odoo_config, relance_process, subprocess_env

AS_OF = date(2026, 3, 10)  # a Tuesday, no French public holiday: contacts allowed
SECRET = "emulated-Password-4711"
TOKEN = re.compile(r"relance:([0-9a-f]{32})")


def written(url: str) -> Counter:
    """(what, key) -> how many records of that kind carry the key in the emulated Odoo."""
    client = OdooClient(url, "demo", "relance", SECRET)
    client.connect()
    out: Counter = Counter()
    for row in client.search_read_all("mail.message", [("body", "ilike", "relance:")], ["body"]):
        body = html.unescape(str(row["body"]))
        kind = "note" if "[relance:" in body else "message"
        out.update((kind, k) for k in set(TOKEN.findall(body)))
    acts = client.call("mail.activity", "search_read", domain=[("note", "ilike", "relance:")], fields=["note"],
                       context={"active_test": False})
    out.update(("activity", k) for a in acts for k in set(TOKEN.findall(html.unescape(str(a["note"])))))
    moves = client.call("account.move", "search_read", domain=[("ref", "ilike", "relance:")], fields=["ref"])
    out.update(("penalty", k) for m in moves for k in set(TOKEN.findall(m["ref"])))
    return out


@pytest.fixture(scope="module")
def odoo(tmp_path_factory):
    emu, url = demo_odoo(AS_OF, SECRET)
    folder = tmp_path_factory.mktemp("odoo")
    # the demo ledger's first run charges nothing with the shipped policy (no item was reminded before it was
    # paid): the policy here asks for the history to be charged, so that every kind of write is exercised
    yield url, odoo_config(folder, url, policy=str(charging_history_policy(folder)))
    emu.stop()


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_ODOO_SECRET", SECRET)


def test_check_before_init_then_init_is_idempotent_and_check_passes(odoo, relance):
    url, cfg = odoo
    before = relance("--config", cfg, "check")
    assert before.code in (0, 1), before.err
    assert "ok    connect: Odoo 19.0" in before.out and "json2" in before.out
    first = relance("--config", cfg, "init")
    assert first.code == 0, first.out + first.err
    again = relance("--config", cfg, "init")
    assert again.code == 0 and "created" not in again.out
    after = relance("--config", cfg, "check")
    assert after.code == 0, after.out
    assert SECRET not in before.out + first.out + after.out + after.err


def test_plan_json_lists_every_kind_of_operation_and_writes_nothing(odoo, relance):
    url, cfg = odoo
    got = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "plan", "--json")
    assert got.code in (0, 1), got.err
    doc = json.loads(got.out)["tenants"][0]
    ops = doc["operations"]
    assert doc["tenant"] == "demo" and doc["as_of"] == AS_OF.isoformat() and len(ops) > 30
    assert len({op["key"] for op in ops}) == len(ops)
    channels = Counter(op["channel"] if op["kind"] == "action" else "penalty" for op in ops)
    assert {"email", "call_task", "penalty"} <= set(channels), channels
    assert any(op["kind"] == "penalty" and any(ln["kind"] == "indemnity" for ln in op["lines"]) for op in ops)
    assert all(op["customer_name"] != "Cabinet Girard Architectes" for op in ops)  # excluded by its tag
    reasons = " ".join(s["reason"] for s in doc["skipped"])
    assert "disputed or blocked" in reasons
    assert not [k for k in written(url) if k[0] == "note"]
    assert SECRET not in got.out


def test_run_twice_the_second_run_writes_nothing(odoo, relance):
    url, cfg = odoo
    planned = json.loads(relance("--config", cfg, "--as-of", AS_OF.isoformat(), "plan", "--json").out)["tenants"][0]
    first = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "run", "--json")
    result = json.loads(first.out)["tenants"][0]
    assert first.code == 0, [f["reason"] for f in result["failed"]][:5]
    assert result["counts"]["done"] == len(planned["operations"])
    notes = {k for (what, k), n in written(url).items() if what == "note"}
    assert notes == {op["key"] for op in planned["operations"]}
    # a penalty is named by the draft invoice it created, not by its marker note
    refs = [d["ref"] for d in result["done"] if d["what"].startswith("penalty ")]
    assert refs and all(re.fullmatch(r"draft penalty invoice \(account\.move \d+\) for \S+: [\d,]+\.\d\d [A-Z]{3} \(.+\)", r)
                        for r in refs), refs[:3]
    second = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "run")
    assert second.code == 0 and "wrote 0 of 0 operation(s)" in second.out
    assert all(n == 1 for n in written(url).values())


def test_report_gives_the_aged_balance_of_the_demo(odoo, relance):
    url, cfg = odoo
    rows = json.loads(relance("--config", cfg, "--as-of", AS_OF.isoformat(), "report", "--json").out)["tenants"][0]["aged_balance"]
    assert {r["currency"] for r in rows} == {"EUR", "USD"}
    assert any(r["buckets"][">120"] != "0" for r in rows)


def test_daemon_stopped_by_sigterm_mid_run_loses_and_doubles_nothing(tmp_path, relance):
    emu, url = demo_odoo(AS_OF, SECRET, "17.0")  # over XML-RPC: each write is slow enough to stop the daemon in the middle
    try:
        cfg = odoo_config(tmp_path, url, interval=0.05, version="17.0", batch_size=2)
        assert relance("--config", cfg, "init").code == 0
        planned = json.loads(relance("--config", cfg, "--as-of", AS_OF.isoformat(), "plan", "--json").out)
        keys = {op["key"] for op in planned["tenants"][0]["operations"]}
        proc = relance_process("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", "json", "daemon",
                               env=subprocess_env(RELANCE_TEST_ODOO_SECRET=SECRET))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(1 for w, _ in written(url) if w == "note") < 5:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        assert "received SIGTERM" in err and "daemon stopped" in err
        assert SECRET not in out + err
        mid = written(url)
        assert all(n == 1 for n in mid.values()), [k for k, n in mid.items() if n > 1]
        done_mid = {k for w, k in mid if w == "note"}
        assert done_mid < keys and '"stopped": true' in err  # stopped in the middle of a run, between two writes
        rest = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "run")
        assert rest.code == 0, rest.out
        final = written(url)
        assert all(n == 1 for n in final.values())
        assert {k for w, k in final if w == "note"} == keys
    finally:
        emu.stop()


def test_given_the_shipped_policy_then_the_first_plan_charges_no_history_and_since_bounds_what_is_charged(
        tmp_path, relance):
    emu, url = demo_odoo(AS_OF, SECRET)
    try:
        def penalties(policy: str, since: str | None = None) -> list[dict]:
            cfg = odoo_config(tmp_path, url, policy=policy)
            if since:
                with open(cfg, "a", encoding="utf-8") as f:
                    f.write(f"    penalties_since: {since}\n")
            got = relance("--config", cfg, "--as-of", AS_OF.isoformat(), "plan", "--json")
            return [op for op in json.loads(got.out)["tenants"][0]["operations"] if op["kind"] == "penalty"]

        assert penalties("fr-b2b") == []  # nothing was reminded before it was paid: no retroactive charge
        history = penalties(str(charging_history_policy(tmp_path)))
        assert len(history) > 20
        since = "2026-02-01"
        bounded = penalties(str(charging_history_policy(tmp_path)), since=since)
        assert 0 < len(bounded) < len(history)
        # every interest line starts on the go-live date at the earliest
        starts = [ln["period_start"] for op in bounded for ln in op["lines"] if ln["kind"] == "interest"]
        assert starts and min(starts) >= "2026-01-31"  # interest accrues on the days after period_start
    finally:
        emu.stop()
