"""Statutory late-payment rules per jurisdiction, declared in `mappings/jurisdictions.yaml`.

The YAML names a reference rate table, how it is fixed, the margin, the fixed indemnity tiers and
the limitation period: law as data. The arithmetic lives in `connector.interest`, the decisions in `connector.penalties`.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from connector.models import Currency, Frozen
from connector.rates import TABLES
from connector.yamlfile import load_model

RateName = Literal["ecb_mro", "de_base", "boe_bank", "fr_legal_professional", "fr_legal_individual"]
assert set(RateName.__args__) == set(TABLES)  # type: ignore[attr-defined]


class InterestRule(Frozen):
    """Statutory interest: reference rate + margin, fixed per half-year or once for the whole delay."""

    reference: RateName
    # half_year: the rate in force on 1 January / 1 July applies to each half-year (France, EU, Germany);
    # start_of_delay: the rate on the 30 June / 31 December before interest starts, for the whole delay (UK).
    fixing: Literal["half_year", "start_of_delay"] = "half_year"
    margin: Decimal = Decimal(0)
    starts: Literal["day_after_due", "formal_notice"] = "day_after_due"
    # A contractual rate may not be lower than this multiple of that table's rate (France: 3 x legal rate).
    contractual_floor_table: RateName | None = None
    contractual_floor_multiple: Decimal = Decimal(0)


class IndemnityTier(Frozen):
    below: Decimal | None = None  # debt strictly below this; None = no upper bound
    amount: Decimal = Field(ge=0)


class IndemnityRule(Frozen):
    currency: Currency
    tiers: tuple[IndemnityTier, ...]

    @model_validator(mode="after")
    def _tiers(self) -> IndemnityRule:
        bounds = [t.below for t in self.tiers]
        if not bounds or bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("tiers must end with exactly one tier without 'below'")
        if any(a >= b for a, b in zip(bounds[:-2], bounds[1:-1])):
            raise ValueError("tier bounds must increase")
        return self

    def amount_for(self, debt: Decimal) -> Decimal:
        for tier in self.tiers:
            if tier.below is None or debt < tier.below:
                return tier.amount
        raise AssertionError("unreachable: validated tiers end with an open tier")


class Limitation(Frozen):
    years: int = Field(gt=0)
    counted_from: Literal["due_date", "year_end"] = "due_date"


class Jurisdiction(Frozen):
    """The rules for one kind of debtor. Rules for professionals name the rules that apply instead when the
    customer is a consumer (`consumers`): the customer's kind decides, not the seller's policy."""

    name: str
    description: str
    debtor: Literal["professional", "consumer", "any"] = "any"
    consumers: str | None = None  # for professional rules: the jurisdiction a consumer debtor falls under
    interest: InterestRule | None = None
    indemnity: IndemnityRule | None = None
    limitation: Limitation

    @model_validator(mode="after")
    def _debtor(self) -> Jurisdiction:
        if self.debtor == "professional" and not self.consumers:
            raise ValueError("rules for professional debtors must name the rules for consumers ('consumers')")
        if self.debtor != "professional" and self.consumers:
            raise ValueError("only rules for professional debtors name rules for consumers")
        if self.debtor == "consumer" and self.indemnity:
            raise ValueError("a consumer owes no fixed recovery indemnity: remove 'indemnity'")
        return self


class _File(Frozen):
    jurisdictions: dict[str, Jurisdiction]

    @model_validator(mode="after")
    def _consumers(self) -> _File:
        for key, j in self.jurisdictions.items():
            if j.consumers is None:
                continue
            other = self.jurisdictions.get(j.consumers)
            if other is None:
                raise ValueError(f"{key}.consumers: unknown jurisdiction {j.consumers!r}")
            if other.debtor == "professional":
                raise ValueError(f"{key}.consumers: {j.consumers!r} is for professional debtors")
        return self


def _path() -> Path:
    return Path(str(resources.files("mappings") / "jurisdictions.yaml"))


@functools.cache
def all_jurisdictions() -> dict[str, Jurisdiction]:
    return load_model(_path(), _File).jurisdictions


def for_debtor(name: str, consumer: bool) -> Jurisdiction:
    """The rules of jurisdiction `name` for a debtor who is (or is not) a consumer."""
    j = get(name)
    return get(j.consumers) if consumer and j.consumers else j


def get(name: str) -> Jurisdiction:
    known = all_jurisdictions()
    if name not in known:
        raise KeyError(f"unknown jurisdiction {name!r} (known: {', '.join(sorted(known))})")
    return known[name]
