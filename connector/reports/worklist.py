"""Today's worklist: whom to call or write to first, and what to do next.

Order: customers with an item near its limitation date first (the claim is lost if nothing is done),
then by expected value = Σ open amount × P(the item stays unpaid), within each currency (the policy's
currency first: amounts in different currencies are never compared or added).

P(stays unpaid) is estimated from the customer's own payment history, as read from the source
system: for an item now in the aging bucket starting at b days late (1, 31, 61, 91, 121), look at
the customer's other items that were still unpaid b days after their due date and whose next 30
days are over; the share of them still unpaid 30 days later is the customer's estimate. It is
shrunk towards the same share over all customers of the ledger (a Beta prior worth K = 2 items):
  p = (u + K·p0) / (n + K),   p0 = (U + 1) / (N + 2)
where u of n items of the customer, and U of N items of the whole ledger, stayed unpaid. A customer
with no such history gets p0; one with a long record gets close to its own share.

The amount is the aged balance's: the overdue items less the customer's unapplied credits in that currency
(a customer whose credits cover its overdue balance is held by the reconciliation and not listed); the
expected value is scaled down alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from connector.models import Ledger, Operation, Skip
from connector.money import fmt, round_money
from connector.plan import Plan
from connector.reconcile import OVERDUE, Account, Position, Reconciliation, dispute_hold

from connector.reports.balances import ZERO, balance_at

HORIZON = timedelta(days=30)
PRIOR_WEIGHT = Decimal(2)
BUCKET_START = {"1-30": 1, "31-60": 31, "61-90": 61, "91-120": 91, ">120": 121}


@dataclass(frozen=True)
class Odds:
    """How many comparable items were seen and how many stayed unpaid."""

    seen: int
    unpaid: int


@dataclass
class WorkItem:
    customer_id: str
    customer: str
    currency: str
    open_amount: Decimal
    expected: Decimal  # Σ open × p
    p_unpaid: Decimal  # expected / open, 0..1
    history: str  # e.g. "3 of 5 stayed unpaid"
    oldest_days_late: int
    items: list[str]
    near_limitation: date | None
    action: str
    channel: str
    reason: str
    rank: int = 0
    receivable_ids: list[str] = field(default_factory=list)
    credits: Decimal = ZERO  # the unapplied credits netted from the overdue items' total


def odds_table(ledger: Ledger, as_of: date) -> tuple[dict[tuple[str, int], Odds], dict[int, Odds]]:
    """Per (customer, bucket start) and per bucket start over the ledger: items observed, items unpaid."""
    seen: dict[tuple[str, int], int] = defaultdict(int)
    unpaid: dict[tuple[str, int], int] = defaultdict(int)
    for r in ledger.receivables:
        for b in BUCKET_START.values():
            start = r.due_date + timedelta(days=b)
            if start + HORIZON > as_of or balance_at(r, start) <= 0:
                continue
            seen[(r.customer_id, b)] += 1
            if balance_at(r, start + HORIZON) > 0:
                unpaid[(r.customer_id, b)] += 1
    per = {k: Odds(n, unpaid[k]) for k, n in seen.items()}
    overall: dict[int, Odds] = {}
    for b in BUCKET_START.values():
        n = sum(o.seen for (_, bb), o in per.items() if bb == b)
        u = sum(o.unpaid for (_, bb), o in per.items() if bb == b)
        overall[b] = Odds(n, u)
    return per, overall


def p_unpaid(own: Odds, overall: Odds) -> Decimal:
    p0 = Decimal(overall.unpaid + 1) / Decimal(overall.seen + 2)
    return (own.unpaid + PRIOR_WEIGHT * p0) / (own.seen + PRIOR_WEIGHT)


def _next_step(acc: Account, items: list[Position], ops: list[Operation], skips: list[Skip],
               as_of: date) -> tuple[str, str, str]:
    """(action, channel, reason): today's planned action, else the next level and when it is due."""
    waiting = [s for s in skips if s.reason.startswith("waits for approval")]
    asked = [o for o in ops if o.kind == "approval"]
    if asked or waiting:  # a person's decision holds the follow-up: first in the worklist
        o = asked[0] if asked else None
        return ("approve: " + (f"level {o.level} {o.level_name}" if o else waiting[0].record), o.channel if o else "",
                o.reason if o else waiting[0].reason)
    actions = [o for o in ops if o.kind == "action"]
    if actions:
        o = max(actions, key=lambda o: o.level or 0)
        return f"today: level {o.level} {o.level_name}", o.channel or "", o.reason
    levels = acc.segment.levels
    p = max(items, key=lambda p: (p.done_level, p.days_late))
    n = p.done_level + 1
    if n > len(levels):
        last = levels[-1]
        return (f"follow up by phone: every level done (last {last.name})", "call_task",
                f"level {p.done_level} '{last.name}' reached" + (f" on {p.last_action}" if p.last_action else ""))
    lv = levels[n - 1]
    day = p.receivable.due_date + timedelta(days=lv.offset)
    if p.done_level and p.last_action:
        day = max(day, p.last_action + timedelta(days=lv.offset - levels[p.done_level - 1].offset))
    postponed = [s.reason for s in skips if s.reason.startswith(("postponed", "held", "below"))]
    if postponed:
        return f"level {n} {lv.name}", lv.channel, postponed[0]
    return (f"level {n} {lv.name} on {max(day, as_of)}", lv.channel,
            f"policy spacing: level {n} due {lv.offset:+d} d after {p.receivable.due_date}"
            + (f", after level {p.done_level} on {p.last_action}" if p.done_level and p.last_action else ""))


