"""Promises to pay as collectors record them in the source system, read into `PaymentPlan`s.

One promise is a date and an amount on an invoice or on a customer. In Odoo it is a "Relance: promise to pay"
activity: its deadline the promised date, its summary the amount (empty: the whole balance). In QuickBooks it is
a line of a note attached to the invoice or the customer:

    Promise to pay: 1,500.00 EUR by 2026-07-15
    Promesse de paiement : 1 500,00 € le 15/07/2026
    Promise to pay: balance by 2026-07-15

Several promises on one record make a payment plan, one instalment each. A promise recorded after the dates of all
the earlier ones on its record starts a new plan: the earlier ones are history. A promise that cannot be read is
not ignored: what it covers is held, and the plan's skips say which record to correct.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from pydantic import dataclasses

from connector.models import Instalment, Ledger, PaymentPlan, Receivable

_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
_CENT = Decimal("0.01")
_CODE = re.compile(r"\b([A-Z]{3})\b")
_NUMBER = re.compile(r"^[+]?\d[\d\s\u00a0\u202f.,']*$")
_BALANCE = {"", "balance", "solde", "total", "all", "tout", "saldo", "rest", "todo"}
KEYWORDS = ("promise to pay", "promesse de paiement", "zahlungszusage", "promesa de pago")
_LINE = re.compile(r"^\s*(?:%s)\s*:\s*(?P<amount>.*?)\s+(?:by|le|au plus tard le|bis|am|el|antes del?)\s+"
                   r"(?P<date>\S+)\s*\.?\s*$" % "|".join(map(re.escape, KEYWORDS)), re.IGNORECASE)
_DATES = (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$"))
SYNTAX = ("'Promise to pay: 1500.00 EUR by 2026-07-15' (or 'Promesse de paiement : 1 500,00 € le 15/07/2026'; "
          "'balance' for the whole balance)")


class PromiseError(ValueError):
    """What is wrong with a promise, in words for the collector who wrote it."""


class Scope:
    """What a promise read from the source can be about: the invoices and customers of the ledger read."""

    def __init__(self, ledger: Ledger):
        invoices: dict[str, list[Receivable]] = defaultdict(list)
        for r in ledger.receivables:
            invoices[r.invoice_id].append(r)
        self.invoices = dict(invoices)
        self.customers = {c.id for c in ledger.customers}
        self.currency = {r.customer_id: r.currency for r in ledger.receivables}

    def on_invoices(self, invoice_ids: Iterable[str]) -> tuple[str, tuple[str, ...], str, str] | None:
        """(customer, receivable ids, currency, numbers) of the invoices Relance follows among these; None if none."""
        recs = [r for i in invoice_ids for r in self.invoices.get(i, ())]
        if not recs:
            return None  # paid long ago, or not a customer invoice Relance follows
        return (recs[0].customer_id, tuple(sorted(r.id for r in recs)), recs[0].currency,
                ", ".join(sorted({r.number for r in recs})))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Promise:
    """One promise as an adapter read it, before promises on the same record are made one plan."""

    customer_id: str
    record: str  # the source's words for where it is: "promise on INV/2026/00012 (mail.activity 41)"
    group: str  # promises with the same group (the record they are on) make one plan
    receivable_ids: tuple[str, ...]  # empty: every receivable of the customer issued by the promise's day
    made_on: date
    due_date: date | None
    amount: Decimal | None
    currency: str
    error: str | None = None


def parse_amount(text: str, currency: str) -> Decimal | None:
    """'1 500,00 €', '1,500.00 EUR', '1500' -> Decimal; '' or 'balance' -> None (the whole balance)."""
    raw = " ".join(str(text or "").split())
    if raw.casefold() in _BALANCE:
        return None
    named = None
    for symbol, code in _SYMBOLS.items():
        if symbol in raw:
            named, raw = code, raw.replace(symbol, " ")
    if m := _CODE.search(raw):
        named, raw = m.group(1), raw[:m.start()] + raw[m.end():]
    if named and named != currency:
        raise PromiseError(f"amount {text!r} is in {named}, the items it covers are in {currency}")
    raw = raw.strip()
    if not _NUMBER.match(raw):
        raise PromiseError(f"{text!r} is not an amount: write e.g. 1500.00, 1 500,00 or leave it empty "
                           f"for the whole balance")
    digits = re.sub(r"[\s\u00a0\u202f']", "", raw)
    marks = [c for c in digits if c in ".,"]
    whole, cents = digits, ""
    if marks:
        mark = marks[-1]
        head, _, tail = digits.rpartition(mark)
        if len(set(marks)) == 2 or (marks.count(mark) == 1 and len(tail) in (1, 2)):
            whole, cents = head, tail  # the last mark is the decimal one: 1.500,00 / 1,500.00 / 1500,5
        elif any(len(g) != 3 for g in digits.split(mark)[1:]):
            raise PromiseError(f"{text!r} is not an amount: write e.g. 1500.00 or 1 500,00")
    whole = whole.replace(".", "").replace(",", "")
    if not whole.isdigit() or (cents and not cents.isdigit()):
        raise PromiseError(f"{text!r} is not an amount: write e.g. 1500.00 or 1 500,00")
    value = Decimal(f"{whole}.{cents or '0'}").quantize(_CENT)
    if value <= 0:
        raise PromiseError(f"amount {text!r} must be more than zero")
    return value


def parse_date(text: str) -> date:
    """2026-07-15 or 15/07/2026 (day first, as written in Europe)."""
    for i, pattern in enumerate(_DATES):
        if m := pattern.match(text.strip().rstrip(".")):
            y, mo, d = (m.groups() if i == 0 else reversed(m.groups()))
            try:
                return date(int(y), int(mo), int(d))
            except ValueError:
                break
    raise PromiseError(f"{text!r} is not a date: write 2026-07-15 or 15/07/2026")


def parse_note(text: str, currency: str) -> list[tuple[date | None, Decimal | None, str | None]]:
    """Every promise line of a note: (date, amount, error). Lines that are not promises are ignored; a line that
    starts like one and cannot be read is returned with its error."""
    out: list[tuple[date | None, Decimal | None, str | None]] = []
    for line in str(text or "").splitlines():
        stripped = line.strip()
        if not stripped.casefold().startswith(KEYWORDS):
            continue
        m = _LINE.match(stripped)
        if not m:
            out.append((None, None, f"{stripped!r} does not read as {SYNTAX}"))
            continue
        try:
            out.append((parse_date(m.group("date")), parse_amount(m.group("amount"), currency), None))
        except PromiseError as exc:
            out.append((None, None, f"{stripped!r}: {exc}"))
    return out


def plans(promises: Iterable[Promise], as_of: date) -> list[PaymentPlan]:
    """The current plan of each record as of a day: its promises from the last one made after every earlier date
    (a promise made after `as_of` did not exist that day)."""
    by_group: dict[str, list[Promise]] = defaultdict(list)
    for p in promises:
        if p.made_on <= as_of:
            by_group[p.group].append(p)
    out = []
    for group in sorted(by_group):
        rows = sorted(by_group[group], key=lambda p: (p.made_on, p.due_date or date.min))
        start, latest = 0, None
        for i, p in enumerate(rows):
            if latest is not None and p.made_on > latest:
                start = i  # made after every earlier promise fell due: a new plan
            if p.due_date and (latest is None or p.due_date > latest):
                latest = p.due_date
        current = rows[start:]
        first = current[0]
        errors = [f"{p.record}: {p.error}" for p in current if p.error]
        currencies = {p.currency for p in current}
        if len(currencies) > 1:
            errors.append(f"{first.record}: promises in {' and '.join(sorted(currencies))} on one record")
        out.append(PaymentPlan(
            customer_id=first.customer_id, agreed_on=first.made_on, currency=first.currency,
            instalments=tuple(Instalment(due_date=p.due_date, amount=p.amount) for p in current if p.due_date),
            receivable_ids=first.receivable_ids, ref=first.record, error="; ".join(errors) or None))
    return out
