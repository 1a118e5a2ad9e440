"""What a customer reads: never the internal text of a task, and for a consumer never the law between
professionals (L441-10 penalties, the 40 EUR indemnity); every text in the customer's language and locale."""

from __future__ import annotations

import itertools
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from connector import channels
from connector.messages import render
from connector.models import Letterhead
from connector.plan import make_plan, resolve_channel
from connector.policy import Level, load_policy
from connector.reconcile import reconcile
from connector.templates import Library
from connector.textcheck import check_templates
from tests.builders import action, customer, ledger, receivable

ROOT = Path(__file__).parents[2]
POLICIES = sorted(p.stem for p in (ROOT / "mappings" / "policies").glob("*.yaml"))
CONTACT_DATA = list(itertools.product([True, False], repeat=3))  # email, phone, address
LANGS = ["fr_FR", "en_US", "de_DE", "es_ES"]
SENDER = Letterhead(name="Relance Demo SAS", lang="fr_FR", city="Paris")


def test_the_shipped_templates_are_each_read_by_one_kind_of_reader():
    shipped = {p.name.split(".")[0] for p in (ROOT / "mappings" / "templates" / "en_US").glob("*.txt")}
    assert shipped == set(channels.TEMPLATES)
    assert {channels.TEMPLATES[i.template] for i in channels.CHANNELS.values()} == {"customer", "staff"}


@pytest.mark.parametrize("name", POLICIES)
def test_given_any_contact_data_missing_then_no_customer_ever_gets_an_internal_text(name):
    for seg in load_policy(name).segments:
        for level, (email, phone, address) in itertools.product(seg.levels, CONTACT_DATA):
            c = customer(has_email=email, has_phone=phone, has_address=address)
            channel, _ = resolve_channel(level, c)
            if channel is None:
                continue
            template = channels.template_for(level.channel, level.template, channel)
            assert channels.TEMPLATES[template] == channels.CHANNELS[channel].reader, (name, level.name, channel)


def test_given_a_level_that_mails_a_staff_text_then_the_policy_is_refused():
    with pytest.raises(ValidationError, match="template 'call' is read by staff, channel email by the other"):
        Level(name="x", offset=3, channel="email", template="call")
    with pytest.raises(ValidationError, match="template 'reminder' is read by the customer"):
        Level(name="x", offset=3, channel="call_task", template="reminder")


def test_given_no_phone_at_the_call_level_then_the_email_is_a_reminder_not_the_call_instruction():
    fr = load_policy("fr-b2b")
    r = receivable(due="2026-03-02", amount="3000")
    led = ledger([customer(name="Dupont SARL", has_phone=False)], [r])
    [op] = [o for o in make_plan(reconcile(led, fr, date(2026, 3, 3)), fr).operations if o.kind == "action"]
    assert (op.level_name, op.channel, op.template) == ("call", "email", "reminder")
    text = render(op, SENDER)
    assert "Appeler" not in text.subject + text.text and text.subject.startswith("Relance pour facture impayée")


def _formal_notice(policy_name: str, kind: str, lang: str):
    """The plan's formal notice for one late invoice whose earlier levels all went out, as of a Tuesday."""
    policy = load_policy(policy_name)
    seg = policy.segments[-1]  # no payment history: the catch-all segment
    n = next((i for i, lv in enumerate(seg.levels, 1) if lv.formal_notice), None)
    if n is None:
        pytest.skip(f"{policy_name} has no formal notice")
    as_of = date(2025, 7, 1)
    due = as_of - timedelta(days=seg.levels[n - 1].offset + 1)
    r = receivable(due=due, amount="1000")
    history = [action(f"a{k}", (due + timedelta(days=max(lv.offset, 0))).isoformat(), k, (r.id,))
               for k, lv in enumerate(seg.levels[:n - 1], 1)]
    ops = make_plan(reconcile(ledger([customer(kind=kind, lang=lang)], [r], history), policy, as_of), policy).operations
    [op] = [o for o in ops if o.kind == "action" and o.formal_notice]
    return op, render(op, SENDER)


