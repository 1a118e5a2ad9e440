"""Collection policy: levels per customer segment, contact rules and penalty rules, read from YAML.

Integrators edit `mappings/policies/*.yaml`; `load_policy` validates it and names the file and key
path of every problem (unknown channel, levels out of order, negative amount, unknown jurisdiction).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from connector import channels, jurisdictions
from connector.calendar import check_country
from connector.errors import ConfigError
from connector.models import Channel, Currency, Customer, Frozen
from connector.yamlfile import load_model

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Tone = Literal["friendly", "neutral", "firm", "formal", "final"]


class Level(Frozen):
    name: str
    offset: int  # days from the due date; negative = courtesy reminder before the due date
    channel: Channel
    template: str
    tone: Tone = "neutral"
    # Channels to use instead, in order, when the customer lacks the contact data for `channel`.
    fallback: tuple[Channel, ...] = ()
    task_days: int = Field(default=3, ge=0)  # deadline of a task: as-of + task_days
    formal_notice: bool = False  # a mise en demeure: starts interest where the law says so
    # Working days the customer is given to pay, stated as a dated deadline (None: the policy's pay_within_days);
    # a courtesy reminder's deadline is the due date itself.
    pay_days: int | None = Field(default=None, ge=1)
    # required: a person approves each operation of this level in the source system before it is sent
    approval: Literal["none", "required"] = "none"


    @model_validator(mode="after")
    def _reader(self) -> Level:
        reads = channels.TEMPLATES.get(self.template)
        if reads and reads != channels.CHANNELS[self.channel].reader:
            who = "the customer" if reads == "customer" else "staff"
            raise ValueError(f"template {self.template!r} is read by {who}, channel {self.channel} by the other: "
                             f"use a {channels.CHANNELS[self.channel].reader} template")
        return self


class Range(Frozen):
    min: Decimal | None = None
    max: Decimal | None = None

    def holds(self, value: Decimal | int | None) -> bool:
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class SegmentRule(Frozen):
    """All given conditions must hold. Amounts are in the policy currency."""

    kind: Literal["company", "person"] | None = None
    open_amount: Range | None = None
    days_late: Range | None = None  # the customer's oldest overdue item
    avg_days_late_12m: Range | None = None  # over the items settled in the last 12 months
    over_credit_limit: bool | None = None
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()


class Segment(Frozen):
    name: str
    when: SegmentRule | None = None  # None: every customer (the last segment must be such a catch-all)
    levels: tuple[Level, ...] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _ordered(cls, levels: tuple[Level, ...]) -> tuple[Level, ...]:
        for prev, cur in zip(levels, levels[1:]):
            if cur.offset <= prev.offset:
                raise ValueError(
                    f"levels out of order: {cur.name!r} (offset {cur.offset}) must come after "
                    f"{prev.name!r} (offset {prev.offset}) with a larger offset"
                )
        names = [lv.name for lv in levels]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate level names: {', '.join(dupes)}")
        return levels


class Contact(Frozen):
    max_per_7_days: int = Field(default=2, ge=1)
    quiet_weekdays: tuple[Weekday, ...] = ("sat", "sun")
    holidays: str | None = None  # a country code for public holidays (FR, GB, DE, US...)
    holiday_subdivision: str | None = None
    quiet_days: tuple[date, ...] = ()  # extra days without contact

    @field_validator("holidays")
    @classmethod
    def _calendar(cls, v: str | None) -> str | None:
        return None if v is None else check_country(v)


class Fee(Frozen):
    """A contractual late fee, QuickBooks style: flat and/or percentage of the open amount."""

    flat: Decimal = Field(default=Decimal(0), ge=0)
    percent: Decimal = Field(default=Decimal(0), ge=0)
    grace_days: int = Field(default=0, ge=0)
    every_days: int | None = Field(default=None, gt=0)  # None: charged once
    max_count: int | None = Field(default=None, gt=0)


class Penalties(Frozen):
    interest: bool = True
    indemnity: bool = True
    fee: Fee | None = None
    from_level: int = Field(default=1, ge=0)  # charge once the item reached this level (0: from the due date)
    # The day charging starts (going live): nothing is charged for a day before it, nor on an item paid before it.
    since: date | None = None
    min_charge: Decimal = Field(default=Decimal(0), ge=0)
    every_days: int = Field(default=30, ge=1)  # interest charged at most every N days while unpaid
    on_paid_late: bool = True  # final interest invoice for items paid late
    paid_late_lookback_days: int = Field(default=365, ge=0)
    # An item paid late is charged only if it had reached this level before it was paid (null: from_level),
    # and only when it was paid more than this many days late. A first run then charges no history.
    paid_late_min_level: int | None = Field(default=None, ge=0)
    paid_late_min_days: int = Field(default=0, ge=0)
    contractual_rate: Decimal | None = Field(default=None, ge=0)
    day_count: Literal["actual/365", "actual/360", "actual/actual"] = "actual/365"


class Escalation(StrEnum):
    """How far a customer moves in one run: one level (keeping the spacing between levels), or straight to the
    level its oldest item's delay calls for."""

    STEPWISE = "stepwise"
    JUMP = "jump"


