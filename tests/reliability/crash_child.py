"""The writer of the crash tests, in processes of their own that a test can SIGKILL.

`python crash_child.py` is a fork server: it imports the connector once, then reads jobs on stdin (one JSON
object a line) and forks one child per job, so a child starts in milliseconds with everything loaded. The child
builds the source for the emulator's address, as a deployment would, and calls `connector.runner.run` for each
day of the job, then writes what the runs returned to the job's `result` file. On stdout the server answers
`{"pid": n}` when a child started and `{"pid": n, "status": s}` (as os.waitpid gives it) when it ended.

Job: {"system": "odoo" | "quickbooks", "source": {...}, "days": ["2026-05-19", ...], "policy": "fr-b2b",
"result": "/path/result.json", "fake_time": false}; `source` holds url, db, login, secret, protocol (Odoo) or
url, realm_id, token (QuickBooks), and optionally the clients' timeout in seconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections import Counter
from datetime import date
from pathlib import Path

import adapters.odoo.client as odoo_client
import adapters.quickbooks.client as qbo_client
from adapters.odoo.source import OdooSource
from adapters.quickbooks.client import Pacer
from adapters.quickbooks.source import QuickBooksSource
from connector.errors import RelanceError
from connector.policy import load_policy
from connector.runner import run


class FakeTime:
    """Stands for the `time` module in the clients: their waits (backoff, Retry-After, pacing) are added to a
    clock instead of slept, so a test of many faults does not wait for them; `slept` says they were honoured."""

    def __init__(self) -> None:
        self.slept = 0.0

    def sleep(self, seconds: float) -> None:
        self.slept += max(seconds, 0.0)

    def monotonic(self) -> float:
        return time.monotonic() + self.slept

    def __getattr__(self, name: str):
        return getattr(time, name)


def build_source(system: str, spec: dict, fake: FakeTime | None = None):
    timeout = float(spec.get("timeout", 30))
    if system == "odoo":
        return OdooSource(spec["url"], spec["db"], spec["login"], spec["secret"], protocol=spec["protocol"],
                          companies=(1,), timeout=timeout)
    if system == "quickbooks":
        # The emulator has no request limit; pacing to Intuit's 500 a minute would only make the run wait.
        pacer = Pacer(per_minute=100_000, batch_per_minute=100_000, clock=fake.monotonic, sleep=fake.sleep) if fake else Pacer(per_minute=100_000, batch_per_minute=100_000)
        return QuickBooksSource.with_token(spec["realm_id"], spec["token"], base_url=spec["url"],
                                           environment="sandbox", pacer=pacer, timeout=timeout)
    raise ValueError(f"unknown system {system!r}")


def run_job(job: dict) -> int:
    """The child's work: one run per day, in order. 0 when every run finished without a failed item; a
    `RelanceError` out of a run (a lease held by another, a source gone) is reported as `raised`."""
    out: dict = {"runs": [], "error": None, "slept": 0.0}
    code = 0
    fake = FakeTime() if job.get("fake_time") else None
    if fake:
        odoo_client.time = qbo_client.time = fake
    try:
        source = build_source(job["system"], job["source"], fake)
        # the sweep is about writes: a level waiting for a person's approval would only write its request
        policy = load_policy(job.get("policy", "fr-b2b")).without_approvals()
        for day in job["days"]:
            try:
                result = run(source, policy, date.fromisoformat(day), dry_run=False)
            except RelanceError as exc:
                out["runs"].append({"day": day, "raised": type(exc).__name__, "message": str(exc)})
                code = 1
                continue
            kinds = Counter(op.channel or op.kind for op in result.plan.operations)
            out["runs"].append({"day": day, "counts": result.counts(), "kinds": kinds, "unreachable": result.unreachable,
                                "stopped": result.stopped, "failed": [[f.record, f.reason] for f in result.failed]})
            if result.failed or result.unreachable or result.stopped:
                code = 1
    except BaseException:  # noqa: BLE001 - reported to the test through the result file
        out["error"] = traceback.format_exc()
        code = 2
    out["slept"] = fake.slept if fake else 0.0
    path = Path(job["result"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out), encoding="utf-8")
    tmp.replace(path)
    return code


def serve() -> None:
    load_policy("fr-b2b")  # its tables are loaded once here, not in every child
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: its prints must not reach the server's answers
            os.dup2(2, 1)
            code = 3
            try:
                code = run_job(job)
            finally:
                os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"pid": pid, "status": status}), flush=True)


if __name__ == "__main__":
    serve()
