"""`relance check` of the texts a policy can send: each template exists, renders (no unknown placeholder, a
subject line) in each language, for a professional and a consumer, with every optional sentence filled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from connector import channels
from connector.errors import ConfigError
from connector.messages import render
from connector.models import Letterhead, Notice, Operation
from connector.policy import Policy
from connector.templates import FALLBACK_LANG, Library


def policy_templates(policy: Policy) -> dict[str, set[str]]:
    """Every template a plan under `policy` can render, with who reads it (customer, staff): each level's, and the
    texts of the channels its levels fall back to (`connector.channels.template_for`)."""
    out: dict[str, set[str]] = {}
    for seg in policy.segments:
        for lv in seg.levels:
            for channel in (lv.channel, *lv.fallback, channels.LAST_RESORT):
                name = channels.template_for(lv.channel, lv.template, channel)
                out.setdefault(name, set()).add(channels.CHANNELS[channel].reader)
    return out


def sample(template: str, channel: str, tone: str | None, lang: str, debtor: str) -> Operation:
    """An operation that fills every placeholder and optional sentence of a template."""
    day = date(2026, 1, 15)
    return Operation(
        key="0" * 32, kind="action", as_of=day, customer_id="0", customer_name="Customer", target="customer",
        target_id="0", channel=channel, level=1, level_name="check", template=template, tone=tone, lang=lang,
        debtor=debtor, deadline=day, currency="EUR", amount=Decimal("100.00"), reason="check", contact="Contact",
        items=({"receivable_id": "0", "invoice_id": "0", "number": "INV/0001", "due_date": date(2026, 1, 1),
                "days_late": 14, "open_amount": Decimal("100.00"), "currency": "EUR", "issue_date": date(2025, 12, 1),
                "pay_url": "https://example.com/pay", "discount_date": day, "discount_amount": Decimal("98.00")},),
        notice=Notice(pay_by=day, jurisdiction=policy_jurisdiction(debtor), interest=Decimal("1.00"),
                      interest_rate=Decimal("12.15"), indemnity=Decimal(40), indemnity_each=Decimal(40),
                      indemnity_currency="EUR", next_steps=("penalties", "agency")))


def policy_jurisdiction(debtor: str) -> str:
    return "fr-b2c" if debtor == "consumer" else "fr-b2b"


def check_templates(policy: Policy, library: Library | None = None,
                    langs: Iterable[str] | None = None) -> tuple[list[str], list[str]]:
    """(problems, warnings). A template missing from English, or one that does not render, is a problem; so is a
    customer text missing in a language of `langs` (the tenant's customers'), which would go out in English. Any
    other language without a text of its own is a warning."""
    lib = library or Library()
    wanted = set(langs or ())
    problems, warnings = [], []
    uses = {(lv.template, lv.tone, lv.channel) for seg in policy.segments for lv in seg.levels}
    for name, readers in sorted(policy_templates(policy).items()):
        try:
            lib.find(name, FALLBACK_LANG)
        except ConfigError as exc:
            problems.append(f"{exc} (policy {policy.name} uses it)")
            continue
        tones = {t for n, t, _ in uses if n == name} or {None}
        channel = next((c for n, _, c in uses if n == name), None) or (
            "email" if "customer" in readers else channels.LAST_RESORT)
        if channels.CHANNELS[channel].reader not in readers:
            channel = "email" if "customer" in readers else channels.LAST_RESORT
        for lang in sorted(set(lib.languages()) | wanted):
            if "customer" in readers and lib.find(name, lang).parent.name[:2] != lang[:2]:
                line = f"{lang} has no {name}.txt: its customers would read it in English"
                (problems if lang in wanted else warnings).append(line)
            for tone in sorted(tones, key=str):
                for debtor in ("professional", "consumer"):
                    try:
                        render(sample(name, channel, tone, lang, debtor), Letterhead(name="Company", lang=lang), lib)
                    except ConfigError as exc:
                        problems.append(str(exc))
    return sorted(set(problems)), sorted(set(warnings))