# what only the law between professionals allows: the texts of a consumer name none of it
B2B_CLAIMS = ("l441", "d441", "40,00", "€40", "40 euros", "indemnité forfaitaire", "frais de recouvrement",
              "recovery costs", "recovery indemnity", "pauschale", "abs. 5", "288(5)", "costes de cobro",
              "indemnización", "3/2004", "2011/7", "late payment of commercial debts")
NOTICE_SUBJECTS = ("mise en demeure", "dernier avis", "formal notice", "final notice", "mahnung",
                   "zahlungsaufforderung", "requerimiento", "último aviso")


@pytest.mark.parametrize("policy_name", ["fr-b2b", "fr-b2c", "eu-b2b", "uk-b2b"])
@pytest.mark.parametrize("lang", LANGS)
def test_given_a_consumer_then_the_formal_notice_claims_no_b2b_penalty_nor_indemnity(policy_name, lang):
    op, text = _formal_notice(policy_name, "person", lang)
    assert op.debtor == "consumer"
    words = (text.subject + text.text).lower()
    for b2b in B2B_CLAIMS:
        assert b2b not in words, (policy_name, lang, b2b)
    assert any(w in text.subject.lower() for w in NOTICE_SUBJECTS)
    if lang == "fr_FR" and policy_name.startswith("fr"):
        assert "article 1231-6 du code civil" in words and "taux légal" in words


def test_given_a_company_under_fr_b2b_then_the_formal_notice_states_l441_10_the_rate_the_interest_and_40_euros():
    op, text = _formal_notice("fr-b2b", "company", "fr_FR")
    assert op.debtor == "professional" and op.notice.interest > 0
    assert "article L441-10 du Code de commerce" in text.text and "D441-5" in text.text
    assert f"{op.notice.interest_rate:.2f} %".replace(".", ",").replace(" ", "\u00a0") in text.text
    assert "40,00\u00a0€ par facture" in text.text


@pytest.mark.parametrize("lang, amount, due, late", [
    ("fr_FR", "1\u202f175,00\u00a0€", "échue le 15 juin 2026", "(3\u00a0jours de retard)"),
    ("en_US", "€1,175.00", "due June 15, 2026", "(3 days overdue)"),
    ("xx_YY", "€1,175.00", "due June 15, 2026", "(3 days overdue)"),  # a language CLDR does not know: English
])
def test_given_the_customers_language_then_amounts_dates_and_delays_are_written_its_way(lang, amount, due, late):
    fr = load_policy("fr-b2b")
    r = receivable(due="2026-06-15", amount="1175.00", number="FA-2026-0042")
    led = ledger([customer(lang=lang, has_phone=False)], [r], [action("a1", "2026-06-12", 1, (r.id,))])
    [op] = [o for o in make_plan(reconcile(led, fr, date(2026, 6, 18)), fr).operations if o.kind == "action"]
    assert op.channel == "email"  # the call level, no phone on file: the customer reads it
    text = render(op, SENDER).text
    [line] = [ln for ln in text.splitlines() if "FA-2026-0042" in ln and "://" not in ln]
    assert amount in line and due in line and late in line, line
    assert "2026-06-15" not in text and "1,175.00 EUR" not in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("debtor", ["professional", "consumer"])
