"""Canonical records: what adapters read (customers, receivables, history) and what the planner writes.

Frozen pydantic models and slotted pydantic dataclasses (validated alike): adapters convert vendor records
into these in exactly one function per entity, so a bad source record is refused there with a message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date  # fields are named `date`: keep the type's name distinct
from decimal import Decimal
from typing import Literal

from pydantic import field_validator, model_validator

from connector.records import Channel, Currency, Frozen, PenaltyKind, output, record  # noqa: F401 - their home


@record
class Customer:
    """The commercial partner that owes the money."""

    id: str
    name: str
    kind: Literal["company", "person"] = "company"
    lang: str | None = None
    country: str | None = None
    has_email: bool = False
    has_phone: bool = False
    has_address: bool = False
    excluded: bool = False
    credit_limit: Decimal | None = None
    collector: str | None = None
    tags: tuple[str, ...] = ()
    # Who a message is addressed to, as the source holds it: the billing contact's name (else none: "Madame,
    # Monsieur"), the address reminders are mailed to, and the postal address lines of a letter's window.
    contact: str | None = None
    email: str | None = None
    address: tuple[str, ...] = ()


@record
class Settlement:
    """A dated amount that reduced a receivable: a payment, a credit note, a write-off."""

    date: Date
    amount: Decimal
    kind: Literal["payment", "credit_note", "other"] = "payment"
    ref: str | None = None

    @field_validator("amount")
    @classmethod
    def _positive(cls, v: Decimal) -> Decimal:
        if v <= 0:
            raise ValueError("a settlement amount must be positive")
        return v


def paid_day(settlements: tuple[Settlement, ...]) -> Date | None:
    """The day a settled item was paid: its latest settlement that is not a credit note. An amount settled by a
    credit note was never owed, so it is no payment, late or not; an item settled by credit notes alone was
    never paid (None)."""
    paid = None
    for s in settlements:
        if s.kind != "credit_note" and (paid is None or s.date > paid):
            paid = s.date
    return paid


@record
class Receivable:
    """One due installment of a customer invoice (an invoice with two due dates gives two)."""

    id: str
    invoice_id: str
    number: str
    customer_id: str
    issue_date: Date
    due_date: Date
    amount: Decimal
    open_amount: Decimal
    currency: Currency
    disputed: bool = False
    dispute_reason: str | None = None  # what the collector or the customer gave (a note, a custom field's value)
    disputed_on: Date | None = None  # since when, where the source system dates it
    settlements: tuple[Settlement, ...] = ()
    company_id: str | None = None
    is_penalty: bool = False
    contract_rate: Decimal | None = None
    pay_url: str | None = None  # where the customer sees and pays it online (Odoo's portal, QuickBooks' link)
    discount_date: Date | None = None  # an early-payment discount: paid by this day,
    discount_amount: Decimal | None = None  # this amount settles it

    @model_validator(mode="after")
    def _amounts(self):
        if self.amount <= 0:
            raise ValueError(f"amount must be positive, got {self.amount}")
        if self.open_amount < 0:
            raise ValueError(f"open amount must not be negative, got {self.open_amount}")
        if self.open_amount > self.amount:
            raise ValueError(f"open amount {self.open_amount} exceeds the original amount {self.amount}")
        if self.due_date < self.issue_date:
            raise ValueError(f"due date {self.due_date} is before the issue date {self.issue_date}")
        return self

    @property
    def paid_on(self) -> Date | None:
        """The day it was paid, once nothing is open: see `paid_day`."""
        if self.open_amount > 0:
            return None
        return paid_day(self.settlements)


class Credit(Frozen):
    """An unapplied credit of the customer (unreconciled credit note or payment): `amount` is what is unapplied
    now; `settlements` are its applications, dated, so that what was unapplied on a past day can be rebuilt."""

    customer_id: str
    amount: Decimal
    currency: Currency
    ref: str | None = None
    id: str | None = None  # the source's record (Odoo's move line, "CreditMemo 12"): `relance report --check-ledger`
    date: Date | None = None  # the document's date: a replay of an earlier day leaves it out
    due_date: Date | None = None  # where an aged balance puts it (Odoo: the line's maturity); default its date
    company_id: str | None = None
    settlements: tuple[Settlement, ...] = ()


class Instalment(Frozen):
    due_date: Date
    amount: Decimal | None  # None: everything the plan covers, paid in full by the date


class PaymentPlan(Frozen):
    """A promise to pay or an agreed schedule: no escalation while its instalments are met."""

    customer_id: str
    agreed_on: Date
    currency: Currency
    instalments: tuple[Instalment, ...]
    receivable_ids: tuple[str, ...] = ()  # empty: every receivable of the customer issued by `agreed_on`
    ref: str | None = None  # where it is recorded, in the source's words ("promise on INV/2026/00012")
    error: str | None = None  # a promise that cannot be read: what it covers is held, and the plan says why


@output
class MissedPromise:
    """The instalment of a promise or plan that was not met: the next message says so."""

    agreed_on: Date
    due_date: Date
    amount: Decimal | None  # None: the whole balance was promised
    currency: Currency


@record
class ExchangeRate:
    """As the source system keeps it: on and after `date`, one `base` buys `rate` units of `currency`."""

    base: Currency
    currency: Currency
    date: Date
    rate: Decimal

    @field_validator("rate")
    @classmethod
    def _positive(cls, v: Decimal) -> Decimal:
        if v <= 0:
            raise ValueError("an exchange rate must be positive")
        return v


@record
class HistoryEntry:
    """An action or a penalty line already written by Relance, read back from the source system; or an approval
    asked for an action (`of`: the action's key) or withdrawn (`of`: the approval's key)."""

    key: str
    # approved / refused: a person's decision on the approval `of`, where the system keeps no tasks (QuickBooks)
    kind: Literal["action", "penalty", "approval", "withdrawn", "approved", "refused"]
    date: Date
    customer_id: str
    receivable_ids: tuple[str, ...] = ()
    level: int | None = None
    channel: Channel | None = None
    penalty: PenaltyKind | None = None
    period_start: Date | None = None
    period_end: Date | None = None
    amount: Decimal | None = None
    currency: Currency | None = None
    source_ref: str | None = None
    invoice_id: str | None = None  # for penalties: the late invoice (the indemnity is owed once per invoice)
    of: str | None = None  # approval: the action it is for; withdrawn: the approval


@output
class Item:
    """One receivable listed in a reminder."""

    receivable_id: str
    invoice_id: str
    number: str
    due_date: Date
    days_late: int
    open_amount: Decimal
    currency: Currency
    issue_date: Date | None = None
    amount: Decimal | None = None  # the installment's original amount (a statement of account shows both)
    pay_url: str | None = None
    discount_date: Date | None = None
    discount_amount: Decimal | None = None


@output
class Notice:
    """What a customer-facing message states besides its items, worked out by the planner from the data of the run:
    the day to pay by, the penalties the law gives to date (professionals only) and what the policy does next."""

    pay_by: Date | None = None
    jurisdiction: str | None = None  # whose law the penalty sentence cites
    interest: Decimal | None = None  # accrued to the as-of date, rounded, in the operation's currency
    interest_rate: Decimal | None = None  # the annual rate in force on the as-of date, in percent
    indemnity: Decimal | None = None  # the fixed recovery indemnity owed for the items, in its own currency
    indemnity_each: Decimal | None = None
    indemnity_currency: Currency | None = None
    next_steps: tuple[str, ...] = ()  # consequences announced: penalties, formal_notice, credit_hold, agency, court
    promise_missed: MissedPromise | None = None  # the first message after a missed promise recalls it


class Letterhead(Frozen):
    """The company that signs: what a business letter's head and foot print, and the language of its staff."""

    id: str | None = None
    name: str
    address: tuple[str, ...] = ()  # street lines, then "75002 Paris", then the country
    city: str | None = None  # the place a letter is dated from ("Paris, le 15 juin 2026")
    country: str | None = None
    phone: str | None = None
    email: str | None = None
    vat: str | None = None
    registry: str | None = None  # SIREN/SIRET, Handelsregister, company number: Odoo's company_registry
    lang: str | None = None


