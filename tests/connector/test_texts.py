"""What a customer reads: never the internal text of a task, and for a consumer never the law between
professionals (L441-10 penalties, the 40 EUR indemnity)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from connector import channels
from connector.plan import make_plan, resolve_channel
from connector.policy import load_policy
from connector.reconcile import reconcile
from connector.templates import render
from tests.builders import action, customer, ledger, receivable

POLICIES = sorted(p.stem for p in (Path(__file__).parents[2] / "mappings" / "policies").glob("*.yaml"))
CONTACT_DATA = list(itertools.product([True, False], repeat=3))  # email, phone, address


def _templates_read_by(reader: str) -> set[str]:
    """Every template a shipped level or a channel's default gives a text read by `reader` (customer, staff)."""
    out = {info.template for info in channels.CHANNELS.values() if info.reader == reader}
    for name in POLICIES:
        for seg in load_policy(name).segments:
            out |= {lv.template for lv in seg.levels if channels.CHANNELS[lv.channel].reader == reader}
    return out


@pytest.mark.parametrize("name", POLICIES)
def test_given_any_contact_data_missing_then_no_customer_ever_gets_an_internal_text(name):
    staff = _templates_read_by("staff")
    for seg in load_policy(name).segments:
        for level, (email, phone, address) in itertools.product(seg.levels, CONTACT_DATA):
            c = customer(has_email=email, has_phone=phone, has_address=address)
            channel, _ = resolve_channel(level, c)
            if channel is None or channels.CHANNELS[channel].reader != "customer":
                continue
            template = channels.template_for(level.channel, level.template, channel)
            assert template not in staff, (name, seg.name, level.name, channel, template)


def test_given_no_phone_at_the_call_level_then_the_email_is_a_reminder_not_the_call_instruction():
    fr = load_policy("fr-b2b")
    r = receivable(due="2026-03-01", amount="3000")
    led = ledger([customer(name="Dupont SARL", has_phone=False)], [r])
    [op] = [o for o in make_plan(reconcile(led, fr, date(2026, 3, 3)), fr).operations if o.kind == "action"]
    assert (op.level_name, op.channel, op.template) == ("call", "email", "reminder")
    text = render(op, "Relance Demo SAS")
    assert "Appeler" not in text.subject + text.text and "Relance de paiement" in text.subject


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
    return op, render(op, "Relance Demo SAS")


LANGS = ["fr_FR", "en_US", "de_DE", "es_ES"]
B2B_CLAIMS = ("l441", "40 euros", "indemnité forfaitaire", "frais de recouvrement", "recovery costs",
              "pauschale", "beitreibungskosten", "costes de cobro", "indemnización")
NOTICE_SUBJECTS = ("mise en demeure", "dernier avis", "formal notice", "final notice", "mahnung", "requerimiento",
                   "último aviso")


@pytest.mark.parametrize("policy_name", ["fr-b2b", "fr-b2c", "eu-b2b", "uk-b2b"])
@pytest.mark.parametrize("lang", LANGS)
def test_given_a_consumer_then_the_formal_notice_claims_no_b2b_penalty_nor_indemnity(policy_name, lang):
    op, text = _formal_notice(policy_name, "person", lang)
    assert op.debtor == "consumer"
    words = (text.subject + text.text).lower()
    for b2b in B2B_CLAIMS:
        assert b2b not in words, (policy_name, lang, b2b)
    assert any(w in text.subject.lower() for w in NOTICE_SUBJECTS)
    if lang == "fr_FR" and op.template == "formal_notice":
        assert "article 1231-6 du code civil" in words and "taux légal" in words


def test_given_a_company_under_fr_b2b_then_the_formal_notice_states_l441_10_and_the_40_euros():
    op, text = _formal_notice("fr-b2b", "company", "fr_FR")
    assert op.debtor == "professional"
    assert "L441-10 du Code de commerce" in text.text and "40 euros" in text.text


