"""Letters and formal notices as business letters on A4, drawn with fpdf2 in an embedded DejaVu Sans (any Latin,
Greek or Cyrillic name prints as written: é, ß, ł, ğ).

The layout is a French business letter: the letterhead at the top left; the recipient's block where the window
of a DL envelope (110 × 220 mm, window on the right) shows it once the sheet is folded in three, 110 mm from the
left edge and 50 mm from the top; place and date, the registered-mail mention, subject and reference; the body
with the items table; the company's legal mentions (registration and VAT numbers) at the foot of each page. A
formal notice carries the customer's statement of account on a page of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from connector import locales
from connector.models import Letterhead, Operation
from connector.templates import Rendered, Table, fill, phrase

_FONTS = Path(str(resources.files("connector") / "fonts"))
FONT = "DejaVu"
LEFT, _RIGHT, _TOP = 20.0, 15.0, 15.0
_WINDOW = (110.0, 50.0, 85.0)  # x, y, width of the recipient block, in mm (DL window envelope)
_GREY = (90, 90, 90)
_BODY, _LINE = 9.5, 4.6  # body text size (pt) and line height (mm)


class _Letter(FPDF):
    def __init__(self, foot: list[str], page_word: str):
        super().__init__(format="A4", unit="mm")
        self.foot, self.page_word = foot, page_word
        self.add_font(FONT, "", str(_FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(LEFT, _TOP, _RIGHT)
        self.set_auto_page_break(True, margin=28)

    def footer(self) -> None:
        self.set_y(-22)
        self.set_font(FONT, "", 7)
        self.set_text_color(*_GREY)
        for line in self.foot:
            self.cell(0, 3.5, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 3.5, fill(self.page_word, {"page": str(self.page_no()), "pages": "{nb}"}, "letter.page"),
                  align="R")
        self.set_text_color(0, 0, 0)


def _head(sender: Letterhead, ph: dict) -> list[str]:
    lines = [*sender.address]
    contact = [f"{phrase(ph, 'letter.phone')} {sender.phone}" if sender.phone else "",
               f"{phrase(ph, 'letter.email')} {sender.email}" if sender.email else ""]
    lines.append("  ·  ".join(x for x in contact if x))
    return [ln for ln in lines if ln]


def _foot(sender: Letterhead, ph: dict, reference: str) -> list[str]:
    legal = [sender.name, ", ".join(sender.address[:2])]
    if sender.registry:
        legal.append(f"{phrase(ph, 'letter.registry')} {sender.registry}")
    if sender.vat:
        legal.append(f"{phrase(ph, 'letter.vat')} {sender.vat}")
    return ["  ·  ".join(x for x in legal if x), reference]


def table(pdf: FPDF, head: tuple[str, ...], rows: list[tuple[str, ...]], total: tuple[str, ...] | None,
           widths: tuple[float, ...], numeric: tuple[bool, ...]) -> None:
    pdf.set_font(FONT, "", 8.5)
    align = tuple("RIGHT" if n else "LEFT" for n in numeric)
    margin = pdf.c_margin
    with pdf.table(align="LEFT", width=pdf.epw, col_widths=widths, text_align=align, line_height=5.5, first_row_as_headings=True,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)), borders_layout="HORIZONTAL_LINES", padding=1) as t:
        for row in (head, *rows):
            r = t.row()
            for cell in row:
                r.cell(cell)
        if total:
            r = t.row()
            pdf.set_font(FONT, "B", 9)
            for cell in total:
                r.cell(cell)
    pdf.c_margin = margin
    pdf.set_font(FONT, "", _BODY)
    pdf.ln(2)


def _items(pdf: FPDF, t: Table) -> None:
    table(pdf, t.head, list(t.rows), t.total, (30, 30, 34, 30, 51), t.numeric or (False,) * 5)


def statement_page(pdf: FPDF, op: Operation, sender: Letterhead, ph: dict, lang: str) -> None:
    """The relevé de compte: every open item of the customer with the company, its original and open amounts."""
    pdf.add_page()
    pdf.set_text_color(0, 0, 0)
    day = locales.day(op.as_of, lang)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, fill(phrase(ph, "letter.statement"), {"date": day}, "letter.statement"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5, fill(phrase(ph, "letter.statement_intro"),
                              {"customer": op.customer_name, "company": sender.name, "date": day}, "letter"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    h = ph.get("letter", {}).get("statement_head", {})
    head = tuple(str(h.get(k, k)) for k in ("number", "issued", "due", "amount", "paid", "open"))
    rows, opened = [], defaultdict(Decimal)
    for i in op.statement:
        paid = (i.amount or i.open_amount) - i.open_amount
        rows.append((i.number, locales.day(i.issue_date, lang) if i.issue_date else "", locales.day(i.due_date, lang),
                     locales.money(i.amount or i.open_amount, i.currency, lang), locales.money(paid, i.currency, lang),
                     locales.money(i.open_amount, i.currency, lang)))
        opened[i.currency] += i.open_amount
    total = " + ".join(locales.money(v, c, lang) for c, v in sorted(opened.items()))
    label = str(ph.get("table", {}).get("total", "Total"))
    table(pdf, head, rows, (label, "", "", "", "", total), (35, 26, 26, 30, 27, 31),
           (False, False, False, True, True, True))


def document(sender: Letterhead, ph: dict, reference: str, day: dt.date, title: str) -> FPDF:
    """An empty A4 document with the company's legal mentions at the foot of each page, dated `day` (the same
    bytes for the same content)."""
    pdf = _Letter(_foot(sender, ph, reference), phrase(ph, "letter.page"))
    pdf.set_creation_date(dt.datetime.combine(day, dt.time(), dt.timezone.utc))
    pdf.set_title(title)
    pdf.set_author(sender.name)
    return pdf


def letter_pdf(text: Rendered, op: Operation, sender: Letterhead, reference: str) -> bytes:
    """A4 PDF bytes of one letter: the same bytes for the same operation (the creation date is its as-of date)."""
    ph, lang = text.phrases, text.lang
    pdf = document(sender, ph, reference, op.as_of, text.subject)
    pdf.add_page()
    pdf.set_font(FONT, "B", 13)
    pdf.cell(85, 6, sender.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    for line in _head(sender, ph):
        pdf.cell(85, 4, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    x, y, w = _WINDOW
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(w, 5, op.customer_name, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    if op.contact and op.contact != op.customer_name:
        pdf.multi_cell(w, 5, fill(phrase(ph, "letter.attention"), {"contact": op.contact}, "letter"),
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
    for line in op.address:
        pdf.multi_cell(w, 5, line, new_x=XPos.LEFT, new_y=YPos.NEXT)

    day = locales.day(op.as_of, lang)
    dated = (fill(phrase(ph, "letter.place_date"), {"city": sender.city, "date": day}, "letter") if sender.city
             else fill(phrase(ph, "letter.date_only"), {"date": day}, "letter"))
    pdf.set_xy(x, max(pdf.get_y() + 6, 90))
    pdf.cell(w, 5, dated, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    if op.channel == "registered_letter":
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, phrase(ph, "letter.registered").upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5, f"{phrase(ph, 'letter.subject')} {text.subject}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    customer = fill(phrase(ph, "letter.customer"), {"id": op.customer_id}, "letter")
    pdf.cell(0, 5, f"{phrase(ph, 'letter.reference')} {reference}  ·  {customer}", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.ln(4)

    pdf.set_font(FONT, "", _BODY)
    for block in text.blocks:
        if isinstance(block, Table):
            _items(pdf, block)
        else:
            pdf.set_x(LEFT)
            pdf.multi_cell(0, _LINE, block, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
    if op.statement:
        pdf.set_font(FONT, "", 8.5)
        pdf.cell(0, 5, phrase(ph, "letter.enclosure"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        statement_page(pdf, op, sender, ph, lang)
    return bytes(pdf.output())

