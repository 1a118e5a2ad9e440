"""The report as terminal tables: aged balance, DSO, CEI, days late, reminders, cost, worklist."""

from __future__ import annotations

from decimal import Decimal

from connector.money import fmt, is_currency
from connector.reconcile import BUCKETS

from connector.reports import Report
from connector.reports.aging import AgingRow


# penalties charged in the 12 months, split into those on invoices still in draft and those posted (cost.py)
PENALTY_HEADERS = ["cur", "penalties charged (12 m)", "in draft invoices", "posted", "collected", "still open"]


def table(rows: list[list[str]], headers: list[str], right: set[int] = frozenset(), indent: str = "  ") -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]

    def line(r: list[str]) -> str:
        return indent + "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                  for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *map(line, rows)]


def amount(value: Decimal, currency: str = "") -> str:
    if currency and is_currency(currency):
        return fmt(value, currency).removesuffix(f" {currency}")
    return f"{value.quantize(Decimal('0.01')):,}"


def opt(value, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value}{suffix}"


def aging_lines(rep: Report) -> list[str]:
    return aging_table(rep.aging, rep.aging_totals)


def aging_table(aging: list[AgingRow], sums: dict[str, dict[str, Decimal]], limit: int | None = None,
                indent: str = "  ") -> list[str]:
    """The aged balance, its first `limit` rows and the total of all rows per currency."""
    shown = aging if limit is None else aging[:limit]
    rows = [[r.customer[:40], r.currency, *(amount(r.buckets[b], r.currency) for b in BUCKETS),
             amount(r.total, r.currency)] for r in shown]
    every = f" (all {len(aging)} lines)" if len(shown) < len(aging) else ""
    rows += [[f"TOTAL {cur}{every}", cur, *(amount(t[b], cur) for b in BUCKETS), amount(t["total"], cur)]
             for cur, t in sums.items()]
    return table(rows, ["customer", "cur", *BUCKETS, "total"], set(range(2, len(BUCKETS) + 3)), indent)


def metric_lines(rep: Report) -> list[str]:
    out = [f"DSO as of {rep.as_of} (days sales outstanding):"]
    out += table([[d.currency, amount(d.receivables, d.currency), amount(d.sales_90d, d.currency),
                   opt(d.count_back) + (" (at least)" if d.count_back_capped else ""), opt(d.simple)]
                  for d in rep.dso], ["cur", "receivables", "sales 90 d", "count-back", "simple (90 d)"], {1, 2, 3, 4})
    start, end = rep.period
    out.append(f"Collection Effectiveness Index, {start} to {end}:")
    out += table([[c.currency, amount(c.beginning, c.currency), amount(c.sales, c.currency),
                   amount(c.ending_total, c.currency), amount(c.ending_current, c.currency), opt(c.cei, " %")]
                  for c in rep.cei], ["cur", "beginning", "sales", "ending", "ending current", "CEI"], {1, 2, 3, 4, 5})
    out.append("first reminders of the last 12 months: overdue amount paid within 30 days")
    out += table([[e.currency, str(e.items), amount(e.reminded, e.currency), amount(e.paid_30d, e.currency),
                   opt(e.share, " %")] for e in rep.reminders] or [["-", "0", "", "", "n/a"]],
                 ["cur", "items", "overdue then", "paid in 30 d", "share"], {1, 2, 3, 4})
    out.append("average days late per customer (items settled in the last 12 months; latest 10)")
    out += table([[d.customer[:40], str(d.items), str(d.average), str(d.worst)] for d in rep.days_late[:10]],
                 ["customer", "items", "avg days late", "worst"], {1, 2, 3})
    return out


def cost_lines(rep: Report) -> list[str]:
    c = rep.cost
    out = ["cost of late payment:"]
    if c.financing:
        out += table([[f.currency, amount(f.overdue, f.currency), f"{f.rate} %", amount(f.to_date, f.currency),
                       amount(f.per_year, f.currency)] for f in c.financing],
                     ["cur", "overdue", "rate", "financing to date", "per year"], {1, 2, 3, 4})
    else:
        out.append("  financing: give --financing-rate PERCENT to compute it")
    out += table([[p.currency, amount(p.charged, p.currency), amount(p.draft, p.currency), amount(p.invoiced, p.currency),
                   amount(p.collected, p.currency), amount(p.outstanding, p.currency)] for p in c.penalties]
                 or [["-", "0.00", "0.00", "0.00", "0.00", "0.00"]],
                 PENALTY_HEADERS, {1, 2, 3, 4, 5})
    r = c.reminders
    if r is not None:
        channels = ", ".join(f"{k} {v}" for k, v in r.by_channel.items()) or "none"
        line = f"  reminders: {r.sent_12m} in 12 months ({channels}), {r.planned_today} planned today"
        if r.unit_cost is not None:
            line += (f"; at {amount(r.unit_cost, r.currency)} {r.currency} each: {amount(r.cost_12m, r.currency)} "
                     f"{r.currency} in 12 months, {amount(r.cost_today, r.currency)} {r.currency} today")
        else:
            line += " (give --admin-cost AMOUNT for their cost)"
        out.append(line)
    return out


def worklist_lines(rep: Report) -> list[str]:
    rows = [[str(w.rank), w.customer[:32], w.currency, amount(w.open_amount, w.currency), f"{w.p_unpaid:.2f}",
             amount(w.expected, w.currency), str(w.oldest_days_late),
             f"until {w.near_limitation}" if w.near_limitation else "", w.action, w.channel, w.reason]
            for w in rep.worklist]
    return table(rows, ["#", "customer", "cur", "overdue", "p unpaid", "expected", "days", "limitation",
                        "next action", "channel", "reason"], {0, 3, 4, 5, 6})


def report_lines(rep: Report) -> list[str]:
    out = [f"== {rep.tenant}: report as of {rep.as_of}", "aged balance (open amounts by days past due):"]
    out += aging_lines(rep)
    out += ["", *metric_lines(rep), "", *cost_lines(rep), "",
            f"today's worklist ({len(rep.worklist)}): near the limitation date first, then by expected value "
            f"(open × p unpaid), {rep.currency} first"]
    out += worklist_lines(rep) if rep.worklist else ["  nothing overdue to follow up"]
    out += [f"note: {n}" for n in rep.notes]
    return out
