"""What the debtor receives through Odoo, on the emulator (CI) and on a real Odoo (ODOO_URL set): the chatter e-mail
carries each invoice's customer-portal link, which opens the invoice for a visitor without a session; the letter
is a PDF attached to the partner, names printed as written; an early-payment discount of the invoice's payment term
is offered while it holds."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pypdf
import pytest
import requests

from adapters.odoo.source import OdooSource
from connector.policy import Escalation, load_policy
from connector.runner import run
from tests.adapters.odoo.books import Books, Scoped
from tests.adapters.odoo.conftest import open_source

A = date(2026, 3, 2)  # a Monday


@pytest.fixture(scope="module")
def source(odoo):
    src = open_source(odoo, init=True)  # the activity types of the letter's task
    yield src
    src.close()


def _emails(client, partner: int) -> list[dict]:
    return client.call("mail.message", "search_read",
                       domain=[("model", "=", "res.partner"), ("res_id", "=", partner), ("message_type", "=", "comment"),
                               ("subject", "!=", False)], fields=["subject", "body"])


def test_the_reminder_email_carries_the_portal_link_that_opens_the_invoice_for_an_anonymous_visitor(source):
    b = Books(source.client)
    partner = b.partner("Portail Dupont", phone=False)  # the call level falls back to an e-mail
    move, _ = b.invoice(partner, A - timedelta(days=36), "1175.00", due=A - timedelta(days=6))
    number = source.client.call("account.move", "read", ids=[move], fields=["name"])[0]["name"]
    result = run(Scoped(source, [partner]), load_policy("fr-b2b"), A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    [mail] = _emails(source.client, partner)
    urls = re.findall(r"https?://[^\s<\"']+/my/invoices/\d+\?access_token=[0-9a-f-]+", mail["body"])
    assert len(urls) == 1 and f"/my/invoices/{move}?" in urls[0], mail["body"]
    page = requests.get(urls[0].replace("&amp;", "&"), allow_redirects=False, timeout=30)
    assert page.status_code == 200 and number in page.text
    wrong = requests.get(urls[0][:-4] + "0000", allow_redirects=False, timeout=30)
    assert wrong.status_code != 200  # the token is what opens it
    token = source.client.call("account.move", "read", ids=[move], fields=["access_token"])[0]["access_token"]
    assert token and urls[0].endswith(token)  # Odoo keeps it: the next reminder carries the same link
    assert f"You can view and pay invoice {number} online" in mail["body"]


def test_the_letter_is_a_pdf_attached_to_the_partner_with_names_printed_as_written(source):
    b = Books(source.client)
    partner = b.partner("Łódź Ağaç Société", email=False, phone=False)
    b.invoice(partner, A - timedelta(days=46), "310.50", due=A - timedelta(days=16))  # level 4: a letter
    policy = load_policy("fr-b2b").model_copy(update={"escalation": Escalation.JUMP})
    result = run(Scoped(source, [partner]), policy, A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    [att] = source.client.call("ir.attachment", "search_read",
                               domain=[("res_model", "=", "res.partner"), ("res_id", "=", partner),
                                       ("mimetype", "=", "application/pdf")], fields=["name", "datas"])
    pdf = base64.b64decode(att["datas"])
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Łódź Ağaç Société" in text and "Overdue invoices" in text
    company = source.client.call("res.company", "read", ids=[b.company], fields=["name"])[0]["name"]
    assert company in text  # the letterhead: the company of the invoice


def test_an_early_payment_discount_of_the_payment_term_is_offered_while_it_holds(source):
    b = Books(source.client)
    fields = source.client.call("account.payment.term", "fields_get", attributes=["type"])
    if "early_discount" not in fields:
        pytest.skip("this Odoo's payment terms have no early payment discount (Odoo 17+)")
    term = source.client.call("account.payment.term", "create", vals_list=[{
        "name": f"2% 28 days, net 30 ({b.run_id})", "early_discount": True, "discount_percentage": 2.0,
        "discount_days": 28, "line_ids": [(0, 0, {"value": "percent", "value_amount": 100, "nb_days": 30})]}])[0]
    partner = b.partner("Escompte Martin")
    move, _ = b.invoice(partner, A - timedelta(days=27), "1000.00", term=term)  # due A + 3, discount until A + 1
    led = Scoped(source, [partner]).fetch(A)
    [r] = led.receivables
    assert (r.due_date, r.discount_date, r.discount_amount) == (A + timedelta(days=3), A + timedelta(days=1), Decimal(980))
    result = run(Scoped(source, [partner]), load_policy("fr-b2b"), A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    [mail] = _emails(source.client, partner)
    assert "Early-payment discount" in mail["body"] and "€980.00" in mail["body"], mail["body"]


def test_the_languages_of_the_database_are_those_check_requires_texts_in(odoo):
    fresh = OdooSource(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol)  # not yet connected
    langs = fresh.languages()
    assert "en_US" in langs and all(len(code) >= 2 for code in langs)


def test_a_credit_hold_tells_the_customer_by_email_once(source):
    b = Books(source.client)
    partner = b.partner("Hold Lambert")
    b.invoice(partner, A - timedelta(days=76), "640.00", due=A - timedelta(days=46))  # the standard hold level (+45)
    policy = load_policy("fr-b2b").without_approvals().model_copy(update={"escalation": Escalation.JUMP})
    result = run(Scoped(source, [partner]), policy, A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    assert [op.channel for op in result.plan.operations if op.kind == "action"] == ["credit_hold"]
    [mail] = _emails(source.client, partner)
    assert mail["subject"].startswith("Your account is on hold") and "suspending any new order" in mail["body"]
    again = run(Scoped(source, [partner]), policy, A, dry_run=False)
    assert again.plan.operations == [] and len(_emails(source.client, partner)) == 1


def test_a_credit_hold_is_lifted_once_nothing_is_overdue_and_the_warning_restored(source):
    b = Books(source.client)
    partner = b.partner("Hold Marchand")
    move, lines = b.invoice(partner, A - timedelta(days=76), "640.00", due=A - timedelta(days=46))
    policy = load_policy("fr-b2b").without_approvals().model_copy(update={"escalation": Escalation.JUMP})
    run(Scoped(source, [partner]), policy, A, dry_run=False)
    fields = source.client.call("res.partner", "fields_get", attributes=["type"])
    tags = lambda: source.client.call("res.partner", "read", ids=[partner], fields=["category_id"])[0]["category_id"]  # noqa: E731
    held = set(tags())
    assert held, "the hold tag is set"
    b.pay(partner, lines[0], "640.00", A + timedelta(days=1))
    lifted = run(Scoped(source, [partner]), policy, A + timedelta(days=2), dry_run=False)
    assert lifted.failed == [] and [op.channel for op in lifted.plan.operations] == ["hold_release"]
    assert set(tags()) < held  # the hold tag removed, the others kept
    if "invoice_warn" in fields:  # 17 with account: invoicing blocked by the hold, then as it was
        warn = source.client.call("res.partner", "read", ids=[partner], fields=["invoice_warn"])[0]["invoice_warn"]
        assert warn == "no-message"
    again = run(Scoped(source, [partner]), policy, A + timedelta(days=2), dry_run=False)
    assert again.plan.operations == []
