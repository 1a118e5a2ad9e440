"""Reminder texts rendered in the customer's language from `mappings/templates/<lang>/<template>.txt`.

Plain `string.Template` placeholders ($customer, $items, $total, $numbers, $company): no expression
language. The first line `Subject: ...` is the subject. Customer data is escaped for HTML output.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from string import Template

from connector import channels, locales
from connector.errors import ConfigError
from connector.models import Operation
from connector.policy import Policy

FALLBACK_LANG = "en_US"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str

    @property
    def html(self) -> str:
        paragraphs = self.text.split("\n\n")
        return "".join(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs)


def _dir(root: Path | None) -> Path:
    return root or Path(str(resources.files("mappings") / "templates"))


def template_path(name: str, lang: str | None, root: Path | None = None, debtor: str = "professional") -> Path:
    """The template in the customer's language (else its two-letter family, else English); for a consumer,
    `<name>.consumer.txt` where it exists: the texts that cite the law between professionals have their own."""
    base = _dir(root)
    files = [f"{name}.consumer.txt", f"{name}.txt"] if debtor == "consumer" else [f"{name}.txt"]
    for candidate in (lang, (lang or "")[:2], FALLBACK_LANG):
        if not candidate:
            continue
        for folder in (candidate, *sorted(p.name for p in base.glob(f"{candidate}*") if p.is_dir())):
            for file in files:
                path = base / folder / file
                if path.is_file():
                    return path
    raise ConfigError(str(base / FALLBACK_LANG / f"{name}.txt"), f"no template {name!r} for language {lang or FALLBACK_LANG}")


def item_lines(op: Operation, root: Path | None = None) -> str:
    """One line per item in the customer's language, from `<lang>/_item.txt`: its first line for an item past
    due, its second for one not yet due."""
    lang = op.lang
    if not op.items:
        return "\n".join(f"- {ln.description}: {locales.money(ln.amount, ln.currency, lang)}" for ln in op.lines)
    path = template_path("_item", lang, root)
    late, due = (path.read_text(encoding="utf-8").strip().splitlines() + ["", ""])[:2]
    if not (late and due):
        raise ConfigError(str(path), "two lines are needed: an item past due, then one not yet due")
    out = []
    for i in op.items:
        values = {"number": i.number, "due": locales.day(i.due_date, lang),
                  "amount": locales.money(i.open_amount, i.currency, lang), "late": locales.days(i.days_late, lang)}
        try:
            out.append(Template(late if i.days_late > 0 else due).substitute(values))
        except (KeyError, ValueError) as exc:
            raise ConfigError(str(path), f"unknown or malformed placeholder {exc}") from None
    return "\n".join(out)


def render(op: Operation, company: str, root: Path | None = None) -> Rendered:
    path = template_path(op.template or "reminder", op.lang, root, op.debtor)
    raw = path.read_text(encoding="utf-8")
    first, _, body = raw.partition("\n")
    if not first.startswith("Subject:"):
        raise ConfigError(str(path), "the first line must be 'Subject: ...'")
    totals: dict[str, object] = {}
    for i in op.items:
        totals[i.currency] = totals.get(i.currency, 0) + i.open_amount
    values = {
        "customer": op.customer_name, "company": company,
        "numbers": ", ".join(i.number for i in op.items[:5]) + (" …" if len(op.items) > 5 else ""),
        "items": item_lines(op, root),
        "total": " + ".join(locales.money(v, c, op.lang) for c, v in sorted(totals.items()))
                 or locales.money(op.amount, op.currency, op.lang),
    }
    try:
        return Rendered(subject=Template(first.removeprefix("Subject:").strip()).substitute(values),
                        text=Template(body.strip()).substitute(values))
    except (KeyError, ValueError) as exc:
        raise ConfigError(str(path), f"unknown or malformed placeholder {exc}") from None


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


def check_templates(policy: Policy, root: Path | None = None) -> tuple[list[str], list[str]]:
    """(problems, warnings) for `relance check`: a template the policy names that is missing from the English
    fallback, or that does not render (an unknown placeholder, no subject line), is a problem; one a language
    has no text of its own for (it falls back to English) is a warning."""
    base = _dir(root)
    langs = sorted(p.name for p in base.iterdir() if p.is_dir())
    sample = Operation(key="0" * 32, kind="action", as_of=date(2026, 1, 15), customer_id="0", customer_name="Customer",
                       target="customer", target_id="0", channel="email", level=1, currency="EUR",
                       amount=Decimal("100.00"), reason="check", items=({
                           "receivable_id": "0", "invoice_id": "0", "number": "INV/0001", "due_date": date(2026, 1, 1),
                           "days_late": 14, "open_amount": Decimal("100.00"), "currency": "EUR"},))
    problems, warnings = [], []
    used = {**policy_templates(policy), "_item": {"customer"}}
    for name in sorted(used):
        if not (base / FALLBACK_LANG / f"{name}.txt").is_file():
            problems.append(f"{base / FALLBACK_LANG / name}.txt: no such template (policy {policy.name} uses it)")
            continue
        for lang in langs:
            if "customer" in used[name] and not (base / lang / f"{name}.txt").is_file():
                warnings.append(f"{lang} has no {name}.txt: its customers read it in English")
            if name == "_item":
                continue
            for debtor in ("professional", "consumer"):
                try:
                    render(replace(sample, template=name, lang=lang, debtor=debtor), "Company", root)
                except ConfigError as exc:
                    problems.append(str(exc))
    return sorted(set(problems)), warnings
