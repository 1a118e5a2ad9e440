"""The kinds of record the canonical models are made of, and the field types they share: kept apart from
connector/models.py so that it holds the records themselves."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.dataclasses import dataclass as pydantic_dataclass

from connector.money import check_currency

# A follow-up action's channel; what each needs and does is in connector/channels.py.
Channel = Literal["call_task", "email", "letter", "registered_letter", "agency_handoff", "credit_hold", "hold_release",
                  "note"]
PenaltyKind = Literal["interest", "indemnity", "fee"]
Currency = Annotated[str, AfterValidator(check_currency)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The records read by the million (customers, receivables, settlements, history) are validated,
# frozen, slotted dataclasses: same checks as a model, a quarter of the memory (no per-record dict).
record = pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
# So are the planner's outputs, keyword-only: a plan holds tens of thousands of operations, and as models
# each carried a __dict__ and a set of its fields set (about 3.8 kB an operation, 300 MB for a million
# receivables, most of it memory the planner touched for the first time).
output = pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
