"""`run`: fetch, reconcile, plan and (unless dry run) apply, item by item (or a few at a time, for a source
that batches: see `protocol.Batching`).

One failing item never stops the others; a source that goes away stops the run (exit code 3), and a
stop request (SIGTERM in the daemon) is honoured between two writes, never in the middle of one.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from connector.asof import ledger_as_of
from connector.errors import ItemSkipped, RelanceError, SourceUnavailable
from connector.lease import MARGIN, SETTLE, TTL, Lease
from connector.models import Failure, Ledger, Letterhead, Operation, Skip
from connector.plan import Plan, add_orphans, new_plan, plan_account
from connector.policy import Policy
from connector.protocol import Source
from connector.reconcile import Reconciliation, reconcile

log = logging.getLogger("relance.run")


@dataclass(frozen=True)
class Done:
    key: str
    customer_id: str
    what: str
    ref: str


@dataclass
class RunResult:
    as_of: date
    dry_run: bool
    reconciliation: Reconciliation
    plan: Plan
    done: list[Done] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    unreachable: bool = False
    stopped: bool = False
    companies: list[Letterhead] = field(default_factory=list)  # who signs the messages (the ledger's companies)

    @property
    def exit_code(self) -> int:
        if self.unreachable:
            return 3
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        return {"planned": len(self.plan.operations), "done": len(self.done), "skipped": len(self.skipped),
                "failed": len(self.failed)}

    def failures(self) -> list[tuple[str | None, list[Failure]]]:
        """The failures by shared cause (a rate table that ends), largest group first, then one group per
        failure without a cause; an item (record, reason) is listed once."""
        return group_by_cause(self.failed)


def group_by_cause(items: list[Failure]) -> list[tuple[str | None, list[Failure]]]:
    seen: set[tuple[str, str]] = set()
    groups: dict[str, list[Failure]] = {}
    single: list[tuple[str | None, list[Failure]]] = []
    for item in items:
        if (item.record, item.reason) in seen:
            continue
        seen.add((item.record, item.reason))
        if item.cause:
            groups.setdefault(item.cause, []).append(item)
        else:
            single.append((None, [item]))
    return sorted(groups.items(), key=lambda g: -len(g[1])) + single


_heap_lock = threading.Lock()
_heap_users = 0  # plans under way (the daemon plans several tenants at once, in threads)
_gc_was_enabled = True


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the cyclic GC out of planning: a ledger is millions of acyclic objects and planning adds
    a million more (positions, accounts) without making a cycle, so every full collection walked them
    all again for nothing (a third of a million-receivable plan). What was read is moved to the
    permanent generation and the collector is off until the last plan under way is done; then all of
    it, kept by the caller, joins the oldest generation, so no young collection walks it right after."""
    global _heap_users, _gc_was_enabled
    with _heap_lock:
        if _heap_users == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
            gc.freeze()
        _heap_users += 1
    try:
        yield
    finally:
        with _heap_lock:
            _heap_users -= 1
            if _heap_users == 0:
                gc.freeze()  # what planning built, too: no first young collection over a million positions
                gc.unfreeze()
                if _gc_was_enabled:
                    gc.enable()


def plan_ledger(ledger: Ledger, policy: Policy, as_of: date) -> tuple[Reconciliation, Plan]:
    """Reconcile and plan the ledger as it stood on `as_of` (connector/asof.py)."""
    ledger = ledger_as_of(ledger, as_of)
    plan = new_plan(policy, as_of, ledger.approvals)
    with frozen_heap():
        rec = reconcile(ledger, policy, as_of, on_account=lambda acc: plan_account(acc, policy, plan))
    add_orphans(plan, rec)
    return rec, plan


def describe(op: Operation) -> str:
    if op.kind in ("approval", "withdraw"):
        what = "approval of" if op.kind == "approval" else "withdrawal of the approval of"
        return f"{what} {op.channel} level {op.level} ({op.level_name}) for {len(op.items)} item(s)"
    if op.kind == "penalty":
        return f"penalty {op.amount} {op.currency} on {op.lines[0].invoice_number}"
    return f"{op.channel} level {op.level} ({op.level_name}) for {len(op.items)} item(s)"


