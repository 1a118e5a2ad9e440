"""Letters and formal notices as PDF business letters: every name prints as written (an embedded Unicode font), the
recipient sits where a DL window envelope shows it, the formal notice carries the statement of account. The text is
read back with pypdf; where the address sits, with poppler's pdftotext (Debian's poppler-utils, which .ci/run
installs)."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from connector.letters import letter_pdf
from connector.messages import render
from connector.models import Item, Letterhead, Notice, Operation

SENDER = Letterhead(name="Acme Équipements SAS", address=("8 avenue de l'Opéra", "75001 Paris", "FRANCE"), city="Paris",
                    phone="+33 1 40 00 00 00", email="recouvrement@acme.example", vat="FR12345678901",
                    registry="123 456 789 00012", lang="fr_FR")


def _item(n: str, due: date, amount: str, late: int) -> Item:
    return Item(receivable_id=n, invoice_id=n, number=f"FA2026/{n}", due_date=due, days_late=late,
                open_amount=Decimal(amount), currency="EUR", issue_date=date(2026, 3, 15), amount=Decimal(amount) + 100)


def _notice(**kw) -> Operation:
    items = (_item("0042", date(2026, 4, 30), "1175.00", 46), _item("0043", date(2026, 5, 15), "310.50", 31))
    base = dict(key="k" * 32, kind="action", as_of=date(2026, 6, 15), customer_id="7",
                customer_name="Łukasz Wójcik & Söhne Straße GmbH", target="customer", target_id="7",
                channel="registered_letter", level=5, level_name="formal-notice-1", template="formal_notice",
                tone="formal", formal_notice=True, lang="fr_FR", currency="EUR", amount=Decimal("1485.50"), reason="r",
                contact="Ayşe Yılmaz-Doğan", address=("12 rue de l'Église", "69002 Lyon"), items=items,
                statement=(*items, _item("0044", date(2026, 7, 15), "99.00", -30)),
                notice=Notice(pay_by=date(2026, 6, 25), jurisdiction="fr-b2b", interest=Decimal("21.40"),
                              interest_rate=Decimal("12.15"), indemnity=Decimal(80), indemnity_each=Decimal(40),
                              indemnity_currency="EUR", next_steps=("credit_hold", "agency")))
    base.update(kw)
    return Operation(**base)


def _pdf(op: Operation) -> bytes:
    return letter_pdf(render(op, SENDER), op, SENDER, "Relance rl-kkkkkkkkkkkk")


def _text(pdf: bytes, tmp_path=None, page: int | None = None) -> str:
    """The text a PDF reader extracts (pypdf, through the font's ToUnicode map): what a person reads on the page."""
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return "\n".join(p.extract_text() for p in (pages if page is None else [pages[page - 1]]))


def test_every_name_prints_as_written_in_an_embedded_font(tmp_path):
    pdf = _pdf(_notice())
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf and b"DejaVu" in pdf
    text = _text(pdf, tmp_path)
    for name in ("Łukasz Wójcik & Söhne Straße GmbH", "Ayşe Yılmaz-Doğan", "Acme Équipements SAS", "12 rue de l'Église"):
        assert name in text, name
    assert "?" not in text.replace("?access_token", "")


def test_a_formal_notice_is_a_business_letter_with_its_statement_of_account(tmp_path):
    pdf = _pdf(_notice())
    first = _text(pdf, tmp_path, page=1)
    for part in ("LETTRE RECOMMANDÉE AVEC ACCUSÉ DE RÉCEPTION", "Objet : Mise en demeure de payer — FA2026/0042, FA2026/0043",
                 "Paris, le 15 juin 2026", "À l'attention de Ayşe Yılmaz-Doğan", "SIRET 123 456 789 00012",
                 "TVA intracommunautaire FR12345678901", "Référence : Relance rl-kkkkkkkkkkkk", "Client n° 7",
                 "Facture", "Échéance", "Reste dû", "1 485,50 €", "au plus tard le 25 juin 2026", "article L441-10"):
        assert part in first.replace("\u202f", " ").replace("\u00a0", " "), part
    assert "FA2026/0044" not in first  # not yet due: not claimed by the notice...
    statement = _text(pdf, tmp_path, page=2)
    # ...but on the statement of account, on a page of its own, with what was paid of each
    assert "Relevé de compte au 15 juin 2026" in statement and "FA2026/0044" in statement
    assert "Réglé" in statement and "1 275,00 €" in statement.replace("\u202f", " ").replace("\u00a0", " ")


def test_the_recipient_block_sits_in_the_window_of_a_dl_envelope(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed")
    path = tmp_path / "letter.pdf"
    path.write_bytes(_pdf(_notice()))
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    # the first word of the recipient's name, in points from the top-left corner: 110 mm right, 50 mm down
    line = next(ln for ln in out.splitlines() if ">Łukasz<" in ln)
    x = float(line.split('xMin="')[1].split('"')[0]) * 25.4 / 72
    y = float(line.split('yMin="')[1].split('"')[0]) * 25.4 / 72
    assert 109 <= x <= 112 and 49 <= y <= 53, (x, y)


def test_the_same_operation_gives_the_same_bytes():
    assert _pdf(_notice()) == _pdf(_notice())
    assert _pdf(_notice()) != _pdf(_notice(as_of=date(2026, 6, 16)))


def test_a_plain_letter_has_no_registered_mention_and_no_statement(tmp_path):
    op = _notice(channel="letter", template="letter", tone="firm", formal_notice=False, statement=())
    text = _text(_pdf(op), tmp_path)
    assert "RECOMMANDÉE" not in text and "Relevé de compte" not in text
    assert "Relance pour factures impayées" in text


def test_a_long_letter_breaks_onto_pages_each_with_the_legal_foot(tmp_path):
    many = tuple(_item(f"{n:04d}", date(2026, 4, 30), "10.00", 46) for n in range(60))
    op = replace(_notice(), items=many, statement=())
    text = _text(_pdf(op), tmp_path)
    assert text.count("SIRET 123 456 789 00012") >= 2 and "Page 2/" in text
