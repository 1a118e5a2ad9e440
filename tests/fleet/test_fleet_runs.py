"""The fleet with its real parts: redis-server, `relance worker` and `relance scheduler` processes, and one Odoo
emulator per tenant on loopback. What is checked is what the issue asks: every tick of every tenant runs once and
never two at once, a worker killed in the middle of a run leaves its tenant to the other worker with nothing
doubled and nothing lost, a scheduler killed and restarted loses and doubles no tick."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter, defaultdict
from datetime import datetime, timezone

import pytest

from adapters.odoo.emulator import READ_ONLY
from adapters.odoo.emulator.errors import DropConnection
from tests.fleet.fleetutil import Proc, emulators, finished_runs, lease_claims, marker_keys, wait_for, write_config


def ticks_of(runs: list[dict]) -> dict[str, list[datetime]]:
    out = defaultdict(list)
    for r in runs:
        out[r["tenant"]].append(datetime.fromisoformat(r["tick"]))
    return {t: sorted(v) for t, v in out.items()}


def assert_once_per_tick(runs: list[dict], every: float) -> None:
    """Each (tenant, tick) finished once, and a tenant's ticks follow each other by its interval: none missing."""
    doubled = {k: n for k, n in Counter((r["tenant"], r["tick"]) for r in runs).items() if n > 1}
    assert doubled == {}
    for tenant, ticks in ticks_of(runs).items():
        gaps = [(b - a).total_seconds() for a, b in zip(ticks, ticks[1:])]
        assert all(g == every for g in gaps), (tenant, gaps)


