"""`relance worker` and `relance scheduler`: the fleet's two processes (connector/fleet/), on relance.yaml's
`fleet:` section. Run one scheduler (a second one waits as a standby) and as many workers as the hosts allow."""

from __future__ import annotations

import logging
import os
import socket
from datetime import date

from connector.cli.output import say
from connector.cli.tenants import config_path, load_deployment, status_address
from connector.errors import ConfigError
from connector.reload import Reload

log = logging.getLogger("relance.worker")


def _fleet(args):
    dep, tenants, secrets = load_deployment(args, fleet=True)
    fleet = dep.config.fleet
    if fleet is None:
        raise ConfigError(str(dep.path), "fleet: no such section; add one naming the Redis broker "
                                          "(fleet: {broker_url: redis://127.0.0.1:6379/0}), see the README's Fleet")
    broker = secrets[fleet.broker_url_env].get_secret_value() if fleet.broker_url_env else fleet.broker_url
    return dep, tenants, secrets, fleet, broker


def cmd_worker(args) -> int:
    from celery.signals import worker_ready, worker_shutting_down

    from connector.daemon import rates_on_schedule
    from connector.fleet.app import WorkerState, make_app, register
    from connector.metrics import UP, StatusServer, note_rates

    dep, _, _, fleet, broker = _fleet(args)
    state = WorkerState(load=lambda: load_deployment(args, fleet=True)[1:], config_path=dep.path, fleet=fleet)
    app = make_app(fleet, broker)
    register(app, state)
    systems = args.queues.split(",") if args.queues else list(args.systems)
    unknown = [s for s in systems if s not in args.systems]
    if unknown:
        raise ConfigError("relance worker", f"--queues: unknown system {', '.join(unknown)} (known: {', '.join(args.systems)})")

    def ready(**_):
        log.info("worker %s ready: %s, %d run(s) at once", name, ", ".join(fleet.queue(s) for s in systems),
                 args.concurrency or fleet.concurrency)
        state.ready.set()
        UP.labels("worker").set(1)

    def stopping(**_):  # a run in progress stops after its current write (then goes back on the queue)
        state.stop.set()
        UP.labels("worker").set(0)

    note_rates(date.today())
    worker_ready.connect(ready, weak=False)
    worker_shutting_down.connect(stopping, weak=False)
    name = f"relance-{os.getpid()}@{socket.gethostname()}"
    where = status_address(args, dep)
    status = StatusServer(*where, healthy=lambda: {"ok": state.ready.is_set() and not state.stop.is_set(),
                                                   "role": "worker", "tenants": len(state.loaded[0])}) if where else None
    if status:
        say(f"relance worker: metrics on {status.url}/metrics")
    worker = app.Worker(pool="threads", concurrency=args.concurrency or fleet.concurrency, hostname=name,
                        queues=[fleet.queue(s) for s in systems], loglevel="INFO" if args.verbose else "WARNING",
                        without_mingle=True, without_gossip=True, quiet=True)
    rates = rates_on_schedule(dep.config.rates_update)
    try:
        worker.start()
    finally:
        if rates is not None:
            rates.shutdown(wait=False)
        state.sources.close_all()
        if status:
            status.close()
    return worker.exitcode or 0


def cmd_scheduler(args) -> int:
    from connector.fleet.app import make_app
    from connector.fleet.beat import TenantScheduler

    _, tenants, secrets, fleet, broker = _fleet(args)
    app = make_app(fleet, broker)
    app.relance_loaded, app.relance_fleet = (tenants, secrets), fleet
    reload = Reload(lambda: load_deployment(args, fleet=True)[1:], config_path(args))
    app.relance_reload = reload
    reload.install()
    say(f"relance scheduler: {len(tenants)} tenant(s), jitter window {fleet.jitter_minutes:g} min; waits for the "
        f"scheduler lock if another scheduler holds it")
    try:
        app.Beat(scheduler=TenantScheduler, loglevel="INFO" if args.verbose else "WARNING", quiet=True).run()
    finally:
        reload.restore()
    return 0


def add_parser(add) -> None:
    worker = add("worker", cmd_worker, "take tenant runs from the Redis broker (Celery worker) until SIGTERM",
                 takes=("config",))
    worker.add_argument("--concurrency", type=int, metavar="N", help="runs at once (threads; default fleet.concurrency)")
    worker.add_argument("--queues", metavar="SYSTEMS", help="only these systems' runs, e.g. quickbooks (default all)")
    worker.add_argument("--metrics-port", type=int, metavar="PORT",
                        help="serve /metrics and /healthz on this port (0: any free one; default: relance.yaml's metrics)")
    add("scheduler", cmd_scheduler, "publish each tenant's runs on its schedule (redbeat); SIGHUP re-reads relance.yaml",
        takes=("config",))
