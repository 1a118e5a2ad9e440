"""Running tenants: once (`relance run`, `daemon --once`) or on their schedules (`relance daemon`).

Each tenant is one APScheduler job with `max_instances=1` and `coalesce=True`, so it never runs twice
at once and missed runs collapse into one; a failing tenant is logged and the others go on. SIGTERM
or SIGINT sets a stop flag the runner checks between two writes, then the scheduler waits for the
runs in progress and the process exits 0.

The daemon keeps one open source per tenant, so each run after the first reads only what changed
(Odoo's write_date signpost, QuickBooks' Change Data Capture); a source that failed is reopened.
With a `webhook:` section, Intuit's notifications for a company start that tenant's run at once. SIGHUP
re-reads relance.yaml (connector/reload.py); each run is counted in connector/metrics.py, and the credentials'
expiry looked at once a day (connector/credentials.py). The fleet's workers (connector/fleet/) run the same
`observed_run`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from connector import logs, metrics, pseudonyms
from connector.config import RatesUpdate, TenantBase, Webhook, cron_trigger
from connector.credentials import Watch
from connector.errors import ConfigError, RelanceError, SourceUnavailable
from connector.lease import LeaseBusy
from connector.metrics import StatusServer
from connector.protocol import Source, WebhookApp
from connector.reload import Reload, diff
from connector.runner import RunResult, run

log = logging.getLogger("relance.daemon")


def today_in(tenant: TenantBase) -> date:
    """The tenant's calendar day: a 07:00 run in Paris is not yesterday's run in UTC."""
    return datetime.now(ZoneInfo(tenant.timezone)).date()


def run_tenant(tenant: TenantBase, secrets: Mapping[str, SecretStr], as_of: date | None = None, *, dry_run: bool,
               should_stop: Callable[[], bool] | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Run the core once on a source opened (and closed whatever happens) for this run."""
    policy = tenant.load_policy()
    day = as_of or today_in(tenant)
    with tenant.open(secrets) as own:
        return run(pseudonyms.wrap(own, dry_run), policy, day, dry_run=dry_run, should_stop=should_stop,
                   on_progress=on_progress)


class Sources:
    """The daemon's open source per tenant. A tenant's job never runs twice at once (max_instances=1),
    so each source is used by one thread at a time."""

    def __init__(self, secrets: Mapping[str, SecretStr]):
        self.secrets = secrets
        self._open: dict[str, Source] = {}
        self._lock = threading.Lock()

    def get(self, tenant: TenantBase) -> Source:
        with self._lock:
            if tenant.name not in self._open:
                self._open[tenant.name] = tenant.open(self.secrets)
            return self._open[tenant.name]

    def drop(self, tenant: TenantBase) -> None:
        """Forget a source after a failure: the next run opens a new one and reads everything again."""
        self.drop_name(tenant.name)

    def drop_name(self, name: str) -> None:
        with self._lock:
            source = self._open.pop(name, None)
        if source is not None:
            source.close()

    def close_all(self) -> None:
        with self._lock:
            sources, self._open = list(self._open.values()), {}
        for source in sources:
            source.close()


def error_code(exc: BaseException) -> int:
    if isinstance(exc, ConfigError):
        return 2
    if isinstance(exc, SourceUnavailable):
        return 3
    return 1


def observed_run(tenant: TenantBase, source: Source, day: date, should_stop: Callable[[], bool] | None,
                 watch: Watch | None = None) -> RunResult:
    """One run that writes, counted in the metrics (connector/metrics.py), then a look at the credentials' expiry
    once a day; raises what the run raises (LeaseBusy included), counted too."""
    started = time.monotonic()
    try:
        result = run(pseudonyms.wrap(source, False), tenant.load_policy(), day, dry_run=False, should_stop=should_stop)
    except LeaseBusy:
        metrics.LEASE_WAITS.labels(tenant.name).inc()
        metrics.RUNS.labels(tenant.name, tenant.system, "lease_busy").inc()
        raise
    except Exception as exc:
        outcome = "config_error" if isinstance(exc, ConfigError) else "unreachable" if isinstance(
            exc, SourceUnavailable) else "error"
        metrics.count_failure(tenant.name, tenant.system, exc, outcome, time.monotonic() - started)
        raise
    metrics.count_run(tenant.name, tenant.system, result, time.monotonic() - started)
    if watch is not None and not result.unreachable:
        watch.look(tenant.name, source, today_in(tenant))
    return result


