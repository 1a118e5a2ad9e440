"""The words of one follow-up action: its template filled from the operation, the company that signs it and the
reader's phrases, amounts and dates in the reader's locale. The customer reads customer texts in the customer's
language; staff read call and agency tasks in the company's.

Placeholders a template may use: $salutation $customer $contact $company $numbers $items $total $as_of $pay_by
$deadline $penalties $consumer_interest $discount $pay_link $promise $consequences $level. A paragraph left empty (no penalties for a consumer,
no pay-now link) is dropped, so templates need no conditionals.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from connector import channels, jurisdictions, locales
from connector.models import Letterhead, Operation
from connector.templates import FALLBACK_LANG, Library, Rendered, Table, fill, phrase, split_template

_FORMAL_TONES = ("formal", "final")  # a formal notice opens "Madame, Monsieur," whoever reads it
_ITEMS = "$items"


def reader(op: Operation) -> str:
    return channels.CHANNELS[op.channel].reader if op.channel else "staff"


def signer(op: Operation, companies: list[Letterhead]) -> Letterhead:
    """The company of the operation's items, which signs it (the first company when the items name none)."""
    by_id = {c.id: c for c in companies}
    return by_id.get(op.company_id) or (companies[0] if companies else Letterhead(name=""))


def recipient(op: Operation) -> str:
    """Where the operation goes, in words: the e-mail address, the postal address, or whose task it is."""
    info = channels.CHANNELS[op.channel]
    if info.sent:
        return op.email or "no e-mail on file"
    if info.letter:
        return " / ".join((op.customer_name, *op.address))
    return f"a task for {'user ' + op.collector if op.collector else 'the follow-up team'}"


def language(op: Operation, sender: Letterhead) -> str:
    """The customer's language for what the customer reads; the company's for its own people."""
    if reader(op) == "customer":
        return op.lang or sender.lang or FALLBACK_LANG
    return sender.lang or FALLBACK_LANG


def _totals(op: Operation, lang: str) -> str:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for i in op.items:
        sums[i.currency] += i.open_amount
    return " + ".join(locales.money(v, c, lang) for c, v in sorted(sums.items())) or locales.money(op.amount, op.currency, lang)


def items_table(op: Operation, ph: dict, lang: str, where: str) -> Table:
    heads = ph.get("table", {})
    head = tuple(str(heads.get(k, k)) for k in ("number", "issued", "due", "late", "open"))
    rows, lines = [], []
    for i in op.items:
        values = {"number": i.number, "due": locales.day(i.due_date, lang),
                  "issued": locales.day(i.issue_date, lang) if i.issue_date else "",
                  "amount": locales.money(i.open_amount, i.currency, lang), "late": locales.days(i.days_late, lang)}
        kind = "late" if i.days_late > 0 else "due"
        lines.append(fill(phrase(ph, f"item.{kind}"), values, where))
        rows.append((i.number, values["issued"], values["due"], values["late"] if i.days_late > 0 else "",
                     values["amount"]))
    total = (str(heads.get("total", "Total")), "", "", "", _totals(op, lang))
    return Table(head=head, rows=tuple(rows), total=total, lines=tuple(lines), numeric=(False, False, False, True, True))


def _penalties(op: Operation, ph: dict, lang: str, where: str) -> str:
    """The statutory penalties to date, for a professional; nothing for a consumer, whatever the template says."""
    n = op.notice
    if op.debtor == "consumer" or n is None or (n.interest is None and n.indemnity is None):
        return ""
    jur = n.jurisdiction or "default"
    values = {"as_of": locales.day(op.as_of, lang),
              "rate": locales.percent(n.interest_rate, lang) if n.interest_rate is not None else "",
              "interest": locales.money(n.interest, op.currency, lang) if n.interest is not None else "",
              "indemnity": locales.money(n.indemnity, n.indemnity_currency, lang) if n.indemnity is not None else "",
              "indemnity_each": (locales.money(n.indemnity_each, n.indemnity_currency, lang)
                                 if n.indemnity_each is not None else "")}
    out = []
    if n.interest is not None:
        out.append(fill(ph.get("interest", {}).get(jur) or phrase(ph, "interest.default"), values, where))
    if n.indemnity is not None:
        key = "indemnity_each" if n.indemnity_each is not None else "indemnity"
        out.append(fill(ph.get(key, {}).get(jur) or phrase(ph, f"{key}.default"), values, where))
    return " ".join(out)


def _consumer_interest(op: Operation, ph: dict, where: str) -> str:
    """A consumer's formal notice: the legal interest that runs from it, where the consumer's rules give one."""
    n = op.notice
    if op.debtor != "consumer" or n is None or not n.jurisdiction or jurisdictions.get(n.jurisdiction).interest is None:
        return ""
    return fill(ph.get("consumer_interest", {}).get(n.jurisdiction) or phrase(ph, "consumer_interest.default"), {}, where)


