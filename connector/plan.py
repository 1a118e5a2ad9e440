"""From the reconciliation, the policy and history: the operations still missing, each with its key.

Planning twice on the same data gives the same operations; planning after they were applied gives
none, because every applied operation leaves history entries that close what it did. Caps and quiet
days postpone an action (it comes back on the next run), they never drop it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from connector.calendar import quiet_reason
from connector.keys import make_key
from connector import approvals, channels, dossier, notices
from connector.models import Customer, Failure, Operation, Skip
from connector.penalties import penalty_operations
from connector.policy import Escalation, Level, Policy
from connector.reconcile import KEPT, OVERDUE, UNREADABLE, Account, Position, Reconciliation

_WINDOW = timedelta(days=6)  # the rolling 7 days end on the as-of date
_JUMP = Escalation.JUMP  # looked up once: an enum member costs a metaclass lookup each time (reconcile.PAID)


@dataclass
class Plan:
    as_of: date
    operations: list[Operation] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    errors: list[Failure] = field(default_factory=list)
    quiet: str | None = None  # why the as-of date is a day without contact, if it is
    approvals: dict[str, str] | None = None  # the source's approval states (None: it keeps none)
    dispute_review_days: int = 30  # the policy's: when the worklist brings a dispute back for review


def next_level(levels: tuple[Level, ...], p: Position, escalation: Escalation, as_of: date) -> int:
    """The level to act on now for one position (0: nothing), one step at a time when stepwise."""
    due = p.due_level
    if due <= p.done_level:
        return 0
    if escalation is _JUMP:
        return due
    n = p.done_level + 1
    while n <= due and levels[n - 1].offset < 0 <= p.days_late:
        n += 1  # a courtesy reminder is pointless once the item is due
    if n > due:
        return 0
    if p.done_level and p.last_action is not None:
        gap = levels[n - 1].offset - levels[p.done_level - 1].offset
        if as_of < p.last_action + timedelta(days=gap):
            return 0  # keep the policy's spacing between two levels
    return n


def resolve_channel(level: Level, c: Customer) -> tuple[str | None, str]:
    """The channel to use and a note on any fallback; None when a courtesy reminder cannot go out."""
    if channels.available(level.channel, c):
        return level.channel, ""
    for alt in level.fallback:
        if channels.available(alt, c):
            return alt, f"; no {channels.need(level.channel)} on file, falls back to {alt}"
    if level.offset < 0:
        return None, f"no {channels.need(level.channel)} on file for a courtesy reminder"
    return channels.LAST_RESORT, f"; no {channels.need(level.channel)} nor fallback contact data on file: task to obtain it"


def _due_date_order(p: Position) -> tuple:
    r = p.receivable
    return r.due_date, r.number, r.id


def _action_operations(acc: Account, policy: Policy, as_of: date, plan: Plan) -> list[Operation]:
    c = acc.customer
    levels = acc.segment.levels
    escalation = policy.escalation
    per_customer = policy.grouping == "per_customer"
    groups: dict[tuple, list[Position]] = {}
    for p in acc.positions:
        if p.due_level <= p.done_level:  # also every paid item (due level 0)
            continue
        n = next_level(levels, p, escalation, as_of)
        if not n:
            continue
        if p.hold:
            plan.skipped.append(Skip(customer_id=c.id, record=f"invoice {p.receivable.number}", reason=f"held: {p.hold}"))
            continue
        # a reminder speaks for one company: a customer of two companies of one tenant gets one from each
        gkey = (n, p.receivable.company_id) if per_customer else (n, p.receivable.invoice_id)
        members = groups.get(gkey)
        if members is None:
            groups[gkey] = [p]
        else:
            members.append(p)
    if not groups:
        return []

    # a consumer's texts may not cite the law between professionals (L441-10, the 40 EUR): they have their own
    debtor = "consumer" if acc.rules.debtor == "consumer" or policy.is_consumer(c) else "professional"
    recipient = {"contact": c.contact, "email": c.email, "address": c.address}
    ops = []
    for gkey, members in sorted(groups.items(), key=lambda kv: (kv[0][0], str(kv[0][1:]))):
        n = gkey[0]
        level = levels[n - 1]
        members.sort(key=_due_date_order)
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for p in members:
            totals[p.receivable.currency] += p.receivable.open_amount
        if max(totals.values()) < policy.min_amount:
            plan.skipped.append(Skip(customer_id=c.id, record=_listed(members),
                                     reason=f"below the minimum amount {policy.min_amount} {policy.currency}"))
            continue
        channel, fallback_note = resolve_channel(level, c)
        if channel is None:
            plan.skipped.append(Skip(customer_id=c.id, record=_listed(members), reason=fallback_note))
            continue
        currency, amount = max(totals.items(), key=lambda kv: (kv[1], kv[0]))
        rids = sorted(p.receivable.id for p in members)
        per_invoice = not per_customer and channel != "credit_hold"
        worst = max(members, key=_days_late)
        reason = (f"level {n} '{level.name}' (due +{level.offset} d): {len(members)} item(s), "
                  f"oldest {worst.receivable.number} {worst.days_late} days past due"
                  if worst.days_late >= 0 else
                  f"level {n} '{level.name}' ({level.offset} d): {len(members)} item(s) due {worst.receivable.due_date}")
        reason += fallback_note
        near = [p.limitation_date for p in members if p.near_limitation]
        if near:
            reason += f"; limitation reached on {min(near)}"
        company = members[0].receivable.company_id
        notice = notices.notice(acc, policy, n, members, as_of, currency, debtor == "professional", channel)
        ops.append(Operation(
            key=make_key("action", c.id, n, *rids), kind="action", as_of=as_of, customer_id=c.id,
            customer_name=c.name, target="invoice" if per_invoice else "customer",
            target_id=members[0].receivable.invoice_id if per_invoice else c.id, channel=channel, level=n,
            level_name=level.name, template=channels.template_for(level.channel, level.template, channel),
            tone=level.tone, lang=c.lang, debtor=debtor,
            deadline=as_of + timedelta(days=level.task_days), formal_notice=level.formal_notice,
            collector=c.collector, company_id=company,
            # dicts: pydantic builds the Items as it validates the operation, faster than Item(...) each
            items=tuple({"receivable_id": r.id, "invoice_id": r.invoice_id, "number": r.number, "due_date": r.due_date,
                         "days_late": p.days_late, "open_amount": r.open_amount, "currency": r.currency,
                         "issue_date": r.issue_date, "amount": r.amount, "pay_url": r.pay_url,
                         "discount_date": r.discount_date, "discount_amount": r.discount_amount}
                        for p in members for r in (p.receivable,)),
            currency=currency, amount=amount, reason=reason, notice=notice, **recipient,
            statement=notices.statement(acc, company) if (notice and channel == "registered_letter"
                                                           or channel == "agency_handoff") else (),
            dossier=dossier.entries(acc.history, levels) if channel == "agency_handoff" else (),
            agency_email=policy.agency_email if channel == "agency_handoff" else None,
        ))
    return ops


def _days_late(p: Position) -> int:
    return p.days_late


def _listed(members: list[Position]) -> str:
    """The invoices of a group as a skip names them: the first five numbers."""
    return ", ".join(p.receivable.number for p in members[:5]) + (" …" if len(members) > 5 else "")


def _limit_contacts(acc: Account, ops: list[Operation], policy: Policy, as_of: date, quiet: str | None,
                    plan: Plan) -> list[Operation]:
    contacts = [o for o in ops if o.channel in channels.CONTACT]
    if not contacts:
        return ops
    if quiet:
        postponed = set(o.key for o in contacts)
        why = f"postponed: {quiet}, a day without contact"
    else:
        since = as_of - _WINDOW
        recent = {h.key for h in acc.history
                  if h.kind == "action" and h.channel in channels.CONTACT and since <= h.date <= as_of}
        room = max(0, policy.contact.max_per_7_days - len(recent))
        ranked = sorted(contacts, key=lambda o: (-(o.level or 0), o.key))
        postponed = {o.key for o in ranked[room:]}
        why = (f"postponed: {len(recent)} contact(s) in the last 7 days, "
               f"cap {policy.contact.max_per_7_days}")
    for o in ops:
        if o.key in postponed:
            plan.skipped.append(Skip(customer_id=o.customer_id, record=f"{o.channel} level {o.level}", reason=why, key=o.key))
    return [o for o in ops if o.key not in postponed]


def plan_account(acc: Account, policy: Policy, plan: Plan) -> None:
    """Add one customer's operations (and what is postponed or held, with why) to the plan."""
    if acc.customer.excluded:
        if any(p.status is OVERDUE for p in acc.positions):
            plan.skipped.append(Skip(customer_id=acc.customer.id, record=acc.customer.name,
                                     reason="customer excluded from follow-up"))
        return
    actions = _action_operations(acc, policy, plan.as_of, plan)
    requests: list[Operation] = []
    if plan.approvals is not None and (actions or any(h.kind == "approval" for h in acc.history)):
        actions, requests = approvals.gate(acc, actions, policy, plan.approvals, plan.as_of, plan.skipped)
    reaching = None
    plan.operations.extend(requests)  # asking a person is no contact: no cap, no quiet day
    if actions:
        actions = _limit_contacts(acc, actions, policy, plan.as_of, plan.quiet, plan)
        plan.operations.extend(actions)
        # A level reached by this very plan counts for penalties now, or the next run on the same day
        # would find the level done and plan the penalty then: a second run must write nothing.
        reaching = {i.receivable_id: op.level or 0 for op in actions for i in op.items}
    release = _release(acc, plan.as_of, policy)
    if release:
        plan.operations.append(release)
    ops, skipped, errors = penalty_operations(acc, policy, plan.as_of, reaching)
    plan.operations.extend(ops)
    if skipped:
        plan.skipped.extend(skipped)
    if errors:
        plan.errors.extend(errors)


