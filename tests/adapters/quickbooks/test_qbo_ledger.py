"""The report agrees with QuickBooks' own books to the cent (issue #21), on the emulator: an unapplied credit memo
and an unapplied payment netted, a credit memo applied after the as-of day still unapplied on it, a payment and
an invoice dated after it left out; and `Source.open_items` (`relance report --check-ledger`) says the same. The
expected totals come from a raw query of the documents over the API (Balance, RemainingCredit, UnappliedAmt)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from connector.policy import load_policy
from connector.reports import build, ledgercheck
from connector.runner import plan_ledger
from tests.adapters.quickbooks.qbo_books import Books, Scoped

D = Decimal
DAY = date(2026, 3, 2)
TODAY = DAY + timedelta(days=30)


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


def memo(b: Books, customer: str, amount: str, day: date) -> str:
    return b._create("CreditMemo", {"CustomerRef": {"value": customer}, "TxnDate": day.isoformat(), "Line": [
        {"DetailType": "SalesItemLineDetail", "Amount": D(amount), "SalesItemLineDetail": {"ItemRef": {"value": b.item}}}]})["Id"]


@pytest.fixture
def books(source):
    b = Books(source.client)
    b.a, b.b = b.customer("Ledger Credited"), b.customer("Ledger Prepaid")
    b.a1 = b.invoice(b.a, ago(40), "1000.00", due=ago(10))["Id"]
    b.memo = memo(b, b.a, "300.00", ago(20))  # left unapplied
    # a second credit memo, dated before the day and applied to A1 only after it
    b.late_memo = memo(b, b.a, "150.00", ago(15))
    b._create("Payment", {"CustomerRef": {"value": b.a}, "TotalAmt": D(0), "TxnDate": (DAY + timedelta(days=2)).isoformat(),
                          "Line": [{"Amount": D("150.00"), "LinkedTxn": [{"TxnId": b.a1, "TxnType": "Invoice"}]},
                                   {"Amount": D("150.00"), "LinkedTxn": [{"TxnId": b.late_memo, "TxnType": "CreditMemo"}]}]})
    b.b1 = b.invoice(b.b, ago(60), "500.00", due=ago(30))["Id"]
    b.on_account = b._create("Payment", {"CustomerRef": {"value": b.b}, "TotalAmt": D("200.00"),
                                         "TxnDate": ago(5).isoformat(), "Line": []})["Id"]
    b.pay(b.b, b.b1, "100.00", DAY + timedelta(days=3))  # paid after the day
    b.b4 = b.invoice(b.b, DAY + timedelta(days=5), "700.00", due=DAY + timedelta(days=35))["Id"]  # issued after it
    return b


def raw_open(source, customers: list[str]) -> dict[str, D]:
    """QuickBooks' own open amounts of the customers' documents today, by the API's queries: invoice Balance,
    less CreditMemo RemainingCredit and Payment UnappliedAmt."""
    c, out = source.client, {}
    for cid in customers:
        for inv in c.query(f"select * from Invoice where CustomerRef = '{cid}'").get("Invoice", []):
            if D(str(inv["Balance"])):
                out[inv["Id"]] = D(str(inv["Balance"]))
        for memo in c.query(f"select * from CreditMemo where CustomerRef = '{cid}'").get("CreditMemo", []):
            if D(str(memo.get("RemainingCredit") or 0)):
                out[f"CreditMemo {memo['Id']}"] = -D(str(memo["RemainingCredit"]))
        for pay in c.query(f"select * from Payment where CustomerRef = '{cid}'").get("Payment", []):
            if D(str(pay.get("UnappliedAmt") or 0)):
                out[f"Payment {pay['Id']}"] = -D(str(pay["UnappliedAmt"]))
    return out


def report_for(source, books, day: date):
    led = Scoped(source, [books.a, books.b]).fetch(day)
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), day)
    return build("t", led, rec, plan, "EUR"), rec, led


def test_given_credits_and_later_documents_when_reported_today_then_the_total_is_the_raw_open_sum(source, books):
    rep, _, _ = report_for(source, books, TODAY)
    raw = raw_open(source, [books.a, books.b])
    assert raw == {books.a1: D("850.00"), f"CreditMemo {books.memo}": D("-300.00"), books.b1: D("400.00"),
                   f"Payment {books.on_account}": D("-200.00"), books.b4: D("700.00")}
    (cur,) = rep.aging_totals
    assert rep.aging_totals[cur]["total"] == sum(raw.values()) == D("1450.00")


def test_given_the_same_books_when_replayed_as_of_the_day_then_it_shows_that_days_books(source, books):
    rep, _, _ = report_for(source, books, DAY)
    # Credited: 1,000 due 10 days ago less the memos of 300 and 150 (the latter applied on day +2): 550, all
    # in 1-30. Prepaid: 500 (the 100 paid on day +3 not yet) less 200 on account; the invoice of day +5 out.
    rows = {r.customer_id: {**{b: v for b, v in r.buckets.items() if v}, "total": r.total} for r in rep.aging}
    assert rows == {books.a: {"1-30": D("550.00"), "total": D("550.00")},
                    books.b: {"1-30": D("300.00"), "total": D("300.00")}}
    raw = raw_open(source, [books.a, books.b])
    then = {**raw, books.a1: raw[books.a1] + D("150.00"), books.b1: raw[books.b1] + D("100.00"),
            f"CreditMemo {books.late_memo}": D("-150.00")}
    del then[books.b4]
    (cur,) = rep.aging_totals
    assert rep.aging_totals[cur]["total"] == sum(then.values()) == D("850.00")
    assert [d.receivables for d in rep.dso] == [D("850.00")]


@pytest.mark.parametrize("day", [DAY, TODAY])
def test_given_the_books_when_checked_then_quickbooks_open_items_match_the_report(source, books, day):
    _, rec, led = report_for(source, books, day)
    mine = {books.a1, books.b1, books.b4, f"CreditMemo {books.memo}", f"CreditMemo {books.late_memo}",
            f"Payment {books.on_account}"}
    items = [i for i in source.open_items(day) if i.key in mine]
    check = ledgercheck.compare(rec, items, led.rejected)
    assert check.ok and check.differences == [], check.differences
