"""Review before sending on QuickBooks, which keeps no tasks: the request is a note on the customer with the
message; the decision, given in `relance review` (`Source.decide`), is a note too; the next run sends what was
approved, once, and passes a level refused."""

from __future__ import annotations

from datetime import date, timedelta

from connector.policy import load_policy
from connector.runner import run
from tests.adapters.quickbooks.qbo_books import Books, Scoped

A = date(2026, 3, 2)
POLICY = load_policy("fr-b2b").model_copy(update={"approve_all_until": date(2099, 12, 31)})


def test_a_request_note_waits_an_approval_note_lets_it_go_once_and_a_refusal_passes_the_level(source):
    b = Books(source.client)
    yes, no = b.customer("Approve me", phone=False), b.customer("Refuse me", phone=False)
    for c in (yes, no):
        b.invoice(c, A - timedelta(days=36), "700.00", due=A - timedelta(days=6))
    scoped = Scoped(source, b.customers)
    first = run(scoped, POLICY, A, dry_run=False)
    assert first.failed == [] and sorted(op.kind for op in first.plan.operations) == ["approval", "approval"]
    (request,) = b.notes_of(yes)
    assert "Relance: to approve in relance review" in request["Note"] and "|approval|" in request["Note"]
    waiting = run(scoped, POLICY, A, dry_run=False)
    assert waiting.plan.operations == [] and sum("waits for approval" in s.reason for s in waiting.skipped) == 2

    ops = {op.customer_id: op for op in first.plan.operations}
    assert "approved: the next run sends it" in source.decide(ops[yes], True)
    assert "already decided" in source.decide(ops[yes], True)  # a second click writes nothing
    assert "skipped" in source.decide(ops[no], False)
    sent = run(scoped, POLICY, A, dry_run=False)
    assert [(op.customer_id, op.kind) for op in sent.plan.operations] == [(yes, "action")]
    assert sent.failed == []
    again = run(scoped, POLICY, A, dry_run=False)
    assert again.plan.operations == []
