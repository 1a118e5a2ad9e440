"""Who is charged what: the customer's kind decides the rules, whatever the policy; an amount settled by a credit
note was never owed; nothing is charged before the go-live date, nor on history a first run finds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from connector import jurisdictions
from connector.errors import ConfigError
from connector.jurisdictions import _File
from connector.models import Settlement
from connector.money import round_money
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from connector.reports.metrics import days_late_12m
from tests.builders import action, customer, ledger, receivable

D = Decimal
AS_OF = date(2025, 9, 30)


def penalties(policy, led, as_of=AS_OF):
    return [o for o in make_plan(reconcile(led, policy, as_of), policy).operations if o.kind == "penalty"]


def notice(r, day="2025-07-15", customer_id="C1"):
    return action(f"n-{r.id}", day, 5, (r.id,), customer=customer_id, channel="registered_letter")


@pytest.mark.parametrize("name", ["fr-b2b", "eu-b2b", "uk-b2b"])
def test_given_a_consumer_inside_a_b2b_policy_then_no_indemnity_and_no_b2b_interest(name):
    policy = load_policy(name)
    cur = policy.currency
    company = receivable("R1", due="2025-05-31", amount="1000", customer="C1", currency=cur)
    person = receivable("R2", due="2025-05-31", amount="1000", customer="P1", currency=cur)
    led = ledger([customer("C1"), customer("P1", kind="person")], [company, person],
                 [notice(company), notice(person, customer_id="P1")])
    ops = penalties(policy, led)
    by_customer = {o.customer_id: o for o in ops}
    assert {ln.kind for ln in by_customer["C1"].lines} == {"interest", "indemnity"}  # the company owes both
    consumer = by_customer.get("P1")
    assert consumer is None or {ln.kind for ln in consumer.lines} == {"interest"}
    if name == "fr-b2b":  # French consumer: the legal rate (2.76 % in 2025 H2) from the formal notice
        [line] = consumer.lines
        assert line.period_start == date(2025, 7, 15)
        assert line.amount == round_money(D("1000") * D("0.0276") * 77 / 365, "EUR") == D("5.82")
    else:  # outside the Directive and the Late Payment Act: nothing statutory
        assert consumer is None


def test_given_a_consumer_then_the_consumer_limitation_applies():
    fr = load_policy("fr-b2b")
    led = ledger([customer("C1"), customer("P1", kind="person")],
                 [receivable("R1", due="2025-05-31", customer="C1"), receivable("R2", due="2025-05-31", customer="P1")])
    lim = {a.customer.id: a.positions[0].limitation_date for a in reconcile(led, fr, AS_OF).accounts}
    assert lim == {"C1": date(2030, 5, 31), "P1": date(2027, 5, 31)}  # L110-4: 5 years; L218-2: 2 years


def test_given_an_invoice_cancelled_by_a_credit_note_after_its_due_date_then_nothing_is_charged():
    fr = load_policy("fr-b2b")
    r = receivable(due="2025-06-30", amount="800", open="0")
    r = replace(r, settlements=(Settlement(date=date(2025, 7, 5), amount=D("800"), kind="credit_note"),))
    assert penalties(fr, ledger([customer()], [r], [notice(r, "2025-07-03")])) == []


def test_given_a_partial_credit_note_then_the_rest_paid_late_bears_interest_and_the_indemnity():
    fr = load_policy("fr-b2b")
    r = receivable(due="2025-05-31", amount="1000", open="0")
    r = replace(r, settlements=(
        Settlement(date=date(2025, 6, 10), amount=D("400"), kind="credit_note"),
        Settlement(date=date(2025, 8, 15), amount=D("600"))))
    [op] = penalties(fr, ledger([customer()], [r], [notice(r)]))
    interest, indemnity = op.lines
    assert interest.period_end == date(2025, 8, 15)  # paid by the payment, not by the credit note
    # 1000 for 10 days at 13.15 % (2025 H1), then 600: 20 days at 13.15 %, 46 days at 12.15 %
    expected = D(1000) * D("0.1315") * 10 / 365 + D(600) * D("0.1315") * 20 / 365 + D(600) * D("0.1215") * 46 / 365
    assert interest.amount == round_money(expected, "EUR")
    assert (indemnity.kind, indemnity.amount) == ("indemnity", D(40))


def test_given_an_invoice_settled_late_by_credit_notes_only_then_it_counts_as_no_late_payment():
    fr = load_policy("fr-b2b")
    r = receivable(due="2025-05-31", amount="1000", open="0")
    r = replace(r, settlements=(
        Settlement(date=date(2025, 6, 20), amount=D("1000"), kind="credit_note"),))
    [acc] = reconcile(ledger([customer()], [r]), fr, AS_OF).accounts
    assert acc.positions == [] and acc.avg_days_late_12m is None
    assert days_late_12m([r], [customer()], AS_OF) == []  # the report counts as the segment rule does


def test_given_since_then_interest_starts_on_it_and_nothing_before_it_is_charged():
    fr = load_policy("fr-b2b").with_penalties(since=date(2025, 9, 1))
    r = receivable(due="2025-05-31", amount="1000")
    [op] = penalties(fr, ledger([customer()], [r], [notice(r)]))
    interest = next(ln for ln in op.lines if ln.kind == "interest")
    assert (interest.period_start, interest.period_end) == (date(2025, 8, 31), AS_OF)  # 30 days: 1 to 30 Sept
    assert interest.amount == round_money(D(1000) * D("0.1215") * 30 / 365, "EUR")


def test_given_since_then_an_item_paid_before_it_is_never_charged_and_one_paid_after_it_is():
    fr = load_policy("fr-b2b").with_penalties(since=date(2025, 8, 1))
    before = receivable("R1", due="2025-05-31", amount="1000", payments=(("2025-07-20", "1000"),))
    after = receivable("R2", due="2025-05-31", amount="1000", payments=(("2025-08-20", "1000"),))
    ops = penalties(fr, ledger([customer()], [before, after], [notice(before, "2025-07-10"), notice(after)]))
    assert [o.target_id for o in ops] == ["INV-R2"]
    interest = next(ln for ln in ops[0].lines if ln.kind == "interest")
    assert (interest.period_start, interest.period_end) == (date(2025, 7, 31), date(2025, 8, 20))


def test_given_a_fee_policy_with_since_then_fees_that_fell_due_before_it_are_not_charged():
    us = load_policy("us-flat-fee").with_penalties(since=date(2026, 2, 15))
    r = receivable(due="2026-01-01", amount="1000", currency="USD")
    [op] = penalties(us, ledger([customer()], [r]), date(2026, 3, 5))
    assert [ln.period_end for ln in op.lines] == [date(2026, 3, 3)]  # the fee of 2026-02-01 is before `since`


def test_given_a_first_run_then_items_paid_late_before_any_reminder_are_not_charged():
    fr = load_policy("fr-b2b")
    paid = receivable("R1", due="2025-05-31", amount="1000", payments=(("2025-07-20", "1000"),))
    assert penalties(fr, ledger([customer()], [paid])) == []


def test_given_paid_late_min_days_then_an_item_paid_a_few_days_late_is_not_charged():
    fr = load_policy("fr-b2b").with_penalties(paid_late_min_level=0, paid_late_min_days=10)
    slightly = receivable("R1", due="2025-08-31", amount="1000", payments=(("2025-09-05", "1000"),))
    clearly = receivable("R2", due="2025-08-01", amount="1000", payments=(("2025-09-05", "1000"),))
    ops = penalties(fr, ledger([customer()], [slightly, clearly]))
    assert [o.target_id for o in ops] == ["INV-R2"]


def test_given_rules_for_professionals_without_rules_for_consumers_then_refused():
    data = {"jurisdictions": {"x": {"name": "x", "description": "x", "debtor": "professional",
                                    "limitation": {"years": 5}}}}
    with pytest.raises(ValueError, match="must name the rules for consumers"):
        _File.model_validate(data)
    data["jurisdictions"]["x"]["consumers"] = "y"
    with pytest.raises(ValueError, match="unknown jurisdiction 'y'"):
        _File.model_validate(data)
    data["jurisdictions"]["y"] = {"name": "y", "description": "y", "debtor": "consumer", "limitation": {"years": 2},
                                  "indemnity": {"currency": "EUR", "tiers": [{"amount": 40}]}}
    with pytest.raises(ValueError, match="a consumer owes no fixed recovery indemnity"):
        _File.model_validate(data)


def test_every_shipped_rule_for_professionals_names_consumer_rules_without_indemnity():
    for j in jurisdictions.all_jurisdictions().values():
        if j.debtor == "professional":
            consumer = jurisdictions.get(j.consumers)
            assert consumer.debtor == "consumer" and consumer.indemnity is None
            assert jurisdictions.for_debtor(j.name, consumer=True) is consumer


def test_given_since_in_a_policy_file_then_it_is_read(tmp_path):
    text = (load_policy("fr-b2b").model_dump_json())
    path = tmp_path / "p.yaml"
    path.write_text(text.replace('"since":null', '"since":"2026-07-01"'))
    assert load_policy(path).penalties.since == date(2026, 7, 1)
    path.write_text(text.replace('"since":null', '"since":"July"'))
    with pytest.raises(ConfigError, match="penalties.since"):
        load_policy(path)


def test_given_an_item_that_reached_the_level_only_after_it_was_paid_then_not_charged():
    fr = load_policy("fr-b2b")
    r = receivable("R1", due="2025-05-31", amount="1000", payments=(("2025-07-01", "1000"),))
    assert penalties(fr, ledger([customer()], [r], [notice(r, "2025-07-15")])) == []
    assert len(penalties(fr, ledger([customer()], [r], [notice(r, "2025-06-30")]))) == 1


def test_given_a_paid_late_min_level_beyond_every_segment_then_the_policy_is_refused(tmp_path):
    text = load_policy("fr-b2b").model_dump_json()
    path = tmp_path / "p.yaml"
    path.write_text(text.replace('"paid_late_min_level":5', '"paid_late_min_level":12'))
    with pytest.raises(ConfigError, match="paid_late_min_level 12 is beyond every segment's last level"):
        load_policy(path)
