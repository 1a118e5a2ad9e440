"""A self-contained HTML page of the report: inline CSS and SVG charts, no script, no font or image
fetched, so it opens the same in any browser without network access (and can be mailed as is)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from connector.reconcile import BUCKETS

from connector.reports import Report
from connector.reports.charts import Chart, aging_chart, dso_trend_chart, svg, top_overdue_chart
from connector.reports.tables import PENALTY_HEADERS, amount, opt

CSS = """
body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;color:#1f2933;margin:16px;background:#f5f7fa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}
.sub{color:#52606d;margin:0 0 16px}.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #d9dee3;border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:20px}.card span{color:#52606d;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #d9dee3;border-radius:6px}
table{border-collapse:collapse;background:#fff;font-size:12px;margin-bottom:8px}
th,td{border:1px solid #d9dee3;padding:3px 7px;text-align:left;vertical-align:top}th{background:#eef2f6}
td.n,th.n{text-align:right;white-space:nowrap}tr.total td{font-weight:bold;background:#eef2f6}
.near{color:#b91c1c;font-weight:bold}.note{color:#52606d;font-size:12px;max-width:1100px}
"""


def _table(headers: list[str], rows: Iterable[list], numeric: set[int] = frozenset(), cls: str = "",
           row_cls: Iterable[str] = ()) -> str:
    head = "".join(f'<th class="{"n" if i in numeric else ""}">{escape(h)}</th>' for i, h in enumerate(headers))
    body = []
    classes = list(row_cls)
    for k, r in enumerate(rows):
        cells = "".join(c if isinstance(c, _Raw) else f'<td class="{"n" if i in numeric else ""}">{escape(str(c))}</td>'
                        for i, c in enumerate(r))
        body.append(f'<tr class="{classes[k] if k < len(classes) else ""}">{cells}</tr>')
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


class _Raw(str):
    """A cell given as ready HTML."""


def _cards(rep: Report) -> str:
    out = []
    for cur, t in rep.aging_totals.items():
        overdue = t["total"] - t["current"]
        out.append(f'<div class="card"><span>open {cur}</span><b class="total" data-currency="{cur}" '
                   f'data-amount="{t["total"]}">{amount(t["total"], cur)}</b></div>')
        out.append(f'<div class="card"><span>overdue {cur}</span><b class="overdue" data-currency="{cur}" '
                   f'data-amount="{overdue}">{amount(overdue, cur)}</b></div>')
    for d in rep.dso:
        out.append(f'<div class="card"><span>DSO {d.currency}: count-back / simple 90 d</span>'
                   f'<b class="dso" data-currency="{d.currency}">{opt(d.count_back)} / {opt(d.simple)} d</b></div>')
    for c in rep.cei:
        out.append(f'<div class="card"><span>CEI {c.currency}, {c.start} to {c.end}</span>'
                   f'<b class="cei" data-currency="{c.currency}">{opt(c.cei, " %")}</b></div>')
    return f'<div class="cards">{"".join(out)}</div>'


def charts(rep: Report) -> list[Chart]:
    """Aging and top-overdue charts for each currency, then the DSO trend."""
    out = []
    for cur, t in rep.aging_totals.items():
        out.append(aging_chart(cur, t))
        out.append(top_overdue_chart(cur, rep.aging))
    out.append(dso_trend_chart(rep.dso_trend))
    return out


def _aging(rep: Report) -> str:
    rows, classes = [], []
    for r in rep.aging:
        rows.append([r.customer, r.currency, *(amount(r.buckets[b], r.currency) for b in BUCKETS),
                     amount(r.total, r.currency)])
        classes.append("")
    for cur, t in rep.aging_totals.items():
        rows.append([f"TOTAL {cur}", cur, *(amount(t[b], cur) for b in BUCKETS),
                     _Raw(f'<td class="n" data-total="{cur}" data-amount="{t["total"]}">{amount(t["total"], cur)}</td>')])
        classes.append("total")
    return _table(["customer", "cur", *BUCKETS, "total"], rows, set(range(2, len(BUCKETS) + 3)), "aging", classes)


def _worklist(rep: Report) -> str:
    rows = []
    for w in rep.worklist:
        near = _Raw(f'<td class="near">until {w.near_limitation}</td>') if w.near_limitation else ""
        rows.append([w.rank, w.customer, w.currency, amount(w.open_amount, w.currency), f"{w.p_unpaid:.2f}",
                     amount(w.expected, w.currency), w.oldest_days_late, near, w.action, w.channel, w.reason,
                     w.history])
    return _table(["#", "customer", "cur", "overdue", "p unpaid", "expected", "days late", "limitation",
                   "next action", "channel", "reason", "customer's history"], rows, {0, 3, 4, 5, 6}, "worklist")


def _metrics(rep: Report) -> str:
    start, end = rep.period
    parts = [
        "<h3>DSO</h3>",
        _table(["cur", "receivables", "sales 90 d", "count-back", "simple (90 d)"],
               [[d.currency, amount(d.receivables, d.currency), amount(d.sales_90d, d.currency),
                 opt(d.count_back) + (" (at least)" if d.count_back_capped else ""), opt(d.simple)] for d in rep.dso],
               {1, 2, 3, 4}, "dso"),
        f"<h3>Collection Effectiveness Index, {start} to {end}</h3>",
        _table(["cur", "beginning", "sales", "ending", "ending current", "CEI"],
               [[c.currency, amount(c.beginning, c.currency), amount(c.sales, c.currency),
                 amount(c.ending_total, c.currency), amount(c.ending_current, c.currency), opt(c.cei, " %")]
                for c in rep.cei], {1, 2, 3, 4, 5}, "cei"),
        "<h3>Overdue amounts paid within 30 days of the first reminder (last 12 months)</h3>",
        _table(["cur", "items", "overdue then", "paid in 30 d", "share"],
               [[e.currency, e.items, amount(e.reminded, e.currency), amount(e.paid_30d, e.currency),
                 opt(e.share, " %")] for e in rep.reminders], {1, 2, 3, 4}, "reminders"),
        "<h3>Average days late per customer (items settled in the last 12 months)</h3>",
        _table(["customer", "items", "avg days late", "worst"],
               [[d.customer, d.items, d.average, d.worst] for d in rep.days_late], {1, 2, 3}, "days-late"),
    ]
    return "".join(parts)


def _cost(rep: Report) -> str:
    c = rep.cost
    parts = []
    if c.financing:
        parts.append(_table(["cur", "overdue", "annual rate", "financing to date", "per year"],
                            [[f.currency, amount(f.overdue, f.currency), f"{f.rate} %", amount(f.to_date, f.currency),
                              amount(f.per_year, f.currency)] for f in c.financing], {1, 2, 3, 4}, "financing"))
    else:
        parts.append('<p class="note">Financing cost: run with --financing-rate PERCENT.</p>')
    parts.append(_table(PENALTY_HEADERS,
                        [[p.currency, amount(p.charged, p.currency), amount(p.draft, p.currency),
                          amount(p.invoiced, p.currency), amount(p.collected, p.currency),
                          amount(p.outstanding, p.currency)] for p in c.penalties],
                        {1, 2, 3, 4, 5}, "penalties"))
    r = c.reminders
    if r is not None:
        text = f"Reminders: {r.sent_12m} in the last 12 months, {r.planned_today} planned today"
        if r.unit_cost is not None:
            text += (f"; at {amount(r.unit_cost, r.currency)} {r.currency} each, {amount(r.cost_12m, r.currency)} "
                     f"{r.currency} over 12 months and {amount(r.cost_today, r.currency)} {r.currency} today")
        parts.append(f'<p class="note">{escape(text)}.</p>')
    return "".join(parts)


def section(rep: Report) -> str:
    figures = "".join(svg(c) for c in charts(rep))
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in rep.notes)
    return (f'<section id="tenant-{escape(rep.tenant)}"><h1>{escape(rep.tenant)}: receivables report</h1>'
            f'<p class="sub">as of {rep.as_of} · amounts per currency, never converted · computed from the source '
            f'system, nothing stored</p>{_cards(rep)}<h2>Charts</h2><div class="charts">{figures}</div>'
            f"<h2>Today's worklist</h2><p class=\"note\">Near the limitation date first, then by expected value = open "
            f"amount × probability that it stays unpaid 30 more days, estimated from the customer's own payment "
            f"history (shrunk towards the whole ledger's); {escape(rep.currency)} first.</p>{_worklist(rep)}"
            f"<h2>Aged balance</h2>{_aging(rep)}<h2>Collection metrics</h2>{_metrics(rep)}"
            f"<h2>Cost of late payment</h2>{_cost(rep)}{notes}</section>")


def page(reports: list[Report]) -> str:
    title = "Relance report" + (f": {reports[0].tenant} as of {reports[0].as_of}" if len(reports) == 1 else "")
    body = "".join(section(r) for r in reports)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
            f"<body>{body}</body></html>\n")