def assert_never_two_at_once(runs: list[dict]) -> None:
    by_tenant = defaultdict(list)
    for r in runs:
        by_tenant[r["tenant"]].append((r["start"], r["end"]))
    for tenant, spans in by_tenant.items():
        spans.sort()
        overlaps = [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
        assert overlaps == [], tenant


def test_given_200_tenants_and_two_workers_then_each_tick_runs_each_tenant_once_and_never_two_at_once(
        tmp_path, broker, store):
    emus = emulators(200, store)
    every = 20.0
    try:
        cfg = write_config(tmp_path / "relance.yaml", broker, [(f"t{i:03d}", e.url) for i, e in enumerate(emus)],
                           f"{{interval_minutes: {every / 60}}}", jitter_minutes=every / 60)
        workers = [Proc(tmp_path, f"w{i}", cfg, "worker", "--concurrency", "4") for i in (1, 2)]
        scheduler = Proc(tmp_path, "scheduler", cfg, "scheduler")
        try:
            # every tenant twice: its first run writes its three reminders, the next finds them and writes nothing
            wait_for(lambda: min(Counter(r["tenant"] for r in finished_runs(workers)).values(), default=0) >= 2
                     and len({r["tenant"] for r in finished_runs(workers)}) == 200, 150, "two runs of every tenant")
        finally:
            scheduler.stop()
            codes = [w.stop() for w in workers]
        assert codes == [0, 0], [w.text()[-2000:] for w in workers]
        runs = finished_runs(workers)
        assert_once_per_tick(runs, every)
        assert_never_two_at_once(runs)
        assert {r["worker"] for r in runs} == {"w1", "w2"}  # both took runs
        for i, emu in enumerate(emus):
            keys = marker_keys(emu)
            assert len(keys) == len(set(keys)) == 3, f"t{i:03d}"  # every reminder once
            assert lease_claims(emu) == []
    finally:
        for emu in emus:
            emu.stop()


def test_given_a_worker_killed_mid_run_then_its_tenant_completes_on_the_other_with_nothing_doubled_or_lost(
        tmp_path, broker, store):
    from tests.fleet.fleetutil import template_store

    big = template_store(invoices=30)  # thirty reminders to write: a run long enough to be killed in
    (emu,) = emulators(1, big)
    clean = sorted(marker_keys(emu))
    assert clean == []
    try:
        from tests.cli.cliutil import batched_mapping

        cfg = write_config(tmp_path / "relance.yaml", broker, [("big", emu.url)], "{cron: '0 3 1 1 *'}",
                           jitter_minutes=0, visibility_timeout=6, lease_retry=1,
                           mapping=batched_mapping(tmp_path, 1))  # a write or two per reminder, one at a time
        env = {"RELANCE_LEASE_TTL": "4", "RELANCE_LEASE_MARGIN": "1"}
        first = Proc(tmp_path, "w1", cfg, "worker", "--concurrency", "1", env=env)
        wait_for(lambda: "ready: relance.odoo" in first.text(), 60, "the first worker ready")
        killed = threading.Event()
        writes = [0]

        def kill_at(protocol, model, method):
            if method in READ_ONLY or model == "ir.attachment":
                return
            writes[0] += 1
            if writes[0] == 12 and not killed.is_set():
                first.kill()  # the whole worker, as a host lost: its 12th write is never served
                killed.set()
                raise DropConnection(after=False)

        emu.fault_hook = kill_at
        from connector.fleet.app import make_app
        from connector.fleet.settings import Fleet

        make_app(Fleet(broker_url=broker), broker).send_task("relance.run", kwargs={"tenant": "big"},
                                                             queue="relance.odoo")
        wait_for(killed.is_set, 60, "the worker killed at its 12th write")
        emu.fault_hook = None
        written = marker_keys(emu)
        assert 0 < len(written) < 30 and len(lease_claims(emu)) == 1  # a dead holder's claim is left
        second = Proc(tmp_path, "w2", cfg, "worker", "--concurrency", "1", env=env)
        try:
            done = wait_for(lambda: [r for r in finished_runs([second]) if r["counts"]["done"]], 90,
                            "the run finished on the second worker")
        finally:
            assert second.stop() == 0
        keys = marker_keys(emu)
        assert len(keys) == len(set(keys)) == 30  # nothing doubled, nothing lost
        assert done[0]["counts"]["done"] == 30 - len(written)
        assert "removing the expired lease claim" in second.text()  # the dead worker's claim, aged out
        assert lease_claims(emu) == []
    finally:
        emu.stop()


def test_given_the_scheduler_killed_and_restarted_then_no_tick_is_lost_or_doubled(tmp_path, broker, store):
    emus = emulators(20, store)
    every = 8.0
    try:
        cfg = write_config(tmp_path / "relance.yaml", broker, [(f"s{i:02d}", e.url) for i, e in enumerate(emus)],
                           f"{{interval_minutes: {every / 60}}}", jitter_minutes=every / 60, lock_timeout=2)
        worker = Proc(tmp_path, "w1", cfg, "worker", "--concurrency", "4")
        first = Proc(tmp_path, "scheduler-1", cfg, "scheduler")
        try:
            wait_for(lambda: len({r["tenant"] for r in finished_runs([worker])}) == 20, 60, "every tenant once")
            first.kill()  # no time to release its lock: the next one waits for it to lapse
            killed_at = datetime.now(timezone.utc)
            second = Proc(tmp_path, "scheduler-2", cfg, "scheduler")
            try:
                wait_for(lambda: min(Counter(r["tenant"] for r in finished_runs([worker])).values()) >= 4, 90,
                         "four ticks of every tenant")
            finally:
                second.stop()
        finally:
            worker.stop()
        runs = finished_runs([worker])
        assert_once_per_tick(runs, every)
        after = Counter(r["tenant"] for r in runs if datetime.fromisoformat(r["tick"]) > killed_at)
        assert len(after) == 20 and min(after.values()) >= 2  # the restarted scheduler published them
        for emu in emus:
            keys = marker_keys(emu)
            assert len(keys) == len(set(keys)) == 3
    finally:
        for emu in emus:
            emu.stop()


def test_given_sighup_then_the_scheduler_adds_a_tenant_that_runs_and_a_broken_file_keeps_the_schedule(
        tmp_path, broker, store):
    emus = emulators(3, store)
    every = 4.0
    try:
        schedule = f"{{interval_minutes: {every / 60}}}"
        tenants = [("a", emus[0].url), ("b", emus[1].url)]
        cfg = write_config(tmp_path / "relance.yaml", broker, tenants, schedule, jitter_minutes=0.02)
        worker = Proc(tmp_path, "w1", cfg, "worker", "--concurrency", "2")
        scheduler = Proc(tmp_path, "scheduler", cfg, "scheduler")
        try:
            wait_for(lambda: {r["tenant"] for r in finished_runs([worker])} == {"a", "b"}, 60, "a and b run")
            write_config(cfg, broker, [*tenants, ("c", emus[2].url)], schedule, jitter_minutes=0.02)
            scheduler.signal(signal.SIGHUP)
            wait_for(lambda: len(marker_keys(emus[2])) == 3, 60, "the added tenant c runs and writes")
            cfg.write_text(cfg.read_text() + "  - name: broken\n    system: nosuch\n", encoding="utf-8")
            scheduler.signal(signal.SIGHUP)
            wait_for(lambda: "reload refused" in scheduler.text(), 30, "the broken file refused")
            seen = len(finished_runs([worker]))
            wait_for(lambda: {r["tenant"] for r in finished_runs([worker])[seen:]} >= {"a", "b", "c"}, 30,
                     "the schedule in force goes on")
        finally:
            scheduler.stop()
            worker.stop()
        assert "tenants[3]" in scheduler.text()  # the refusal names the key
    finally:
        for emu in emus:
            emu.stop()
