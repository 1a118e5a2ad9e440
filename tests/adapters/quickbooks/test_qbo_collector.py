"""The collector's workflow as recorded in QuickBooks, on the emulator (CI) and on a sandbox company (QBO_* set):
a promise written in a note on the invoice pauses the run and a missed one resumes it with the message that says
so; a plan of three promises in a note on the customer, the second missed; a promise that cannot be read; a
dispute's reason from the custom field. Notes are dated by QuickBooks (their creation): runs as of today on."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from adapters.quickbooks.client import request_id
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from connector.runner import run
from tests.adapters.quickbooks.qbo_books import Books, Scoped

TODAY = date.today()


def _weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


@pytest.fixture
def src(qbo):
    source = qbo.source()
    source.client.backoff = 0.01
    source.init()
    yield source
    source.close()


def note(b: Books, text: str, **refs: str) -> dict:
    """A note as a QuickBooks user attaches one to the invoice or the customer."""
    links = [{"EntityRef": {"type": kind, "value": value}} for kind, value in refs.items()]
    return b.c.create("Attachable", {"Note": text, "AttachableRef": links}, requestid=request_id("note", text, *refs.values()))


def _plan(src, b: Books, as_of: date):
    policy = load_policy("fr-b2b")
    led = Scoped(src, b.customers).fetch(as_of)
    return make_plan(reconcile(led, policy, as_of), policy)


def _actions(plan):
    return [o for o in plan.operations if o.kind == "action"]


def test_a_promise_in_a_note_pauses_the_run_and_a_missed_one_resumes_it_saying_so(src):
    b = Books(src.client)
    cid = b.customer("Promesse Garnier")
    inv = b.invoice(cid, TODAY - timedelta(days=42), "1000.00", due=TODAY - timedelta(days=12))
    first = run(Scoped(src, b.customers), load_policy("fr-b2b"), TODAY, dry_run=False)
    assert first.failed == [] and [o.level for o in _actions(first.plan)] == [2]  # the call, as a note
    note(b, f"Customer called.\nPromise to pay: 1,000.00 by {TODAY + timedelta(days=5)}", Invoice=inv["Id"])
    kept = _plan(src, b, _weekday(TODAY + timedelta(days=4)))
    assert _actions(kept) == [] and any("payment plan kept; next instalment 1000.00" in s.reason for s in kept.skipped)
    [op] = _actions(_plan(src, b, _weekday(TODAY + timedelta(days=8))))
    assert op.level == 3 and op.notice.promise_missed.due_date == TODAY + timedelta(days=5)


def test_a_note_of_three_promises_on_the_customer_with_the_second_missed(src):
    b = Books(src.client)
    cid = b.customer("Echeancier Robert")
    inv = b.invoice(cid, TODAY - timedelta(days=42), "900.00", due=TODAY - timedelta(days=12))
    assert run(Scoped(src, b.customers), load_policy("fr-b2b"), TODAY, dry_run=False).failed == []
    note(b, "\n".join(f"Promise to pay: 300.00 by {TODAY + timedelta(days=d)}" for d in (5, 35, 65)), Customer=cid)
    b.pay(cid, inv["Id"], "300.00", TODAY + timedelta(days=4))
    assert _actions(_plan(src, b, _weekday(TODAY + timedelta(days=33)))) == []
    [op] = _actions(_plan(src, b, _weekday(TODAY + timedelta(days=40))))
    assert op.notice.promise_missed.amount == Decimal("300.00")


def test_a_promise_that_cannot_be_read_holds_the_invoice_and_names_the_note(src):
    b = Books(src.client)
    cid = b.customer("Promesse Floue")
    inv = b.invoice(cid, TODAY - timedelta(days=42), "500.00", due=TODAY - timedelta(days=12))
    att = note(b, "Promise to pay: next week by 2026-13-40", Invoice=inv["Id"])
    plan = _plan(src, b, TODAY)
    assert _actions(plan) == []
    [skip] = plan.skipped
    assert f"(Attachable {att['Id']}) cannot be read" in skip.reason


def test_a_dispute_is_held_with_the_text_of_its_custom_field(src):
    b = Books(src.client)
    cid = b.customer("Litige Petit")
    inv = b.invoice(cid, TODAY - timedelta(days=42), "700.00", due=TODAY - timedelta(days=12))
    b.c.update("Invoice", {"Id": inv["Id"], "SyncToken": inv["SyncToken"], "CustomField": [
        {"DefinitionId": "1", "Name": "Disputed", "Type": "StringType", "StringValue": "goods damaged on delivery"}]},
        requestid=request_id("dispute", inv["Id"]))  # what a user types in the invoice's custom field
    [skip] = _plan(src, b, TODAY).skipped
    assert skip.reason == "held: disputed: goods damaged on delivery"


def test_the_agency_dossier_is_one_pdf_attached_to_the_customer_with_the_invoices(src, qbo):
    import io

    import pypdf

    from connector.policy import Escalation

    if qbo.emulator is None:
        pytest.skip("reads the uploaded bytes from the emulator")
    b = Books(src.client)
    cid = b.customer("Dossier Fabre")
    day = date(2026, 3, 2)
    inv = b.invoice(cid, day - timedelta(days=90), "2400.00", due=day - timedelta(days=60))
    policy = load_policy("fr-b2b").without_approvals().model_copy(update={
        "escalation": Escalation.JUMP, "agency_email": "dossiers@agence.example"})
    assert run(Scoped(src, b.customers), policy, day - timedelta(days=40), dry_run=False).failed == []
    handoff = run(Scoped(src, b.customers), policy, day, dry_run=False)
    assert handoff.failed == [], [f.reason for f in handoff.failed]
    [att] = [a for a in qbo.emulator.objects("Attachable") if str(a.get("FileName", "")).startswith("dossier-")]
    assert att["ContentType"] == "application/pdf" and att["AttachableRef"][0]["EntityRef"]["value"] == cid
    pages = pypdf.PdfReader(io.BytesIO(qbo.emulator.files[str(att["Id"])])).pages
    text = "\n".join(p.extract_text() for p in pages)
    from connector.templates import Library

    words = Library().phrases(handoff.companies[0].lang or "en_US")["dossier"]
    level = words["level"].replace("$level", "4").replace("$name", "letter")
    assert "Dossier Fabre" in text and f"{level} — {words['channels']['letter']}" in text  # history, from markers
    assert f"Invoice {inv.get('DocNumber') or inv['Id']}" in pages[-1].extract_text()  # the invoice's own PDF, last
    notes = [n["Note"] for n in b.notes_of(cid) if "agency" in n.get("Note", "")]
    assert any("send it to dossiers@agence.example" in n for n in notes)
    again = run(Scoped(src, b.customers), policy, day, dry_run=False)
    assert [o for o in again.plan.operations if o.kind == "action"] == []
    assert len([a for a in qbo.emulator.objects("Attachable") if str(a.get("FileName", "")).startswith("dossier-")]) == 1


def test_a_credit_hold_is_noted_then_lifted_once_paid_and_a_second_run_writes_nothing(src):
    from connector.policy import Escalation

    b = Books(src.client)
    cid = b.customer("Blocage Morel")
    day = date(2026, 3, 2)
    inv = b.invoice(cid, day - timedelta(days=77), "800.00", due=day - timedelta(days=47))
    policy = load_policy("fr-b2b").without_approvals().model_copy(update={"escalation": Escalation.JUMP})
    hold = run(Scoped(src, b.customers), policy, day, dry_run=False)
    assert hold.failed == [] and [o.channel for o in _actions(hold.plan)] == ["credit_hold"]
    assert any("credit hold decided" in n["Note"] for n in b.notes_of(cid))
    b.pay(cid, inv["Id"], "800.00", day + timedelta(days=1))
    lift = run(Scoped(src, b.customers), policy, day + timedelta(days=2), dry_run=False)
    assert lift.failed == [] and [o.channel for o in _actions(lift.plan)] == ["hold_release"]
    assert any("lifted" in n["Note"] for n in b.notes_of(cid))
    again = run(Scoped(src, b.customers), policy, day + timedelta(days=2), dry_run=False)
    assert _actions(again.plan) == [] and again.done == []