def logged_run(tenant: TenantBase, secrets: Mapping[str, SecretStr], as_of: date | None,
               should_stop: Callable[[], bool], sources: Sources | None = None, watch: Watch | None = None) -> int:
    """One scheduled run: never raises, logs one line with the counts, returns the run's exit code. Every line it
    logs carries the tenant and a run id."""
    with logs.run_context(tenant=tenant.name, run_id=uuid.uuid4().hex[:12]):
        return _logged_run(tenant, secrets, as_of, should_stop, sources, watch)


def _logged_run(tenant: TenantBase, secrets: Mapping[str, SecretStr], as_of: date | None,
                should_stop: Callable[[], bool], sources: Sources | None, watch: Watch | None) -> int:
    started = time.monotonic()
    day = as_of or today_in(tenant)
    try:
        if sources:
            result = observed_run(tenant, sources.get(tenant), day, should_stop, watch)
        else:
            with tenant.open(secrets) as own:
                result = observed_run(tenant, own, day, should_stop, watch)
    except LeaseBusy as exc:  # another daemon is on it: not a failure of this one
        log.warning("tenant %s: run skipped: %s", tenant.name, exc, extra={"tenant": tenant.name, "as_of": day.isoformat()})
        return 0
    except Exception as exc:  # noqa: BLE001 - one tenant's failure must never stop the others
        if sources:
            sources.drop(tenant)
        code = error_code(exc)
        known = isinstance(exc, RelanceError)
        log.error("tenant %s: run failed: %s%s", tenant.name, "" if known else f"{type(exc).__name__}: ", exc,
                  exc_info=not known and log.isEnabledFor(logging.DEBUG),
                  extra={"tenant": tenant.name, "as_of": day.isoformat(), "exit_code": code})
        return code
    if result.unreachable and sources:
        sources.drop(tenant)
    log_result(tenant, day, result, time.monotonic() - started)
    return result.exit_code


def log_result(tenant: TenantBase, day: date, result: RunResult, seconds: float) -> None:
    """A run's failures (the first twenty causes) and its one line of counts."""
    counts = result.counts()
    for cause, items in result.failures()[:20]:
        if cause is None:
            log.warning("tenant %s: failed: %s: %s", tenant.name, items[0].record, items[0].reason,
                        extra={"tenant": tenant.name})
        else:
            log.warning("tenant %s: failed: %d item(s): %s", tenant.name, len(items), cause,
                        extra={"tenant": tenant.name, "records": [i.record for i in items]})
    log.info("tenant %s: run as of %s: %s%s (%.1f s)", tenant.name, day,
             " ".join(f"{k}={v}" for k, v in counts.items()), " stopped" if result.stopped else "", seconds,
             extra={"tenant": tenant.name, "as_of": day.isoformat(), "counts": counts, "stopped": result.stopped,
                    "exit_code": result.exit_code, "seconds": round(seconds, 3)})


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


def rates_update_on(settings: RatesUpdate | None) -> bool:
    """The daily update runs unless the config or RELANCE_RATES_UPDATE=off (a host without internet) says no."""
    return bool(settings and settings.enabled) and os.environ.get("RELANCE_RATES_UPDATE", "").lower() not in (
        "off", "0", "false", "no")


def update_rates(settings: RatesUpdate) -> None:
    """Fetch the rate tables and log what changed; a failure is a warning naming the publisher, never a stop."""
    from connector.rate_update import log_outcomes, update

    try:
        log_outcomes(update(today=date.today(), timeout=settings.timeout))
    except Exception as exc:  # noqa: BLE001 - the runs go on with the tables they have
        log.warning("rates update failed: %s%s", "" if isinstance(exc, RelanceError) else f"{type(exc).__name__}: ", exc)
    metrics.note_rates(date.today())


