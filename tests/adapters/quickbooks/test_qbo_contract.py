"""Contract suite of the QuickBooks adapter: the same tests against the emulator (CI) and a real sandbox
company (QBO_* variables set). Data is created through the API, then read and written back by Relance."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from connector.runner import run
from connector.keys import PREFIX, parse
from connector.policy import load_policy
from tests.adapters.quickbooks.qbo_books import Books, Scoped

A = date(2026, 3, 2)  # a Monday; the shipped rate tables cover the whole scenario


def weekdays(start: date, days: int):
    return [start + timedelta(days=i) for i in range(days) if (start + timedelta(days=i)).weekday() < 5]


@pytest.fixture
def source(qbo):
    src = qbo.source()
    src.init()
    yield src
    src.close()


def test_given_a_company_when_init_runs_twice_then_the_second_creates_nothing(source):
    second = source.init()
    assert second and all(line.startswith("found") for line in second), second


def test_check_reports_connection_setup_and_builtin_late_fees(source):
    rows = {name: (ok, detail) for name, ok, detail in source.check()}
    assert rows["connect"][0] and "minor version 75" in rows["connect"][1]
    assert rows["setup objects"] == (True, "all found")
    assert "QuickBooks automatic late fees" in rows


def test_fetch_reads_open_invoices_dated_partial_payments_credits_and_customers(source):
    b = Books(source.client)
    full, noemail, partial, disputed = (b.customer("Full"), b.customer("NoEmail", email=False),
                                        b.customer("Partial"), b.customer("Disputed"))
    i1 = b.invoice(full, A - timedelta(days=60), "1000.00", due=A - timedelta(days=30))
    b.invoice(noemail, A - timedelta(days=20), "400.00", due=A - timedelta(days=2))
    i3 = b.invoice(partial, A - timedelta(days=50), "2000.00", due=A - timedelta(days=20))
    b.pay(partial, i3["Id"], "800.00", A - timedelta(days=5))
    b.credit(partial, i3["Id"], "200.00", A - timedelta(days=3))
    i4 = b.invoice(disputed, A - timedelta(days=70), "500.00", due=A - timedelta(days=40), disputed=True)
    led = Scoped(source, b.customers).fetch(A)
    recs = {r.invoice_id: r for r in led.receivables}
    assert recs[i1["Id"]].open_amount == recs[i1["Id"]].amount == Decimal("1000.00")
    r3 = recs[i3["Id"]]
    assert (r3.amount, r3.open_amount) == (Decimal("2000.00"), Decimal("1000.00"))
    assert [(s.date, s.amount, s.kind) for s in r3.settlements] == [
        (A - timedelta(days=5), Decimal("800.00"), "payment"), (A - timedelta(days=3), Decimal("200.00"), "credit_note")]
    assert recs[i4["Id"]].disputed
    assert all(isinstance(r.amount, Decimal) for r in recs.values())
    customers = {c.id: c for c in led.customers}
    assert customers[noemail].has_email is False and customers[full].has_email and customers[full].country == "FR"


def test_daily_runs_escalate_once_per_level_and_a_rerun_writes_nothing(source):
    b = Books(source.client)
    full, noemail = b.customer("Escalate"), b.customer("Escalate NoEmail", email=False)
    b.invoice(full, A - timedelta(days=60), "1000.00", due=A - timedelta(days=30))
    late = b.invoice(noemail, A - timedelta(days=80), "3000.00", due=A - timedelta(days=50))
    scoped, policy = Scoped(source, b.customers), load_policy("fr-b2b")
    written, last = [], A
    for day in weekdays(A, 40):
        result = run(scoped, policy, day, dry_run=False)
        assert result.failed == [], [f.reason for f in result.failed]
        written.extend(d.key for d in result.done)
        last = day
        for op in result.plan.operations:  # the collector approves what waits (relance review's Approve)
            if op.kind == "approval":
                source.decide(op, True)
    assert written and len(written) == len(set(written)), "an operation was written twice"
    run(scoped, policy, last, dry_run=False)  # what the last approvals let go
    again = run(scoped, policy, last, dry_run=False)
    assert again.plan.operations == [] and again.done == []

    led = scoped.fetch(last)
    actions = [h for h in led.history if h.kind == "action"]
    assert all(n == 1 for n in Counter((h.customer_id, h.level) for h in actions).values())
    assert "email" not in {h.channel for h in actions if h.customer_id == noemail}
    notes = b.notes_of(full) + b.notes_of(noemail)
    notes_by_key: dict[str, set[str]] = {}
    for n in notes:
        for h in parse(n["Note"]):
            notes_by_key.setdefault(h.key, set()).add(n["Id"])
    assert all(len(ids) == 1 for ids in notes_by_key.values()), "an operation left two notes"
    assert set(written) <= set(notes_by_key)
    penalties = [h for h in led.history if h.kind == "penalty"]
    assert {h.penalty for h in penalties} >= {"interest", "indemnity"}
    inv = source.client.read("Invoice", late["Id"])
    ours = [ln for ln in inv["Line"] if PREFIX in str(ln.get("Description") or "")]
    assert ours, "the penalty lines should be on the late invoice"
    assert len({ln["Description"] for ln in ours}) == len(ours)
    rec = next(r for r in led.receivables if r.invoice_id == late["Id"])
    assert rec.amount == Decimal("3000.00"), "penalty lines are not part of the debt interest runs on"


def _invoice_style_source(qbo, tmp_path):
    """A source whose mapping writes penalties as separate invoices (late_fees.style: invoice), set up."""
    import yaml

    from adapters.quickbooks.mapping import shipped_mapping_path

    data = yaml.safe_load(shipped_mapping_path().read_text())
    data["late_fees"]["style"] = "invoice"
    mapping = tmp_path / "qbo-invoice-style.yaml"
    mapping.write_text(yaml.safe_dump(data))
    src = qbo.source(mapping=str(mapping))
    src.init()
    return src


def test_penalties_as_a_separate_invoice_reference_the_late_invoice(qbo, tmp_path):
    src = _invoice_style_source(qbo, tmp_path)
    b = Books(src.client)
    cust = b.customer("Separate")
    late = b.invoice(cust, A - timedelta(days=70), "3000.00", due=A - timedelta(days=40))
    b.pay(cust, late["Id"], "3000.00", A - timedelta(days=2))  # paid 38 days late: final interest
    scoped = Scoped(src, b.customers)
    policy = load_policy("fr-b2b")  # charging an item paid late without a reminder is the policy's choice:
    policy = policy.with_penalties(paid_late_min_level=0)
    first = run(scoped, policy, A, dry_run=False)
    assert first.failed == [], [f.reason for f in first.failed]
    assert first.done and run(scoped, policy, A, dry_run=False).done == []
    mine = [i for i in src.client.query_all("Invoice", f"CustomerRef = '{cust}'") if PREFIX in str(i.get("PrivateNote"))]
    assert len(mine) == 1
    assert late["DocNumber"] in mine[0]["CustomerMemo"]["value"]
    # 3000 x 12.15 % x 38 / 365 (2026 H1) + 40 EUR
    expected = (Decimal("3000") * Decimal("0.1215") * 38 / 365).quantize(Decimal("0.01")) + 40
    assert Decimal(str(mine[0]["TotalAmt"])) == expected
    led = scoped.fetch(A)
    assert any(r.is_penalty for r in led.receivables)
    src.close()


def test_given_a_usd_customer_in_a_eur_company_then_charges_in_usd_or_a_skip_never_an_eur_invoice(qbo, tmp_path):
    from adapters.quickbooks.errors import QuickBooksError

    if qbo.emulator is not None:
        qbo.emulator.preferences["CurrencyPrefs"]["MultiCurrencyEnabled"] = True
    src = _invoice_style_source(qbo, tmp_path)
    prefs = src.client.preferences()["CurrencyPrefs"]
    if prefs["HomeCurrency"]["value"] != "EUR" or not prefs.get("MultiCurrencyEnabled"):
        pytest.skip("needs a company keeping its books in EUR with multicurrency on")
    b = Books(src.client)
    cust = b.customer("Dollar", currency="USD")
    with pytest.raises(QuickBooksError, match="6000"):  # QuickBooks: one currency per customer, for good
        b.invoice(cust, A - timedelta(days=70), "10.00", currency="EUR")
    b.invoice(cust, A - timedelta(days=70), "3000.00", due=A - timedelta(days=40), currency="USD")
    policy = load_policy("fr-b2b")  # charged from the due date, as L441-10 allows, to see the charge today
    policy = policy.with_penalties(from_level=0)
    result = run(Scoped(src, b.customers), policy, A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    assert any("fixed indemnity in EUR, invoice in USD" in s.reason for s in result.skipped)
    mine = [i for i in src.client.query_all("Invoice", f"CustomerRef = '{cust}'") if PREFIX in str(i.get("PrivateNote"))]
    assert mine and all(i["CurrencyRef"]["value"] == "USD" for i in mine)
    # 3000 USD x 12.15 % x 40 / 365 (2026 H1), and no EUR amount anywhere
    assert Decimal(str(mine[0]["TotalAmt"])) == (Decimal("3000") * Decimal("0.1215") * 40 / 365).quantize(Decimal("0.01"))
    src.close()
