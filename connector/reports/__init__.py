"""Reports a credit controller reads, computed from what the adapter reads for one tenant at an
as-of date (the ledger and its reconciliation and plan); nothing is stored by us.

`build` gathers them in one `Report`; `tables`, `export`, `html` and `png` render it. Money stays
`Decimal` per currency: no total ever adds two currencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from connector import pseudonyms
from connector.asof import ledger_as_of
from connector.errors import ConfigError
from connector.models import Ledger
from connector.plan import Plan
from connector.reconcile import Reconciliation

from connector.reports import aging, cost, metrics, worklist


@dataclass(frozen=True)
class Options:
    period_start: date | None = None  # CEI period; default the three months ending on the as-of day
    period_end: date | None = None
    financing_rate: Decimal | None = None  # percent a year; None: no financing cost
    admin_cost: Decimal | None = None  # per reminder, in the policy's currency


@dataclass
class Report:
    tenant: str
    as_of: date
    currency: str  # the policy's: its worklist comes first
    aging: list[aging.AgingRow]
    aging_totals: dict[str, dict[str, Decimal]]
    dso: list[metrics.Dso]
    dso_trend: list[metrics.Dso]
    period: tuple[date, date]
    cei: list[metrics.Cei]
    days_late: list[metrics.DaysLate]
    reminders: list[metrics.ReminderEffect]
    cost: cost.Cost
    worklist: list[worklist.WorkItem]
    notes: list[str] = field(default_factory=list)


def period(options: Options, as_of: date) -> tuple[date, date]:
    """The CEI period from the options, checked against the as-of day."""
    end = options.period_end or as_of
    start = options.period_start or metrics.default_period(end)[0]
    problems = []
    if start > end:
        problems.append(f"--period-start {start} is after the period's end {end}")
    if end > as_of:
        problems.append(f"--period-end {end} is after the as-of day {as_of}: the future is not known yet")
    if problems:
        raise ConfigError("relance report", problems)
    return start, end


def build(tenant: str, ledger: Ledger, rec: Reconciliation, plan: Plan, currency: str,
          options: Options = Options()) -> Report:
    as_of = rec.as_of
    start, end = period(options, as_of)
    ledger = ledger_as_of(ledger, as_of)  # what `plan_ledger` reconciled: the books as they were that day
    rows = aging.aged_balance(rec)
    items, credits = ledger.receivables, ledger.credits
    notes = []
    if ledger.rejected:
        notes.append(f"{len(ledger.rejected)} source record(s) could not be read and are left out")
    return Report(
        tenant=tenant, as_of=as_of, currency=currency, aging=rows, aging_totals=aging.totals(rows),
        dso=metrics.dso_all(items, as_of, credits), dso_trend=metrics.dso_trend(items, as_of, credits=credits),
        period=(start, end), cei=metrics.cei_all(items, start, end, credits), days_late=metrics.days_late_12m(items, ledger.customers, as_of),
        reminders=metrics.reminder_effect(items, ledger.history, as_of),
        cost=cost.cost(items, ledger.history, plan.operations, as_of, rate=options.financing_rate,
                       admin_cost=options.admin_cost, currency=currency),
        worklist=worklist.worklist(ledger, rec, plan, currency), notes=notes)


def read_tenant(tenant, secrets: Mapping, as_of: date | None) -> tuple[Ledger, Reconciliation, Plan, str]:
    """Open the tenant's source, read its ledger once, reconcile and plan it (a dry run: nothing written)."""
    from connector.daemon import today_in
    from connector.runner import plan_ledger

    policy = tenant.load_policy()
    day = as_of or today_in(tenant)
    with pseudonyms.wrap(tenant.open(secrets), dry_run=True) as source:
        ledger = source.fetch(day)
    rec, plan = plan_ledger(ledger, policy, day)
    return ledger, rec, plan, policy.currency
