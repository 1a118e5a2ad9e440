"""What each message states, from the data of the run: the items, the penalties the law gives to date (for a
professional), a dated deadline in working days, the consequences the policy applies next, the early-payment
discount, the pay-now link, the greeting; staff texts in the company's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from connector import notices
from connector.messages import render
from connector.models import Letterhead
from connector.penalties import invoice_charge
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from tests.builders import action, customer, ledger, receivable

SENDER = Letterhead(name="Acme SAS", lang="fr_FR", city="Paris")
FR = load_policy("fr-b2b")


def _reminder(c=None, rs=None, as_of=date(2026, 6, 25), history=None):
    """The fr-b2b standard segment's level 3 (reminder, firm, e-mail): courtesy and call already done."""
    rs = rs or [receivable(due="2026-06-15", amount="1175.00", number="FA-42", issued="2026-05-16")]
    history = history if history is not None else [
        action("a1", "2026-06-12", 1, tuple(r.id for r in rs)),
        action("a2", "2026-06-16", 2, tuple(r.id for r in rs), channel="call_task")]
    led = ledger([c or customer()], rs, history)
    rec = reconcile(led, FR, as_of)
    [op] = [o for o in make_plan(rec, FR).operations if o.kind == "action"]
    return op, rec


def test_given_a_professional_then_the_reminder_states_the_interest_to_date_its_rate_and_the_indemnity():
    op, rec = _reminder()
    assert (op.level, op.template, op.debtor) == (3, "reminder", "professional")
    r = rec.accounts[0].positions[0].receivable
    law = invoice_charge(rec.accounts[0].rules, r.amount, r.currency, r.due_date, date(2026, 6, 25))
    assert op.notice.interest == law.interest and op.notice.interest > 0
    assert (op.notice.indemnity, op.notice.indemnity_each, op.notice.indemnity_currency) == (Decimal(40), Decimal(40), "EUR")
    text = render(op, SENDER).text
    interest = f"{law.interest}".replace(".", ",")
    assert f"elles s'élèvent à {interest}\u00a0€ au 25 juin 2026" in text
    assert "article L441-10 du Code de commerce" in text and "40,00\u00a0€ par facture" in text


def test_given_a_consumer_then_no_message_states_penalties_whatever_the_policy_charges():
    op, _ = _reminder(c=customer(kind="person"))
    assert op.debtor == "consumer" and op.notice.interest is None and op.notice.indemnity is None
    text = render(op, SENDER).text
    assert "L441-10" not in text and "indemnité" not in text and "pénalités" not in text


def test_the_deadline_is_counted_in_working_days_skipping_weekends_and_the_countrys_holidays():
    # Monday 11 May 2026 + 8 working days: Ascension (Thursday 14 May) is a holiday in France
    as_of = date(2026, 5, 11)
    rs = [receivable(due="2026-05-01", amount="900")]
    op, _ = _reminder(rs=rs, as_of=as_of, history=[action("a1", "2026-04-28", 1, ("R1",)),
                                                  action("a2", "2026-05-04", 2, ("R1",), channel="call_task")])
    assert op.notice.pay_by == date(2026, 5, 22)
    assert "au plus tard le 22 mai 2026" in render(op, SENDER).text


def test_a_courtesy_reminder_asks_for_payment_by_the_due_date():
    rs = [receivable(due="2026-06-18", amount="900")]
    op, _ = _reminder(rs=rs, as_of=date(2026, 6, 15), history=[])
    assert op.template == "courtesy" and op.notice.pay_by == date(2026, 6, 18)
    assert "Total à régler au plus tard le 18 juin 2026" in render(op, SENDER).text