def _discount(op: Operation, ph: dict, lang: str, where: str) -> str:
    out = []
    for i in op.items:
        whole = i.amount is None or i.open_amount == i.amount  # the discount is on the whole installment, unpaid
        if (whole and i.discount_date and i.discount_amount is not None and i.discount_date >= op.as_of
                and i.discount_amount < i.open_amount):
            out.append(fill(phrase(ph, "discount"), {
                "number": i.number, "until": locales.day(i.discount_date, lang),
                "amount": locales.money(i.discount_amount, i.currency, lang),
                "open": locales.money(i.open_amount, i.currency, lang)}, where))
    return "\n".join(out)


def _pay_link(op: Operation, ph: dict, where: str) -> str:
    linked = [i for i in op.items if i.pay_url]
    if not linked:
        return ""
    if len(linked) == 1:
        return fill(phrase(ph, "pay.one"), {"number": linked[0].number, "url": linked[0].pay_url}, where)
    lines = [fill(phrase(ph, "pay.line"), {"number": i.number, "url": i.pay_url}, where) for i in linked]
    return "\n".join([phrase(ph, "pay.many"), *lines])


def _promise(op: Operation, ph: dict, lang: str, where: str) -> str:
    """A promise to pay the customer made and did not keep, in the first message after its date."""
    m = op.notice.promise_missed if op.notice else None
    if m is None:
        return ""
    values = {"agreed": locales.day(m.agreed_on, lang), "due": locales.day(m.due_date, lang),
              "amount": locales.money(m.amount, m.currency, lang) if m.amount is not None else ""}
    return fill(phrase(ph, "promise_missed.amount" if m.amount is not None else "promise_missed.balance"), values, where)


def _consequences(op: Operation, ph: dict, lang: str, pay_by: str, where: str) -> str:
    if op.notice is None or not op.notice.next_steps:
        return ""
    steps = [phrase(ph, f"steps.{s}") for s in op.notice.next_steps]
    return fill(phrase(ph, "consequences"), {"pay_by": pay_by, "steps": locales.listing(steps, lang)}, where)


def render(op: Operation, sender: Letterhead | str, library: Library | None = None) -> Rendered:
    """Subject and blocks of the operation's text; raises ConfigError naming the file of a bad template."""
    if isinstance(sender, str):
        sender = Letterhead(name=sender)
    lib = library or Library()
    lang = language(op, sender)
    path = lib.find(op.template or "reminder", lang, op.tone, op.debtor if reader(op) == "customer" else "professional")
    where = str(path)
    ph = lib.phrases(lang)
    subject, body = split_template(path)
    table = items_table(op, ph, lang, where) if op.items else None
    pay_by = locales.day(op.notice.pay_by, lang) if op.notice and op.notice.pay_by else ""
    # a letter and a formal notice open "Madame, Monsieur," (the contact is in the address block); an e-mail greets
    named = bool(op.contact) and op.channel == "email" and op.tone not in _FORMAL_TONES
    values = {
        "customer": op.customer_name, "contact": op.contact or phrase(ph, "no_contact", "-"), "company": sender.name,
        "numbers": ", ".join(i.number for i in op.items[:5]) + (" …" if len(op.items) > 5 else ""),
        "items": "\n".join(table.lines) if table else "\n".join(
            f"- {ln.description}: {locales.money(ln.amount, ln.currency, lang)}" for ln in op.lines),
        "total": table.total[-1] if table else _totals(op, lang), "as_of": locales.day(op.as_of, lang), "pay_by": pay_by,
        "deadline": locales.day(op.deadline, lang) if op.deadline else "", "level": op.level_name or "",
        "salutation": fill(phrase(ph, "salutation_named"), {"contact": op.contact}, where) if named
                      else phrase(ph, "salutation"),
        "penalties": _penalties(op, ph, lang, where), "consumer_interest": _consumer_interest(op, ph, where),
        "discount": _discount(op, ph, lang, where),
        "pay_link": _pay_link(op, ph, where), "promise": _promise(op, ph, lang, where), "consequences": _consequences(op, ph, lang, pay_by, where),
    }
    blocks: list[str | Table] = []
    for para in body.split("\n\n"):
        if para.strip() == _ITEMS and table is not None:
            blocks.append(table)
            continue
        text = "\n".join(line for line in fill(para, values, where).split("\n") if line.strip())
        if text.strip():
            blocks.append(text.strip("\n"))
    return Rendered(subject=fill(subject, values, where), blocks=tuple(blocks), lang=lang, path=where, phrases=ph)
