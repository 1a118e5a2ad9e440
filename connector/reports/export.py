"""The report as a JSON document and as CSV (one table per section, each with its own header row,
separated by a blank line). Amounts are Decimal strings, never floats."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from connector.reconcile import BUCKETS

from connector.reports import Report
from connector.reports.aging import row_dict


def document(rep: Report) -> dict:
    """Plain data (dates and Decimals left for the JSON encoder's `default=str`)."""
    c = rep.cost
    reminders = None
    if c.reminders is not None:
        reminders = {**asdict(c.reminders), "cost_12m": c.reminders.cost_12m, "cost_today": c.reminders.cost_today}
    return {
        "tenant": rep.tenant, "as_of": rep.as_of.isoformat(), "currency": rep.currency,
        "aged_balance": [row_dict(r) for r in rep.aging],
        "aged_totals": rep.aging_totals,
        "dso": [asdict(d) for d in rep.dso],
        "dso_trend": [asdict(d) for d in rep.dso_trend],
        "cei_period": {"start": rep.period[0].isoformat(), "end": rep.period[1].isoformat()},
        "cei": [asdict(x) for x in rep.cei],
        "days_late_12m": [asdict(d) for d in rep.days_late],
        "paid_within_30_days_of_first_reminder": [asdict(e) for e in rep.reminders],
        "cost": {"financing": [asdict(f) for f in c.financing], "penalties": [{**asdict(p), "draft": p.draft} for p in c.penalties],
                 "reminders": reminders},
        "worklist": [asdict(w) for w in rep.worklist],
        "notes": rep.notes,
    }


def _section(out: io.StringIO, name: str, header: list[str], rows: list[list]) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", *header])
    for r in rows:
        w.writerow([name, *("" if v is None else v for v in r)])
    out.write("\n")


def csv_text(reports: list[Report]) -> str:
    out = io.StringIO()
    _section(out, "aged_balance", ["tenant", "customer_id", "customer", "currency", *BUCKETS, "total"],
             [[rep.tenant, r.customer_id, r.customer, r.currency, *(r.buckets[b] for b in BUCKETS), r.total]
              for rep in reports for r in rep.aging])
    _section(out, "dso", ["tenant", "day", "currency", "receivables", "sales_90d", "dso_count_back",
                          "count_back_capped", "dso_simple"],
             [[rep.tenant, d.day, d.currency, d.receivables, d.sales_90d, d.count_back, d.count_back_capped, d.simple]
              for rep in reports for d in rep.dso_trend])
    _section(out, "cei", ["tenant", "start", "end", "currency", "beginning", "sales", "ending_total",
                          "ending_current", "cei_percent"],
             [[rep.tenant, x.start, x.end, x.currency, x.beginning, x.sales, x.ending_total, x.ending_current, x.cei]
              for rep in reports for x in rep.cei])
    _section(out, "days_late_12m", ["tenant", "customer_id", "customer", "items", "average", "worst"],
             [[rep.tenant, d.customer_id, d.customer, d.items, d.average, d.worst]
              for rep in reports for d in rep.days_late])
    _section(out, "reminder_effect", ["tenant", "currency", "items", "overdue_at_first_reminder",
                                      "paid_within_30_days", "share_percent"],
             [[rep.tenant, e.currency, e.items, e.reminded, e.paid_30d, e.share]
              for rep in reports for e in rep.reminders])
    _section(out, "cost", ["tenant", "currency", "what", "amount"],
             [[rep.tenant, f.currency, what, value] for rep in reports for f in rep.cost.financing
              for what, value in (("overdue", f.overdue), ("financing_to_date", f.to_date),
                                  ("financing_per_year", f.per_year))]
             + [[rep.tenant, p.currency, what, value] for rep in reports for p in rep.cost.penalties
                for what, value in (("penalties_charged_12m", p.charged), ("penalties_draft_12m", p.draft),
                                    ("penalties_invoiced_12m", p.invoiced),
                                    ("penalties_collected_12m", p.collected), ("penalties_open", p.outstanding))]
             + [[rep.tenant, r.currency, what, value] for rep in reports if (r := rep.cost.reminders)
                for what, value in (("reminders_12m", r.sent_12m), ("reminders_today", r.planned_today),
                                    ("reminder_cost_12m", r.cost_12m), ("reminder_cost_today", r.cost_today))])
    _section(out, "worklist", ["tenant", "rank", "customer_id", "customer", "currency", "overdue", "p_unpaid",
                               "expected", "oldest_days_late", "limitation", "next_action", "channel", "reason",
                               "items"],
             [[rep.tenant, w.rank, w.customer_id, w.customer, w.currency, w.open_amount, w.p_unpaid, w.expected,
               w.oldest_days_late, w.near_limitation, w.action, w.channel, w.reason, " ".join(w.items)]
              for rep in reports for w in rep.worklist])
    return out.getvalue().rstrip("\n") + "\n"
