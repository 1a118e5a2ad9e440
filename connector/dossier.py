"""The file a collection agency receives at the hand-off: one zip with a PDF (who owes what to whom, the statement of
account, the dated history of every action and penalty as read back from Relance's markers) and copies of the
invoices and of the letters sent, as the source system keeps them, with an index of what is in it.

The agency reads it in the company's language (it is a staff text, like the hand-off task)."""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from fpdf.enums import XPos, YPos

from connector import letters, locales
from connector.models import DossierEntry, HistoryEntry, Letterhead, Operation
from connector.policy import Level
from connector.templates import FALLBACK_LANG, Library, fill, phrase

_KINDS = {"action", "penalty", "approved", "refused"}


def entries(history: Sequence[HistoryEntry], levels: Sequence[Level]) -> tuple[DossierEntry, ...]:
    """The customer's actions and penalties, oldest first, each with its level's name and where it is."""
    out = []
    for h in sorted(history, key=lambda h: (h.date, h.level or 0, h.key)):
        if h.kind not in _KINDS:
            continue
        name = levels[h.level - 1].name if h.level and h.level <= len(levels) else None
        out.append(DossierEntry(date=h.date, kind=h.kind, level=h.level, level_name=name, channel=h.channel,
                                penalty=h.penalty, amount=h.amount, currency=h.currency, ref=h.source_ref))
    return tuple(out)


def _what(e: DossierEntry, ph: dict, lang: str) -> str:
    words = ph.get("dossier", {})
    if e.kind == "penalty":
        kind = str(words.get("penalties", {}).get(e.penalty or "", e.penalty or ""))
        return f"{kind}, {locales.money(e.amount, e.currency, lang)}" if e.amount is not None and e.currency else kind
    channel = str(words.get("channels", {}).get(e.channel or "", (e.channel or "").replace("_", " ")))
    level = fill(phrase(ph, "dossier.level"), {"level": str(e.level or ""), "name": e.level_name or ""}, "dossier")
    if e.kind in ("approved", "refused"):
        return f"{level} — {phrase(ph, f'dossier.{e.kind}')}"
    return f"{level} — {channel}"


def title(op: Operation, ph: dict) -> str:
    return fill(phrase(ph, "dossier.title"), {"customer": op.customer_name}, "dossier")


def phrases(sender: Letterhead, library: Library | None = None) -> dict:
    """The agency reads the company's language."""
    return (library or Library()).phrases(sender.lang or FALLBACK_LANG)


def dossier_pdf(op: Operation, sender: Letterhead, library: Library | None = None,
                pieces: Sequence[str] = ()) -> bytes:
    """The dossier's PDF: parties and amount due, the history, the pieces attached, then the statement."""
    lang = sender.lang or FALLBACK_LANG
    ph = phrases(sender, library)
    heading = title(op, ph)
    pdf = letters.document(sender, ph, f"Relance {op.key[:12]}", op.as_of, heading)
    pdf.add_page()
    pdf.set_font(letters.FONT, "B", 14)
    pdf.multi_cell(0, 7, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(letters.FONT, "", 9)
    pdf.multi_cell(0, 5, fill(phrase(ph, "dossier.made"), {"date": locales.day(op.as_of, lang), "company": sender.name},
                              "dossier"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    debtor = [op.customer_name, fill(phrase(ph, "letter.customer"), {"id": op.customer_id}, "letter"), *op.address,
              op.contact or "", op.email or ""]
    creditor = [sender.name, *sender.address, f"{phrase(ph, 'letter.registry')} {sender.registry}" if sender.registry
                else "", f"{phrase(ph, 'letter.vat')} {sender.vat}" if sender.vat else "", sender.email or ""]
    y = pdf.get_y()
    for x, head, lines in ((letters.LEFT, "dossier.debtor", debtor), (110.0, "dossier.creditor", creditor)):
        pdf.set_xy(x, y)
        pdf.set_font(letters.FONT, "B", 10)
        pdf.cell(85, 5, phrase(ph, head), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(letters.FONT, "", 9)
        for line in (ln for ln in lines if ln):
            pdf.multi_cell(85, 4.5, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(letters.LEFT, max(pdf.get_y(), y + 40) + 4)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for i in op.statement or op.items:
        totals[i.currency] += i.open_amount
    due = " + ".join(locales.money(v, c, lang) for c, v in sorted(totals.items()))
    pdf.set_font(letters.FONT, "B", 10)
    pdf.multi_cell(0, 5, fill(phrase(ph, "dossier.total"), {"total": due}, "dossier"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(letters.FONT, "B", 11)
    pdf.cell(0, 6, phrase(ph, "dossier.history"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    head = ph.get("dossier", {}).get("history_head", {})
    rows = [(locales.day(e.date, lang), _what(e, ph, lang), e.ref or "") for e in op.dossier]
    if rows:
        letters.table(pdf, tuple(str(head.get(k, k)) for k in ("date", "what", "ref")), rows, None, (32, 103, 40),
                      (False, False, False))
    else:
        pdf.set_font(letters.FONT, "", 9)
        pdf.cell(0, 5, phrase(ph, "dossier.no_history"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if pieces:
        pdf.ln(2)
        pdf.set_font(letters.FONT, "B", 11)
        pdf.cell(0, 6, phrase(ph, "dossier.pieces"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(letters.FONT, "", 9)
        for piece in pieces:
            pdf.multi_cell(0, 4.5, f"- {piece}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if op.statement:
        letters.statement_page(pdf, op, sender, ph, lang)
    return bytes(pdf.output())


def bundle(op: Operation, sender: Letterhead, files: Sequence[tuple[str, bytes]], missing: Sequence[str] = (),
           library: Library | None = None) -> bytes:
    """The zip: dossier.pdf, then each copy under invoices/ or letters/ as named, and index.txt listing them and
    what the source system had no copy of. Dated entries make the same bytes for the same content."""
    names = [name for name, _ in files]
    pieces = [*names, *missing]
    out = io.BytesIO()
    stamp = (op.as_of.year, op.as_of.month, op.as_of.day, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        put("dossier.pdf", dossier_pdf(op, sender, library, pieces))
        for name, data in files:
            put(name, data)
        put("index.txt", "\n".join(["dossier.pdf", *names, *(f"(not attached) {m}" for m in missing)]).encode() + b"\n")
    return out.getvalue()


def file_name(op: Operation, ext: str = "zip") -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in op.customer_name)[:40].strip("-")
    return f"dossier-{safe or op.customer_id}-{op.as_of}-{op.key[:12]}.{ext}"
