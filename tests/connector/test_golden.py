"""Golden texts: the subject and body of every level of every shipped policy (each distinct template, tone and
channel), in French, English, German and Spanish, for a company and for a consumer, exactly as the planner and the
renderer produce them today. A change of wording shows here as a diff to review; after reviewing it, rewrite the
files with `RELANCE_UPDATE_GOLDEN=1 python -m pytest tests/connector/test_golden.py`."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from connector.messages import render
from connector.models import Letterhead
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from tests.builders import action, customer, ledger, receivable

ROOT = Path(__file__).parents[2]
GOLDEN = Path(__file__).parent / "golden"
POLICIES = sorted(p.stem for p in (ROOT / "mappings" / "policies").glob("*.yaml"))
LANGS = ["fr_FR", "en_US", "de_DE", "es_ES"]
AS_OF = date(2026, 6, 16)  # a Tuesday
SENDER = Letterhead(name="Acme Équipements SAS", city="Paris", lang="fr_FR")


def _levels(policy):
    """(segment, level number) of each distinct (template, tone, channel) of the policy, first segment first."""
    seen, out = set(), []
    for seg in policy.segments:
        for n, lv in enumerate(seg.levels, 1):
            if (lv.template, lv.tone, lv.channel) not in seen:
                seen.add((lv.template, lv.tone, lv.channel))
                out.append((seg, n))
    return out


def _op(policy, seg, n: int, lang: str, debtor: str):
    """The operation the planner makes at level `n` of `seg` for a customer whose earlier levels all went out."""
    only = policy.model_copy(update={"segments": (seg.model_copy(update={"when": None}),)})
    due = AS_OF - timedelta(days=seg.levels[n - 1].offset)
    r = receivable(due=due, amount="1175.00", number="FA-2026-0042", issued=due - timedelta(days=30),
                   pay_url="https://acme.example/my/invoices/42?access_token=5c1e0b7e-2a9d-4f3e-9b8a-0d6c4e2f1a37",
                   discount_date=due - timedelta(days=2), discount_amount="1151.50")
    # each earlier level went out on its day, or more than a week ago (a policy's contact cap counts 7 days)
    history = [action(f"a{k}", min(due + timedelta(days=lv.offset), AS_OF - timedelta(days=8 + n - k)).isoformat(), k,
                      (r.id,), channel=lv.channel) for k, lv in enumerate(seg.levels[:n - 1], 1)]
    c = customer(lang=lang, kind="company", name="Dupont Industrie SARL", contact="Marie Dupont") if debtor == "professional" \
        else customer(lang=lang, kind="person", name="Jean Martin", contact="Jean Martin")
    ops = [o for o in make_plan(reconcile(ledger([c], [r], history), only, AS_OF), only).operations if o.kind == "action"]
    assert [o.level for o in ops] == [n], (policy.name, seg.name, n, [o.level for o in ops])
    return ops[0]


def _rendered(policy_name: str, lang: str, debtor: str) -> str:
    policy = load_policy(policy_name)
    parts = []
    for seg, n in _levels(policy):
        op = _op(policy, seg, n, lang, debtor)
        text = render(op, SENDER)
        lv = seg.levels[n - 1]
        parts.append(f"=== {seg.name} / level {n} {lv.name} ({op.channel}, {lv.template}, {lv.tone}) — "
                     f"{Path(text.path).parent.name}/{Path(text.path).name}\nSubject: {text.subject}\n\n{text.text}\n")
    return "\n".join(parts)


@pytest.mark.parametrize("debtor", ["professional", "consumer"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("policy_name", POLICIES)
def test_the_texts_of_every_level_are_the_reviewed_ones(policy_name, lang, debtor):
    path = GOLDEN / f"{policy_name}.{lang}.{debtor}.txt"
    got = _rendered(policy_name, lang, debtor)
    if os.environ.get("RELANCE_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: write it with RELANCE_UPDATE_GOLDEN=1 and review it"
    assert got == path.read_text(encoding="utf-8")


# what only the law between professionals gives: a consumer's text names none of it, at any level, in any language
B2B_CLAIMS = ("l441", "d441", "40,00", "40.00", "€40", "£40", "40 euros", "indemnité forfaitaire", "recovery costs",
              "recovery indemnity", "pauschale", "beitreibungskosten", "abs. 5", "288(5)", "costes de cobro",
              "3/2004", "2011/7", "late payment of commercial debts", "section 5a")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("policy_name", POLICIES)
def test_no_consumer_text_claims_the_law_between_professionals_and_no_customer_reads_a_staff_text(policy_name, lang):
    from connector import channels

    policy = load_policy(policy_name)
    for seg, n in _levels(policy):
        op = _op(policy, seg, n, lang, "consumer")
        text = render(op, SENDER)
        if channels.CHANNELS[op.channel].reader == "customer":
            assert channels.TEMPLATES[op.template] == "customer", (policy_name, seg.name, n, op.template)
            words = (text.subject + "\n" + text.text).lower()
            assert [c for c in B2B_CLAIMS if c in words] == [], (policy_name, seg.name, n, lang)
        pro = render(_op(policy, seg, n, lang, "professional"), SENDER)
        assert pro.lang == text.lang  # the same language for both kinds of debtor
