"""What the daemon and each worker tell Prometheus, and the small HTTP server that serves it with /healthz.

One registry per process (the daemon, or a worker whose pool is threads), so no multiprocess mode is needed.
Labels hold tenant names, systems, channels and kinds of error, never a customer, an amount or a secret; the
text served goes through the same masking as the logs all the same (connector/logs.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import date
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from connector.logs import redact

log = logging.getLogger("relance.metrics")

REGISTRY = CollectorRegistry(auto_describe=True)

RUNS = Counter("relance_runs", "Tenant runs by outcome (ok, items_failed, unreachable, config_error, lease_busy, "
               "stopped, error)", ["tenant", "system", "outcome"], registry=REGISTRY)
OPERATIONS_WRITTEN = Counter("relance_operations_written", "Operations written into the source system, by channel",
                             ["tenant", "channel"], registry=REGISTRY)
OPERATIONS_FAILED = Counter("relance_operations_failed", "Operations that failed, by channel",
                            ["tenant", "channel"], registry=REGISTRY)
RUN_SECONDS = Histogram("relance_run_duration_seconds", "Wall time of one tenant run, read to last write",
                        ["system"], registry=REGISTRY,
                        buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600))
LEASE_WAITS = Counter("relance_lease_waits", "Runs that found the tenant's lease held by another run",
                      ["tenant"], registry=REGISTRY)
LEASE_WAIT_SECONDS = Counter("relance_lease_wait_seconds", "Seconds runs were put back waiting for a lease",
                             ["tenant"], registry=REGISTRY)
SOURCE_ERRORS = Counter("relance_source_errors", "Errors of the source systems by kind (unreachable, credentials, "
                        "certificate, config, item, unexpected)", ["system", "kind"], registry=REGISTRY)
RATE_DAYS_LEFT = Gauge("relance_rate_table_days_left", "Days from today to the last day a rate table is known "
                       "complete (negative: stale)", ["table"], registry=REGISTRY)
CREDENTIAL_DAYS_LEFT = Gauge("relance_credentials_days_left", "Days until a tenant's credential expires (an Odoo "
                             "API key, a QuickBooks refresh token)", ["tenant", "credential"], registry=REGISTRY)
UP = Gauge("relance_up", "1 while this process schedules or takes runs", ["role"], registry=REGISTRY)


def count_run(tenant: str, system: str, result, seconds: float) -> str:
    """A run's counts into the metrics (an operation's channel, or its kind for a penalty or an approval; a
    failure of the plan itself, such as a missing rate, is `plan`); returns the run's outcome."""
    outcome = ("unreachable" if result.unreachable else "stopped" if result.stopped
               else "items_failed" if result.failed else "ok")
    RUNS.labels(tenant, system, outcome).inc()
    RUN_SECONDS.labels(system).observe(seconds)
    ops = {op.key: op for op in result.plan.operations}

    def channel(key: str | None) -> str:
        op = ops.get(key) if key else None
        return "plan" if op is None else str(op.channel or op.kind)

    for done in result.done:
        OPERATIONS_WRITTEN.labels(tenant, channel(done.key)).inc()
    for failed in result.failed:
        OPERATIONS_FAILED.labels(tenant, channel(failed.key)).inc()
    if result.failed:
        SOURCE_ERRORS.labels(system, "unreachable" if result.unreachable else "item").inc()
    return outcome


def error_kind(exc: BaseException) -> str:
    from connector.errors import CertificateFailed, ConfigError, CredentialsRefused, RelanceError, SourceUnavailable

    if isinstance(exc, CertificateFailed):
        return "certificate"
    if isinstance(exc, CredentialsRefused):
        return "credentials"
    if isinstance(exc, SourceUnavailable):
        return "unreachable"
    if isinstance(exc, ConfigError):
        return "config"
    return "item" if isinstance(exc, RelanceError) else "unexpected"


def count_failure(tenant: str, system: str, exc: BaseException, outcome: str, seconds: float) -> None:
    RUNS.labels(tenant, system, outcome).inc()
    RUN_SECONDS.labels(system).observe(seconds)
    SOURCE_ERRORS.labels(system, error_kind(exc)).inc()


def note_rates(today: date) -> None:
    """Each rate table's days left, as `relance rates show` reads them."""
    from connector import rates

    for name in rates.TABLES:
        RATE_DAYS_LEFT.labels(name).set((rates.table(name).covered_until - today).days)


def forget_tenants(keep: Iterable[str]) -> None:
    """Drop the per-tenant series of tenants no longer in relance.yaml (after a reload)."""
    keep = set(keep)
    for metric in (RUNS, OPERATIONS_WRITTEN, OPERATIONS_FAILED, LEASE_WAITS, LEASE_WAIT_SECONDS, CREDENTIAL_DAYS_LEFT):
        for labels in list(metric._metrics):  # noqa: SLF001 - prometheus_client has no public way to list children
            if labels[0] not in keep:
                metric.remove(*labels)


def exposition() -> bytes:
    return redact(generate_latest(REGISTRY).decode("utf-8")).encode("utf-8")


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        log.debug("metrics %s", format % args)


class _Threaded(WSGIServer):
    daemon_threads = True


class StatusServer:
    """`/metrics` (Prometheus text) and `/healthz` (200 while `healthy()` says so, else 503) on one port."""

    def __init__(self, host: str, port: int, healthy: Callable[[], dict]):
        self.healthy = healthy
        self._http = make_server(host, port, self._app, server_class=_Threaded, handler_class=_Quiet)
        self.port = self._http.server_address[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self._http.serve_forever, name="relance-status", daemon=True).start()
        log.info("metrics and health on %s/metrics and %s/healthz", self.url, self.url)

    def _app(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if path == "/metrics":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [exposition()]
        if path == "/healthz":
            state = self.healthy()
            ok = bool(state.get("ok"))
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")])
            return [json.dumps(state).encode("utf-8")]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: /metrics or /healthz"]

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
