"""The contract between the core and an accounting system: everything the runner, the daemon, the reports and
the CLI ask of an adapter, and nothing else.

A `Source` is one tenant's open connection: it reads a ledger, writes operations (one at a time, or several in
one request where the system allows it), checks and sets up the system, keeps the lease claims that make a run
the only writer, says when its credentials expire, and closes (it is a context manager). An adapter subclasses
`Source` to get the defaults below.

An `Adapter` is one accounting system: the pydantic model of its tenants in relance.yaml (which opens a source),
and what only that system has (QuickBooks' OAuth consent command, its webhook receiver).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from connector.errors import RelanceError
from connector.models import Ledger, Operation

if TYPE_CHECKING:
    from connector.config import TenantBase
    from connector.credentials import Credential
    from connector.lease import ClaimStore

# One line of `relance check`: (what, ok, detail); ok None is information, neither a pass nor a failure.
CheckRow = tuple[str, "bool | None", str]


@dataclass(frozen=True)
class OpenItem:
    """One open receivable document as the accounting system itself gives it for a day, what
    `relance report --check-ledger` adds up: `key` as `Receivable.id` or `Credit.id` names it, `record` as a
    `Rejection` does ("account.move.line 12"), `amount` signed (a credit is negative)."""

    key: str
    record: str
    company_id: str
    currency: str
    amount: Decimal
    label: str = ""


class Source(Protocol):
    batch_size: int = 1  # operations `apply_many` takes in one request (1: the system has no batch write)

    def fetch(self, as_of: date) -> Ledger:
        """Customers, receivables (open and recently paid), history found by its markers, plans, credits.

        Records that cannot be converted go to `Ledger.rejected` with a reason; the rest is read.
        Raises `SourceUnavailable` when the system cannot be reached or refuses the credentials.
        """
        ...

    def apply(self, op: Operation) -> str:
        """Write one operation, unless its marker is already there; return what it wrote, for the user.

        Must be idempotent: search for `keys.search_token(op.key)` first. Raises `ItemSkipped` to decline
        an operation for a reason (nothing written), `SourceUnavailable` when the system went away, any
        `RelanceError` for a failure of this item alone.
        """
        ...

    def batchable(self, op: Operation) -> bool:
        """Whether `apply_many` may take this operation (the runner sends the others to `apply`)."""
        return False

    def apply_many(self, ops: Sequence[Operation]) -> dict[str, str | Exception]:
        """Operation key -> what was written, or the error of that item (`ItemSkipped`: declined). Idempotent as
        `apply` is; raises `SourceUnavailable` when the system went away, any `RelanceError` when the whole
        request failed."""
        out: dict[str, str | Exception] = {}
        for op in ops:
            out[op.key] = self.apply(op)
        return out

    def check(self) -> list[CheckRow]:
        """The connection, each access right a run needs, the setup objects; the first row is the connection."""
        ...

    def init(self) -> list[str]:
        """Create what Relance needs in the system (idempotent): one line per object, "created …", "found …" or
        "missing …"."""
        ...

    def decide(self, op: Operation, approve: bool) -> str:
        """Record a person's decision on an approval request (`op.kind == "approval"`), writing the request first if
        it is not there yet: approved, the next run sends the action; refused, its level is passed. Idempotent."""
        raise RelanceError("this accounting system keeps no approvals")

    def open_items(self, as_of: date) -> list[OpenItem]:
        """The receivable documents open at the end of `as_of` with what is open of each, read the way the
        system's own aged receivable reads them and apart from `fetch`: what the report is checked against."""
        raise RelanceError("this accounting system gives no open items to check the report against")

    def languages(self) -> set[str]:
        """The languages the system's customers can have (`fr_FR`): `relance check` requires each customer text in
        each of them. Empty when the system cannot say."""
        return set()

    def claims(self) -> ClaimStore | None:
        """Where this tenant's lease claims live (connector/lease.py), or None when the system cannot keep them."""
        return None

    def credentials(self) -> list[Credential]:
        """The credentials a run depends on and when each expires, as far as the system or the config says
        (connector/credentials.py): `check` and the daemon warn before."""
        return []

    def close(self) -> None:
        ...

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Command:
    """A command only one system has (`relance quickbooks connect`), added to the CLI under the system's name.
    `configure(parser)` adds its options; `run(args, deployment, tenants, secrets, say)` returns the exit code."""

    name: str
    help: str
    configure: Callable[[Any], None]
    run: Callable[..., int]
    description: str = ""


@dataclass(frozen=True)
class WebhookApp:
    """A WSGI receiver the daemon serves for a system that notifies changes (Intuit's webhooks): `app(token,
    run_now)` where run_now(keys) starts at once the runs of the tenants whose `webhook_key` is in keys."""

    app: Callable[[str, Callable[[set[str]], list[str]]], Callable]


@dataclass(frozen=True)
class Adapter:
    """One accounting system, as the registry (adapters/registry.py) lists it. Its tenant model (a `TenantBase`
    with `system: Literal[...]`, the discriminator of relance.yaml's tenants) opens the system's `Source`."""

    system: str
    label: str  # "Odoo", "QuickBooks Online"
    tenant: type[TenantBase]
    commands: tuple[Command, ...] = ()
    webhook: WebhookApp | None = None
