"""`relance demo`: what the demo driver (adapters/demo, given to `main` by the composition root) did, printed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from connector import rates
from connector.calendar import quiet_reason
from connector.cli.output import failure_lines, plan_lines, say, written_summary
from connector.daemon import StopFlag
from connector.errors import RelanceError
from connector.interest import known_until
from connector.policy import load_policy
from connector.progress import Progress
from connector.reports.aging import aged_balance, totals
from connector.reports.tables import aging_table


def demo_day(today: date) -> date:
    """The demo's default day: today, unless the rate tables stop earlier (interest past them is an error, never a
    guess), and a working day so the reminders are not postponed."""
    policy = load_policy("fr-b2b")
    day = min(today, known_until(policy.rules.interest))  # the demo has no contractual rate
    while quiet_reason(policy.contact, day):
        day -= timedelta(days=1)
    return day


def demo_day_reason(today: date, day: date) -> str:
    policy = load_policy("fr-b2b")
    rule = policy.rules.interest
    if known_until(rule) < today:
        t = rates.table(rule.reference)
        return (f"the {t.label} table ends on {t.covered_until} ({t.path}), so no interest can be computed past "
                f"{known_until(rule)}; `relance rates update` fetches the rates published since")
    return f"{quiet_reason(policy.contact, today)}, a day without contact in the fr-b2b policy"


def run_lines(demo, verbose: int = 0) -> list[str]:
    """init's count, the first customers of the plan, the first writes, the second plan, the aged balance."""
    limit = None if verbose else 8
    shown = demo.result.done if limit is None else demo.result.done[:limit]
    aging = aged_balance(demo.again.reconciliation)
    failed = f"; {len(demo.again.failed)} item(s) failed and are not planned (see above)" if demo.again.failed else ""
    return [
        f"Relance demo: {demo.title}, a French SME's receivables, policy fr-b2b, as of {demo.as_of}", "",
        f"== relance init: {sum(ln.startswith('created') for ln in demo.setup)} object(s) created, "
        f"{sum(ln.startswith('found') for ln in demo.setup)} found",
        f"== relance plan: {len(demo.planned.plan.operations)} operation(s), {len(demo.planned.skipped)} skipped "
        f"(first customers; `relance plan --json` gives them all)",
        *plan_lines(demo.planned, verbose=verbose, limit=None if verbose else 4), "",
        "== relance run: " + written_summary(demo.result), *(f"  {d.what} -> {d.ref}" for d in shown),
        *([f"  … {len(demo.result.done) - len(shown)} more"] if len(demo.result.done) > len(shown) else []),
        *failure_lines(demo.result, verbose, indent="  ", limit=8),
        *demo.notes,
        f"== relance plan, again: {len(demo.again.plan.operations)} operation(s) left to write "
        f"(what was written is found again in {demo.label}){failed}", "",
        f"== aged balance as of {demo.again.as_of} (largest 12 customers)",
        *aging_table(sorted(aging, key=lambda r: (-r.total, r.customer)), totals(aging), limit=12, indent=""), "",
        f"Next: {'connect your own QuickBooks company (see README.md, `relance quickbooks connect`)' if demo.label == 'QuickBooks' else 'write a relance.yaml for your own Odoo (see README.md)'}, "
        f"then `relance check` and `relance plan`."]


def cmd_demo(args) -> int:
    driver = args.demo
    if driver is None:
        raise RelanceError("the bundled emulators are not installed: the demo needs them")
    day = args.as_of or demo_day(date.today())
    if args.as_of is None and day != date.today():
        say(f"The demo acts as of {day}, not today ({date.today()}): {demo_day_reason(date.today(), day)}. "
            f"`--as-of YYYY-MM-DD` picks another day.")
    if args.serve:
        stop = StopFlag()
        stop.install()

        def wait() -> None:
            while not stop.event.wait(0.5):
                pass

        try:  # print(), not say(): the demo's own keys are what the user needs to see there
            return driver.serve(args.system, day, args.odoo_version, Path.cwd(), wait, lambda t: print(t, flush=True))
        finally:
            stop.restore()
    bar = Progress("writing")
    try:
        demo = driver.run(args.system, day, args.odoo_version, on_progress=bar)
    finally:
        bar.close()
    for line in run_lines(demo, args.verbose):
        say(line)
    return demo.result.exit_code


def add_parser(add) -> None:
    demo = add("demo", cmd_demo, "run Relance on a bundled Odoo or QuickBooks emulator with a demo French SME ledger",
               takes=("as_of",), as_of_help="the day to replay (default: today, or the last working day the rate "
                                            "tables cover when they end before today; `relance rates update` "
                                            "brings them up to date)")
    demo.add_argument("--system", choices=["odoo", "quickbooks"], default="odoo",
                      help="the accounting system to emulate (default odoo)")
    demo.add_argument("--odoo-version", choices=["16.0", "17.0", "18.0", "19.0"], default="19.0",
                      help="emulated Odoo version (default 19.0, JSON-2; 16-18 use XML-RPC)")
    demo.add_argument("--serve", action="store_true",
                      help="keep the emulator running and write relance.yaml (and relance-demo.env) in the current "
                           "directory, so that check, init, plan, run, report and daemon can be tried on it")
