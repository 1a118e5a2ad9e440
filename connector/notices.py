"""What a customer-facing reminder states besides its items, from the data the run already has: the day to pay by
(working days from the as-of date), the penalties the law gives to date on its items (professionals only: interest
at the rate in force and the fixed indemnity, as far as the policy charges them), and the consequences the policy
applies next, so a debtor is told of them before they happen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from connector import channels
from connector.calendar import business_days_after
from connector.errors import RateMissing
from connector.interest import annual_rate
from connector.jurisdictions import Jurisdiction
from connector.models import Item, MissedPromise, Notice
from connector.penalties import invoice_charge
from connector.policy import Level, Policy
from connector.reconcile import Account, Position

_ANNOUNCED = 2  # the next consequences a message names: more reads as a threat, fewer hides what comes


def pay_by(level: Level, policy: Policy, as_of: date, members: Sequence[Position]) -> date:
    """A courtesy reminder asks for payment by the due date; any later level gives `pay_days` working days."""
    if level.offset < 0:
        return min(p.receivable.due_date for p in members)
    c = policy.contact
    return business_days_after(as_of, level.pay_days or policy.pay_within_days, c.holidays, c.holiday_subdivision,
                               c.quiet_weekdays)


def _kind(level: Level) -> str | None:
    if level.formal_notice or level.channel == "registered_letter":
        return "formal_notice"
    return {"credit_hold": "credit_hold", "agency_handoff": "agency"}.get(level.channel)


def next_steps(acc: Account, policy: Policy, n: int, professional: bool) -> tuple[str, ...]:
    """What the levels after `n` do that a debtor must hear of first: penalties invoiced (professionals, before
    the level that charges them), a formal notice, a credit hold, the hand-over to an agency, and court once
    no message is left to send."""
    levels = acc.segment.levels
    current = _kind(levels[n - 1])
    pen, rules = policy.penalties, acc.rules
    steps: list[str] = []
    if professional and n < pen.from_level and ((pen.interest and rules.interest) or (pen.indemnity and rules.indemnity)
                                                or pen.fee):
        steps.append("penalties")
    for lv in levels[n:]:
        kind = _kind(lv)
        if kind and kind not in steps and not (kind == "formal_notice" == current):
            steps.append(kind)
    if "agency" in steps and not any(channels.CHANNELS[lv.channel].reader == "customer" for lv in levels[n:]):
        steps.append("court")  # the last message before the file leaves: what the agency's next step is
    return tuple(steps[:_ANNOUNCED])


def accrued(members: Sequence[Position], rules: Jurisdiction, policy: Policy, as_of: date,
            currency: str) -> dict[str, object]:
    """The statutory penalties to date on the overdue items in `currency` (interest on each from its due date,
    the indemnity once per invoice), when the rules run them from the due date and the policy charges them.
    A rate not yet published leaves the interest out (the sentence then names the law without a figure)."""
    pen = policy.penalties
    out: dict[str, object] = {}
    rule = rules.interest if pen.interest else None
    if rules.debtor == "consumer" or (rule and rule.starts != "day_after_due"):
        return out
    interest, rates, invoices, indemnity, each = Decimal(0), set(), set(), Decimal(0), set()
    ind = rules.indemnity if pen.indemnity else None
    for p in members:
        r = p.receivable
        if r.is_penalty or p.days_late <= 0:
            continue
        if rule and r.currency == currency:
            contract = r.contract_rate if r.contract_rate is not None else pen.contractual_rate
            try:
                ch = invoice_charge(rules, r.amount, r.currency, r.due_date, as_of, r.settlements,
                                    contract_rate=contract, day_count=pen.day_count)
                interest += ch.interest or 0
                rates.add(annual_rate(rule, as_of, r.due_date, contract))
            except RateMissing:
                rule = None  # one unknown rate: no figure rather than a partial one
        if ind and r.invoice_id not in invoices and (len(ind.tiers) == 1 or r.currency == ind.currency):
            invoices.add(r.invoice_id)
            amount = ind.amount_for(r.amount)
            indemnity += amount
            each.add(amount)
    if rule and rates:
        out.update(interest=interest, interest_rate=max(rates))
    if invoices:
        out.update(indemnity=indemnity, indemnity_currency=ind.currency,
                   indemnity_each=each.pop() if len(each) == 1 else None)
    return out


def notice(acc: Account, policy: Policy, n: int, members: Sequence[Position], as_of: date, currency: str,
           professional: bool, channel: str) -> Notice | None:
    """The Notice of a level's message on `channel`; None when staff read it (a call task, the agency hand-off)."""
    if channels.CHANNELS[channel].reader != "customer":
        return None
    level = acc.segment.levels[n - 1]
    figures = accrued(members, acc.rules, policy, as_of, currency) if professional else {}
    return Notice(pay_by=pay_by(level, policy, as_of, members), jurisdiction=acc.rules.name,
                  next_steps=next_steps(acc, policy, n, professional), promise_missed=promise_missed(acc, members),
                  **figures)


def promise_missed(acc: Account, members: Sequence[Position]) -> MissedPromise | None:
    """The promise the customer did not keep, recalled by the first message after its date (not by every one)."""
    missed = acc.missed_promise
    if missed is None:
        return None
    last = max((p.last_action for p in members if p.last_action is not None), default=None)
    return missed if last is None or last <= missed.due_date else None


def statement(acc: Account, company_id: str | None) -> tuple[Item, ...]:
    """Every open item of the customer with the company, for the statement of account of a formal notice."""
    return tuple(Item(receivable_id=r.id, invoice_id=r.invoice_id, number=r.number, due_date=r.due_date,
                      days_late=p.days_late, open_amount=r.open_amount, currency=r.currency, issue_date=r.issue_date,
                      amount=r.amount)
                 for p in sorted(acc.positions, key=lambda p: (p.receivable.due_date, p.receivable.number))
                 for r in (p.receivable,) if r.open_amount > 0 and r.company_id == company_id)
