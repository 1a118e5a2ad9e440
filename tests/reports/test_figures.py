"""Every figure of the report on a ledger small enough to compute by hand (fixtures/small_ledger.yaml,
as of Tuesday 31 March 2026), matched to the cent (days and percentages to 0.01)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connector.errors import ConfigError
from connector.models import HistoryEntry
from connector.policy import load_policy
from connector.reports import Options, build, metrics
from connector.runner import plan_ledger
from tests.builders import customer, ledger, receivable
from tests.reports.smallbooks import load_ledger

D = Decimal


@pytest.fixture
def report():
    led, as_of = load_ledger()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), as_of)
    return build("t", led, rec, plan, "EUR", Options(financing_rate=D("5"), admin_cost=D("12.50")))


def test_given_the_small_ledger_when_aged_then_each_bucket_matches_the_hand_count(report):
    # Alpha: A1 current 3000; A2 24 d late, 2000 - 500 paid = 1500; A3 55 d 1000; A4 76 d 600.
    # Beta: B1 due today (current) 1500; B2 paid; B3 151 d 2500; B4 101 d 800. Gamma (USD): C1 28 d 1200.
    rows = {(r.customer_id, r.currency): r.buckets for r in report.aging}
    assert rows[("A", "EUR")] == {"current": D("3000.00"), "1-30": D("1500.00"), "31-60": D("1000.00"),
                                  "61-90": D("600.00"), "91-120": D("0.00"), ">120": D("0.00")}
    assert rows[("B", "EUR")] == {"current": D("1500.00"), "1-30": D("0.00"), "31-60": D("0.00"),
                                  "61-90": D("0.00"), "91-120": D("800.00"), ">120": D("2500.00")}
    assert report.aging_totals == {
        "EUR": {"current": D("4500.00"), "1-30": D("1500.00"), "31-60": D("1000.00"), "61-90": D("600.00"),
                "91-120": D("800.00"), ">120": D("2500.00"), "total": D("10900.00")},
        "USD": {"current": D("0.00"), "1-30": D("1200.00"), "31-60": D("0.00"), "61-90": D("0.00"),
                "91-120": D("0.00"), ">120": D("0.00"), "total": D("1200.00")},
    }


def test_given_the_small_ledger_when_dso_then_count_back_and_simple_match(report):
    eur, usd = report.dso
    # EUR receivables 10,900. Count-back: March sales 4,500 (A1, B1) -> 6,400 left, 31 d; February 2,000
    # (A2) -> 4,400, 59 d; January 1,000 (A3) -> 3,400, 90 d; December 4,600 (B2, A4) covers it:
    # 90 + 31 × 3,400 / 4,600 = 112.913.
    assert (eur.currency, eur.receivables, eur.count_back, eur.count_back_capped) == ("EUR", D("10900.00"), D("112.91"), False)
    # Simple: sales of 1 January to 31 March = 7,500; 10,900 / 7,500 × 90 = 130.80.
    assert (eur.sales_90d, eur.simple) == (D("7500.00"), D("130.80"))
    # USD 1,200: no March sales (31 d), February's 1,200 covers it all (28 d) = 59; simple 1,200 / 1,200 × 90.
    assert (usd.count_back, usd.simple) == (D("59.00"), D("90.00"))


def test_given_the_small_ledger_when_cei_over_the_quarter_then_it_matches(report):
    eur, usd = report.cei
    # Owed on 31 Dec: A4 600 + B2 4,000 + B3 2,500 + B4 800 = 7,900; sales 7,500; owed on 31 Mar 10,900,
    # of which not yet due 4,500 (A1, B1). (7,900 + 7,500 - 10,900) / (7,900 + 7,500 - 4,500) = 41.28 %.
    assert report.period == (metrics.default_period(report.as_of)) == (report.as_of.replace(month=1, day=1), report.as_of)
    assert (eur.beginning, eur.sales, eur.ending_total, eur.ending_current, eur.cei) == (
        D("7900.00"), D("7500.00"), D("10900.00"), D("4500.00"), D("41.28"))
    # USD: 500 (C2, paid 10 Jan) + 1,200 - 1,200 over 500 + 1,200 - 0 = 29.41 %.
    assert (usd.beginning, usd.sales, usd.ending_total, usd.ending_current, usd.cei) == (
        D("500.00"), D("1200.00"), D("1200.00"), D("0"), D("29.41"))


def test_given_a_chosen_period_when_cei_then_it_uses_it():
    led, as_of = load_ledger()
    eur = metrics.cei(led.receivables, "EUR", date(2026, 1, 1), date(2026, 1, 31))
    # Owed 31 Dec 7,900; January sales A3 1,000; owed 31 Jan: 7,900 - 4,000 (B2 paid 20 Jan) + 1,000 = 4,900,
    # not yet due on 31 Jan: A3 (due 4 Feb) 1,000. (7,900 + 1,000 - 4,900) / (7,900 + 1,000 - 1,000) = 50.63 %.
    assert (eur.ending_total, eur.ending_current, eur.cei) == (D("4900.00"), D("1000.00"), D("50.63"))


def test_given_settled_items_when_days_late_then_per_customer_over_12_months(report):
    assert [(d.customer_id, d.items, d.average, d.worst) for d in report.days_late] == [
        ("B", 1, D("20.00"), 20),  # B2 due 31 Dec, paid 20 Jan
        ("C", 1, D("0.00"), 0),  # C2 paid before its due date
    ]


def test_given_reminders_when_measured_then_share_paid_within_30_days_of_the_first(report):
    # First contact reminders while overdue: B3 call 10 Nov (2,500, nothing paid), B2 email 5 Jan (4,000,
    # paid 20 Jan), A3 letter 10 Feb (1,000, nothing paid). A2's of 10 Mar is too recent (window open);
    # the note is not a contact and B2's second email is not its first.
    (eur,) = report.reminders
    assert (eur.items, eur.reminded, eur.paid_30d, eur.share) == (3, D("7500.00"), D("4000.00"), D("53.33"))


def test_given_a_rate_when_costed_then_financing_to_date_and_per_year(report):
    eur, usd = report.cost.financing
    # EUR open × days late: 1,500×24 + 1,000×55 + 600×76 + 800×101 + 2,500×151 = 594,900; × 5 % / 365.
    assert (eur.overdue, eur.to_date, eur.per_year) == (D("6400.00"), D("81.49"), D("320.00"))
    # USD 1,200 × 28 × 5 % / 365 = 4.60.
    assert (usd.overdue, usd.to_date, usd.per_year) == (D("1200.00"), D("4.60"), D("60.00"))


def test_given_an_admin_cost_when_costed_then_each_contact_counts_once(report):
    r = report.cost.reminders
    # Five contact actions in 12 months (the note is not one), plus what the plan writes today.
    assert (r.sent_12m, r.by_channel) == (5, {"call_task": 1, "email": 3, "letter": 1})
    assert r.cost_12m == D("62.50")
    assert r.cost_today == D("12.50") * r.planned_today


def test_given_penalty_lines_and_invoices_when_costed_then_charged_versus_collected():

    from connector.reports.cost import penalties

    items = [receivable("P1", due="2026-02-28", issued="2026-02-01", amount="140.00", payments=(("2026-03-15", "100.00"),),
                        is_penalty=True),
             receivable("P0", due="2025-01-31", issued="2025-01-01", amount="40.00", is_penalty=True),
             receivable("R1", due="2026-01-31", amount="5000.00")]
    hist = [HistoryEntry(key="p1", kind="penalty", date=date(2026, 2, 1), customer_id="C1", penalty="interest",
                         amount=D("100.00"), currency="EUR"),
            HistoryEntry(key="p1", kind="penalty", date=date(2026, 2, 1), customer_id="C1", penalty="indemnity",
                         amount=D("40.00"), currency="EUR"),
            HistoryEntry(key="p0", kind="penalty", date=date(2025, 1, 1), customer_id="C1", penalty="indemnity",
                         amount=D("40.00"), currency="EUR")]  # more than 12 months ago
    (eur,) = penalties(items, hist, date(2026, 3, 31))
    assert (eur.charged, eur.draft, eur.invoiced, eur.collected, eur.outstanding) == (
        D("140.00"), D("0.00"), D("140.00"), D("100.00"), D("80.00"))


def test_given_penalties_on_a_draft_invoice_when_costed_then_charged_splits_into_draft_and_posted():
    from connector.reports import tables
    from connector.reports.cost import Cost, penalties

    # P1 (140.00) was posted; the 9,423.18 charged on 15 March sit on a draft invoice: no receivable yet
    items = [receivable("P1", due="2026-02-28", issued="2026-02-01", amount="140.00", is_penalty=True)]
    hist = [HistoryEntry(key="p1", kind="penalty", date=date(2026, 2, 1), customer_id="C1", penalty="interest",
                         amount=D("140.00"), currency="EUR"),
            HistoryEntry(key="p2", kind="penalty", date=date(2026, 3, 15), customer_id="C1", penalty="interest",
                         amount=D("9423.18"), currency="EUR")]
    (eur,) = penalties(items, hist, date(2026, 3, 31))
    assert (eur.charged, eur.draft, eur.invoiced) == (D("9563.18"), D("9423.18"), D("140.00"))
    led, as_of = load_ledger()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), as_of)
    rep = build("t", led, rec, plan, "EUR")
    rep.cost = Cost(penalties=[eur])
    head, _, row = tables.cost_lines(rep)[2:5]
    assert head.split()[:9] == ["cur", "penalties", "charged", "(12", "m)", "in", "draft", "invoices", "posted"]
    assert row.split() == ["EUR", "9,563.18", "9,423.18", "140.00", "0.00", "140.00"]


def test_given_no_rate_when_costed_then_no_financing_is_made_up():
    led, as_of = load_ledger()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), as_of)
    rep = build("t", led, rec, plan, "EUR")
    assert rep.cost.financing == [] and rep.cost.reminders.cost_12m is None


def test_given_more_receivables_than_two_years_of_sales_when_count_back_then_capped():
    led = ledger([customer("C1")], [receivable("R1", issued="2020-01-15", due="2020-02-14", amount="900.00")])
    d = metrics.dso(led.receivables, "EUR", date(2026, 3, 31))
    assert d.count_back_capped and d.simple is None


def test_given_the_same_rule_when_days_late_then_it_agrees_with_the_segment_rule(report):
    led, as_of = load_ledger()
    rec, _ = plan_ledger(led, load_policy("fr-b2b"), as_of)
    seg = {a.customer.id: a.avg_days_late_12m for a in rec.accounts if a.avg_days_late_12m is not None}
    assert {d.customer_id: d.average.quantize(D("0.1")) for d in report.days_late} == seg


def test_given_a_period_after_the_as_of_day_when_built_then_a_usage_error():

    led, as_of = load_ledger()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), as_of)
    with pytest.raises(ConfigError, match="--period-end 2026-04-30 is after the as-of day"):
        build("t", led, rec, plan, "EUR", Options(period_end=date(2026, 4, 30)))