def _dispute_step(items: list[Position], as_of: date, review_days: int) -> tuple[str, str, str]:
    """A dispute comes back for review (a call to settle it) once older than the policy's days; until then, or
    when nothing dates it, the worklist shows it at the end of its currency, with its reason."""
    r = min(items, key=lambda p: (p.receivable.disputed_on or date.min, p.receivable.number)).receivable
    reasons = sorted({p.receivable.dispute_reason for p in items if p.receivable.dispute_reason})
    why = "; ".join(reasons) or "no reason recorded"
    if r.disputed_on is None:  # nothing dates it: shown, not ranked (a dated note would bring it back in time)
        return "disputed (no date recorded)", "call_task", why
    age = (as_of - r.disputed_on).days
    if age >= review_days:
        return f"review dispute: {age} days old (since {r.disputed_on})", "call_task", why
    return f"disputed since {r.disputed_on}: review on {r.disputed_on + timedelta(days=review_days)}", "call_task", why


def worklist(ledger: Ledger, rec: Reconciliation, plan: Plan, currency: str) -> list[WorkItem]:
    """Overdue items not held (kept payment plan, exclusion), per customer and currency, ranked; disputed ones
    apart, with their reason, ranked like the others once due for review."""
    per, overall = odds_table(ledger, rec.as_of)
    ops: dict[str, list[Operation]] = defaultdict(list)
    for o in plan.operations:
        ops[o.customer_id].append(o)
    skips: dict[str, list[Skip]] = defaultdict(list)
    for s in plan.skipped:
        skips[s.customer_id].append(s)
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for c in rec.credits:
        held[(c.customer_id, c.currency)] += c.amount
    out: list[WorkItem] = []
    for acc in rec.accounts:
        groups: dict[tuple[str, bool], list[Position]] = defaultdict(list)
        for p in acc.positions:
            if p.status is OVERDUE and p.receivable.open_amount > 0:
                if p.hold is None:
                    groups[(p.receivable.currency, False)].append(p)
                elif p.receivable.disputed and p.hold == dispute_hold(p.receivable):
                    groups[(p.receivable.currency, True)].append(p)
        for (cur, disputed), items in sorted(groups.items()):
            expected, seen, unpaid = ZERO, 0, 0
            for p in items:
                b = BUCKET_START[p.bucket]
                own = per.get((acc.customer.id, b), Odds(0, 0))
                if p.days_late >= b + HORIZON.days:  # the item itself was counted: only its siblings speak
                    own = Odds(own.seen - 1, own.unpaid - 1)
                expected += p.receivable.open_amount * p_unpaid(own, overall[b])
                seen, unpaid = seen + own.seen, unpaid + own.unpaid
            gross = sum((p.receivable.open_amount for p in items), ZERO)
            credit = ZERO if disputed else min(held.get((acc.customer.id, cur), ZERO), gross)  # netted once
            total = gross - credit
            if total <= 0:
                continue
            expected = expected * total / gross  # a disputed group's is 0
            near = [p.limitation_date for p in items if p.near_limitation]
            if disputed:
                action, channel, reason = _dispute_step(items, rec.as_of, plan.dispute_review_days)
                if not action.startswith("review"):
                    expected = ZERO  # nothing to do before its review day: at the end of the list
            else:
                action, channel, reason = _next_step(acc, items, ops.get(acc.customer.id, []),
                                                     skips.get(acc.customer.id, []), rec.as_of)
            items.sort(key=lambda p: (-p.days_late, p.receivable.number))
            out.append(WorkItem(
                customer_id=acc.customer.id, customer=acc.customer.name, currency=cur, open_amount=round_money(total, cur),
                expected=round_money(expected, cur),
                p_unpaid=(expected / total).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP),
                history=f"{unpaid} of {seen} stayed unpaid" if seen else "no history: ledger-wide rate",
                oldest_days_late=items[0].days_late, items=[p.receivable.number for p in items],
                near_limitation=min(near) if near else None, action=action, channel=channel,
                reason=reason + (f"; overdue {fmt(gross, cur)} less {fmt(credit, cur)} of unapplied credits" if credit else ""),
                receivable_ids=[p.receivable.id for p in items], credits=round_money(credit, cur)))
    out.sort(key=lambda w: (not w.action.startswith("approve:"), w.currency != currency, w.currency, w.near_limitation is None,
                            w.near_limitation or date.max, -w.expected, w.customer, w.customer_id))
    for i, w in enumerate(out, 1):
        w.rank = i
    return out