@pytest.mark.parametrize("lang, amount, due, late", [
    ("fr_FR", "1\u202f175,00\u00a0€", "échue le 15 juin 2026", "(3\u00a0jours de retard)"),
    ("en_US", "€1,175.00", "due June 15, 2026", "(3 days late)"),
    ("xx_YY", "€1,175.00", "due June 15, 2026", "(3 days late)"),  # a language CLDR does not know: English
])
def test_given_the_customers_language_then_amounts_dates_and_delays_are_written_its_way(lang, amount, due, late):
    fr = load_policy("fr-b2b")
    r = receivable(due="2026-06-15", amount="1175.00", number="FA-2026-0042")
    led = ledger([customer(lang=lang)], [r], [action("a1", "2026-06-12", 1, (r.id,))])
    [op] = [o for o in make_plan(reconcile(led, fr, date(2026, 6, 18)), fr).operations if o.kind == "action"]
    text = render(op, "Relance Demo SAS").text
    [line] = [ln for ln in text.splitlines() if "FA-2026-0042" in ln]
    assert amount in line and due in line and late in line, line
    assert "2026-06-15" not in text and "1,175.00 EUR" not in text


def test_given_french_amounts_in_a_letter_then_the_pdf_keeps_their_no_break_spaces():
    from connector.letters import _pdf_text

    assert _pdf_text("1\u202f175,00\u00a0€") == b"1\xa0175,00\xa0\x80"  # WinAnsi: no-break space, euro sign


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("debtor", ["professional", "consumer"])
def test_every_text_a_customer_can_receive_exists_in_the_language_and_renders_with_its_words(lang, debtor):
    from connector.templates import template_path

    folder = Path(__file__).parents[2] / "mappings" / "templates" / lang
    fr = load_policy("fr-b2b")
    r = receivable(due="2026-06-15", amount="1175.00", number="FA-2026-0042")
    c = customer(lang=lang, kind="person" if debtor == "consumer" else "company")
    led = ledger([c], [r], [action("a1", "2026-06-12", 1, (r.id,))])
    [base] = [o for o in make_plan(reconcile(led, fr, date(2026, 6, 18)), fr).operations if o.kind == "action"]
    for name in sorted(_templates_read_by("customer")):
        path = template_path(name, lang, debtor=debtor)
        assert path.parent == folder, (name, lang, path)  # never another language's text
        text = render(replace(base, template=name, debtor=debtor), "Relance Demo SAS")
        assert "FA-2026-0042" in text.text and "$" not in text.subject + text.text and text.text.endswith("Relance Demo SAS")



@pytest.mark.parametrize("name", POLICIES)
def test_given_a_shipped_policy_then_check_finds_every_template_it_can_use_in_every_language(name):
    from connector.templates import check_templates

    assert check_templates(load_policy(name)) == ([], [])


def test_given_a_missing_template_a_bad_placeholder_or_a_language_without_it_then_check_names_each(tmp_path):
    import shutil

    from connector.templates import check_templates

    root = tmp_path / "templates"
    shutil.copytree(Path(__file__).parents[2] / "mappings" / "templates", root)
    (root / "en_US" / "reminder.txt").write_text("Subject: Reminder $numbers\nDear $client,\n\n$items\n")
    (root / "de_DE" / "letter.txt").unlink()
    fr = load_policy("fr-b2b")
    seg = fr.segments[-1]
    odd = seg.model_copy(update={"levels": (*seg.levels[:-1], seg.levels[-1].model_copy(update={"template": "nope"}))})
    policy = fr.model_copy(update={"segments": (*fr.segments[:-1], odd)})
    problems, warnings = check_templates(policy, root)
    assert any(p.startswith(f"{root / 'en_US' / 'reminder.txt'}: unknown or malformed placeholder 'client'")
               for p in problems), problems
    assert f"{root / 'en_US' / 'nope'}.txt: no such template (policy fr-b2b uses it)" in problems
    assert "de_DE has no letter.txt: its customers read it in English" in warnings