class Policy(Frozen):
    name: str
    jurisdiction: str
    currency: Currency
    min_amount: Decimal = Field(default=Decimal(0), ge=0)
    grouping: Literal["per_customer", "per_invoice"] = "per_customer"
    escalation: Escalation = Escalation.STEPWISE
    due_soon_days: int = Field(default=7, ge=0)
    limitation_warning_days: int = Field(default=90, ge=0)
    pay_within_days: int = Field(default=8, ge=1)  # working days a reminder gives to pay (a level's pay_days wins)
    dispute_review_days: int = Field(default=30, ge=1)  # a dispute older than this comes back to the worklist
    # the collection agency's address: the hand-off sends it the dossier through the source system
    agency_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    # Every level waits for a person's approval up to this day (the first weeks after going live); a tenant's
    # `approval_until` in relance.yaml sets it.
    approve_all_until: date | None = None
    contact: Contact = Contact()
    segments: tuple[Segment, ...] = Field(min_length=1)
    penalties: Penalties = Penalties()

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, v: str) -> str:
        try:
            jurisdictions.get(v)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        return v

    @model_validator(mode="after")
    def _catch_all(self) -> Policy:
        if self.segments[-1].when is not None:
            raise ValueError(f"the last segment ({self.segments[-1].name!r}) must have no 'when' so every customer has one")
        names = [s.name for s in self.segments]
        if len(set(names)) != len(names):
            raise ValueError("segment names must be unique")
        deepest = max(len(s.levels) for s in self.segments)
        for key in ("from_level", "paid_late_min_level"):
            if (getattr(self.penalties, key) or 0) > deepest:
                raise ValueError(f"penalties.{key} {getattr(self.penalties, key)} is beyond every segment's last level")
        return self

    @property
    def rules(self) -> jurisdictions.Jurisdiction:
        """The policy's jurisdiction as named; what applies to one customer is its account's `rules`."""
        return jurisdictions.get(self.jurisdiction)

    def without_approvals(self) -> Policy:
        """The same policy sending every level without waiting for a person (a test of what the writes do)."""
        segments = tuple(s.model_copy(update={"levels": tuple(lv.model_copy(update={"approval": "none"})
                                                              for lv in s.levels)}) for s in self.segments)
        return self.model_copy(update={"segments": segments, "approve_all_until": None})

    def needs_approval(self, level: Level, as_of: date) -> bool:
        return level.approval == "required" or (self.approve_all_until is not None and as_of <= self.approve_all_until)

    def with_penalties(self, **changes) -> Policy:
        """A copy whose penalty rules differ by `changes` (a tenant's go-live date, say)."""
        return self.model_copy(update={"penalties": self.penalties.model_copy(update=changes)})

    @staticmethod
    def is_consumer(customer: Customer) -> bool:
        """A person is a consumer, a company is not. Adapters decide the kind from the source record, and let a
        tag or marker say otherwise (a sole trader recorded as a person is a professional)."""
        return customer.kind == "person"

    def rules_for_debtor(self, consumer: bool) -> jurisdictions.Jurisdiction:
        """The rules for a professional or a consumer debtor: the customer's kind decides, whatever the policy."""
        return jurisdictions.for_debtor(self.jurisdiction, consumer)


def shipped_policy_path(name: str) -> Path:
    return Path(str(resources.files("mappings") / "policies" / f"{name}.yaml"))


def load_policy(path: Path | str) -> Policy:
    """Load a policy file, or a shipped policy by name (`fr-b2b`)."""
    p = Path(path)
    if not p.suffix and not p.exists():
        p = shipped_policy_path(str(path))
        if not p.is_file():  # name what the user wrote, not a path inside the package
            shipped = sorted(f.stem for f in p.parent.glob("*.yaml"))
            raise ConfigError(f"policy {str(path)!r}", "no such file, nor a shipped policy of that name "
                                                       f"(shipped: {', '.join(shipped)})")
    return load_model(p, Policy)
