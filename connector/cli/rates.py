"""`relance rates update | add | show`: the reference-rate tables, kept current without a release."""

from __future__ import annotations

from datetime import date

from connector import rate_update, rates
from connector.cli.args import iso_date, percent
from connector.cli.output import dump_json, say, table
from connector.cli.tenants import use_config_rates

_STATUS = {"updated": "updated", "current": "ok     ", "kept": "kept   ", "failed": "FAILED ", "by hand": "by hand"}


def cmd_update(args) -> int:
    use_config_rates(args)
    directory, why = rates.user_dir()
    say(f"rates directory: {directory} ({why})")
    outcomes = rate_update.update(args.table or None, today=date.today(), timeout=args.timeout)
    for o in outcomes:
        say(f"  {_STATUS[o.status]}  {o.table}: {o.message}")
        for change in o.changes if args.verbose or len(o.changes) <= 5 else o.changes[-5:]:
            say(f"             {change}")
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def cmd_add(args) -> int:
    use_config_rates(args)
    o = rate_update.add(args.table, args.start, args.rate, args.source, today=date.today(),
                        covered_until=args.covered_until)
    say(f"{o.table}: {o.message}")
    return 0


def cmd_show(args) -> int:
    use_config_rates(args)
    shown = rate_update.show()
    directory, why = rates.user_dir()
    today = date.today()
    if args.json:
        dump_json({"rates_dir": str(directory), "rates_dir_from": why,
                   "tables": [{**s.__dict__, "last_rate": str(s.last_rate)} for s in shown]})
        return 0
    say(f"rates directory: {directory} ({why}); shipped tables: {rates.shipped_dir()}")
    rows = [[s.table, s.last_day.isoformat(), f"{s.last_rate:f} %", s.covered_until.isoformat()
             + ("  (before today)" if s.covered_until < today else ""), s.path] for s in shown]
    for line in table(rows, ["table", "last change", "rate", "covered until", "read from"]):
        say(line)
    return 0


def add_parser(add, action) -> None:
    p = add("rates", None, "keep the reference-rate tables current (update, add, show)", takes=("config",),
            description="Reference rates (ECB, Bank of England, Bundesbank, French legal rate) are read from the "
                        "user rates directory\n(rates_dir: in relance.yaml, else $RELANCE_RATES_DIR, else the user "
                        "data directory) and from the\nshipped tables; per table the one covering the latest day wins.")
    up = action(p, "update", cmd_update, "fetch the tables from their publishers (ECB, Bank of England, Bundesbank) "
                                      "into the user rates directory")
    up.add_argument("table", nargs="*", help=f"only these tables ({', '.join(rates.TABLES)})")
    up.add_argument("--timeout", type=float, default=20, help="seconds to wait for each publisher (default 20)")
    ad = action(p, "add", cmd_add, "record one published rate by hand (the French legal rate has no data service)")
    ad.add_argument("table", choices=list(rates.TABLES), metavar="TABLE", help=", ".join(rates.TABLES))
    ad.add_argument("--from", dest="start", type=iso_date, required=True, metavar="YYYY-MM-DD",
                    help="the day the rate takes effect (1 January / 1 July for a half-year rate)")
    ad.add_argument("--rate", type=percent, required=True, metavar="PERCENT", help="percent per year, e.g. 2.62")
    ad.add_argument("--source", required=True, metavar="URL", help="where it was published")
    ad.add_argument("--covered-until", type=iso_date, metavar="YYYY-MM-DD",
                    help="the last day the table is known complete (default: the half-year's end, or today)")
    sh = action(p, "show", cmd_show, "each table: last change, covered until, the file it is read from")
    sh.add_argument("--json", action="store_true")