@output
class InterestPeriod:
    """A stretch of days with one base and one rate; days = end - start (start excluded)."""

    start: Date
    end: Date
    days: int
    base: Decimal
    rate: Decimal
    amount: Decimal  # unrounded


@output
class PenaltyLine:
    kind: PenaltyKind
    receivable_id: str
    invoice_number: str
    amount: Decimal
    currency: Currency
    period_start: Date | None = None
    period_end: Date | None = None
    description: str
    periods: tuple[InterestPeriod, ...] = ()


@output
class DossierEntry:
    """One dated line of the history an agency receives: an action or a penalty, read back from its marker."""

    date: Date
    kind: Literal["action", "penalty", "approved", "refused"]
    level: int | None = None
    level_name: str | None = None
    channel: Channel | None = None
    penalty: PenaltyKind | None = None
    amount: Decimal | None = None
    currency: Currency | None = None
    ref: str | None = None  # where it is in the source system (mail.message 812, Invoice 1043)


@output
class Operation:
    """One write to make in the source system, with the key that makes it idempotent."""

    key: str
    # approval: ask a person to approve the action `of` (its fields are the action's); withdraw: take back the
    # pending approval `of`, the situation having changed (the items paid, disputed, regrouped)
    kind: Literal["action", "penalty", "approval", "withdraw"]
    as_of: Date
    customer_id: str
    customer_name: str
    target: Literal["invoice", "customer"]
    target_id: str
    channel: Channel | None = None
    level: int | None = None
    level_name: str | None = None
    template: str | None = None
    tone: str | None = None
    lang: str | None = None
    deadline: Date | None = None
    formal_notice: bool = False
    collector: str | None = None
    company_id: str | None = None  # the company of the items: it writes, signs and books the operation
    debtor: Literal["professional", "consumer"] = "professional"  # whose law its text may cite
    items: tuple[Item, ...] = ()
    lines: tuple[PenaltyLine, ...] = ()
    currency: Currency
    amount: Decimal
    reason: str
    contact: str | None = None  # the recipient, as the customer record holds it (see Customer)
    email: str | None = None
    address: tuple[str, ...] = ()
    notice: Notice | None = None  # customer-facing actions: deadline, penalties to date, consequences
    statement: tuple[Item, ...] = ()  # a formal notice's statement of account: every open item of the customer
    dossier: tuple[DossierEntry, ...] = ()  # the agency hand-off: the dated history of every action and penalty
    agency_email: str | None = None  # where the hand-off sends the dossier, when the policy names the agency
    of: str | None = None  # approval: the action's key; withdraw: the approval's key

    def history(self) -> tuple[HistoryEntry, ...]:
        """The history entries this operation leaves once applied (what its markers encode)."""
        if self.kind in ("approval", "withdraw"):
            return (HistoryEntry(key=self.key, kind="approval" if self.kind == "approval" else "withdrawn",
                                 date=self.as_of, customer_id=self.customer_id,
                                 receivable_ids=tuple(i.receivable_id for i in self.items), level=self.level,
                                 channel=self.channel, of=self.of),)
        if self.kind == "action":
            return (HistoryEntry(key=self.key, kind="action", date=self.as_of, customer_id=self.customer_id,
                                 receivable_ids=tuple(i.receivable_id for i in self.items), level=self.level,
                                 channel=self.channel),)
        return tuple(
            HistoryEntry(
                key=self.key, kind="penalty", date=self.as_of, customer_id=self.customer_id,
                receivable_ids=(line.receivable_id,), penalty=line.kind, period_start=line.period_start,
                period_end=line.period_end, amount=line.amount, currency=line.currency, invoice_id=self.target_id,
            )
            for line in self.lines
        )


class Skip(Frozen):
    """Something not done now, and why: postponed, held, declined. Not an error (exit code 0)."""

    customer_id: str
    record: str
    reason: str
    key: str | None = None


class Failure(Frozen):
    """Something that should have been done and could not be (exit code 1): a charge whose rate is not published,
    a write the system refused."""

    customer_id: str
    record: str
    reason: str
    key: str | None = None
    cause: str | None = None  # what many items share (a rate table ending), to report them as one line


class Rejection(Frozen):
    """A source record that could not be read, with the reason; it is skipped, the rest goes on."""

    record: str
    reason: str


@dataclass
class Ledger:
    """Everything an adapter read for one run."""

    customers: list[Customer] = field(default_factory=list)
    receivables: list[Receivable] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    plans: list[PaymentPlan] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    exchange_rates: list[ExchangeRate] = field(default_factory=list)  # what converts a fixed indemnity
    companies: list[Letterhead] = field(default_factory=list)  # who signs: the first is the default company
    # approval key -> "pending" (a person has yet to decide) or "approved"; an approval asked (history) that is
    # neither was refused: its level is passed without sending. None: the system keeps no approvals.
    approvals: dict[str, Literal["pending", "approved"]] | None = None
