"""`plan`, `run` and `daemon` through the CLI against an in-memory source: counts per run, a failing
tenant never stops the others, a stop request ends the daemon cleanly between two writes."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import date

import pytest

from adapters import registry
from connector.config import load_config, load_secrets
from connector.daemon import StopFlag, serve
from connector.keys import parse
from tests.cli.cliutil import write
from tests.cli import fakesource

TUE = "2026-03-10"


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setitem(registry.SYSTEMS, "fake", fakesource.FAKE)
    monkeypatch.setenv("RELANCE_TEST_FAKE", "fake-secret-value")
    fakesource.BOOKS.clear()
    fakesource.BOOKS["alpha"] = fakesource.overdue_books(3)
    fakesource.BOOKS["beta"] = fakesource.overdue_books(2)
    yield fakesource.BOOKS
    fakesource.BOOKS.clear()


def config(tmp_path, schedule="{interval_minutes: 0.005}"):
    tenants = "".join(f"""
          - name: {db}
            system: fake
            database: {db}
            api_key_env: RELANCE_TEST_FAKE
            schedule: {schedule}
    """ for db in ("alpha", "beta"))
    return write(tmp_path / "relance.yaml", "tenants:" + tenants)


def test_given_overdue_invoices_when_plan_json_then_operations_grouped_per_tenant_and_nothing_written(tmp_path, relance, books):
    got = relance("--config", str(config(tmp_path)), "plan", "--json", "--as-of", TUE)
    assert got.code == 0, got.err
    doc = json.loads(got.out)
    assert [t["tenant"] for t in doc["tenants"]] == ["alpha", "beta"]
    ops = doc["tenants"][0]["operations"]
    assert len(ops) == 3 and {op["customer_id"] for op in ops} == {"C1", "C2", "C3"}
    assert all(op["kind"] == "action" and op["level"] for op in ops)
    assert books["alpha"].writes == 0
    assert "fake-secret-value" not in got.out + got.err


def test_given_plan_in_a_terminal_format_then_grouped_by_customer_with_amount_and_reason(tmp_path, relance, books):
    got = relance("--config", str(config(tmp_path)), "--tenant", "alpha", "plan", "--as-of", TUE)
    assert got.code == 0
    assert "== alpha: plan as of 2026-03-10: 3 operation(s)" in got.out
    assert "Customer C1 (customer C1)" in got.out and "1,200.00 EUR" in got.out and "days past due" in got.out


def test_when_run_twice_then_the_second_run_writes_nothing(tmp_path, relance, books):
    cfg = str(config(tmp_path))
    first = relance("--config", cfg, "run", "--as-of", TUE)
    assert first.code == 0 and "wrote 3 of 3 operation(s)" in first.out
    second = relance("--config", cfg, "run", "--as-of", TUE)
    assert second.code == 0 and "alpha: run as of 2026-03-10: wrote 0 of 0" in second.out
    assert books["alpha"].writes == 3 and books["beta"].writes == 2


def test_given_one_tenant_down_when_run_then_the_other_is_done_and_exit_3(tmp_path, relance, books):
    books["alpha"].down = True
    got = relance("--config", str(config(tmp_path)), "run", "--as-of", TUE)
    assert got.code == 3
    assert "tenant alpha: fake source is down" in got.err
    assert books["beta"].writes == 2


def test_report_gives_the_aged_balance(tmp_path, relance, books):
    got = relance("--config", str(config(tmp_path)), "--tenant", "beta", "report", "--json", "--as-of", TUE)
    rows = json.loads(got.out)["tenants"][0]["aged_balance"]
    assert {r["customer_id"] for r in rows} == {"C1", "C2"}
    assert all(r["buckets"]["1-30"] == "1200.00" for r in rows)


def test_check_reports_each_line(tmp_path, relance, books):
    books["beta"].down = True
    got = relance("--config", str(config(tmp_path)), "check")
    assert got.code == 3
    assert "ok    connect: fake" in got.out and "FAIL  connect: fake" in got.out
    assert "ok    templates: " in got.out and "render in every language, for professionals and consumers" in got.out


def test_daemon_once_runs_each_tenant_and_logs_counts(tmp_path, relance, books, caplog):
    books["alpha"].down = True
    with caplog.at_level(logging.INFO, logger="relance"):
        got = relance("--config", str(config(tmp_path)), "daemon", "--once", "--as-of", TUE)
    assert got.code == 3
    assert books["beta"].writes == 2
    assert "tenant beta: run as of 2026-03-10: planned=2 done=2 skipped=0 failed=0" in caplog.text
    assert "tenant alpha: run failed: fake source is down" in caplog.text


def test_given_a_schedule_when_stopped_then_runs_never_overlap_nothing_is_doubled_and_exit_0(tmp_path, books, caplog):
    books["alpha"].write_delay = 0.05  # a run lasts longer than the interval: runs must not overlap
    dep = load_config(config(tmp_path), [a.tenant for a in registry.SYSTEMS.values()])
    tenants = dep.select(None)
    stop = StopFlag()
    timer = threading.Timer(1.5, stop.event.set)
    timer.start()
    with caplog.at_level(logging.INFO, logger="relance"):
        started = time.monotonic()
        code = serve(tenants, load_secrets(dep, tenants), as_of=date(2026, 3, 10), stop=stop)
    timer.cancel()
    assert code == 0 and time.monotonic() - started < 10
    for db, n in (("alpha", 3), ("beta", 2)):
        keys = [h.key for note in books[db].notes for h in parse(note)]
        assert len(keys) == len(set(keys)) == n, db
        assert books[db].max_running == 1
        assert books[db].opened == books[db].closed == 1  # one source kept open across runs, closed at the end
    assert caplog.text.count("tenant beta: run as of") >= 2  # scheduled again, writing nothing the second time
    assert "daemon stopped" in caplog.text


def test_given_a_source_that_fails_then_the_daemon_reopens_it_for_the_next_run(tmp_path, books, caplog):
    books["alpha"].down = True
    dep = load_config(config(tmp_path), [a.tenant for a in registry.SYSTEMS.values()])
    tenants = dep.select(["alpha"])
    stop = StopFlag()
    back = threading.Timer(0.6, lambda: setattr(books["alpha"], "down", False))
    timer = threading.Timer(2.0, stop.event.set)
    back.start(), timer.start()
    with caplog.at_level(logging.INFO, logger="relance"):
        code = serve(tenants, load_secrets(dep, tenants), as_of=date(2026, 3, 10), stop=stop)
    timer.cancel(), back.cancel()
    assert code == 0 and "tenant alpha: run failed: fake source is down" in caplog.text
    assert books["alpha"].writes == 3 and books["alpha"].opened >= 2
    assert books["alpha"].opened == books["alpha"].closed


def test_given_a_stop_request_during_a_run_then_it_stops_between_two_writes(tmp_path, books):
    dep = load_config(config(tmp_path), [a.tenant for a in registry.SYSTEMS.values()])
    tenants = dep.select(["alpha"])
    stop = StopFlag()
    books["alpha"].on_write = lambda n: stop.event.set() if n == 1 else None  # SIGTERM during the first write
    code = serve(tenants, load_secrets(dep, tenants), once=True, as_of=date(2026, 3, 10), stop=stop)
    assert code == 0
    assert books["alpha"].writes == 1  # the write in progress finished; the other two wait for the next run