def run(
    source: Source,
    policy: Policy,
    as_of: date,
    dry_run: bool = True,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Read and plan; when there is something to write, take the lease and read again (what changed since,
    where the source reads incrementally) so the plan sees the last run's writes, then write."""
    ledger = source.fetch(as_of)
    plan = plan_ledger(ledger, policy, as_of)
    if dry_run or not plan[1].operations:
        return _run(source, ledger, plan, as_of, dry_run, None, should_stop, on_progress)
    lease = take_lease(source)
    try:
        ledger = source.fetch(as_of)
        return _run(source, ledger, plan_ledger(ledger, policy, as_of), as_of, False, lease, should_stop, on_progress)
    finally:
        if lease is not None:
            lease.release()


def take_lease(source: Source) -> Lease | None:
    """The tenant's lease (connector/lease.py), when the adapter can keep one; LeaseBusy if another run has it."""
    store = source.claims()
    if store is None:
        log.warning("this source keeps no lease: make sure a single Relance run writes to it at a time")
        return None
    ttl = float(os.environ.get("RELANCE_LEASE_TTL", TTL))
    lease = Lease(store, ttl=ttl, settle=float(os.environ.get("RELANCE_LEASE_SETTLE", SETTLE)),
                  margin=float(os.environ.get("RELANCE_LEASE_MARGIN", min(MARGIN, ttl / 10))))
    lease.acquire()
    return lease


def _run(source: Source, ledger: Ledger, planned: tuple[Reconciliation, Plan], as_of: date, dry_run: bool,
         lease: Lease | None, should_stop: Callable[[], bool] | None,
         on_progress: Callable[[int, int], None] | None) -> RunResult:
    rec, plan = planned
    result = RunResult(as_of=as_of, dry_run=dry_run, reconciliation=rec, plan=plan, companies=list(ledger.companies))
    result.skipped.extend(Skip(customer_id="", record=r.record, reason=r.reason) for r in ledger.rejected)
    result.skipped.extend(plan.skipped)
    result.failed.extend(plan.errors)
    if dry_run:
        return result
    total = len(plan.operations)
    batching = source if source.batch_size > 1 else None
    pending: list[Operation] = []  # batchable operations not yet sent
    for i, op in enumerate(plan.operations, 1):
        lost = lease is not None and not lease.valid()
        if lost or (should_stop and should_stop()):
            result.stopped = True
            why = "the run's lease could not be renewed" if lost else "run stopped"
            result.skipped.extend(Skip(customer_id=o.customer_id, record=describe(o), reason=f"{why} before this write", key=o.key)
                                  for o in [*pending, *plan.operations[i - 1:]])
            pending = []
            break
        if result.unreachable:
            result.failed.append(Failure(customer_id=op.customer_id, record=describe(op), reason="source unreachable", key=op.key))
            continue
        if batching is not None and batching.batchable(op):
            pending.append(op)
            if len(pending) < batching.batch_size:
                continue  # written with the batch: progress is what was written
            _apply_batch(batching, pending, result)
            pending = []
        else:
            _apply_one(source, op, result)
        if on_progress:
            on_progress(i, total)
    if pending:
        if result.unreachable:
            result.failed.extend(Failure(customer_id=o.customer_id, record=describe(o), reason="source unreachable", key=o.key)
                                 for o in pending)
        else:
            _apply_batch(batching, pending, result)
        if on_progress:
            on_progress(total, total)
    return result


def _apply_one(source: Source, op: Operation, result: RunResult) -> None:
    try:
        ref = source.apply(op)
    except Exception as exc:  # noqa: BLE001 - one item's bug must not stop the others
        _record(op, exc, result)
    else:
        result.done.append(Done(key=op.key, customer_id=op.customer_id, what=describe(op), ref=ref))


def _apply_batch(source: Source, ops: list[Operation], result: RunResult) -> None:
    """Several operations in one request; a failure of the whole request is each item's failure."""
    try:
        refs = source.apply_many(ops)
    except Exception as exc:  # noqa: BLE001 - as for one item
        for op in ops:
            _record(op, exc, result)
        return
    for op in ops:
        ref = refs.get(op.key)
        if isinstance(ref, str):
            result.done.append(Done(key=op.key, customer_id=op.customer_id, what=describe(op), ref=ref))
        else:
            _record(op, ref if isinstance(ref, Exception) else RelanceError("no answer for this item in the batch"), result)


def _record(op: Operation, exc: Exception, result: RunResult) -> None:
    """A write that did not happen, as a skip (declined), a failure, or the end of the source."""
    what = dict(customer_id=op.customer_id, record=describe(op), reason=str(exc), key=op.key)
    if isinstance(exc, ItemSkipped):
        result.skipped.append(Skip(**what))
    elif isinstance(exc, SourceUnavailable):
        result.unreachable = True
        result.failed.append(Failure(**what))
    elif isinstance(exc, RelanceError):
        result.failed.append(Failure(**what))
    else:  # a bug: logged with its type, the traceback only with -v
        log.error("unexpected %s while applying %s", type(exc).__name__, op.key, exc_info=(
            (type(exc), exc, exc.__traceback__) if log.isEnabledFor(logging.DEBUG) else None))
        result.failed.append(Failure(customer_id=op.customer_id, record=describe(op),
                                     reason=f"unexpected error {type(exc).__name__}: {exc}", key=op.key))