def rates_on_schedule(settings: RatesUpdate | None):
    """The daily rates update of a process that has no scheduler of its own (a worker: each host keeps its own
    rates directory): at start, then on its cron; the APScheduler to shut down, or None when it is off."""
    if not rates_update_on(settings):
        return None
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1})
    sched.add_job(update_rates, cron_trigger(settings.cron, timezone=ZoneInfo("UTC")), args=[settings],
                  id="rates-update", next_run_time=datetime.now(ZoneInfo("UTC")))
    sched.start()
    return sched


def trigger_for(tenant: TenantBase):
    from apscheduler.triggers.interval import IntervalTrigger

    tz = ZoneInfo(tenant.timezone)
    if tenant.schedule.interval_minutes:
        return IntervalTrigger(seconds=tenant.schedule.interval_minutes * 60, timezone=tz)
    return cron_trigger(tenant.schedule.cron, timezone=tz)


def serve(tenants: list[TenantBase], secrets: Mapping[str, SecretStr], *, once: bool = False,
          as_of: date | None = None, stop: StopFlag | None = None, webhook: Webhook | None = None,
          on_ready: Callable[[Daemon], None] | None = None, rates: RatesUpdate | None = None,
          webhook_app: WebhookApp | None = None, reload: Reload | None = None,
          status: tuple[str, int] | None = None) -> int:
    """Run until stopped (exit 0), or with `once` run every tenant one time and return the worst exit code.
    With `rates`, the rate tables are updated first, then (daemon) every day on its cron; with `reload`, SIGHUP
    re-reads relance.yaml; with `status` (host, port), /metrics and /healthz are served there."""
    stop = stop or StopFlag()
    stop.install()
    watch = Watch()
    try:
        if once:
            if rates_update_on(rates):
                update_rates(rates)
            codes = [logged_run(t, secrets, as_of, stop, watch=watch) for t in tenants if not stop()]
            return max(codes, default=0)
        daemon = Daemon(tenants, secrets, as_of, stop, watch)
        daemon.start(webhook if webhook_app else None, webhook_app, rates=rates if rates_update_on(rates) else None,
                     status=status)
        if reload is not None:
            reload.install()
        if on_ready:
            on_ready(daemon)
        try:
            while not stop.event.wait(0.5):
                taken = reload.take((daemon.tenants, daemon.secrets)) if reload is not None else None
                if taken is not None:
                    daemon.apply(*taken[0])
        finally:
            if reload is not None:
                reload.restore()
            daemon.shutdown()
        return 0
    finally:
        stop.restore()


