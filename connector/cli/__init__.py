"""`relance`: check, init, plan, run, daemon, report, penalty, rates, demo, and each adapter's own commands.

The core's CLI knows no accounting system: `main` is given the installed adapters (adapters/registry.py) and the
demo driver by the console script's target, `adapters.cli:main`.

Exit codes: 0 ok, 1 some items failed, 2 bad config or usage, 3 a source cannot be reached (the highest wins when
tenants differ). No traceback reaches the user: a known error prints one line, an unexpected one its type and
message (the traceback only with -v).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from connector import logs, pseudonyms
from connector.cli import demo, fleet, penalty, rates, report, review, runs, setup
from connector.cli.args import iso_date
from connector.cli.output import describe_error, err, say
from connector.cli.tenants import load_deployment
from connector.errors import ConfigError, RelanceError
from connector.protocol import Adapter, Command

TENANT_OPTIONS = ("config", "tenant", "as_of")  # what a command that acts on tenants takes


def _globals(p: argparse.ArgumentParser, suppress: bool, takes: tuple[str, ...] = TENANT_OPTIONS,
             as_of_help: str = "the day to act as of (default: today in the tenant's timezone)") -> None:
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    if "config" in takes:
        p.add_argument("--config", metavar="FILE", default=d(None), help="deployment file (default ./relance.yaml)")
    if "tenant" in takes:
        p.add_argument("--tenant", metavar="NAME", action="append", default=d(None), help="only this tenant (repeatable)")
    if "as_of" in takes:
        p.add_argument("--as-of", metavar="YYYY-MM-DD", type=iso_date, default=d(None), help=as_of_help)
    p.add_argument("--log-format", choices=["text", "json"], default=d("text"))
    p.add_argument("--redact", action="store_true", default=d(False),
                   help="customers' names, contacts, e-mails and addresses as stable pseudonyms in plans, reports "
                        "and logs (a run still writes to the real customer; only its output is redacted)")
    p.add_argument("--log-personal-data", action="store_true", default=d(False),
                   help="keep customers' names in JSON logs (pseudonymised there by default)")
    p.add_argument("-v", "--verbose", action="count", default=d(0))


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's usage errors: exit code 2, as for a bad config
        self.print_usage(sys.stderr)
        err(message)
        raise SystemExit(2)


def adapter_command(command: Command):
    """An adapter's command run on the deployment's tenants, with `say` for what it prints."""
    def run(args) -> int:
        dep, tenants, secrets = load_deployment(args)
        return command.run(args, dep, tenants, secrets, say)
    return run


def parser(systems: Mapping[str, Adapter]) -> argparse.ArgumentParser:
    p = Parser(prog="relance", description="Follow-up of unpaid invoices, written back into Odoo or QuickBooks.")
    _globals(p, suppress=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser, required=True)

    def add(name: str, func, help: str, takes: tuple[str, ...] = TENANT_OPTIONS, description: str | None = None,
            **options) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=description or help,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        _globals(sp, suppress=True, takes=takes, **options)
        sp.set_defaults(func=func, takes=takes)
        return sp

    groups: dict[int, argparse._SubParsersAction] = {}

    def action(group: argparse.ArgumentParser, name: str, func, help: str, takes: tuple[str, ...] = ("config",),
               description: str | None = None) -> argparse.ArgumentParser:
        """`relance GROUP NAME`, e.g. `relance rates update`."""
        if id(group) not in groups:
            groups[id(group)] = group.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser,
                                                     required=True)
        sp = groups[id(group)].add_parser(name, help=help, description=description or help)
        _globals(sp, suppress=True, takes=takes)
        sp.set_defaults(func=func, takes=takes)
        return sp

    add("check", setup.cmd_check, "validate the config and check each tenant: connection, access rights, setup")
    add("init", setup.cmd_init, "create what Relance needs in each source system (idempotent)")
    plan = add("plan", runs.cmd_plan, "dry run: every operation a run would write")
    plan.add_argument("--json", action="store_true")
    plan.add_argument("--show-messages", action="store_true",
                      help="print each message as it will be sent (recipient, subject, body) and render its letters")
    plan.add_argument("--customer", metavar="ID", help="with --show-messages: only this customer's operations")
    plan.add_argument("--messages-dir", metavar="DIR",
                      help="where --show-messages writes the letters' PDFs (default: a new temporary folder)")
    add("run", runs.cmd_run, "read, reconcile and write back").add_argument("--json", action="store_true")
    add("review", review.cmd_review, "a local page to read today's messages and approve or skip what waits for "
        "approval").add_argument("--port", type=int, default=8765, help="loopback port (0: any free one)")
    daemon = add("daemon", runs.cmd_daemon, "run each tenant on its schedule until SIGTERM; SIGHUP re-reads relance.yaml")
    daemon.add_argument("--once", action="store_true", help="run every tenant once and exit")
    daemon.add_argument("--metrics-port", type=int, metavar="PORT",
                        help="serve /metrics and /healthz on this port (0: any free one; default: relance.yaml's metrics)")
    fleet.add_parser(add)
    report.add_parser(add)
    penalty.add_parser(add)
    rates.add_parser(add, action)
    for adapter in systems.values():
        if adapter.commands:
            group = add(adapter.system, None, f"{adapter.label} tools", takes=())
            for command in adapter.commands:
                command.configure(action(group, command.name, adapter_command(command), command.help,
                                         takes=("config", "tenant"), description=command.description or command.help))
    demo.add_parser(add)
    return p


def main(argv: list[str] | None = None, systems: Mapping[str, Adapter] | None = None, demo_driver=None) -> int:
    systems = systems or {}
    try:
        args = parser(systems).parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    args.systems, args.demo = systems, demo_driver
    logs.setup(args.log_format, args.verbose)
    logs.forget_pseudonyms()  # one command's customers are no other's (tests call main many times)
    pseudonyms.configure(pseudonyms.OUTPUT if args.redact else
                         pseudonyms.LOGS if args.log_format == "json" and not args.log_personal_data else pseudonyms.OFF)
    unused = [f"--{o.replace('_', '-')}" for o in TENANT_OPTIONS
              if o not in getattr(args, "takes", TENANT_OPTIONS) and getattr(args, o, None) is not None]
    if unused:  # given before the command name, where every option is accepted
        err(f"relance {args.command}: {', '.join(unused)} does not apply to this command")
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        err(str(exc))
        return 2
    except RelanceError as exc:
        err(describe_error(exc))
        return 1
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (`relance plan | head`): not a failure of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - never a traceback to the user unless -v
        err(describe_error(exc, args.verbose))
        return 1
