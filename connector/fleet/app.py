"""The Celery application of `relance worker` and `relance scheduler`, and the task a worker runs.

A task is one tenant's run for one tick. It is acknowledged late (`task_acks_late`): a worker killed in the
middle of a run never acknowledged it, so Redis gives it to another worker once the visibility timeout is over,
and that worker finishes the job (every write has its key, found again in the source system, so what the dead
one wrote is not written twice). While the dead worker's lease claim lives, the run waits: it is put back with a
countdown (`lease_retry`) until the claim ages out. A worker asked to stop lets each run finish its write in
progress, then puts the rest back on the queue.

The worker's pool is threads: a run mostly waits on the accounting system, the daemon already runs tenants in
threads, and one process per worker keeps one Prometheus registry; run several workers per host for its cores.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from celery import Celery

from connector import logs, metrics
from connector.config import TenantBase
from connector.credentials import Watch
from connector.daemon import Sources, error_code, log_result, observed_run, today_in
from connector.errors import RelanceError
from connector.fleet.beat import TASK
from connector.fleet.settings import Fleet
from connector.lease import TTL, LeaseBusy
from connector.reload import Loaded, diff

log = logging.getLogger("relance.worker")


def _own_logging(**_) -> None:
    """Connected to Celery's `setup_logging`: Celery then leaves logging alone, and ours (connector/logs.py: JSON
    lines, secrets masked, tenant and run id) is the only handler."""


def make_app(fleet: Fleet, broker: str) -> Celery:
    from celery.signals import setup_logging

    setup_logging.connect(_own_logging, weak=False)
    app = Celery("relance", broker=broker, set_as_current=True)
    vt = fleet.visibility_timeout
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1, task_ignore_result=True, result_expires=None,
        task_serializer="json", accept_content=["json"], timezone="UTC", enable_utc=True,
        task_default_queue="relance", broker_connection_retry_on_startup=True,
        # Redis gives an unacknowledged run to another worker `vt` seconds after it was taken; the sweep that does it
        # runs every few seconds when vt is short (tests), as kombu's documentation advises
        broker_transport_options={"visibility_timeout": vt, "unacked_restore_interval": max(1, min(10, int(vt / 5))),
                                  "unacked_restore_throttle": 1 if vt < 600 else 10},
        worker_hijack_root_logger=False, worker_redirect_stdouts=False,
        redbeat_redis_url=broker, redbeat_redis_options={}, redbeat_key_prefix="relance:beat:",
        redbeat_lock_timeout=int(math.ceil(fleet.scheduler_lock_timeout)),
        beat_max_loop_interval=min(5, max(1, fleet.scheduler_lock_timeout / 3)))
    return app


@dataclass
class WorkerState:
    """What one worker process holds: the tenants as relance.yaml says (re-read when the file changes), their open
    sources (later runs read only what changed), the credentials watch, and the stop request."""

    load: Callable[[], Loaded]
    config_path: Path
    fleet: Fleet
    loaded: Loaded = field(init=False)
    sources: Sources = field(init=False)
    watch: Watch = field(default_factory=Watch)
    stop: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    _mtime: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._mtime = self._stat()
        self.loaded = self.load()
        self.sources = Sources(self.loaded[1])

    def _stat(self) -> float:
        try:
            return self.config_path.stat().st_mtime
        except OSError:
            return 0.0

    def tenant(self, name: str) -> TenantBase | None:
        """The tenant as relance.yaml now says (a file changed since is read again; one that does not load is
        refused and the tenants in force kept)."""
        with self._lock:
            mtime = self._stat()
            if mtime != self._mtime:
                self._mtime = mtime
                try:
                    new = self.load()
                except Exception as exc:  # noqa: BLE001 - a bad file never stops the runs in force
                    log.error("relance.yaml changed but is refused, the tenants in force are kept: %s", exc)
                else:
                    change = diff(self.loaded, new)
                    for name_ in (*change.removed, *change.changed):
                        self.sources.drop_name(name_)
                    self.loaded, self.sources.secrets = new, new[1]
                    log.info("relance.yaml re-read: %s", change.describe())
            return next((t for t in self.loaded[0] if t.name == name), None)


def run_day(tenant: TenantBase, tick: str | None) -> date:
    """The day a run acts as of: its tick's day in the tenant's timezone (a Monday 07:00 run put back until after
    midnight still acts as of Monday), else today."""
    if not tick:
        return today_in(tenant)
    return datetime.fromisoformat(tick).astimezone(ZoneInfo(tenant.timezone)).date()


def register(app: Celery, state: WorkerState) -> None:
    ttl = float(os.environ.get("RELANCE_LEASE_TTL", TTL))
    lease_tries = int(ttl / state.fleet.lease_retry) + 3  # the claim of a dead holder ages out within ttl

    @app.task(name=TASK, bind=True, acks_late=True)
    def run_tenant(self, tenant: str, tick: str | None = None) -> dict:
        with logs.run_context(tenant=tenant, run_id=self.request.id or "", tick=tick or "",
                              worker=self.request.hostname or ""):
            return _run(self, state, tenant, tick, lease_tries)


def _run(task, state: WorkerState, name: str, tick: str | None, lease_tries: int) -> dict:
    tenant = state.tenant(name)
    if tenant is None:
        log.warning("tenant %s: not in relance.yaml any more: run dropped", name)
        return {"tenant": name, "tick": tick, "outcome": "unknown"}
    day = run_day(tenant, tick)
    started = datetime.now().timestamp()
    try:
        result = observed_run(tenant, state.sources.get(tenant), day, state.stop.is_set, state.watch)
    except LeaseBusy as exc:
        wait = state.fleet.lease_retry
        metrics.LEASE_WAIT_SECONDS.labels(name).inc(wait)
        log.warning("tenant %s: %s; trying again in %.0f s", name, exc, wait, extra={"tenant": name})
        raise task.retry(countdown=wait, max_retries=lease_tries) from None
    except Exception as exc:  # noqa: BLE001 - logged like the daemon's; the next tick tries again
        state.sources.drop(tenant)
        known = isinstance(exc, RelanceError)
        log.error("tenant %s: run failed: %s%s", name, "" if known else f"{type(exc).__name__}: ", exc,
                  exc_info=not known and log.isEnabledFor(logging.DEBUG),
                  extra={"tenant": name, "as_of": day.isoformat(), "exit_code": error_code(exc)})
        return {"tenant": name, "tick": tick, "outcome": "failed", "exit_code": error_code(exc)}
    if result.unreachable:
        state.sources.drop(tenant)
    log_result(tenant, day, result, datetime.now().timestamp() - started)
    if result.stopped:  # this worker is stopping, or lost the lease: another attempt finishes the run
        log.info("tenant %s: run stopped before its end, the rest is put back on the queue", name)
        raise task.retry(countdown=0 if state.stop.is_set() else state.fleet.lease_retry, max_retries=lease_tries)
    return {"tenant": name, "tick": tick, "outcome": "done", "exit_code": result.exit_code, "counts": result.counts()}
