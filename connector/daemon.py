"""Running tenants: once (`relance run`, `daemon --once`) or on their schedules (`relance daemon`).

Each tenant is one APScheduler job with `max_instances=1` and `coalesce=True`, so it never runs twice
at once and missed runs collapse into one; a failing tenant is logged and the others go on. SIGTERM
or SIGINT sets a stop flag the runner checks between two writes, then the scheduler waits for the
runs in progress and the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from connector.config import Tenant
from connector.errors import ConfigError, RelanceError, SourceUnavailable
from connector.policy import load_policy
from connector.runner import RunResult, run

log = logging.getLogger("relance.daemon")


def today_in(tenant: Tenant) -> date:
    """The tenant's calendar day: a 07:00 run in Paris is not yesterday's run in UTC."""
    return datetime.now(ZoneInfo(tenant.timezone)).date()


def run_tenant(tenant: Tenant, secrets: Mapping[str, SecretStr], as_of: date | None = None, *, dry_run: bool,
               should_stop: Callable[[], bool] | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Open the tenant's source, run the core once, and close the source whatever happens."""
    from adapters.registry import open_source

    policy = load_policy(tenant.policy)
    source = open_source(tenant, secrets)
    try:
        return run(source, policy, as_of or today_in(tenant), dry_run=dry_run, should_stop=should_stop,
                   on_progress=on_progress)
    finally:
        close = getattr(source, "close", None)
        if close:
            close()


def error_code(exc: BaseException) -> int:
    if isinstance(exc, ConfigError):
        return 2
    if isinstance(exc, SourceUnavailable):
        return 3
    return 1


def logged_run(tenant: Tenant, secrets: Mapping[str, SecretStr], as_of: date | None,
               should_stop: Callable[[], bool]) -> int:
    """One scheduled run: never raises, logs one line with the counts, returns the run's exit code."""
    started = time.monotonic()
    day = as_of or today_in(tenant)
    try:
        result = run_tenant(tenant, secrets, day, dry_run=False, should_stop=should_stop)
    except Exception as exc:  # noqa: BLE001 - one tenant's failure must never stop the others
        code = error_code(exc)
        known = isinstance(exc, RelanceError)
        log.error("tenant %s: run failed: %s%s", tenant.name, "" if known else f"{type(exc).__name__}: ", exc,
                  exc_info=not known and log.isEnabledFor(logging.DEBUG),
                  extra={"tenant": tenant.name, "as_of": day.isoformat(), "exit_code": code})
        return code
    counts = result.counts()
    for item in result.failed[:20]:
        log.warning("tenant %s: failed: %s: %s", tenant.name, item.record, item.reason, extra={"tenant": tenant.name})
    log.info("tenant %s: run as of %s: %s%s (%.1f s)", tenant.name, day,
             " ".join(f"{k}={v}" for k, v in counts.items()), " stopped" if result.stopped else "",
             time.monotonic() - started,
             extra={"tenant": tenant.name, "as_of": day.isoformat(), "counts": counts, "stopped": result.stopped,
                    "exit_code": result.exit_code, "seconds": round(time.monotonic() - started, 3)})
    return result.exit_code


class StopFlag:
    """Set by SIGTERM/SIGINT; read by the runner between two writes."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, object] = {}

    def __call__(self) -> bool:
        return self.event.is_set()

    def _handle(self, signum, frame) -> None:
        if not self.event.is_set():
            log.info("received %s: finishing the write in progress, then stopping", signal.Signals(signum).name)
        self.event.set()

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals can only be caught in the main thread (in-process tests)
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


def trigger_for(tenant: Tenant):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    tz = ZoneInfo(tenant.timezone)
    if tenant.schedule.interval_minutes:
        return IntervalTrigger(seconds=tenant.schedule.interval_minutes * 60, timezone=tz)
    return CronTrigger.from_crontab(tenant.schedule.cron, timezone=tz)


def serve(tenants: list[Tenant], secrets: Mapping[str, SecretStr], *, once: bool = False,
          as_of: date | None = None, stop: StopFlag | None = None) -> int:
    """Run until stopped (exit 0), or with `once` run every tenant one time and return the worst exit code."""
    stop = stop or StopFlag()
    stop.install()
    try:
        if once:
            codes = [logged_run(t, secrets, as_of, stop) for t in tenants if not stop()]
            return max(codes, default=0)
        return _scheduled(tenants, secrets, as_of, stop)
    finally:
        stop.restore()


def _scheduled(tenants: list[Tenant], secrets: Mapping[str, SecretStr], as_of: date | None, stop: StopFlag) -> int:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=max(1, len(tenants)))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for t in tenants:
        extra = {"next_run_time": datetime.now(ZoneInfo(t.timezone))} if t.schedule.interval_minutes else {}
        scheduler.add_job(logged_run, trigger_for(t), args=[t, secrets, as_of, stop], id=t.name,
                          name=f"relance {t.name}", **extra)
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("tenant %s: scheduled %s, next run %s", job.id, next(t for t in tenants if t.name == job.id).schedule.describe(),
                 job.next_run_time.isoformat() if job.next_run_time else "none", extra={"tenant": job.id})
    while not stop.event.wait(0.5):
        pass
    scheduler.shutdown(wait=True)  # the runs in progress stop after their current write
    log.info("daemon stopped")
    return 0
