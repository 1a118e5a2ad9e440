"""Today's worklist: near-limitation items first, then by open amount × P(stays unpaid), where P comes
from the customer's own history shrunk towards the ledger's (the estimator of worklist.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from connector.policy import load_policy
from connector.reports import worklist as wl
from connector.runner import plan_ledger
from tests.builders import customer, ledger, receivable

AS_OF = date(2026, 3, 31)
D = Decimal


def books():
    return ledger(
        [customer("X", name="Xenon"), customer("Y", name="Yttrium"), customer("Z", name="Zinc"),
         customer("W", name="Wolfram"), customer("V", name="Vanadium", excluded=True)],
        [
            # Xenon paid its two past late items within 30 days of being late: a good payer.
            receivable("X0a", customer="X", issued="2025-09-01", due="2025-10-01", payments=(("2025-10-20", "1000.00"),)),
            receivable("X0b", customer="X", issued="2025-09-01", due="2025-10-01", payments=(("2025-10-20", "1000.00"),)),
            receivable("X1", customer="X", issued="2026-02-19", due="2026-03-21", amount="1000.00"),
            # Yttrium let both run 75 days.
            receivable("Y0a", customer="Y", issued="2025-09-01", due="2025-10-01", payments=(("2025-12-15", "1000.00"),)),
            receivable("Y0b", customer="Y", issued="2025-09-01", due="2025-10-01", payments=(("2025-12-15", "1000.00"),)),
            receivable("Y1", customer="Y", issued="2026-02-19", due="2026-03-21", amount="1000.00"),
            # Zinc: a small item whose 5-year limitation ends on 1 May 2026, within the 120-day warning.
            receivable("Z1", customer="Z", issued="2021-04-01", due="2021-05-01", amount="100.00"),
            # Disputed: listed after the others until due for review; excluded: never on the worklist.
            receivable("W1", customer="W", issued="2026-01-01", due="2026-01-31", amount="9000.00", disputed=True),
            receivable("V1", customer="V", issued="2026-01-01", due="2026-01-31", amount="9000.00"),
        ])


def test_given_histories_when_estimated_then_the_shrunk_share_of_items_that_stayed_unpaid():
    led = books()
    per, overall = wl.odds_table(led, AS_OF)
    # Unpaid 1 day after their due date and with their next 30 days over: X0a, X0b (paid), Y0a, Y0b (not
    # paid 31 days late), Z1 (still open); V1 and W1 were due 31 Jan and are open: also counted. X1/Y1 too recent.
    assert overall[1] == wl.Odds(seen=7, unpaid=5)
    assert per[("X", 1)] == wl.Odds(2, 0) and per[("Y", 1)] == wl.Odds(2, 2)
    p0 = D(6) / D(9)  # (5 + 1) / (7 + 2)
    q = D("0.000001")
    assert wl.p_unpaid(wl.Odds(2, 0), overall[1]).quantize(q) == ((0 + 2 * p0) / 4).quantize(q)
    assert wl.p_unpaid(wl.Odds(0, 0), overall[1]).quantize(q) == p0.quantize(q)


def test_given_three_customers_when_ranked_then_limitation_first_then_expected_value():
    led = books()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), AS_OF)
    items = wl.worklist(led, rec, plan, "EUR")
    assert [(w.rank, w.customer_id) for w in items] == [(1, "Z"), (2, "Y"), (3, "X"), (4, "W")]
    z, y, x, w = items
    assert (w.action, w.channel, w.reason, w.expected) == ("disputed (no date recorded)", "call_task",
                                                           "no reason recorded", 0)
    assert z.near_limitation == date(2026, 5, 1)
    # Z1 is the only item >120 days late anywhere: itself left out, Zinc has no history of its own, and the
    # ledger's rate at 121 days is Z1's own 1 of 1: p0 = (1 + 1) / (1 + 2) = 2/3.
    assert (z.p_unpaid, z.expected, z.history) == (D("0.667"), D("66.67"), "no history: ledger-wide rate")
    # p0 at 1 day = 6/9; Yttrium (2 + 2 × 6/9) / 4 = 0.8333; Xenon (0 + 2 × 6/9) / 4 = 0.3333.
    assert (y.expected, y.p_unpaid, y.history) == (D("833.33"), D("0.833"), "2 of 2 stayed unpaid")
    assert (x.expected, x.p_unpaid, x.history) == (D("333.33"), D("0.333"), "0 of 2 stayed unpaid")
    assert all(w.action and w.channel and w.reason for w in items)


def test_given_a_planned_action_when_listed_then_it_is_the_next_action_with_its_reason():
    led = books()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), AS_OF)
    ops = {op.customer_id: op for op in plan.operations if op.kind == "action"}
    for w in wl.worklist(led, rec, plan, "EUR"):
        if w.customer_id in ops:
            op = ops[w.customer_id]
            assert (w.action, w.channel, w.reason) == (f"today: level {op.level} {op.level_name}", op.channel, op.reason)


def test_given_two_currencies_when_ranked_then_the_policy_currency_comes_first_and_none_is_added():
    led = books()
    led.receivables.append(receivable("X2", customer="X", issued="2026-02-19", due="2026-03-21", amount="99999.00",
                                      currency="USD"))
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), AS_OF)
    items = wl.worklist(led, rec, plan, "EUR")
    assert [(w.customer_id, w.currency) for w in items] == [("Z", "EUR"), ("Y", "EUR"), ("X", "EUR"), ("W", "EUR"),
                                                            ("X", "USD")]
    assert items[2].open_amount == D("1000.00") and items[4].open_amount == D("99999.00")


def test_a_dispute_comes_back_for_review_once_older_than_the_policy_days_with_its_reason():
    led = books()
    fresh = receivable("W2", customer="W", issued="2026-02-01", due="2026-02-20", amount="500.00", disputed=True,
                       dispute_reason="livraison incomplète", disputed_on=AS_OF - timedelta(days=10))
    old = receivable("U1", customer="U", issued="2026-01-01", due="2026-01-20", amount="800.00", disputed=True,
                     dispute_reason="prix contesté", disputed_on=AS_OF - timedelta(days=45))
    led.receivables = [r for r in led.receivables if r.id != "W1"] + [fresh, old]
    led.customers.append(customer("U", name="Uranium"))
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), AS_OF)
    assert plan.dispute_review_days == 30
    items = {w.customer_id: w for w in wl.worklist(led, rec, plan, "EUR")}
    assert items["U"].action == f"review dispute: 45 days old (since {AS_OF - timedelta(days=45)})"
    assert items["U"].reason == "prix contesté" and items["U"].expected > 0  # ranked with the others
    assert items["W"].action == f"disputed since {AS_OF - timedelta(days=10)}: review on {AS_OF + timedelta(days=20)}"
    assert items["W"].reason == "livraison incomplète" and items["W"].expected == 0
    skips = [s.reason for s in plan.skipped if s.customer_id == "U"]
    assert skips == [f"held: disputed: prix contesté (since {AS_OF - timedelta(days=45)})"]
