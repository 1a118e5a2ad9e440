"""What late payment costs: financing the overdue balance, penalties charged against collected, and
the administrative cost of the reminders. Per currency; nothing is converted.

Financing: each overdue item costs open amount × annual rate × days late / 365 to date, and the
overdue balance costs balance × rate a year while it stays. Penalties over the 12 months to the
as-of day: charged = the penalty lines Relance wrote (its markers in the source system), of which posted =
the posted penalty invoices and draft = the rest, on invoices still in draft (Odoo's penalty invoices are
drafts until someone posts them, by default: mapping `penalties.post`); collected = what was settled on the
posted ones. Reminders: contacts written in the
12 months (one per history key) and planned today, times the configured cost of one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from connector import channels
from connector.models import HistoryEntry, Operation, Receivable
from connector.money import round_money

from connector.reports.balances import ZERO

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Financing:
    currency: str
    rate: Decimal  # percent a year
    overdue: Decimal
    to_date: Decimal  # accrued since each due date
    per_year: Decimal  # carrying the overdue balance for a year


@dataclass(frozen=True)
class Penalties:
    currency: str
    charged: Decimal
    invoiced: Decimal  # posted
    collected: Decimal
    outstanding: Decimal  # still open on penalty invoices, whenever issued

    @property
    def draft(self) -> Decimal:
        """Charged on invoices not posted yet: what no customer has been invoiced for so far."""
        return max(self.charged - self.invoiced, ZERO)


@dataclass(frozen=True)
class Reminders:
    sent_12m: int
    planned_today: int
    by_channel: dict[str, int]
    unit_cost: Decimal | None
    currency: str

    @property
    def cost_12m(self) -> Decimal | None:
        return None if self.unit_cost is None else round_money(self.unit_cost * self.sent_12m, self.currency)

    @property
    def cost_today(self) -> Decimal | None:
        return None if self.unit_cost is None else round_money(self.unit_cost * self.planned_today, self.currency)


@dataclass(frozen=True)
class Cost:
    financing: list[Financing] = field(default_factory=list)  # empty without a rate
    penalties: list[Penalties] = field(default_factory=list)
    reminders: Reminders | None = None


def financing(items: list[Receivable], as_of: date, rate: Decimal) -> list[Financing]:
    overdue: dict[str, Decimal] = defaultdict(Decimal)
    accrued: dict[str, Decimal] = defaultdict(Decimal)
    for r in items:
        late = (as_of - r.due_date).days
        if r.open_amount > 0 and late > 0:
            overdue[r.currency] += r.open_amount
            accrued[r.currency] += r.open_amount * late
    k = Decimal(str(rate)) / 100  # a rate given as int or float is taken as written, never as binary
    return [Financing(cur, rate, round_money(overdue[cur], cur), round_money(accrued[cur] * k / 365, cur),
                      round_money(overdue[cur] * k, cur)) for cur in sorted(overdue)]


def penalties(items: list[Receivable], history: list[HistoryEntry], as_of: date) -> list[Penalties]:
    since = as_of - YEAR
    charged: dict[str, Decimal] = defaultdict(Decimal)
    for h in history:
        if h.kind == "penalty" and h.amount is not None and h.currency and since < h.date <= as_of:
            charged[h.currency] += h.amount
    invoiced: dict[str, Decimal] = defaultdict(Decimal)
    collected: dict[str, Decimal] = defaultdict(Decimal)
    outstanding: dict[str, Decimal] = defaultdict(Decimal)
    for r in items:
        if not r.is_penalty:
            continue
        outstanding[r.currency] += r.open_amount
        if since < r.issue_date <= as_of:
            invoiced[r.currency] += r.amount
        collected[r.currency] += sum((s.amount for s in r.settlements if since < s.date <= as_of), ZERO)
    curs = sorted(set(charged) | set(invoiced) | set(outstanding))
    return [Penalties(c, round_money(charged[c], c), round_money(invoiced[c], c), round_money(collected[c], c),
                      round_money(outstanding[c], c)) for c in curs]


def reminders(history: list[HistoryEntry], planned: list[Operation], as_of: date, unit_cost: Decimal | None,
              currency: str) -> Reminders:
    seen: dict[str, str] = {}
    for h in history:
        if h.kind == "action" and h.channel in channels.CONTACT and as_of - YEAR < h.date <= as_of:
            seen[h.key] = h.channel
    today = [op for op in planned if op.kind == "action" and op.channel in channels.CONTACT]
    by_channel: dict[str, int] = defaultdict(int)
    for ch in seen.values():
        by_channel[ch] += 1
    return Reminders(len(seen), len(today), dict(sorted(by_channel.items())), unit_cost, currency)


def cost(items: list[Receivable], history: list[HistoryEntry], planned: list[Operation], as_of: date, *,
         rate: Decimal | None, admin_cost: Decimal | None, currency: str) -> Cost:
    unit = None if admin_cost is None else Decimal(str(admin_cost))
    return Cost(financing=financing(items, as_of, rate) if rate is not None else [],
                penalties=penalties(items, history, as_of),
                reminders=reminders(history, planned, as_of, unit, currency))
