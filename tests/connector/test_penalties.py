"""Worked examples with known answers, computed by hand from the shipped rate tables.

Each expected figure is written out as the sum of its periods: base x rate x days / 365.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connector import jurisdictions
from connector.errors import RateMissing
from connector.models import Settlement
from connector.money import round_money
from connector.interest import interest_periods, total
from connector.plan import make_plan
from connector.policy import load_policy
from connector.rates import fixing_date_before
from connector.reconcile import reconcile
from tests.builders import action, applied, customer, ledger, receivable

D = Decimal


def rule(name):
    return jurisdictions.get(name).interest


def test_given_fr_b2b_partial_payment_and_half_year_change_then_three_periods():
    # 10,000 EUR due 2025-05-31, 4,000 paid on 2025-08-15, as of 2025-09-30.
    # ECB MRO on 1 Jan 2025 = 3.15 -> 13.15 %; on 1 Jul 2025 = 2.15 -> 12.15 %.
    periods = interest_periods(D("10000"), [Settlement(date=date(2025, 8, 15), amount=D("4000"))],
                               date(2025, 5, 31), date(2025, 9, 30), rule("fr-b2b"))
    got = [(p.start, p.end, p.days, p.base, p.rate) for p in periods]
    assert got == [
        (date(2025, 5, 31), date(2025, 6, 30), 30, D("10000"), D("13.15")),
        (date(2025, 6, 30), date(2025, 8, 15), 46, D("10000"), D("12.15")),
        (date(2025, 8, 15), date(2025, 9, 30), 46, D("6000"), D("12.15")),
    ]
    expected = D("10000") * D("0.1315") * 30 / 365 + D("10000") * D("0.1215") * 46 / 365 + D("6000") * D("0.1215") * 46 / 365
    assert total(periods) == expected
    assert round_money(total(periods), "EUR") == D("353.08")


def test_given_fr_b2b_contractual_rate_below_floor_then_three_times_legal_rate():
    # 2024 H1: legal rate (professionals) 5.07 -> floor 15.21 % above a contractual 10 %.
    periods = interest_periods(D("1000"), [], date(2024, 1, 31), date(2024, 3, 1), rule("fr-b2b"),
                               contract_rate=D("10"))
    assert [p.rate for p in periods] == [D("15.21")]
    assert round_money(total(periods), "EUR") == round_money(D("1000") * D("0.1521") * 30 / 365, "EUR") == D("12.50")


def test_given_uk_delay_then_rate_fixed_at_start_for_whole_delay():
    # 5,000 GBP due 2025-03-31: Bank Rate on 31 Dec 2024 = 4.75 -> 12.75 % for the whole delay,
    # although Bank Rate moved on 6 Feb and 8 May 2025.
    periods = interest_periods(D("5000"), [], date(2025, 3, 31), date(2025, 6, 29), rule("uk-b2b"),
                               interest_start=date(2025, 3, 31))
    assert [(p.days, p.rate) for p in periods] == [(90, D("12.75"))]
    assert round_money(total(periods), "GBP") == D("157.19")
    assert jurisdictions.get("uk-b2b").indemnity.amount_for(D("5000")) == D("70")
    assert jurisdictions.get("uk-b2b").indemnity.amount_for(D("999.99")) == D("40")
    assert jurisdictions.get("uk-b2b").indemnity.amount_for(D("10000")) == D("100")


@pytest.mark.parametrize(("day", "fixing"), [
    (date(2025, 4, 1), date(2024, 12, 31)), (date(2025, 7, 1), date(2025, 6, 30)),
    (date(2025, 6, 30), date(2024, 12, 31)), (date(2026, 1, 1), date(2025, 12, 31)),
])
def test_uk_fixing_date_is_the_half_year_end_before_the_first_day(day, fixing):
    assert fixing_date_before(day) == fixing


def test_given_germany_b2b_and_consumer_then_base_rate_plus_9_or_5():
    # Basiszinssatz 2.27 % (H1 2025), 1.27 % (H2 2025).
    b2b = interest_periods(D("2000"), [], date(2025, 6, 15), date(2025, 7, 15), rule("de-b2b"))
    assert [(p.days, p.rate) for p in b2b] == [(15, D("11.27")), (15, D("10.27"))]
    assert round_money(total(b2b), "EUR") == round_money(D("2000") * (D("0.1127") + D("0.1027")) * 15 / 365, "EUR") == D("17.70")
    b2c = interest_periods(D("2000"), [], date(2025, 6, 15), date(2025, 7, 15), rule("de-b2c"))
    assert [p.rate for p in b2c] == [D("7.27"), D("6.27")]


def test_given_eu_directive_then_ecb_plus_8():
    periods = interest_periods(D("1000"), [], date(2025, 1, 31), date(2025, 3, 2), rule("eu-b2b"))
    assert [(p.days, p.rate) for p in periods] == [(30, D("11.15"))]


def test_given_day_count_conventions_then_denominators_differ():
    kw = dict(start=date(2024, 1, 31), end=date(2024, 3, 1), rule=rule("fr-b2b"))
    a365 = total(interest_periods(D("1000"), [], **kw))
    a360 = total(interest_periods(D("1000"), [], day_count="actual/360", **kw))
    aact = total(interest_periods(D("1000"), [], day_count="actual/actual", **kw))
    assert a365 == D("1000") * D("0.145") * 30 / 365
    assert a360 == D("1000") * D("0.145") * 30 / 360
    assert aact == D("1000") * D("0.145") * 30 / 366  # 2024 is a leap year


def test_given_period_after_rate_table_coverage_then_error_not_zero():
    far = date(2099, 1, 1)
    with pytest.raises(RateMissing) as exc:
        interest_periods(D("1000"), [], date(2098, 12, 1), far, rule("fr-b2b"))
    assert "ecb_mro.csv" in str(exc.value) and "table ecb_mro ends on" in str(exc.value)
    assert "relance rates update" in str(exc.value)  # says how to get the missing rate


def test_given_payment_covering_everything_then_no_further_interest():
    periods = interest_periods(D("100"), [Settlement(date=date(2025, 2, 10), amount=D("100"))],
                               date(2025, 1, 31), date(2025, 3, 31), rule("fr-b2b"))
    assert [(p.start, p.end, p.days) for p in periods] == [(date(2025, 1, 31), date(2025, 2, 10), 10)]


# --- charging through the planner -------------------------------------------------------------------

AS_OF = date(2025, 9, 30)  # a Tuesday


def _fr_overdue(level=5, on="2025-07-01", **kw):
    r = receivable(due="2025-05-31", amount="10000", payments=(("2025-08-15", "4000"),), **kw)
    hist = [action("n1", on, level, (r.id,), channel="registered_letter")]
    return ledger([customer()], [r], hist)


def test_given_formal_notice_reached_then_interest_and_indemnity_charged_once():
    fr = load_policy("fr-b2b")
    led = _fr_overdue()
    pen = [o for o in make_plan(reconcile(led, fr, AS_OF), fr).operations if o.kind == "penalty"]
    [op] = pen
    assert op.target == "invoice" and op.currency == "EUR"
    assert [(ln.kind, ln.amount) for ln in op.lines] == [("interest", D("353.08")), ("indemnity", D("40"))]
    assert op.amount == D("393.08")
    # applied: the same day plans nothing more, 29 days later still nothing (every 30 days), 30 days later only the new days
    led2 = applied(led, [op])
    assert [o for o in make_plan(reconcile(led2, fr, AS_OF), fr).operations if o.kind == "penalty"] == []
    assert [o for o in make_plan(reconcile(led2, fr, date(2025, 10, 29)), fr).operations if o.kind == "penalty"] == []
    [nxt] = [o for o in make_plan(reconcile(led2, fr, date(2025, 10, 30)), fr).operations if o.kind == "penalty"]
    [line] = nxt.lines
    assert (line.kind, line.period_start, line.period_end) == ("interest", AS_OF, date(2025, 10, 30))
    assert line.amount == round_money(D("6000") * D("0.1215") * 30 / 365, "EUR") == D("59.92")


def test_given_level_below_from_level_then_no_penalty_yet():
    fr = load_policy("fr-b2b")
    # the letter (level 4) went out two days ago: the formal notice (level 5) waits for its spacing
    ops = make_plan(reconcile(_fr_overdue(level=4, on="2025-09-28"), fr, AS_OF), fr).operations
    assert [o for o in ops if o.kind == "penalty"] == [] and [o for o in ops if o.kind == "action"] == []


def test_given_invoice_paid_late_after_its_formal_notice_then_final_interest_invoice():
    fr = load_policy("fr-b2b")
    r = receivable(due="2025-05-31", amount="10000", payments=(("2025-08-15", "4000"), ("2025-09-15", "6000")))
    notice = action("n", "2025-07-01", 5, (r.id,), channel="registered_letter")
    [op] = [o for o in make_plan(reconcile(ledger([customer()], [r], [notice]), fr, AS_OF), fr).operations
            if o.kind == "penalty"]
    interest = op.lines[0]
    assert interest.period_end == date(2025, 9, 15)
    expected = D("10000") * D("0.1315") * 30 / 365 + D("10000") * D("0.1215") * 46 / 365 + D("6000") * D("0.1215") * 31 / 365
    assert interest.amount == round_money(expected, "EUR")


def test_given_consumer_then_interest_only_from_formal_notice_and_no_indemnity():
    b2c = load_policy("fr-b2c")
    r = receivable(due="2025-05-31", amount="1000", customer="P1")
    led = ledger([customer("P1", kind="person")], [r], [action("n", "2025-07-15", 5, (r.id,), customer="P1",
                                                                channel="registered_letter")])
    [op] = [o for o in make_plan(reconcile(led, b2c, date(2025, 9, 30)), b2c).operations if o.kind == "penalty"]
    [line] = op.lines
    assert (line.kind, line.period_start) == ("interest", date(2025, 7, 15))
    # legal rate (professional creditors) 2025 H2 = 2.76 %: 1000 x 2.76 % x 77 / 365
    assert line.amount == round_money(D("1000") * D("0.0276") * 77 / 365, "EUR") == D("5.82")


def test_given_us_flat_fee_then_one_fee_per_30_days_capped():
    us = load_policy("us-flat-fee")
    r = receivable(due="2026-01-01", amount="1000", currency="USD")
    ops = make_plan(reconcile(ledger([customer()], [r]), us, date(2026, 3, 5)), us).operations
    [op] = [o for o in ops if o.kind == "penalty"]
    assert [(ln.amount, ln.period_end) for ln in op.lines] == [
        (D("40.00"), date(2026, 1, 2)), (D("40.00"), date(2026, 2, 1)), (D("40.00"), date(2026, 3, 3))]
    later = applied(ledger([customer()], [r]), [op])
    ops = make_plan(reconcile(later, us, date(2026, 6, 1)), us).operations
    assert [o for o in ops if o.kind == "penalty"] == []  # max_count 3 reached


def test_given_uk_debt_then_fixed_sum_by_size_in_gbp():
    uk = load_policy("uk-b2b")
    r = receivable(due="2025-03-31", amount="5000", currency="GBP")
    led = ledger([customer()], [r], [action("n", "2025-05-01", 5, (r.id,), channel="registered_letter")])
    [op] = [o for o in make_plan(reconcile(led, uk, date(2025, 6, 30)), uk).operations if o.kind == "penalty"]
    assert [(ln.kind, ln.amount) for ln in op.lines] == [("interest", D("158.94")), ("indemnity", D("70"))]
    assert D("158.94") == round_money(D("5000") * D("0.1275") * 91 / 365, "GBP")  # 158.938...


def test_given_missing_rate_then_one_error_per_invoice_nothing_charged_on_it_and_others_still_planned():
    fr = load_policy("fr-b2b")
    far = receivable("FAR", due="2098-11-01", issued="2098-10-01", amount="100")
    near = receivable("NEAR", due="2025-05-31", amount="10000")
    near2 = receivable("NEAR2", due="2025-06-30", amount="500", invoice="INV-NEAR")  # a second installment
    other = receivable("OTHER", due="2098-12-20", amount="300", customer="C2")
    hist = [action("n", "2098-12-01", 5, ("FAR",), channel="registered_letter"),
            action("m", "2025-07-01", 5, ("NEAR", "NEAR2"), channel="registered_letter")]
    rec = reconcile(ledger([customer(), customer("C2")], [far, near, near2, other], hist), fr, date(2099, 1, 5))
    plan = make_plan(rec, fr)
    # both interest computations reach past the table: one error per invoice (never one per installment),
    # sharing the cause a run reports as one line
    assert sorted(e.record for e in plan.errors) == ["invoice FA-FAR", "invoice FA-NEAR"]
    assert {e.cause for e in plan.errors} == {plan.errors[0].cause}
    assert "no ECB main refinancing operations rate known after" in plan.errors[0].cause
    # nothing is charged on those invoices, not even the indemnity: it would be a second penalty invoice later
    assert [o for o in plan.operations if o.kind == "penalty"] == []
    # the other customer's reminder needs no rate: still planned
    assert "C2" in {o.customer_id for o in plan.operations if o.kind == "action"}