class Daemon:
    """The scheduler, the open sources and the optional webhook receiver of one `relance daemon`."""

    def __init__(self, tenants: list[TenantBase], secrets: Mapping[str, SecretStr], as_of: date | None, stop: StopFlag,
                 watch: Watch | None = None):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.tenants, self.secrets, self.as_of, self.stop = list(tenants), secrets, as_of, stop
        self.watch = watch or Watch()
        self.sources = Sources(secrets)
        self._executor = ThreadPoolExecutor(max_workers=max(1, len(tenants)) + 1)  # + the rates update
        self.scheduler = BackgroundScheduler(
            executors={"default": self._executor},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self.webhook_url: str | None = None
        self.status: StatusServer | None = None
        self._http = None

    def start(self, webhook: Webhook | None = None, webhook_app: WebhookApp | None = None,
              rates: RatesUpdate | None = None, status: tuple[str, int] | None = None) -> None:
        if status is not None:
            self.status = StatusServer(*status, healthy=self.health)
        metrics.note_rates(date.today())
        if rates is not None:  # at start, then daily: before the tenants' first runs, on a thread of its own
            self.scheduler.add_job(update_rates, cron_trigger(rates.cron, timezone=ZoneInfo("UTC")),
                                   args=[rates], id="rates-update", name="relance rates update",
                                   next_run_time=datetime.now(ZoneInfo("UTC")))
        for t in self.tenants:
            self._add(t)
        self.scheduler.start()
        metrics.UP.labels("daemon").set(1)
        for job in self.scheduler.get_jobs():
            if job.id == "rates-update":
                log.info("rates update: daily on cron %r (UTC), next %s", rates.cron, job.next_run_time.isoformat())
        for t in self.tenants:
            self._log_next(t)
        if webhook is not None and webhook_app is not None:
            self._serve_webhook(webhook, webhook_app)

    def _add(self, t: TenantBase) -> None:
        extra = {"next_run_time": datetime.now(ZoneInfo(t.timezone))} if t.schedule.interval_minutes else {}
        self.scheduler.add_job(logged_run, trigger_for(t), id=t.name, name=f"relance {t.name}", **extra,
                               args=[t, self.secrets, self.as_of, self.stop, self.sources, self.watch])

    def _log_next(self, t: TenantBase) -> None:
        job = self.scheduler.get_job(t.name)
        nxt = job.next_run_time.isoformat() if job and job.next_run_time else "none"
        log.info("tenant %s: scheduled %s, next run %s", t.name, t.schedule.describe(), nxt, extra={"tenant": t.name})

    def apply(self, tenants: list[TenantBase], secrets: Mapping[str, SecretStr]) -> None:
        """A reloaded relance.yaml (connector/reload.py): jobs of removed tenants dropped, of new ones added, of
        changed ones replaced with a fresh source; a run in progress finishes as it started."""
        change = diff((self.tenants, self.secrets), (tenants, secrets))
        self.tenants, self.secrets = list(tenants), secrets
        self.sources.secrets = secrets
        # one thread per tenant, as at start: APScheduler's pool has no public resize, and its threads are made on
        # demand up to this bound
        pool = self._executor._pool  # noqa: SLF001
        pool._max_workers = max(pool._max_workers, len(tenants) + 1)  # noqa: SLF001
        for name in (*change.removed, *change.changed):
            self.scheduler.remove_job(name)
            self.sources.drop_name(name)
        by_name = {t.name: t for t in tenants}
        for name in (*change.added, *change.changed):
            self._add(by_name[name])
            self._log_next(by_name[name])
        metrics.forget_tenants(by_name)

    def health(self) -> dict:
        return {"ok": self.scheduler.running and not self.stop(), "role": "daemon", "tenants": len(self.tenants)}

    def run_now(self, keys: set[str]) -> list[str]:
        """Start at once the runs of the tenants a change notification names (QuickBooks: their companies)."""
        started = []
        for t in self.tenants:
            if t.webhook_key is not None and t.webhook_key in keys and not self.stop():
                self.scheduler.modify_job(t.name, next_run_time=datetime.now(ZoneInfo(t.timezone)))
                started.append(t.name)
        if started:
            log.info("webhook: run now for %s", ", ".join(started))
        return started

    def _serve_webhook(self, webhook: Webhook, receiver: WebhookApp) -> None:
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

        token = self.secrets[webhook.verifier_token_env].get_secret_value()
        path = webhook.path
        inner = receiver.app(token, self.run_now)

        def app(environ, start_response):
            if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found"]
            return inner(environ, start_response)

        class Quiet(WSGIRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - the request line only, never a body
                log.debug("webhook %s", format % args)

        class Threaded(WSGIServer):
            daemon_threads = True

        self._http = make_server(webhook.host, webhook.port, app, server_class=Threaded, handler_class=Quiet)
        self.webhook_url = f"http://{webhook.host}:{self._http.server_address[1]}{path}"
        threading.Thread(target=self._http.serve_forever, name="relance-webhook", daemon=True).start()
        log.info("webhook receiver listening on %s:%s%s", webhook.host, self._http.server_address[1], path)

    def shutdown(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        self.scheduler.shutdown(wait=True)  # the runs in progress stop after their current write
        self.sources.close_all()
        metrics.UP.labels("daemon").set(0)
        if self.status is not None:
            self.status.close()
        log.info("daemon stopped")
