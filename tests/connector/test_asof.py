"""As-of means as of (issue #21, item 2): the ledger a run of an earlier day sees, and the plan it makes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connector.asof import credit_at, ledger_as_of
from connector.models import Credit, Settlement
from connector.policy import load_policy
from connector.reports import build
from connector.runner import plan_ledger
from tests.builders import customer, ledger, receivable

D = Decimal
DAY = date(2026, 3, 10)


def credit(amount: str, day: str, *applied: tuple[str, str], id: str = "K1") -> Credit:
    return Credit(customer_id="C1", amount=D(amount), currency="EUR", id=id, date=date.fromisoformat(day),
                  settlements=tuple(Settlement(date=date.fromisoformat(d), amount=D(a), kind="other") for d, a in applied))


def test_given_nothing_after_the_day_when_viewed_then_the_ledger_itself_is_used():
    led = ledger([customer()], [receivable("R1", issued="2026-01-01", due="2026-01-31", payments=(("2026-02-01", "200.00"),))],
                 credits=[credit("50.00", "2026-02-15")])
    assert ledger_as_of(led, DAY) is led


def test_given_documents_after_the_day_when_viewed_then_they_are_left_out_and_later_settlements_taken_back():
    led = ledger([customer()], [
        receivable("R1", issued="2026-01-01", due="2026-01-31", payments=(("2026-02-01", "200.00"), ("2026-03-20", "800.00"))),
        receivable("R2", issued="2026-03-11", due="2026-04-10"),  # issued the day after
    ], credits=[credit("0", "2026-02-15", ("2026-03-12", "70.00")),  # applied in full after the day
                credit("30.00", "2026-03-11", id="K2"),  # dated after the day
                credit("40.00", "2026-03-01", ("2026-03-05", "10.00"), id="K3")])  # applied in part before it
    then = ledger_as_of(led, DAY)
    (r1,) = then.receivables
    assert (r1.open_amount, [s.date for s in r1.settlements]) == (D("800.00"), [date(2026, 2, 1)])
    assert [(c.id, c.amount) for c in then.credits] == [("K1", D("70.00")), ("K3", D("40.00"))]
    assert [(c.id, c.amount) for c in led.credits] == [("K1", D(0)), ("K2", D("30.00")), ("K3", D("40.00"))]  # untouched
    assert credit_at(led.credits[2], date(2026, 3, 4)) == D("50.00") and credit_at(led.credits[2], date(2026, 2, 1)) == 0


def test_given_a_past_day_when_planned_and_reported_then_both_see_that_days_books():
    led = ledger([customer()], [
        receivable("R1", issued="2026-01-01", due="2026-01-31", payments=(("2026-03-20", "1000.00"),)),  # paid later
        receivable("R2", issued="2026-03-11", due="2026-04-10", amount="5000.00"),
    ])
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), DAY)
    (acc,) = rec.accounts
    assert [(p.receivable.id, p.receivable.open_amount, p.status.value) for p in acc.positions] == [
        ("R1", D("1000.00"), "overdue")]
    assert any(op.kind == "action" for op in plan.operations)  # R1 was 38 days late that day, unpaid
    rep = build("t", led, rec, plan, "EUR")
    assert rep.aging_totals["EUR"]["total"] == D("1000.00")
    assert [d.receivables for d in rep.dso] == [D("1000.00")] and rep.dso[0].sales_90d == D("1000.00")
