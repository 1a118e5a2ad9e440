"""Tenant runs per minute through the fleet: N tenants on Odoo 19 emulators (three overdue invoices each), a real
redis-server, and 1, 2 and 4 `relance worker` processes on this machine; prints the median of each.

    python bench/fleet.py [--tenants 200] [--workers 1,2,4] [--rounds 3] [--concurrency 4]

Each round publishes one run of every tenant straight to the broker (what the scheduler does on a tick) and
times the workers from the first publication to the last run finished, read from their JSON logs. The first
round of each setting is a warm-up and is not counted: the tenants' first runs write their reminders, the ones
after read only what changed and write nothing, a fleet's steady state. The emulators run in this process and
share the same two cores, so the figures are a floor for workers whose accounting systems are elsewhere.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fleet.fleetutil import (  # noqa: E402
    Proc, RedisServer, emulators, finished_runs, template_store, wait_for, write_config)


def one_setting(n_workers: int, args, redis: RedisServer, emus: list, workdir: Path) -> list[float]:
    from connector.fleet.app import make_app
    from connector.fleet.settings import Fleet

    redis.flush()
    cfg = write_config(workdir / "relance.yaml", redis.url, [(f"t{i:04d}", e.url) for i, e in enumerate(emus)],
                       "{cron: '0 3 1 1 *'}", jitter_minutes=0, visibility_timeout=600)
    workers = [Proc(workdir, f"bench-{n_workers}-{i}", cfg, "worker", "--concurrency", str(args.concurrency))
               for i in range(n_workers)]
    app = make_app(Fleet(broker_url=redis.url), redis.url)
    rates = []
    try:
        for w in workers:
            wait_for(lambda w=w: "ready: relance.odoo" in w.text(), 60, f"{w.name} ready")
        for rnd in range(args.rounds + 1):
            before = len(finished_runs(workers))
            started = time.time()
            for i in range(len(emus)):
                app.send_task("relance.run", kwargs={"tenant": f"t{i:04d}"}, queue="relance.odoo")
            wait_for(lambda: len(finished_runs(workers)) >= before + len(emus), 900, "every run of the round", every=0.5)
            last = max(r["end"] for r in finished_runs(workers)[before:])
            per_minute = len(emus) / (last - started) * 60
            if rnd:
                rates.append(per_minute)
            print(f"  {n_workers} worker(s), round {rnd}{' (warm-up)' if not rnd else ''}: {len(emus)} runs in "
                  f"{last - started:.1f} s = {per_minute:.0f} tenant-runs/min", flush=True)
    finally:
        for w in workers:
            w.stop()
    return rates


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tenants", type=int, default=200)
    p.add_argument("--workers", default="1,2,4")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=4, help="threads per worker")
    args = p.parse_args()
    redis = RedisServer()
    store = template_store()
    medians = {}
    try:
        for n in (int(x) for x in args.workers.split(",")):
            emus = emulators(args.tenants, store)  # fresh books for each setting: its warm-up writes
            try:
                with tempfile.TemporaryDirectory(prefix="relance-bench-fleet-") as tmp:
                    medians[n] = statistics.median(one_setting(n, args, redis, emus, Path(tmp)))
            finally:
                for e in emus:
                    e.stop()
    finally:
        redis.close()
    print(f"tenants={args.tenants} concurrency={args.concurrency} rounds={args.rounds} (medians, steady state)")
    for n, m in medians.items():
        print(f"  workers={n}: {m:.0f} tenant-runs/min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
