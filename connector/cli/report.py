"""`relance report`: aged balance, DSO, CEI, cost of late payment and today's worklist (nothing written)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from connector import reports
from connector.cli.args import decimal, iso_date
from connector.cli.output import dump_json, err, say
from connector.cli.tenants import for_each_tenant, json_error
from connector.logs import redact
from connector.reports import export, html, ledgercheck, png, tables


def cmd_report(args) -> int:
    fmt = "json" if args.json else args.format
    options = reports.Options(period_start=args.period_start, period_end=args.period_end,
                              financing_rate=args.financing_rate, admin_cost=args.admin_cost)
    done: list = []
    docs: list[dict] = []
    note = say if fmt == "table" else err  # keep stdout parseable for csv and json

    def work(tenant, secrets) -> int:
        ledger, rec, plan, currency = reports.read_tenant(tenant, secrets, args.as_of)
        rep = reports.build(tenant.name, ledger, rec, plan, currency, options)
        done.append(rep)
        if fmt == "json":
            docs.append(export.document(rep))
        elif fmt == "table":
            for line in tables.report_lines(rep):
                say(line)
        if args.png:
            for path in png.write_all(html.charts(rep), Path(args.png), f"{tenant.name}-"):
                note(f"wrote {path}")
        return check_ledger(tenant, secrets, ledger, rec, docs[-1] if fmt == "json" else None) if args.check_ledger else 0

    def check_ledger(tenant, secrets, ledger, rec, doc: dict | None) -> int:
        """The report's totals against the system's own open items of the day (connector/reports/ledgercheck.py)."""
        with tenant.open(secrets) as source:
            items = source.open_items(rec.as_of)
        check = ledgercheck.compare(rec, items, ledger.rejected)
        label = args.systems[tenant.system].label if tenant.system in args.systems else tenant.system
        for line in ledgercheck.lines(check, label, {c.id: c.name for c in ledger.companies if c.id}, args.verbose):
            note(line)
        if doc is not None:
            doc["ledger_check"] = {"ok": check.ok, "totals": [{**asdict(t), "difference": t.difference}
                                                               for t in check.totals],
                                   "differences": [asdict(d) for d in check.differences]}
        return 0 if check.ok else 1

    args.format = fmt
    code = for_each_tenant(args, work, json_error(docs, args))
    if fmt == "json":
        dump_json({"tenants": docs})
    elif fmt == "csv" and done:
        sys.stdout.write(redact(export.csv_text(done)))
    if args.html and done:
        Path(args.html).write_text(html.page(done), encoding="utf-8")
        note(f"wrote {args.html}")
    return code


def add_parser(add) -> None:
    rep = add("report", cmd_report, "aged balance, DSO, CEI, cost of late payment and today's worklist")
    rep.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output (default table)")
    rep.add_argument("--json", action="store_true", help="same as --format json")
    rep.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page with charts")
    rep.add_argument("--png", metavar="DIR", help="also write the charts as PNG files into DIR")
    rep.add_argument("--check-ledger", action="store_true",
                     help="compare the open balance per company and currency with the accounting system's own open "
                          "items of the day (-v: the items that differ); a difference exits 1")
    rep.add_argument("--period-start", type=iso_date, metavar="YYYY-MM-DD",
                     help="first day of the CEI period (default: three months before its end)")
    rep.add_argument("--period-end", type=iso_date, metavar="YYYY-MM-DD", help="last day of the CEI period (default: as-of)")
    rep.add_argument("--financing-rate", type=decimal, metavar="PERCENT",
                     help="annual rate at which the overdue balance is financed, e.g. 5")
    rep.add_argument("--admin-cost", type=decimal, metavar="AMOUNT",
                     help="administrative cost of one reminder, in the policy's currency")
