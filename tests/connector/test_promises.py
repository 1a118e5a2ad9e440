"""Promises to pay as collectors write them: their syntax, the plan a record's promises make, and what the planner
does with a plan kept, missed, malformed or agreed while a credit hold is on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connector.messages import render
from connector.models import HistoryEntry
from connector.plan import make_plan
from connector.policy import load_policy
from connector.promises import Promise, PromiseError, parse_amount, parse_note, plans
from connector.reconcile import reconcile
from tests.builders import action, applied, customer, ledger, receivable

D = Decimal


@pytest.fixture(scope="module")
def fr():
    return load_policy("fr-b2b")


@pytest.mark.parametrize("text, value", [
    ("1500", D("1500.00")), ("1 500,00 €", D("1500.00")), ("1,500.00 EUR", D("1500.00")), ("1.500", D("1500.00")),
    ("1\u202f500,5", D("1500.50")), ("1.234.567,89", D("1234567.89")), ("EUR 250", D("250.00")), ("", None),
    ("solde", None), ("Balance", None)])
def test_an_amount_is_read_as_written_in_french_or_english(text, value):
    assert parse_amount(text, "EUR") == value


@pytest.mark.parametrize("text, words", [("next week", "is not an amount"), ("1500 USD", "is in USD"),
                                         ("0", "more than zero"), ("1,50,0", "is not an amount")])
def test_an_amount_that_cannot_be_read_says_why(text, words):
    with pytest.raises(PromiseError, match=words):
        parse_amount(text, "EUR")


def test_a_note_gives_one_promise_per_promise_line_and_names_a_bad_line():
    note = ("Called Mrs Martin.\nPromise to pay: 1,500.00 EUR by 2026-07-15\n"
            "Promesse de paiement : 2 000,00 € le 15/08/2026\nPromise to pay: balance by 2026-09-15\n"
            "Promise to pay: soon\nPromesse de paiement : 100 le 31/02/2026")
    got = parse_note(note, "EUR")
    assert got[:3] == [(date(2026, 7, 15), D("1500.00"), None), (date(2026, 8, 15), D("2000.00"), None),
                       (date(2026, 9, 15), None, None)]
    assert got[3][2].startswith("'Promise to pay: soon' does not read as")
    assert "'31/02/2026' is not a date" in got[4][2]


def _promise(made: str, due: str, amount: str | None, group: str = "account.move 7", error: str | None = None):
    return Promise(customer_id="C1", record=f"promise on {group}", group=group, receivable_ids=("R1",),
                   made_on=date.fromisoformat(made), due_date=date.fromisoformat(due),
                   amount=D(amount) if amount else None, currency="EUR", error=error)


def test_promises_on_one_record_make_one_plan_and_a_later_one_starts_a_new_plan():
    ps = [_promise("2026-02-01", "2026-02-15", "300"), _promise("2026-02-01", "2026-03-15", "700"),
          _promise("2026-05-02", "2026-05-20", "500"), _promise("2026-02-03", "2026-02-10", "50", group="res.partner 3")]
    before = {p.ref: p for p in plans(ps, date(2026, 4, 1))}
    assert [(i.due_date.isoformat(), i.amount) for i in before["promise on account.move 7"].instalments] == [
        ("2026-02-15", D("300")), ("2026-03-15", D("700"))]
    after = {p.ref: p for p in plans(ps, date(2026, 5, 5))}
    assert after["promise on account.move 7"].agreed_on == date(2026, 5, 2)  # made after the others fell due
    assert [i.amount for i in after["promise on account.move 7"].instalments] == [D("500")]
    assert len(plans(ps, date(2026, 2, 2))) == 1  # the customer's promise of 3 Feb did not exist on 2 Feb


def _books(*promises, history=(), payments=()):
    r = receivable(due="2026-02-01", amount="1000.00", payments=payments, issued="2026-01-02")
    call = action("k-call", "2026-02-03", 2, ("R1",), channel="call_task")
    return ledger([customer(email="compta@client.fr", contact="Anne Martin")], [r], [call, *history],
                  plans=plans(promises, date(2026, 12, 31)))


def _text(op) -> str:
    blocks = render(op, "Dupont SA").blocks
    return "\n".join(b for b in blocks if isinstance(b, str)).replace("\u202f", " ").replace("\xa0", " ")


def _actions(led, policy, as_of):
    return [o for o in make_plan(reconcile(led, policy, as_of), policy).operations if o.kind == "action"]


def test_a_promise_kept_pauses_escalation_and_penalties(fr):
    led = _books(_promise("2026-02-04", "2026-02-20", "1000"))
    plan = make_plan(reconcile(led, fr, date(2026, 2, 16)), fr)
    assert plan.operations == []
    assert any("payment plan kept; next instalment 1000 EUR due 2026-02-20" in s.reason for s in plan.skipped)


def test_a_missed_promise_resumes_at_the_next_level_and_the_message_recalls_it_once(fr):
    led = _books(_promise("2026-02-04", "2026-02-20", "1000"))
    [op] = _actions(led, fr, date(2026, 2, 24))
    assert (op.level, op.level_name, op.channel) == (3, "reminder", "email")  # after the call, not a jump
    assert op.notice.promise_missed.due_date == date(2026, 2, 20)
    text = _text(op)
    assert "Le 4 février 2026, un règlement de 1 000,00 € nous a été promis au plus tard pour le 20 février 2026" in text
    later = _actions(applied(led, [op]), fr, date(2026, 3, 10))  # the letter: the promise was recalled already
    assert later and later[0].level == 4 and later[0].notice.promise_missed is None


def test_a_three_instalment_plan_with_the_second_missed(fr):
    ps = [_promise("2026-02-04", "2026-02-20", "300"), _promise("2026-02-04", "2026-03-20", "300"),
          _promise("2026-02-04", "2026-04-20", "400")]
    kept = _books(*ps, payments=(("2026-02-18", "300"),))
    assert _actions(kept, fr, date(2026, 3, 18)) == []
    [op] = _actions(kept, fr, date(2026, 3, 24))
    assert op.level == 3 and op.notice.promise_missed.amount == D("300")
    rec = reconcile(kept, fr, date(2026, 3, 24))
    assert "instalment of 2026-03-20 missed (300 of 600 EUR paid)" in rec.accounts[0].plan_note


def test_a_promise_of_the_balance_is_kept_until_its_day_then_needs_everything_paid(fr):
    led = _books(_promise("2026-02-04", "2026-02-20", None))
    assert _actions(led, fr, date(2026, 2, 19)) == []
    [op] = _actions(_books(_promise("2026-02-04", "2026-02-20", None), payments=(("2026-02-19", "900"),)), fr,
                    date(2026, 2, 24))
    text = _text(op)
    assert "le règlement de ces factures nous a été promis au plus tard pour le 20 février 2026" in text


def test_a_malformed_promise_holds_what_it_covers_and_names_its_record(fr):
    led = _books(_promise("2026-02-04", "2026-02-20", None, error="summary 'next week' is not an amount"))
    plan = make_plan(reconcile(led, fr, date(2026, 3, 20)), fr)
    assert [o for o in plan.operations if o.kind == "action"] == []
    [skip] = plan.skipped
    assert "promise on account.move 7 cannot be read" in skip.reason and "'next week' is not an amount" in skip.reason


def test_a_plan_agreed_while_on_credit_hold_lifts_the_hold(fr):
    hold = HistoryEntry(key="k-hold", kind="action", date=date(2026, 3, 1), customer_id="C1", receivable_ids=("R1",),
                        level=6, channel="credit_hold")
    led = _books(_promise("2026-03-05", "2026-04-30", "1000"), history=[hold])
    ops = make_plan(reconcile(led, fr, date(2026, 3, 6)), fr).operations
    assert [(o.channel, o.of) for o in ops] == [("hold_release", "k-hold")]
    assert "payment plan" in ops[0].reason
