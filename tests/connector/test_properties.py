"""Properties that must hold on any ledger: applying a plan then planning again gives nothing;
interest is never negative and never decreases as the as-of date moves on without payment;
a daily run over months never writes the same key twice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector import jurisdictions
from connector.models import HistoryEntry, Settlement
from connector.interest import interest_periods, total
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from tests.builders import applied, customer, ledger, receivable

POLICIES = {name: load_policy(name) for name in ("fr-b2b", "us-flat-fee", "uk-b2b")}
BASE = date(2025, 6, 2)


@st.composite
def ledgers(draw):
    n_customers = draw(st.integers(1, 3))
    customers = [customer(f"C{i}", has_email=draw(st.booleans()), has_address=draw(st.booleans()),
                          has_phone=draw(st.booleans())) for i in range(n_customers)]
    recs = []
    for j in range(draw(st.integers(1, 6))):
        due = BASE + timedelta(days=draw(st.integers(-150, 20)))
        amount = Decimal(draw(st.integers(1, 500_000))) / 100
        pays = []
        if draw(st.booleans()):
            paid = Decimal(draw(st.integers(1, int(amount * 100)))) / 100
            pays.append((str(due + timedelta(days=draw(st.integers(-10, 60)))), str(paid)))
        pays = [(d, a) for d, a in pays if date.fromisoformat(d) <= BASE]
        recs.append(receivable(f"R{j}", due=due.isoformat(), issued=(due - timedelta(days=30)).isoformat(),
                               amount=str(amount), customer=f"C{draw(st.integers(0, n_customers - 1))}",
                               invoice=f"I{draw(st.integers(0, 3))}", payments=tuple(pays),
                               disputed=draw(st.booleans()) and draw(st.booleans()), currency="EUR"))
    history = []
    for r in recs:  # some items already went through a few levels, some days ago
        if draw(st.booleans()):
            history.append(HistoryEntry(
                key=f"{r.id:0>32}"[-32:], kind="action", date=BASE - timedelta(days=draw(st.integers(1, 40))),
                customer_id=r.customer_id, receivable_ids=(r.id,), level=draw(st.integers(1, 9)), channel="letter"))
    return ledger(customers, recs, history)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(led=ledgers(), policy=st.sampled_from(sorted(POLICIES)), shift=st.integers(0, 10))
def test_applying_a_plan_then_planning_again_gives_nothing(led, policy, shift):
    pol = POLICIES[policy]
    as_of = BASE + timedelta(days=shift)
    first = make_plan(reconcile(led, pol, as_of), pol)
    assert len({o.key for o in first.operations}) == len(first.operations)
    second = make_plan(reconcile(applied(led, first.operations), pol, as_of), pol)
    assert second.operations == []


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, 10_000_000), due_shift=st.integers(0, 400), d1=st.integers(0, 300),
       d2=st.integers(0, 300), jur=st.sampled_from(["fr-b2b", "de-b2b", "uk-b2b", "eu-b2b"]))
def test_interest_is_never_negative_and_grows_with_the_as_of_date(amount, due_shift, d1, d2, jur):
    rule = jurisdictions.get(jur).interest
    due = date(2023, 1, 1) + timedelta(days=due_shift)
    base = Decimal(amount) / 100
    early, late = sorted((d1, d2))
    a = total(interest_periods(base, [], due, due + timedelta(days=early), rule, interest_start=due))
    b = total(interest_periods(base, [], due, due + timedelta(days=late), rule, interest_start=due))
    assert Decimal(0) <= a <= b


@settings(max_examples=100, deadline=None)
@given(amount=st.integers(100, 10_000_000), pay_day=st.integers(1, 200), part=st.integers(1, 99))
def test_a_partial_payment_never_raises_the_interest(amount, pay_day, part):
    rule = jurisdictions.get("fr-b2b").interest
    due = date(2024, 3, 15)
    base = Decimal(amount) / 100
    paid = [Settlement(date=due + timedelta(days=pay_day), amount=base * part / 100)]
    with_payment = total(interest_periods(base, paid, due, date(2025, 3, 15), rule))
    without = total(interest_periods(base, [], due, date(2025, 3, 15), rule))
    assert with_payment <= without


def test_daily_runs_over_months_never_repeat_a_key_and_charge_interest_in_full():
    fr = POLICIES["fr-b2b"]
    recs = [receivable("R1", due="2025-01-31", amount="12000", invoice="I1", issued="2025-01-01"),
            receivable("R2", due="2025-02-28", amount="3000", invoice="I1", issued="2025-01-01"),
            receivable("R3", due="2025-03-15", amount="800", customer="C2", invoice="I2", issued="2025-02-01")]
    led = ledger([customer(), customer("C2", has_email=False)], recs)
    keys: list[str] = []
    day = date(2025, 1, 20)
    while day <= date(2025, 9, 30):
        plan = make_plan(reconcile(led, fr, day), fr)
        keys.extend(o.key for o in plan.operations)
        led = applied(led, plan.operations)
        day += timedelta(days=1)
    assert len(keys) == len(set(keys))
    levels = sorted({(h.customer_id, h.level) for h in led.history if h.kind == "action"})
    assert ("C1", 9) in levels and ("C2", 9) in levels  # escalated to the agency hand-off
    charged = sum((h.amount for h in led.history if h.penalty == "interest" and "R1" in h.receivable_ids), Decimal(0))
    first_charge = min(h.period_start for h in led.history if h.penalty == "interest" and "R1" in h.receivable_ids)
    last_charge = max(h.period_end for h in led.history if h.penalty == "interest" and "R1" in h.receivable_ids)
    whole = total(interest_periods(Decimal("12000"), [], first_charge, last_charge, fr.rules.interest))
    charges = sum(1 for h in led.history if h.penalty == "interest" and "R1" in h.receivable_ids)
    assert abs(charged - whole) <= Decimal("0.005") * charges
    assert sum(1 for h in led.history if h.penalty == "indemnity") == 2  # one per late invoice
