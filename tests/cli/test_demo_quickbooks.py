"""`relance demo --system quickbooks`: the Odoo demo's story loaded into the QuickBooks emulator, planned, run
and planned again; what the run wrote is read back from the emulated company (notes with markers, invoice
emails, penalty invoices), and late-fee lines appear on open invoices once customers reach the formal notice."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from adapters.demo.ledger import demo_records
from adapters.quickbooks.client import Pacer
from adapters.demo.quickbooks import load_demo
from adapters.quickbooks.emulator import QuickBooksEmulator
from adapters.quickbooks.mapping import load_mapping
from adapters.quickbooks.read import MARKER, is_relance_line
from adapters.quickbooks.source import QuickBooksSource
from connector.keys import parse, search_token
from connector.policy import load_policy
from connector.runner import run
from tests.cli.cliutil import charging_history_policy

AS_OF = date(2026, 3, 10)  # a Tuesday inside the shipped rate tables


@pytest.fixture
def kept(monkeypatch):
    """The emulators the demo starts, kept running after it returns so the test can look inside."""
    made: list[QuickBooksEmulator] = []
    real_start, real_stop = QuickBooksEmulator.start, QuickBooksEmulator.stop

    def start(self):
        made.append(self)
        return real_start(self)

    monkeypatch.setattr(QuickBooksEmulator, "start", start)
    monkeypatch.setattr(QuickBooksEmulator, "stop", lambda self: None)
    yield made
    for emu in made:
        real_stop(emu)


def source_on(emu: QuickBooksEmulator) -> QuickBooksSource:
    return QuickBooksSource.with_token(emu.realm_id, emu.issue_tokens()["access_token"], base_url=emu.url,
                                      pacer=Pacer(per_minute=1_000_000, batch_per_minute=1_000_000))


def notes(emu: QuickBooksEmulator) -> list[dict]:
    return [a for a in emu.objects("Attachable") if MARKER in str(a.get("Note") or "")]


def test_given_the_demo_on_quickbooks_then_it_writes_notes_emails_and_penalties_and_a_second_plan_is_empty(
        relance, kept, tmp_path):
    got = relance("demo", "--system", "quickbooks", "--as-of", AS_OF.isoformat())

    assert got.code == 0, got.out + got.err
    assert "QuickBooks Online emulator" in got.out and "policy fr-b2b" in got.out
    wrote = re.search(r"wrote (\d+) of (\d+) operation\(s\) \(([^)]*)\); \d+ skipped, 0 failed", got.out)
    assert wrote and wrote[1] == wrote[2], got.out
    kinds = {kind.split()[0] for kind in wrote[3].split(", ")}
    assert {"email", "call_task"} <= kinds and "penalty" not in kinds  # a first run charges no history
    [emu] = kept
    invoices = {i["Id"]: i for i in emu.objects("Invoice")}
    customers = {c["Id"]: c for c in emu.objects("Customer")}

    # every written operation left one note carrying its key, linked to its customer and invoices
    written = notes(emu)
    keys = {h.key for a in written for h in parse(a["Note"])}
    assert len(written) == len(keys) == int(wrote[1]) > 0
    for a in written:
        refs = {(r["EntityRef"]["type"], r["EntityRef"]["value"]) for r in a["AttachableRef"]}
        assert {t for t, _ in refs} == {"Customer", "Invoice"}
        assert {v for t, v in refs if t == "Customer"} <= set(customers)
        assert {v for t, v in refs if t == "Invoice"} <= set(invoices)

    # reminders were emailed by QuickBooks to the customer's billing address
    assert emu.store.sent
    for invoice_id, to in emu.store.sent:
        customer = customers[invoices[invoice_id]["CustomerRef"]["value"]]
        assert to == customer["PrimaryEmailAddr"]["Address"]
        assert invoices[invoice_id]["EmailStatus"] == "EmailSent"

    # charges, by a policy that charges the history (items paid late without a reminder): each is on an invoice
    # paid late, so a penalty invoice naming the late one, with the Relance items and the operation's token
    history = load_policy(charging_history_policy(tmp_path))
    source = source_on(emu)
    try:
        charged = run(source, history, AS_OF, dry_run=False)
    finally:
        source.close()
    assert charged.done and not charged.failed
    invoices = {i["Id"]: i for i in emu.objects("Invoice")}
    items = {i["Id"]: i["Name"] for i in emu.objects("Item")}
    ours = {load_mapping().late_fees.item(k).name for k in ("interest", "indemnity", "fee")}
    penalty = [i for i in invoices.values() if MARKER[1:] in str(i.get("PrivateNote") or "")]
    assert penalty
    by_number = {i["DocNumber"]: i for i in invoices.values()}
    for inv in penalty:
        late = by_number[inv["CustomerMemo"]["value"].removeprefix("Late-payment charges on invoice ")]
        assert late["CustomerRef"] == inv["CustomerRef"] and late["Balance"] == 0
        lines = [ln for ln in inv["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
        assert lines and {items[ln["SalesItemLineDetail"]["ItemRef"]["value"]] for ln in lines} <= ours
        assert inv["TotalAmt"] == sum(ln["Amount"] for ln in lines) > 0
        assert inv["TxnDate"] == AS_OF.isoformat()

    # disputed invoices (the mapping's custom field) got nothing
    disputed = {i["Id"] for i in invoices.values() if i.get("CustomField")}
    assert len(disputed) == 7
    assert not any(r["EntityRef"]["value"] in disputed for a in written for r in a["AttachableRef"])

    # a second plan, by a new source reading the company afresh, finds everything written
    source = source_on(emu)
    try:
        again = run(source, load_policy("fr-b2b"), AS_OF, dry_run=True)
        again_history = run(source, history, AS_OF, dry_run=True)
    finally:
        source.close()
    assert again.plan.operations == [] == again_history.plan.operations and not again.failed
    assert "0 operation(s) left to write" in got.out


def test_given_the_demo_ledger_then_quickbooks_holds_the_same_open_amounts_and_dated_payments_as_odoo():
    emu = QuickBooksEmulator(home_currency="EUR")
    emu.start()
    try:
        counts = load_demo(emu, AS_OF)
        rows = demo_records(AS_OF)
        currency = {c["id"]: c["name"] for c in rows["res.currency"]}
        receivable = {a["id"] for a in rows["account.account"] if a["account_type"] == "asset_receivable"}
        odoo_open: dict[str, Decimal] = defaultdict(Decimal)
        debit_lines = 0
        for ln in rows["account.move.line"]:
            if ln["account_id"] in receivable and ln["debit"] > 0:
                debit_lines += 1
                odoo_open[currency[ln["currency_id"]]] += Decimal(f"{ln['amount_residual_currency']:.2f}")
        qbo_open: dict[str, Decimal] = defaultdict(Decimal)
        invoices = emu.objects("Invoice")
        for inv in invoices:
            qbo_open[inv["CurrencyRef"]["value"]] += inv["Balance"]
        assert counts["invoices"] == len(invoices) == debit_lines  # one invoice per installment
        assert dict(qbo_open) == dict(odoo_open)

        # installments: two invoices of one sale, due 30 and 60 days after it, each with its own term
        parts = defaultdict(list)
        for inv in invoices:
            if re.search(r"-\d$", inv["DocNumber"]):
                parts[inv["DocNumber"][:-2]].append(inv)
        assert len(parts) == 12
        terms = {t["Id"]: t for t in emu.objects("Term")}
        for pair in parts.values():
            first, second = sorted(pair, key=lambda i: i["DocNumber"])
            issued = date.fromisoformat(first["TxnDate"])
            assert second["TxnDate"] == first["TxnDate"]
            assert (date.fromisoformat(first["DueDate"]), date.fromisoformat(second["DueDate"])) == \
                (issued + timedelta(days=30), issued + timedelta(days=60))
            assert [terms[i["SalesTermRef"]["value"]]["DueDays"] for i in (first, second)] == [30, 60]

        # a customer has one currency: the export customers billed in both have a second profile
        by_name = {c["DisplayName"]: c for c in emu.objects("Customer")}
        assert by_name["Northwind Trading Ltd"]["CurrencyRef"]["value"] == "USD"
        assert by_name["Northwind Trading Ltd (EUR)"]["CurrencyRef"]["value"] == "EUR"
        for inv in invoices:
            customer = next(c for c in by_name.values() if c["Id"] == inv["CustomerRef"]["value"])
            assert customer["CurrencyRef"] == inv["CurrencyRef"]

        # the reader takes all of it, and dates partial payments as Odoo's reconciliations do
        source = source_on(emu)
        try:
            ledger = source.fetch(AS_OF)
        finally:
            source.close()
        assert ledger.rejected == []
        settled = sorted((s.date, s.amount) for r in ledger.receivables for s in r.settlements)
        odoo = sorted((date.fromisoformat(p["max_date"]), Decimal(f"{p['debit_amount_currency']:.2f}"))
                      for p in rows["account.partial.reconcile"])
        assert settled == odoo
        assert sum(r.disputed for r in ledger.receivables) == 7
        assert any(c.excluded for c in ledger.customers) and any(not c.has_email for c in ledger.customers)
    finally:
        emu.stop()


def test_given_weekly_runs_on_the_demo_ledger_then_formal_notices_put_late_fee_lines_on_open_invoices():
    """A customer reaches the formal notice (fr-b2b level 5, when charges start) one level per run; the
    followed-up customers are narrowed to those with an invoice 31-60 days late so the runs stay short."""
    emu = QuickBooksEmulator(home_currency="EUR")
    emu.start()
    source = source_on(emu)
    try:
        load_demo(emu, AS_OF)
        late = {i["CustomerRef"]["value"] for i in emu.objects("Invoice")
                if i["Balance"] > 0 and not i.get("CustomField") and i["CurrencyRef"]["value"] == "EUR"
                and 31 <= (AS_OF - date.fromisoformat(i["DueDate"])).days <= 60}
        for c in emu.objects("Customer"):
            if c["Id"] not in late:
                emu.store.update("Customer", {"Id": c["Id"], "SyncToken": c["SyncToken"], "sparse": True,
                                              "Notes": "#no-followup"})
        source.init()
        policy = load_policy("fr-b2b")
        with_lines: list[dict] = []
        day = AS_OF
        for _ in range(6):
            result = run(source, policy, day, dry_run=False)
            assert not result.failed, result.failed
            for op in result.plan.operations:  # the formal notice waits for approval: given, as in relance review
                if op.kind == "approval":
                    source.decide(op, True)
            if any(op.kind == "approval" for op in result.plan.operations):
                result = run(source, policy, day, dry_run=False)
                assert not result.failed, result.failed
            with_lines = [i for i in emu.objects("Invoice") if any(is_relance_line(ln) for ln in i["Line"])
                          and MARKER[1:] not in str(i.get("PrivateNote") or "")]  # not a penalty invoice
            if with_lines:
                break
            day += timedelta(days=7)
        assert with_lines, "no formal notice reached in six weekly runs"
        tokens = {search_token(h.key): h for a in notes(emu) for h in parse(a["Note"]) if h.kind == "penalty"}
        for inv in with_lines:
            ours = [ln for ln in inv["Line"] if is_relance_line(ln)]
            for ln in ours:
                token = next(t for t in tokens if t in ln["Description"])
                assert str(inv["Id"]) in tokens[token].receivable_ids
            goods = sum(ln["Amount"] for ln in inv["Line"] if ln["DetailType"] == "SalesItemLineDetail"
                        and not is_relance_line(ln))
            assert inv["TotalAmt"] == goods + sum(ln["Amount"] for ln in ours)
            assert inv["Balance"] > sum(ln["Amount"] for ln in ours)  # still open, charges on top
        assert run(source, policy, day, dry_run=True).plan.operations == []
    finally:
        source.close()
        emu.stop()
