"""Which penalties to charge: for a run, interest for the days not yet charged, the fixed indemnity once per
invoice, contractual fees by count (history says what was already charged, so a repeated run charges only what
is new; one penalty operation per late invoice and currency); for `relance penalty`, the charge of one invoice.
The arithmetic of interest is `connector.interest`'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from connector.errors import RateMissing
from connector.interest import DayCount, interest_periods, total
from connector.jurisdictions import IndemnityRule, InterestRule, Jurisdiction
from connector.keys import make_key
from connector.models import Failure, InterestPeriod, Operation, PenaltyLine, Receivable, Settlement, Skip
from connector.money import quantum, round_money
from connector.policy import Fee, Penalties, Policy
from connector.reconcile import OVERDUE, PAID, Account, Position


@dataclass(slots=True)
class _Charged:
    """What history says was charged: interest up to which day and how many fees per receivable, the invoices
    whose fixed indemnity was charged, and the first formal notice of each receivable."""

    interest_until: dict[str, date] = field(default_factory=dict)
    indemnity_invoices: set[str] = field(default_factory=set)
    fees: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notices: dict[str, date] = field(default_factory=dict)


def _charged(acc: Account, notices: bool) -> _Charged:
    charged = _Charged()
    interest_until, fees = charged.interest_until, charged.fees
    invoice_of = None
    notice_levels = {i for i, lv in enumerate(acc.segment.levels, 1) if lv.formal_notice} if notices else ()
    for h in acc.history:
        if h.kind == "action":
            if h.level in notice_levels:
                for rid in h.receivable_ids:
                    if rid not in charged.notices or h.date < charged.notices[rid]:
                        charged.notices[rid] = h.date
            continue
        if h.kind != "penalty":
            continue
        kind = h.penalty
        if kind == "interest":
            if end := h.period_end:
                for rid in h.receivable_ids:
                    prev = interest_until.get(rid)
                    if prev is None or end > prev:
                        interest_until[rid] = end
        elif kind == "indemnity":
            if invoice := h.invoice_id:
                charged.indemnity_invoices.add(invoice)
                continue
            if invoice_of is None:  # markers written before they carried the invoice
                invoice_of = {p.receivable.id: p.receivable.invoice_id for p in acc.positions}
            charged.indemnity_invoices.update(invoice_of.get(rid, f"?{rid}") for rid in h.receivable_ids)
        elif kind == "fee":
            for rid in h.receivable_ids:
                fees[rid] += 1
    return charged


def _charge_until(p: Position, pen: Penalties, as_of: date, reaching: dict[str, int] | None) -> tuple[date, bool] | None:
    """The day one position's penalties run to and whether that is final (paid late), or None when nothing is
    charged on it now: held, itself a penalty, below `from_level`, paid on time, too long ago, before
    `since`, or paid before it reached `paid_late_min_level`."""
    r = p.receivable
    if p.hold or r.is_penalty:
        return None
    if p.status is OVERDUE:
        level = p.done_level
        if reaching:
            level = max(level, reaching.get(r.id, 0))
        if level < pen.from_level or (pen.since and as_of < pen.since):
            return None
        return as_of, False
    if p.status is PAID and pen.on_paid_late and p.days_late > 0:
        end = p.paid_on
        min_level = pen.from_level if pen.paid_late_min_level is None else pen.paid_late_min_level
        if (end and end > r.due_date and (as_of - end).days <= pen.paid_late_lookback_days
                and (end - r.due_date).days > pen.paid_late_min_days
                and (min_level == 0 or (p.done_level >= min_level and p.last_action and p.last_action <= end))
                and not (pen.since and end < pen.since)):
            return end, True
    return None


def _interest_start(p: Position, rule: InterestRule, pen: Penalties, end: date, final: bool,
                    charged: _Charged) -> tuple[date, date] | None:
    """(start, the day interest began) of the days not yet charged, from the due date or the formal notice and
    never before `since`; None when none is due now (at most every `every_days` while unpaid, once more when paid)."""
    r = p.receivable
    istart = r.due_date if rule.starts == "day_after_due" else charged.notices.get(r.id)
    if istart is None:
        return None
    last = charged.interest_until.get(r.id)
    start = istart if last is None or istart >= last else last
    if pen.since and start < (eve := pen.since - timedelta(days=1)):
        start = eve  # interest accrues on the days after `start`: `since` is the first day charged
    if end <= start or not (final or last is None or (end - start).days >= pen.every_days):
        return None
    return start, istart


def _interest(p: Position, policy: Policy, rule: InterestRule, start: date, end: date, istart: date, final: bool,
              skipped: list[Skip]) -> PenaltyLine | None:
    """Interest on (start, end], rounded once; below the minimum charge, a skip. Raises `RateMissing`."""
    r = p.receivable
    pen = policy.penalties
    periods = interest_periods(
        r.amount, r.settlements, start, end, rule, interest_start=istart,
        contract_rate=r.contract_rate if r.contract_rate is not None else pen.contractual_rate,
        day_count=pen.day_count,
    )
    amount = round_money(total(periods), r.currency)
    if amount < max(pen.min_charge, quantum(r.currency)):
        if amount > 0:
            later = "; never charged (paid)" if final else "; charged once it reaches it"
            skipped.append(Skip(customer_id=r.customer_id, record=f"invoice {r.number}",
                                reason=f"interest {amount} {r.currency} below the minimum charge {pen.min_charge}{later}"))
        return None
    rates = sorted({p.rate for p in periods})
    rate_text = " / ".join(f"{x.normalize():f} %" for x in rates)
    return PenaltyLine(
        kind="interest", receivable_id=r.id, invoice_number=r.number, amount=amount, currency=r.currency,
        period_start=start, period_end=end, periods=tuple(periods),
        description=f"Late-payment interest on {r.number} (due {r.due_date}), {start} to {end}, {rate_text}",
    )


def _indemnity(p: Position, acc: Account, ind: IndemnityRule, charged: _Charged, skipped: list[Skip]) -> PenaltyLine | None:
    """The fixed indemnity, once per invoice whichever of its installments is late first, on the whole debt, in
    the invoice's currency: an amount the law fixes in another (40 EUR, the UK's GBP sums) is converted at the
    source system's rate of the day it became due, the day after the due date; without a rate, not charged."""
    r = p.receivable
    if r.invoice_id in charged.indemnity_invoices:
        return None
    charged.indemnity_invoices.add(r.invoice_id)
    debt = sum((_owed(q.receivable) for q in acc.positions if q.receivable.invoice_id == r.invoice_id), Decimal(0))
    description = f"Fixed recovery indemnity for late payment of {r.number}"
    if r.currency == ind.currency:
        return PenaltyLine(kind="indemnity", receivable_id=r.id, invoice_number=r.number, amount=ind.amount_for(debt),
                           currency=ind.currency, description=description)
    day = r.due_date + timedelta(days=1)
    rate = acc.exchange.rate(ind.currency, r.currency, day) if acc.exchange else None
    if rate is None:
        skipped.append(Skip(customer_id=acc.customer.id, record=f"invoice {r.number}", reason=(
            f"fixed indemnity in {ind.currency}, invoice in {r.currency}: no {ind.currency}/{r.currency} rate in the "
            f"books on or before {day}, not charged")))
        return None
    fixed = ind.amount_for(round_money(debt / rate, ind.currency))  # the tier by the debt in the law's currency
    amount = round_money(fixed * rate, r.currency)
    return PenaltyLine(kind="indemnity", receivable_id=r.id, invoice_number=r.number, amount=amount,
                       currency=r.currency,
                       description=f"{description} ({fixed} {ind.currency} at {rate.normalize():f} on {day})")