def test_every_text_a_customer_can_receive_exists_in_the_language_and_renders_with_its_words(lang, debtor):
    from dataclasses import replace

    folder = ROOT / "mappings" / "templates" / lang
    fr = load_policy("fr-b2b")
    r = receivable(due="2026-06-15", amount="1175.00", number="FA-2026-0042")
    c = customer(lang=lang, kind="person" if debtor == "consumer" else "company")
    led = ledger([c], [r], [action("a1", "2026-06-12", 1, (r.id,))])
    [base] = [o for o in make_plan(reconcile(led, fr, date(2026, 6, 18)), fr).operations if o.kind == "action"]
    lib = Library()
    for name in sorted(n for n, who in channels.TEMPLATES.items() if who == "customer"):
        path = lib.find(name, lang, debtor=debtor)
        assert path.parent == folder, (name, lang, path)  # never another language's text
        text = render(replace(base, template=name, debtor=debtor), SENDER)
        assert "FA-2026-0042" in text.text and "$" not in text.subject + text.text
        assert text.text.endswith("Relance Demo SAS"), (name, lang, text.text[-80:])


@pytest.mark.parametrize("name", POLICIES)
def test_given_a_shipped_policy_then_check_finds_every_template_it_can_use_in_every_language(name):
    assert check_templates(load_policy(name)) == ([], [])


def test_given_a_missing_template_a_bad_placeholder_or_a_language_without_it_then_check_names_each(tmp_path):
    root = tmp_path / "templates"
    (root / "en_US").mkdir(parents=True)
    (root / "it_IT").mkdir()
    (root / "en_US" / "reminder.txt").write_text("Subject: Reminder $numbers\nDear $client,\n\n$items\n")
    fr = load_policy("fr-b2b")
    seg = fr.segments[-1]
    odd = seg.model_copy(update={"levels": (*seg.levels[:-1], seg.levels[-1].model_copy(update={"template": "nope"}))})
    policy = fr.model_copy(update={"segments": (*fr.segments[:-1], odd)})
    problems, warnings = check_templates(policy, Library.of(root))
    assert any(p.startswith(f"{root / 'en_US' / 'reminder.txt'}: unknown or malformed placeholder 'client'")
               for p in problems), problems
    assert any("no template 'nope' for language en_US (policy fr-b2b uses it)" in p for p in problems), problems
    assert "it_IT has no letter.txt: its customers would read it in English" in warnings
    # the tenant's customers read Italian: a customer text missing in Italian is then a problem, not a warning
    problems, _ = check_templates(load_policy("fr-b2b"), Library(), langs=["it_IT"])
    assert "it_IT has no formal_notice.txt: its customers would read it in English" in problems


def test_given_an_integrators_templates_directory_then_its_texts_and_phrases_win_key_by_key(tmp_path):
    root = tmp_path / "texts"
    shutil.copytree(ROOT / "mappings" / "templates" / "fr_FR", root / "fr_FR", dirs_exist_ok=True,
                    ignore=lambda d, names: [n for n in names if n != "reminder.txt"])
    text = (root / "fr_FR" / "reminder.txt").read_text(encoding="utf-8").replace("Cordialement,", "Bien à vous,")
    (root / "fr_FR" / "reminder.txt").write_text(text, encoding="utf-8")
    (root / "fr_FR" / "_phrases.yaml").write_text('salutation: "Chère cliente, cher client,"\n', encoding="utf-8")
    fr = load_policy("fr-b2b")
    r = receivable(due="2026-06-15", amount="500")
    history = [action("a1", "2026-06-12", 1, (r.id,)), action("a2", "2026-06-16", 2, (r.id,), channel="call_task")]
    led = ledger([customer()], [r], history)
    [op] = [o for o in make_plan(reconcile(led, fr, date(2026, 6, 25)), fr).operations if o.kind == "action"]
    assert op.template == "reminder" and op.tone == "firm"
    lib = Library.of(root)
    mine = render(op, SENDER, lib)
    # the integrator's plain reminder beats the shipped firm one; its phrase overrides, the rest stays shipped
    assert mine.path == str(root / "fr_FR" / "reminder.txt")
    assert mine.text.startswith("Chère cliente, cher client,") and "Bien à vous," in mine.text
    assert "échue le 15 juin 2026" in mine.text
    shipped = render(op, SENDER)
    assert shipped.path.endswith("fr_FR/reminder.firm.txt") and shipped.text.startswith("Madame, Monsieur,")