def _release(acc: Account, as_of: date, policy: Policy) -> Operation | None:
    """Lift the customer's credit hold once nothing is overdue any more (paid, credited or disputed since)."""
    holds = [h for h in acc.history if h.kind == "action" and h.channel in ("credit_hold", "hold_release")]
    if not holds:
        return None
    last = max(holds, key=lambda h: (h.date, h.channel == "hold_release"))
    overdue = [p for p in acc.positions if p.status is OVERDUE]
    if last.channel != "credit_hold" or any(not p.hold or UNREADABLE in p.hold for p in overdue):
        return None  # still overdue, or a promise no one can read: the hold stays
    why = "payment plan agreed" if any(p.hold.startswith(KEPT) for p in overdue) else "nothing overdue any more"
    c = acc.customer
    return Operation(key=make_key("release", c.id, last.key), kind="action", as_of=as_of, customer_id=c.id,
                     customer_name=c.name, target="customer", target_id=c.id, channel="hold_release",
                     level_name="hold-release", template="hold_release", lang=c.lang, of=last.key,
                     collector=c.collector, currency=policy.currency, amount=Decimal(0),
                     reason=f"credit hold of {last.date} lifted: {why}")


def new_plan(policy: Policy, as_of: date, approvals: dict[str, str] | None = None) -> Plan:
    return Plan(as_of=as_of, quiet=quiet_reason(policy.contact, as_of), approvals=approvals,
                dispute_review_days=policy.dispute_review_days)


def add_orphans(plan: Plan, rec: Reconciliation) -> None:
    for r in rec.orphans:
        plan.skipped.append(Skip(customer_id=r.customer_id, record=f"invoice {r.number}",
                                 reason=f"customer {r.customer_id} was not read"))


def make_plan(rec: Reconciliation, policy: Policy, approvals: dict[str, str] | None = None) -> Plan:
    plan = new_plan(policy, rec.as_of, approvals)
    add_orphans(plan, rec)
    for acc in rec.accounts:
        plan_account(acc, policy, plan)
    return plan
