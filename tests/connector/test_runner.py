"""`connector.run` through the adapter protocol: dry run writes nothing, one failing item never stops
the others, a source that goes away stops the run with exit code 3, a stop request is honoured
between two writes."""

from __future__ import annotations

from datetime import date

from connector.runner import run
from connector.errors import ItemError, ItemSkipped, SourceUnavailable
from connector.keys import parse, render
from connector.models import Ledger, Operation, Rejection
from connector.policy import load_policy
from connector.protocol import Source
from tests.builders import customer, ledger, receivable

TUE = date(2026, 3, 10)


class MemorySource(Source):
    """A source system kept in memory: history is what the markers of applied operations say."""

    def __init__(self, led: Ledger, fail: dict[str, Exception] | None = None):
        self.led = led
        self.notes: list[str] = []
        self.fail = fail or {}
        self.writes = 0

    def fetch(self, as_of: date) -> Ledger:
        history = [h for note in self.notes for h in parse(note)]
        return Ledger(customers=self.led.customers, receivables=self.led.receivables, history=history,
                      rejected=self.led.rejected)

    def apply(self, op: Operation) -> str:
        if op.customer_id in self.fail:
            raise self.fail[op.customer_id]
        if any(f"relance:{op.key}" in n for n in self.notes):
            return "already"
        self.notes.append(" ".join(render(h) for h in op.history()))
        self.writes += 1
        return f"note-{len(self.notes)}"


def _ledger(n=3):
    custs = [customer(f"C{i}") for i in range(n)]
    recs = [receivable(f"R{i}", customer=f"C{i}", due="2026-03-05") for i in range(n)]
    return ledger(custs, recs)


def test_given_a_source_that_keeps_no_lease_when_running_then_it_writes_and_warns(caplog):
    src = MemorySource(_ledger())
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert src.writes == len(result.done) > 0
    assert "this source keeps no lease" in caplog.text  # Source.claims() says None by default


def test_given_dry_run_then_nothing_written():
    src = MemorySource(_ledger())
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=True)
    assert len(result.plan.operations) == 3 and src.writes == 0 and result.done == []


def test_given_run_twice_then_second_writes_nothing():
    src = MemorySource(_ledger())
    pol = load_policy("fr-b2b")
    first = run(src, pol, TUE, dry_run=False)
    assert (len(first.done), first.exit_code) == (3, 0)
    second = run(src, pol, TUE, dry_run=False)
    assert second.plan.operations == [] and src.writes == 3


def test_given_one_item_fails_then_others_done_and_exit_1():
    src = MemorySource(_ledger(), fail={"C1": ItemError("account.move 7: period locked")})
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert len(result.done) == 2 and [f.reason for f in result.failed] == ["account.move 7: period locked"]
    assert result.exit_code == 1


def test_given_adapter_declines_item_then_skipped_with_reason():
    src = MemorySource(_ledger(), fail={"C0": ItemSkipped("invoice in a locked period")})
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert len(result.done) == 2 and result.skipped[-1].reason == "invoice in a locked period"
    assert result.exit_code == 0


def test_given_unexpected_bug_in_one_item_then_others_still_done():
    src = MemorySource(_ledger(), fail={"C0": KeyError("boom")})
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert len(result.done) == 2 and "KeyError" in result.failed[0].reason


def test_given_source_goes_away_then_rest_not_attempted_and_exit_3():
    src = MemorySource(_ledger(), fail={"C0": SourceUnavailable("connection refused")})
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert result.exit_code == 3 and len(result.failed) == 3 and src.writes == 0


def test_given_stop_request_then_stops_between_writes():
    src = MemorySource(_ledger())
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False, should_stop=lambda: src.writes >= 1)
    assert result.stopped and src.writes == 1 and len(result.done) == 1
    assert sum(1 for s in result.skipped if s.reason == "run stopped before this write") == 2
    # the next run finishes the job, nothing doubled
    again = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert len(again.done) == 2 and src.writes == 3


def test_given_rejected_source_record_then_reported_as_skipped():
    led = _ledger(1)
    led.rejected.append(Rejection(record="account.move.line 99", reason="no due date"))
    result = run(MemorySource(led), load_policy("fr-b2b"), TUE)
    assert ("account.move.line 99", "no due date") in [(s.record, s.reason) for s in result.skipped]


class BatchingSource(MemorySource):
    """A source that writes call tasks two at a time (as QuickBooks writes note-only actions in a batch)."""

    batch_size = 2

    def __init__(self, led: Ledger, fail: dict[str, Exception] | None = None, batch_fail: Exception | None = None):
        super().__init__(led, fail)
        self.batches: list[list[str]] = []
        self.batch_fail = batch_fail

    def batchable(self, op: Operation) -> bool:
        return op.channel == "call_task"

    def apply_many(self, ops: list[Operation]) -> dict[str, str | Exception]:
        self.batches.append([op.customer_id for op in ops])
        if self.batch_fail:
            raise self.batch_fail
        out: dict[str, str | Exception] = {}
        for op in ops:
            try:
                out[op.key] = self.apply(op)
            except Exception as exc:  # noqa: BLE001 - per item, as a batch answer holds it
                out[op.key] = exc
        return out


def test_given_a_batching_source_then_batchable_writes_go_in_batches_and_errors_stay_per_item():
    src = BatchingSource(_ledger(5), fail={"C3": ItemError("customer C3 is inactive"), "C4": ItemSkipped("declined")})
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert {op.channel for op in result.plan.operations} == {"call_task"}
    assert src.batches == [["C0", "C1"], ["C2", "C3"], ["C4"]]  # the last, short batch is sent at the end
    assert sorted(d.customer_id for d in result.done) == ["C0", "C1", "C2"]
    assert [(f.customer_id, f.reason) for f in result.failed] == [("C3", "customer C3 is inactive")]
    assert ("C4", "declined") in [(s.customer_id, s.reason) for s in result.skipped]
    assert result.exit_code == 1
    again = run(src, load_policy("fr-b2b"), TUE, dry_run=False)  # only what failed is planned again
    assert sorted(op.customer_id for op in again.plan.operations) == ["C3", "C4"] and src.writes == 3


def test_given_a_batch_request_that_meets_an_unreachable_source_then_every_item_fails_and_exit_3():
    src = BatchingSource(_ledger(3), batch_fail=SourceUnavailable("connection refused"))
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert src.batches == [["C0", "C1"]]  # the third item is not attempted once the source went away
    assert result.exit_code == 3 and len(result.failed) == 3 and result.done == []
    assert [f.reason for f in result.failed].count("source unreachable") == 1


def test_given_stop_request_with_a_batch_half_filled_then_its_items_are_skipped_not_lost():
    src = BatchingSource(_ledger(3))
    checks: list[int] = []  # the runner asks before each operation: stop once the first one is queued
    seen: list[int] = []
    result = run(src, load_policy("fr-b2b"), TUE, dry_run=False, should_stop=lambda: len(checks.append(1) or checks) > 1,
                 on_progress=lambda i, n: seen.append(i))
    assert result.stopped and src.batches == [] and src.writes == 0 and seen == []  # progress counts what was written
    assert sum(1 for s in result.skipped if s.reason == "run stopped before this write") == 3
    again = run(src, load_policy("fr-b2b"), TUE, dry_run=False)
    assert len(again.done) == 3 and src.batches == [["C0", "C1"], ["C2"]]
