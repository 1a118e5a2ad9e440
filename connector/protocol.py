"""The one small protocol every adapter implements: read a ledger, apply one operation; and an optional one
for a source that writes several operations in one request."""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

from connector.models import Ledger, Operation


@runtime_checkable
class Source(Protocol):
    def fetch(self, as_of: date) -> Ledger:
        """Customers, receivables (open and recently paid), history found by its markers, plans, credits.

        Records that cannot be converted go to `Ledger.rejected` with a reason; the rest is read.
        Raises `SourceUnavailable` when the system cannot be reached or refuses the credentials.
        """
        ...

    def apply(self, op: Operation) -> str:
        """Write one operation, unless its marker is already there; return the reference of what holds it.

        Must be idempotent: search for `keys.search_token(op.key)` first. Raises `ItemSkipped` to decline
        an operation for a reason (nothing written), `SourceUnavailable` when the system went away, any
        `RelanceError` for a failure of this item alone.
        """
        ...


@runtime_checkable
class Batching(Protocol):
    """Optional: the runner hands the operations `batchable` accepts to `apply_many`, `batch_size` at a time."""

    batch_size: int

    def batchable(self, op: Operation) -> bool:
        ...

    def apply_many(self, ops: list[Operation]) -> dict[str, str | Exception]:
        """Operation key -> reference of what holds it, or the error of that item (`ItemSkipped`: declined).
        Idempotent as `apply` is; raises `SourceUnavailable` when the system went away, any `RelanceError`
        when the whole request failed."""
        ...
