"""Review before sending, on the emulator (CI) and on a real Odoo (ODOO_URL set): a level under approval writes
an activity "Relance: to approve" showing the message, and nothing else; marking it done through the API (what
Odoo's Mark as Done does) makes the next run send exactly that message, once; cancelling it passes the level; a
payment before approval withdraws it with a note; a run after each writes nothing new."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from connector.policy import load_policy
from connector.runner import run
from tests.adapters.odoo.books import Books, Scoped
from tests.adapters.odoo.conftest import open_source

A = date(2026, 3, 2)  # a Monday
POLICY = load_policy("fr-b2b").model_copy(update={"approve_all_until": date(2099, 12, 31)})


@pytest.fixture(scope="module")
def source(odoo):
    src = open_source(odoo, init=True)  # the approval activity type
    yield src
    src.close()


def _approvals(client, partner: int) -> list[dict]:
    return client.call("mail.activity", "search_read", domain=[("res_model", "=", "res.partner"), ("res_id", "=", partner),
                                                               ("summary", "ilike", "Relance: to approve")],
                       fields=["id", "note", "summary"])


def _emails(client, partner: int) -> list[dict]:
    return client.call("mail.message", "search_read",
                       domain=[("model", "=", "res.partner"), ("res_id", "=", partner), ("message_type", "=", "comment"),
                               ("subject", "!=", False)], fields=["subject", "body"])


def _one_overdue(source, name: str):
    b = Books(source.client)
    partner = b.partner(name, phone=False)  # the call level falls back to an e-mail
    move, lines = b.invoice(partner, A - timedelta(days=36), "1175.00", due=A - timedelta(days=6))
    return b, partner, move, lines


def test_an_approved_operation_is_sent_once_and_only_after_approval(source):
    _, partner, _, _ = _one_overdue(source, "Approval Durand")
    scoped = Scoped(source, [partner])
    first = run(scoped, POLICY, A, dry_run=False)
    assert first.failed == [] and [op.kind for op in first.plan.operations] == ["approval"]
    assert _emails(source.client, partner) == []  # nothing leaves before a person approves
    [act] = _approvals(source.client, partner)
    assert "Payment reminder" in act["summary"] and "To approve" in act["note"] and "FA" not in act["summary"][:3]
    assert re.search(r"To: ap-\d+-\w+@example\.com", act["note"]), act["note"]
    waiting = run(scoped, POLICY, A, dry_run=False)
    assert waiting.done == [] and any("waits for approval since 2026-03-02" in s.reason for s in waiting.skipped)
    assert len(_approvals(source.client, partner)) == 1  # never a second request for the same operation

    source.client.call("mail.activity", "action_feedback", ids=[act["id"]])  # Odoo's "Mark as Done"
    sent = run(scoped, POLICY, A + timedelta(days=1), dry_run=False)
    assert sent.failed == [] and [(op.kind, op.level) for op in sent.plan.operations] == [("action", 2)]
    [mail] = _emails(source.client, partner)
    assert mail["subject"].startswith("Payment reminder")
    again = run(scoped, POLICY, A + timedelta(days=1), dry_run=False)
    assert again.plan.operations == [] and len(_emails(source.client, partner)) == 1


def test_a_cancelled_approval_passes_its_level_and_the_next_level_asks_again(source):
    _, partner, _, _ = _one_overdue(source, "Approval Petit")
    scoped = Scoped(source, [partner])
    run(scoped, POLICY, A, dry_run=False)
    [act] = _approvals(source.client, partner)
    source.client.call("mail.activity", "unlink", ids=[act["id"]])  # Odoo's "Cancel" on an activity
    later = A + timedelta(days=7)  # the standard segment's next level (reminder, +5) is due
    result = run(scoped, POLICY, later, dry_run=False)
    assert result.failed == [] and [(op.kind, op.level) for op in result.plan.operations] == [("approval", 3)]
    assert _emails(source.client, partner) == []  # the refused level was not sent


def test_a_payment_before_approval_withdraws_it_with_a_note(source):
    b, partner, _, lines = _one_overdue(source, "Approval Leroy")
    scoped = Scoped(source, [partner])
    run(scoped, POLICY, A, dry_run=False)
    assert len(_approvals(source.client, partner)) == 1
    b.pay(partner, lines[0], "1175.00", A)
    result = run(scoped, POLICY, A + timedelta(days=1), dry_run=False)
    assert result.failed == [] and [op.kind for op in result.plan.operations] == ["withdraw"]
    assert _approvals(source.client, partner) == []
    notes = source.client.call("mail.message", "search_read", domain=[
        ("model", "=", "res.partner"), ("res_id", "=", partner), ("body", "ilike", "Approval withdrawn")], fields=["id"])
    assert len(notes) == 1
    again = run(scoped, POLICY, A + timedelta(days=1), dry_run=False)
    assert again.plan.operations == [] and _emails(source.client, partner) == []
