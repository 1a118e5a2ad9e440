"""The fixed indemnity in the invoice's currency: converted at the books' rate of the day it became due, or not
charged, never a second currency on one invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connector.exchange import Exchange
from connector.models import ExchangeRate
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from tests.builders import action, customer, ledger, receivable

D = Decimal
AS_OF = date(2025, 9, 30)


def rate(base, currency, day, value):
    return ExchangeRate(base=base, currency=currency, date=date.fromisoformat(day), rate=D(value))


def test_given_rates_then_the_latest_on_or_before_the_day_direct_inverted_or_crossed():
    ex = Exchange([rate("EUR", "USD", "2025-01-01", "1.10"), rate("EUR", "USD", "2025-06-01", "1.08"),
                   rate("EUR", "GBP", "2025-01-01", "0.85")])
    assert ex.rate("EUR", "USD", date(2025, 5, 31)) == D("1.10")
    assert ex.rate("EUR", "USD", date(2025, 6, 1)) == D("1.08")
    assert ex.rate("EUR", "USD", date(2024, 12, 31)) is None  # no rate yet: never the next one
    assert ex.convert(D(40), "USD", "EUR", date(2025, 7, 1)) == D("37.04")  # 40 / 1.08
    assert ex.convert(D(70), "GBP", "USD", date(2025, 7, 1)) == D("88.94")  # 70 / 0.85 x 1.08, through EUR
    assert ex.rate("EUR", "EUR", date(2020, 1, 1)) == 1 and ex.rate("EUR", "JPY", date(2025, 7, 1)) is None


def _late_usd_invoice(rates=()):
    r = receivable("R1", due="2025-05-31", amount="1000", currency="USD")
    notice = action("n", "2025-07-15", 5, (r.id,), channel="registered_letter")
    return ledger([customer()], [r], [notice], exchange_rates=list(rates))


def penalties(policy, led):
    plan = make_plan(reconcile(led, policy, AS_OF), policy)
    return [o for o in plan.operations if o.kind == "penalty"], plan.skipped


def test_given_a_usd_invoice_under_french_law_then_the_40_eur_come_in_usd_at_the_rate_of_the_day_after_due():
    fr = load_policy("fr-b2b")
    [op], _ = penalties(fr, _late_usd_invoice([rate("EUR", "USD", "2025-05-30", "1.1350"),
                                               rate("EUR", "USD", "2025-06-02", "1.20")]))
    assert op.currency == "USD" and {ln.currency for ln in op.lines} == {"USD"}
    [indemnity] = [ln for ln in op.lines if ln.kind == "indemnity"]
    assert indemnity.amount == D("45.40")  # 40 x 1.1350, the rate in force on 2025-06-01
    assert "40 EUR at 1.135 on 2025-06-01" in indemnity.description


def test_given_no_rate_then_the_indemnity_is_skipped_with_the_reason_and_interest_stays_in_usd():
    fr = load_policy("fr-b2b")
    [op], skipped = penalties(fr, _late_usd_invoice())
    assert [ln.kind for ln in op.lines] == ["interest"] and op.currency == "USD"
    assert any("no EUR/USD rate in the books on or before 2025-06-01, not charged" in s.reason for s in skipped)


def test_given_uk_tiers_and_a_eur_invoice_then_the_tier_is_chosen_on_the_debt_in_gbp():
    uk = load_policy("uk-b2b")
    r = receivable("R1", due="2025-05-31", amount="1100", currency="EUR")  # 1100 EUR = 957.39 GBP: under 1,000
    led = ledger([customer(country="GB")], [r], [action("n", "2025-07-15", 5, (r.id,), channel="registered_letter")],
                 exchange_rates=[rate("GBP", "EUR", "2025-01-01", "1.1490")])
    [op], _ = penalties(uk, led)
    [indemnity] = [ln for ln in op.lines if ln.kind == "indemnity"]
    assert indemnity.amount == D("45.96")  # the 40 GBP tier, x 1.1490
