"""Reconciler and planner on worked situations: levels, holds, caps, quiet days, fallbacks, grouping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connector.models import Instalment, PaymentPlan
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from tests.builders import action, applied, customer, ledger, receivable

TUE = date(2026, 3, 10)  # a working day in France


@pytest.fixture(scope="module")
def fr():
    return load_policy("fr-b2b")


def plan_for(led, policy, as_of=TUE):
    return make_plan(reconcile(led, policy, as_of), policy)


def test_given_item_due_in_three_days_then_courtesy_email(fr):
    plan = plan_for(ledger([customer()], [receivable(due="2026-03-13")]), fr)
    [op] = plan.operations
    assert (op.channel, op.level, op.level_name) == ("email", 1, "courtesy")
    assert op.items[0].days_late == -3
    assert "due 2026-03-13" in op.reason


def test_given_item_first_seen_overdue_then_courtesy_skipped_and_call_task(fr):
    plan = plan_for(ledger([customer()], [receivable(due="2026-03-07")]), fr)
    [op] = plan.operations
    assert (op.channel, op.level_name, op.deadline) == ("call_task", "call", date(2026, 3, 12))
    assert op.target == "customer" and op.target_id == "C1"


def test_given_call_done_then_next_level_keeps_spacing(fr):
    hist = [action("k1", "2026-03-05", 2, ("R1",), channel="call_task")]
    led = ledger([customer()], [receivable(due="2026-03-02")], hist)
    # level 3 'reminder' is due at +5 (2026-03-07) but the policy spaces it 4 days after the call (+1)
    assert plan_for(led, fr, date(2026, 3, 6)).operations == []
    [op] = plan_for(led, fr, date(2026, 3, 9)).operations
    assert (op.level, op.channel) == (3, "email")


def test_given_installments_then_only_the_overdue_one_is_reminded(fr):
    recs = [receivable("R1", invoice="I1", due="2026-03-05", amount="300"),
            receivable("R2", invoice="I1", due="2026-04-05", amount="700")]
    rec = reconcile(ledger([customer()], recs), fr, TUE)
    states = {p.receivable.id: (p.status, p.bucket) for p in rec.accounts[0].positions}
    assert states == {"R1": ("overdue", "1-30"), "R2": ("not_due", "current")}
    [op] = make_plan(rec, fr).operations
    assert [i.receivable_id for i in op.items] == ["R1"] and op.amount == Decimal("300")


def test_given_disputed_item_then_held_with_reason(fr):
    plan = plan_for(ledger([customer()], [receivable(due="2026-03-05", disputed=True)]), fr)
    assert plan.operations == []
    assert [s.reason for s in plan.skipped] == ["held: disputed or blocked in the source system, no reason recorded"]


def test_given_item_settled_by_credit_note_then_nothing(fr):
    r = receivable(due="2026-03-05", amount="500", payments=(("2026-03-04", "500"),))
    rec = reconcile(ledger([customer()], [r]), fr, TUE)
    assert rec.accounts[0].positions == []  # settled on time: nothing left to follow
    assert make_plan(rec, fr).operations == []
    late = receivable(due="2026-03-05", amount="500", payments=(("2026-03-06", "500"),))
    [pos] = reconcile(ledger([customer()], [late]), fr, TUE).accounts[0].positions
    assert (pos.status, pos.days_late) == ("paid", 5)  # settled late: kept for the final interest


def test_given_partial_payment_then_open_amount_reminded(fr):
    r = receivable(due="2026-03-05", amount="500", payments=(("2026-03-06", "200"),))
    [op] = plan_for(ledger([customer()], [r]), fr).operations
    assert op.amount == Decimal("300") and op.items[0].open_amount == Decimal("300")


def test_given_two_contacts_this_week_then_third_postponed_not_dropped(fr):
    hist = [action("a", "2026-03-04", 1, ("X",), channel="email"), action("b", "2026-03-06", 1, ("Y",), channel="email")]
    led = ledger([customer()], [receivable(due="2026-03-07")], hist)
    plan = plan_for(led, fr)
    assert plan.operations == []
    assert any("postponed" in s.reason and "cap 2" in s.reason for s in plan.skipped)
    # one week later the window has moved on: the action comes back
    [op] = plan_for(led, fr, date(2026, 3, 12)).operations
    assert op.channel == "call_task"


def test_given_saturday_then_contact_postponed_but_penalty_not(fr):
    plan = plan_for(ledger([customer()], [receivable(due="2026-03-05")]), fr, date(2026, 3, 7))
    assert plan.operations == []
    assert any("Saturday" in s.reason for s in plan.skipped)


def test_given_public_holiday_then_postponed(fr):
    plan = plan_for(ledger([customer()], [receivable(due="2026-04-20")]), fr, date(2026, 5, 1))
    assert plan.operations == []
    assert any("public holiday in FR" in s.reason for s in plan.skipped)


def test_given_excluded_customer_then_nothing_but_a_reason(fr):
    plan = plan_for(ledger([customer(excluded=True)], [receivable(due="2026-02-01")]), fr)
    assert plan.operations == []
    assert plan.skipped[0].reason == "customer excluded from follow-up"


def test_given_no_email_then_fallback_letter(fr):
    hist = [action("k1", "2026-03-01", 2, ("R1",), channel="call_task")]
    led = ledger([customer(has_email=False)], [receivable(due="2026-02-27")], hist)
    [op] = plan_for(led, fr).operations
    assert op.level_name == "reminder" and op.channel == "letter"
    assert "no email address on file, falls back to letter" in op.reason


def test_given_no_contact_data_at_all_then_task_to_obtain_it(fr):
    hist = [action("k1", "2026-03-01", 2, ("R1",), channel="call_task")]
    c = customer(has_email=False, has_address=False, has_phone=False)
    [op] = plan_for(ledger([c], [receivable(due="2026-02-27")], hist), fr).operations
    assert op.channel == "call_task" and "task to obtain it" in op.reason


def test_given_no_email_then_courtesy_reminder_skipped(fr):
    plan = plan_for(ledger([customer(has_email=False)], [receivable(due="2026-03-13")]), fr)
    assert plan.operations == []
    assert "courtesy" in plan.skipped[0].reason


def _plan(kept_until: str | None):
    payments = (("2026-02-10", "300"),) if kept_until is None else (("2026-02-10", "300"), ("2026-03-02", "300"))
    r = receivable(due="2026-01-15", amount="1000", payments=payments)
    p = PaymentPlan(customer_id="C1", agreed_on=date(2026, 2, 1), currency="EUR",
                    instalments=(Instalment(due_date=date(2026, 2, 15), amount=Decimal(300)),
                                 Instalment(due_date=date(2026, 3, 5), amount=Decimal(300)),
                                 Instalment(due_date=date(2026, 4, 5), amount=Decimal(400))))
    return ledger([customer()], [r], plans=[p])


def test_given_payment_plan_kept_then_no_escalation(fr):
    plan = plan_for(_plan("2026-03-02"), fr)
    assert [o for o in plan.operations if o.kind == "action"] == []
    assert any("payment plan kept; next instalment 400 EUR due 2026-04-05" in s.reason for s in plan.skipped)


def test_given_payment_plan_missed_then_escalation_resumes(fr):
    plan = plan_for(_plan(None), fr)
    acts = [o for o in plan.operations if o.kind == "action"]
    assert len(acts) == 1 and acts[0].level == 2
    rec = reconcile(_plan(None), fr, TUE)
    assert "instalment of 2026-03-05 missed" in rec.accounts[0].plan_note


def test_given_item_near_limitation_then_flagged(fr):
    r = receivable(due="2021-05-01", issued="2021-04-01")
    rec = reconcile(ledger([customer()], [r]), fr, TUE)
    pos = rec.accounts[0].positions[0]
    assert pos.limitation_date == date(2026, 5, 1) and pos.near_limitation
    assert pos.bucket == ">120"
    op = [o for o in make_plan(rec, fr).operations if o.kind == "action"][0]
    assert "limitation reached on 2026-05-01" in op.reason


def test_given_per_invoice_grouping_then_one_operation_per_invoice():
    us = load_policy("us-flat-fee")
    recs = [receivable("R1", invoice="I1", due="2026-03-05", currency="USD"),
            receivable("R2", invoice="I2", due="2026-03-06", currency="USD")]
    ops = [o for o in plan_for(ledger([customer()], recs), us).operations if o.kind == "action"]
    assert sorted((o.target, o.target_id) for o in ops) == [("invoice", "I1"), ("invoice", "I2")]


def test_given_per_customer_grouping_then_one_reminder_lists_all(fr):
    recs = [receivable("R1", invoice="I1", due="2026-03-05"), receivable("R2", invoice="I2", due="2026-03-06")]
    [op] = plan_for(ledger([customer()], recs), fr).operations
    assert [i.number for i in op.items] == ["FA-R1", "FA-R2"] and op.amount == Decimal("2000.00")


def test_given_amount_below_minimum_then_skipped(fr):
    plan = plan_for(ledger([customer()], [receivable(due="2026-03-05", amount="9.99")]), fr)
    assert plan.operations == [] and "below the minimum amount" in plan.skipped[0].reason


def test_given_reliable_payer_then_gentler_segment(fr):
    history = [receivable(f"P{i}", due="2025-10-01", amount="100", payments=(("2025-10-02", "100"),)) for i in range(3)]
    late = [receivable(f"L{i}", due="2025-10-01", amount="100", payments=(("2025-11-15", "100"),)) for i in range(3)]
    rel = reconcile(ledger([customer()], [*history, receivable(due="2026-03-07")]), fr, TUE).accounts[0]
    chronic = reconcile(ledger([customer()], [*late, receivable(due="2026-03-07")]), fr, TUE).accounts[0]
    assert (rel.segment.name, rel.avg_days_late_12m) == ("reliable", Decimal("1.0"))
    assert (chronic.segment.name, chronic.avg_days_late_12m) == ("chronic-late", Decimal("45.0"))
    # 3 days late: nothing yet for a reliable payer, a call task for a chronic one
    def actions(recs):
        return [o for o in make_plan(reconcile(ledger([customer()], recs), fr, TUE), fr).operations if o.kind == "action"]
    assert actions([*history, receivable(due="2026-03-07")]) == []
    [op] = actions([*late, receivable(due="2026-03-07")])
    assert (op.level_name, op.channel) == ("call", "call_task")


def test_given_foreign_currency_then_amounts_stay_in_invoice_currency(fr):
    [op] = plan_for(ledger([customer()], [receivable(due="2026-03-05", currency="USD", amount="250")]), fr).operations
    assert (op.currency, op.amount, op.items[0].currency) == ("USD", Decimal("250"), "USD")


def test_given_unapplied_credit_covering_overdue_then_held(fr):
    from connector.models import Credit
    led = ledger([customer()], [receivable(due="2026-03-05", amount="100")],
                 credits=[Credit(customer_id="C1", amount=Decimal("150"), currency="EUR")])
    plan = plan_for(led, fr)
    assert plan.operations == [] and "covered by unapplied credits" in plan.skipped[0].reason


def test_given_plan_applied_then_second_plan_empty(fr):
    recs = [receivable("R1", due="2026-03-05"), receivable("R2", due="2026-03-13", customer="C2")]
    led = ledger([customer(), customer("C2")], recs)
    first = plan_for(led, fr)
    assert len(first.operations) == 2
    assert plan_for(applied(led, first.operations), fr).operations == []
    # half applied: only what is missing
    again = plan_for(applied(led, first.operations[:1]), fr)
    assert [o.key for o in again.operations] == [first.operations[1].key]


def test_given_same_data_then_same_keys(fr):
    led = ledger([customer()], [receivable(due="2026-03-05")])
    assert [o.key for o in plan_for(led, fr).operations] == [o.key for o in plan_for(led, fr).operations]


def test_given_orphan_receivable_then_reported(fr):
    plan = plan_for(ledger([], [receivable(due="2026-03-05", customer="C9")]), fr)
    assert plan.skipped[0].reason == "customer C9 was not read"


def test_given_plan_reaches_the_penalty_level_then_penalty_planned_with_it_and_replan_empty(fr):
    # reminder done at level 4 (letter) long ago: today the first formal notice (level 5, from_level) is due
    led = ledger([customer()], [receivable(due="2026-01-30", amount="1000")],
                 [action("l4", "2026-02-20", 4, ("R1",), channel="letter")])
    first = plan_for(led, fr)
    assert sorted((o.kind, o.level) for o in first.operations) == [("action", 5), ("penalty", None)]
    assert plan_for(applied(led, first.operations), fr).operations == []