def _owed(r: Receivable) -> Decimal:
    """What was owed on an installment: its amount less its credit notes (an amount credited was never owed)."""
    return r.amount - sum((s.amount for s in r.settlements if s.kind == "credit_note"), Decimal(0))


def _fees(p: Position, fee: Fee, charged: _Charged, since: date | None) -> list[PenaltyLine]:
    """Contractual late fees on an overdue item: the first after the grace days, then every `every_days`, each
    dated the day it fell due; the ones history already shows, or that fell due before `since`, left out."""
    r = p.receivable
    late = p.days_late - fee.grace_days
    due_count = 0 if late <= 0 else (1 if fee.every_days is None else 1 + (late - 1) // fee.every_days)
    if fee.max_count:
        due_count = min(due_count, fee.max_count)
    lines = []
    for k in range(charged.fees.get(r.id, 0) + 1, due_count + 1):
        on = r.due_date + timedelta(days=fee.grace_days + 1 + (k - 1) * (fee.every_days or 0))
        if since and on < since:
            continue
        amount = round_money(fee.flat + r.open_amount * fee.percent / 100, r.currency)
        if amount > 0:
            lines.append(PenaltyLine(kind="fee", receivable_id=r.id, invoice_number=r.number, amount=amount,
                                     currency=r.currency, period_start=on, period_end=on,
                                     description=f"Late fee {k} on {r.number} ({on})"))
    return lines


def _operation(acc: Account, rules: Jurisdiction, invoice_id: str, currency: str, group: list[PenaltyLine],
               as_of: date, company_id: str | None) -> Operation:
    """One penalty operation per late invoice and currency; its key names every line, so a line added later
    makes a new operation and a repeated run finds the same one."""
    c = acc.customer
    parts = [(ln.kind, ln.receivable_id, ln.period_end) for ln in group]
    return Operation(
        key=make_key("penalty", invoice_id, currency, *parts), kind="penalty", as_of=as_of, customer_id=c.id,
        customer_name=c.name, target="invoice", target_id=invoice_id, lang=c.lang, collector=c.collector,
        company_id=company_id,
        lines=tuple(group), currency=currency, amount=sum((ln.amount for ln in group), Decimal(0)),
        reason=f"{rules.name} penalties on {group[0].invoice_number}: " + "; ".join(
            f"{ln.kind} {ln.amount} {ln.currency}" for ln in group),
    )


def penalty_operations(acc: Account, policy: Policy, as_of: date, reaching: dict[str, int] | None = None,
                       ) -> tuple[list[Operation], list[Skip], list[Failure]]:
    """Interest, the fixed indemnity and contractual fees due now on one account's late items.
    `reaching`: the level each receivable reaches through this plan's own actions."""
    pen = policy.penalties
    ops: list[Operation] = []
    skipped: list[Skip] = []
    errors: list[Failure] = []
    rules = acc.rules  # the customer's kind decides: a consumer owes no indemnity and no B2B interest
    rule = rules.interest if pen.interest else None
    ind = rules.indemnity if pen.indemnity else None
    fee = pen.fee
    if rule is None and ind is None and not fee:
        return ops, skipped, errors
    charged = None  # read from history once the first item may be charged
    failed: set[str] = set()  # invoices whose interest cannot be computed: none of their charges is written
    lines: dict[tuple[str, str], list[PenaltyLine]] = defaultdict(list)
    for p in acc.positions:
        if p.hold or (p.status is not OVERDUE and p.status is not PAID):  # most positions: one test, no call
            continue
        until = _charge_until(p, pen, as_of, reaching)
        if until is None:
            continue
        end, final = until
        r = p.receivable
        if charged is None:
            charged = _charged(acc, notices=rule is not None and rule.starts != "day_after_due")
        line = None
        # the helpers are called only where there is something to charge: a run looks at every late item, and
        # most were charged already (bench/core.py: 70,000 looked at, 2,200 charged, per 100,000 receivables)
        if rule is not None and (period := _interest_start(p, rule, pen, end, final, charged)):
            try:
                line = _interest(p, policy, rule, period[0], end, period[1], final, skipped)
            except RateMissing as exc:  # nothing is charged on this invoice until its rate is known
                line = None
                if r.invoice_id not in failed:
                    failed.add(r.invoice_id)
                    errors.append(Failure(customer_id=acc.customer.id, record=f"invoice {r.number}", reason=str(exc),
                                          cause=exc.cause))
            if line:
                lines[(r.invoice_id, r.currency)].append(line)
        if (ind is not None and r.invoice_id not in charged.indemnity_invoices
                and (line := _indemnity(p, acc, ind, charged, skipped))):
            lines[(r.invoice_id, line.currency)].append(line)
        if fee and not final and (fees := _fees(p, fee, charged, pen.since)):
            lines[(r.invoice_id, r.currency)].extend(fees)
    if lines:
        company_of = {p.receivable.invoice_id: p.receivable.company_id for p in acc.positions}
    for (invoice_id, currency), group in sorted(lines.items()):
        if invoice_id not in failed:  # booked in the late invoice's own company
            ops.append(_operation(acc, rules, invoice_id, currency, group, as_of, company_of[invoice_id]))
    return ops, skipped, errors


@dataclass(frozen=True)
class InvoiceCharge:
    """What the law charges on one invoice as of a day (`relance penalty`): interest period by period, rounded
    once on the total, and the fixed indemnity; one total per currency, since the indemnity's may differ."""

    rules: Jurisdiction
    currency: str
    end: date  # as of, or the day the invoice was paid in full
    late: bool
    interest_start: date | None = None
    periods: tuple[InterestPeriod, ...] = ()
    interest: Decimal | None = None  # rounded, in `currency`; None when the rules have no interest
    indemnity: Decimal | None = None  # in the indemnity's currency; None when not owed or not computable
    indemnity_note: str = ""
    totals: dict[str, Decimal] = field(default_factory=dict)


def invoice_charge(rules: Jurisdiction, amount: Decimal, currency: str, due: date, as_of: date,
                   payments: Sequence[Settlement] = (), *, contract_rate: Decimal | None = None,
                   day_count: DayCount = "actual/365", notice: date | None = None) -> InvoiceCharge:
    """Raises `RateMissing` when a rate the period needs is not published yet, ValueError when the rules make
    interest run from a formal notice and `notice` is None."""
    paid = sorted(payments, key=lambda s: s.date)
    cleared, left = None, amount  # the day the debt was paid in full, if it was
    for s in paid:
        left -= s.amount
        if left <= 0:
            cleared = s.date
            break
    end = min(as_of, cleared) if cleared else as_of
    if end <= due:
        return InvoiceCharge(rules=rules, currency=currency, end=end, late=False)
    totals: dict[str, Decimal] = defaultdict(Decimal)  # never add EUR to USD
    start = periods = interest = None
    if rules.interest:
        start = due if rules.interest.starts == "day_after_due" else notice
        if start is None:
            raise ValueError(f"under {rules.name} interest runs from the formal notice")
        periods = tuple(interest_periods(amount, paid, start, end, rules.interest, interest_start=start,
                                         contract_rate=contract_rate, day_count=day_count))
        interest = round_money(total(periods), currency)
        totals[currency] += interest
    indemnity, note = None, ""
    if rules.indemnity:
        ind = rules.indemnity
        if len(ind.tiers) > 1 and currency != ind.currency:
            note = f"tiers are in {ind.currency}, the invoice in {currency}: not computed"
        else:
            indemnity = ind.amount_for(amount)
            totals[ind.currency] += indemnity
    ordered = dict(sorted(totals.items(), key=lambda kv: kv[0] != currency))  # the invoice's currency first
    return InvoiceCharge(rules=rules, currency=currency, end=end, late=True, interest_start=start,
                         periods=periods or (), interest=interest, indemnity=indemnity, indemnity_note=note,
                         totals=ordered)
