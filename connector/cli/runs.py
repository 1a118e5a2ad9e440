"""`relance plan`, `relance run` and `relance daemon`: what a run would write, writing it, and on a schedule."""

from __future__ import annotations

from connector.cli.preview import message_lines
from connector.cli.output import as_printed, dump_json, failure_lines, plan_lines, result_json, say, written_summary
from connector.cli.tenants import config_path, for_each_tenant, json_error, load_deployment, status_address
from connector.daemon import StopFlag, run_tenant, serve
from connector.progress import Progress
from connector.reload import Reload


def cmd_plan(args) -> int:
    docs: list[dict] = []

    def work(tenant, secrets) -> int:
        result = run_tenant(tenant, secrets, args.as_of, dry_run=True)
        if args.json:
            docs.append(as_printed(result_json(tenant.name, result)))
        else:
            c = result.counts()
            say(f"== {tenant.name}: plan as of {result.as_of}: {c['planned']} operation(s), "
                f"{c['skipped']} skipped, {c['failed']} failed")
            for line in plan_lines(result, args.verbose):
                say(line)
            if args.show_messages:
                for line in message_lines(result, tenant, args.customer, args.messages_dir):
                    say(line)
        return result.exit_code

    code = for_each_tenant(args, work, json_error(docs, args))
    if args.json:
        dump_json({"tenants": docs})
    return code


def cmd_run(args) -> int:
    stop = StopFlag()
    stop.install()
    docs: list[dict] = []

    def work(tenant, secrets) -> int:
        bar = Progress(f"{tenant.name}: writing")
        try:
            result = run_tenant(tenant, secrets, args.as_of, dry_run=False, should_stop=stop, on_progress=bar)
        finally:
            bar.close()
        if args.json:
            docs.append(as_printed(result_json(tenant.name, result)))
            return result.exit_code
        say(f"== {tenant.name}: run as of {result.as_of}: " + written_summary(result))
        for d in result.done if args.verbose else ():
            say(f"  {d.what} -> {d.ref}")
        for line in failure_lines(result, args.verbose, indent="  "):
            say(line)
        return result.exit_code

    try:
        code = for_each_tenant(args, work, json_error(docs, args))
    finally:
        stop.restore()
    if args.json:
        dump_json({"tenants": docs})
    return code


def cmd_daemon(args) -> int:
    dep, tenants, secrets = load_deployment(args, webhook=not args.once)
    apps = [a.webhook for a in args.systems.values() if a.webhook is not None]
    webhook = None if args.once or not apps else dep.config.webhook
    status = None if args.once else status_address(args, dep)
    reload = None if args.once else Reload(lambda: load_deployment(args, webhook=True)[1:], config_path(args))
    return serve(tenants, secrets, once=args.once, as_of=args.as_of, webhook=webhook,
                 webhook_app=apps[0] if apps else None, rates=dep.config.rates_update, reload=reload, status=status)
