"""The collector's workflow as recorded in Odoo, on the emulator (CI) and on a real Odoo (ODOO_URL set): a promise to
pay scheduled as an activity the way a user schedules one pauses the next run, a missed one resumes it with a message
that says so, a plan of three promises with the second missed, a promise that cannot be read, a dispute's reason.

Promises are dated by Odoo itself (their creation), so these runs are as of today and the days after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connector.policy import load_policy
from connector.runner import plan_ledger, run
from tests.adapters.odoo.books import Books, Scoped
from tests.adapters.odoo.conftest import open_source

TODAY = date.today()


def _weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


@pytest.fixture(scope="module")
def source(odoo):
    src = open_source(odoo, init=True)  # the promise activity type
    yield src
    src.close()


@pytest.fixture(scope="module")
def fr():
    return load_policy("fr-b2b")


def promise(source, model: str, res_id: int, deadline: date, summary: str) -> int:
    """What Odoo's "Schedule Activity" dialog creates: a mail.activity on the document, of the type chosen, its model
    given by the context (a user cannot read ir.model; mail.activity's default_get resolves it)."""
    c = source.client
    type_id = c.call("mail.activity.type", "search_read", domain=[("name", "=", "Relance: promise to pay")],
                     fields=["id"])[0]["id"]
    return c.call("mail.activity", "create", vals_list=[{
        "res_id": res_id, "activity_type_id": type_id, "date_deadline": deadline.isoformat(), "summary": summary,
        "user_id": c.uid}], context={"default_res_model": model})[0]


def _plan(source, partner: int, policy, as_of: date):
    _, plan = plan_ledger(Scoped(source, [partner]).fetch(as_of), policy, as_of)
    return plan


def _actions(plan):
    return [o for o in plan.operations if o.kind == "action"]


def test_a_promise_kept_pauses_the_run_and_a_missed_one_resumes_it_with_the_missed_message(source, fr):
    b = Books(source.client)
    partner = b.partner("Promesse Durand")
    move, _ = b.invoice(partner, TODAY - timedelta(days=42), "1000.00", due=TODAY - timedelta(days=12))
    first = run(Scoped(source, [partner]), fr, TODAY, dry_run=False)
    assert first.failed == [], [f.reason for f in first.failed]
    assert [o.channel for o in first.plan.operations if o.kind == "action"] == ["call_task"]  # level 2, the call
    promise(source, "account.move", move, TODAY + timedelta(days=5), "1 000,00 €")

    kept = _plan(source, partner, fr, _weekday(TODAY + timedelta(days=4)))
    assert _actions(kept) == []
    assert any("payment plan kept; next instalment 1000.00 EUR due" in s.reason for s in kept.skipped)

    day = _weekday(TODAY + timedelta(days=8))
    missed = run(Scoped(source, [partner]), fr, day, dry_run=False)
    assert missed.failed == [], [f.reason for f in missed.failed]
    [op] = [o for o in missed.plan.operations if o.kind == "action"]
    assert (op.level, op.channel) == (3, "email") and len(missed.done) >= 1
    [mail] = source.client.call("mail.message", "search_read",
                                domain=[("model", "=", "res.partner"), ("res_id", "=", partner),
                                        ("message_type", "=", "comment"), ("subject", "!=", False)], fields=["body"])
    assert "you undertook to pay" in mail["body"] and "we have not received this payment" in mail["body"]


def test_three_promises_make_a_plan_whose_second_instalment_is_missed_and_done_ones_still_count(source, fr):
    b = Books(source.client)
    partner = b.partner("Echeancier Martin")
    move, [line] = b.invoice(partner, TODAY - timedelta(days=42), "900.00", due=TODAY - timedelta(days=12))
    assert run(Scoped(source, [partner]), fr, TODAY, dry_run=False).failed == []  # the call (level 2)
    ids = [promise(source, "res.partner", partner, TODAY + timedelta(days=d), "300") for d in (5, 35, 65)]
    b.pay(partner, line, "300.00", TODAY + timedelta(days=4))
    source.client.call("mail.activity", "action_feedback", ids=[ids[0]], feedback="paid")  # Mark as Done
    kept = _plan(source, partner, fr, _weekday(TODAY + timedelta(days=33)))
    assert _actions(kept) == [] and any("next instalment 300.00 EUR" in s.reason for s in kept.skipped)
    broken = _plan(source, partner, fr, _weekday(TODAY + timedelta(days=40)))
    [op] = _actions(broken)
    assert op.level == 3 and op.notice.promise_missed.amount == 300 and op.notice.promise_missed.due_date == TODAY + timedelta(days=35)


def test_a_promise_that_cannot_be_read_holds_its_invoice_and_names_the_activity(source, fr):
    b = Books(source.client)
    partner = b.partner("Promesse Floue")
    move, _ = b.invoice(partner, TODAY - timedelta(days=42), "500.00", due=TODAY - timedelta(days=12))
    aid = promise(source, "account.move", move, TODAY + timedelta(days=5), "next week, maybe")
    plan = _plan(source, partner, fr, TODAY)
    assert _actions(plan) == []
    [skip] = plan.skipped
    assert f"(mail.activity {aid}) cannot be read" in skip.reason and "'next week, maybe' is not an amount" in skip.reason


def test_a_dispute_is_held_with_the_reason_of_its_note(source, fr):
    b = Books(source.client)
    partner = b.partner("Litige Bernard")
    move, [line] = b.invoice(partner, TODAY - timedelta(days=42), "700.00", due=TODAY - timedelta(days=12))
    b.dispute(line)
    source.client.call("account.move", "message_post", ids=[move], body="Litige : marchandise livrée endommagée",
                       message_type="comment", subtype_xmlid="mail.mt_note")
    plan = _plan(source, partner, fr, TODAY)
    [skip] = plan.skipped
    assert skip.reason == f"held: disputed: marchandise livrée endommagée (since {TODAY})"


def test_the_agency_dossier_is_attached_to_the_customer_and_sent_to_the_agency(source, fr):
    import base64
    import io
    import zipfile

    from decimal import Decimal

    import pypdf

    from connector import locales
    from connector.policy import Escalation
    from connector.templates import Library

    b = Books(source.client)
    partner = b.partner("Dossier Lefèvre", email=False, phone=False)
    day = date(2026, 3, 2)
    move, _ = b.invoice(partner, day - timedelta(days=90), "2400.00", due=day - timedelta(days=60))
    number = source.client.call("account.move", "read", ids=[move], fields=["name"])[0]["name"]
    # the PDF Odoo attaches to an invoice when it is sent or printed
    source.client.call("ir.attachment", "create", vals_list=[{
        "name": f"{number.replace('/', '_')}.pdf", "res_model": "account.move", "res_id": move, "type": "binary",
        "mimetype": "application/pdf", "datas": base64.b64encode(b"%PDF-1.4 invoice copy").decode()}])
    policy = fr.without_approvals().model_copy(update={"escalation": Escalation.JUMP,
                                                        "agency_email": "dossiers@agence-recouvrement.example"})
    letter = run(Scoped(source, [partner]), policy, day - timedelta(days=40), dry_run=False)  # level 4, the letter
    assert letter.failed == [], [f.reason for f in letter.failed]
    handoff = run(Scoped(source, [partner]), policy, day, dry_run=False)
    assert handoff.failed == [], [f.reason for f in handoff.failed]
    assert [o.level_name for o in handoff.plan.operations if o.kind == "action"] == ["agency"]

    [att] = source.client.call("ir.attachment", "search_read", domain=[
        ("res_model", "=", "res.partner"), ("res_id", "=", partner), ("mimetype", "=", "application/zip")],
        fields=["id", "name", "datas"])
    z = zipfile.ZipFile(io.BytesIO(base64.b64decode(att["datas"])))
    names = z.namelist()
    assert names[0] == "dossier.pdf" and names[-1] == "index.txt"
    assert f"invoices/{number.replace('/', '_')}.pdf" in names and z.read(names[1]) == b"%PDF-1.4 invoice copy"
    assert [n for n in names if n.startswith("letters/") and n.startswith("letters/letter-")], names
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(z.read("dossier.pdf"))).pages)
    text = text.replace("\u202f", " ").replace("\xa0", " ")  # a PDF's text has plain spaces
    lang = (handoff.companies[0].lang if handoff.companies else None) or "en_US"  # the agency reads the company's
    words = Library().phrases(lang)["dossier"]
    assert "Dossier Lefèvre" in text and number in text
    assert locales.money(Decimal("2400"), "EUR", lang).replace("\u202f", " ").replace("\xa0", " ") in text
    level = words["level"].replace("$level", "4").replace("$name", "letter")
    assert f"{level} — {words['channels']['letter']}" in text  # the dated history, from the markers
    index = z.read("index.txt").decode().splitlines()
    assert index == names[:-1] or index == [n for n in names if n != "index.txt"]

    [sent] = source.client.call("mail.message", "search_read", domain=[
        ("model", "=", "res.partner"), ("res_id", "=", partner), ("attachment_ids", "in", [att["id"]])],
        fields=["partner_ids", "subject"])
    [agency] = source.client.call("res.partner", "search_read",
                                  domain=[("email", "=", "dossiers@agence-recouvrement.example")], fields=["id"])
    assert sent["partner_ids"] == [agency["id"]] and partner not in sent["partner_ids"]

    again = run(Scoped(source, [partner]), policy, day, dry_run=False)
    assert [o for o in again.plan.operations if o.kind == "action"] == []
    assert len(source.client.call("ir.attachment", "search_read", domain=[
        ("res_model", "=", "res.partner"), ("res_id", "=", partner), ("mimetype", "=", "application/zip")],
        fields=["id"])) == 1