def test_the_consequences_to_come_are_announced_before_they_happen():
    op, rec = _reminder()
    assert op.notice.next_steps == ("penalties", "formal_notice")  # penalties charged from level 5, then notices
    assert ("À défaut de règlement au plus tard le 7 juillet 2026, les pénalités de retard et l'indemnité forfaitaire "
            "vous seront facturées et nous vous adresserons une mise en demeure.") in render(op, SENDER).text
    acc = rec.accounts[0]
    # the first formal notice (level 5) announces the credit hold and the agency, not another formal notice
    assert notices.next_steps(acc, FR, 5, True) == ("credit_hold", "agency")
    # a consumer is not told of penalties it does not owe
    assert notices.next_steps(acc, FR, 3, False) == ("formal_notice", "credit_hold")


def test_the_early_payment_discount_is_offered_until_its_last_day_only():
    rs = [receivable(due="2026-06-18", amount="1000.00", number="FA-7", discount_date=date(2026, 6, 16),
                     discount_amount=Decimal("980.00"))]
    op, _ = _reminder(rs=rs, as_of=date(2026, 6, 15), history=[])
    assert op.template == "courtesy"
    text = render(op, SENDER).text
    assert ("Escompte pour paiement anticipé : en réglant la facture FA-7 au plus tard le 16 juin 2026, vous ne payez "
            "que 980,00\u00a0€ au lieu de 1\u202f000,00\u00a0€.") in text
    late = replace(op, as_of=date(2026, 6, 17))
    assert "Escompte" not in render(late, SENDER).text


def test_the_pay_now_link_of_each_invoice_is_given_and_left_out_cleanly_where_there_is_none():
    rs = [receivable("R1", due="2026-06-15", amount="100", number="FA-1", pay_url="https://odoo.example/my/invoices/1?access_token=t1"),
          receivable("R2", due="2026-06-15", amount="200", number="FA-2", invoice="INV-R2")]
    op, _ = _reminder(rs=rs)
    text = render(op, SENDER).text
    assert "Pour consulter et régler la facture FA-1 en ligne : https://odoo.example/my/invoices/1?access_token=t1" in text
    assert "FA-2 :" not in text
    none = render(replace(op, items=tuple(replace(i, pay_url=None) for i in op.items)), SENDER).text
    assert "en ligne" not in none and "\n\n\n" not in none
    both = render(replace(op, items=tuple(replace(i, pay_url=f"https://x/{i.number}") for i in op.items)), SENDER).text
    assert "Pour consulter et régler vos factures en ligne :\n- FA-1 : https://x/FA-1\n- FA-2 : https://x/FA-2" in both


def test_an_email_greets_the_contact_by_name_a_formal_notice_does_not():
    op, _ = _reminder(c=customer(contact="Marie Dupont"))
    assert op.contact == "Marie Dupont"
    assert render(op, SENDER).text.startswith("Bonjour Marie Dupont,")
    formal = replace(op, tone="formal", template="formal_notice")
    assert render(formal, SENDER).text.startswith("Madame, Monsieur,")
    assert render(replace(op, contact=None), SENDER).text.startswith("Madame, Monsieur,")


def test_staff_read_their_task_in_the_companys_language_the_customer_in_its_own():
    fr_policy = FR
    r = receivable(due="2026-06-15", amount="500")
    led = ledger([customer(lang="en_US")], [r], [action("a1", "2026-06-12", 1, (r.id,))])
    [op] = [o for o in make_plan(reconcile(led, fr_policy, date(2026, 6, 16)), fr_policy).operations if o.kind == "action"]
    assert (op.channel, op.template) == ("call_task", "call")
    assert op.notice is None  # nothing the customer reads
    task = render(op, SENDER)
    assert task.subject.startswith("Appeler Customer C1") and task.lang == "fr_FR"
    email = render(replace(op, channel="email", template="reminder"), SENDER)
    assert email.subject.startswith("Payment reminder") and email.lang == "en_US"


def test_customer_data_is_escaped_in_the_html_and_the_items_are_a_table():
    op, _ = _reminder(c=customer(name="<b>Evil</b> & Co", contact="<script>x</script>"))
    html = render(op, SENDER).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<table" in html and "<th" in html and "FA-42" in html
