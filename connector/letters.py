"""A one-page-per-screenful PDF letter, written directly (PDF 1.4, Helvetica, WinAnsi encoding).

Letters need plain text on A4 and nothing more, so a small writer is simpler than a PDF library.
"""

from __future__ import annotations

import textwrap
import zlib
from datetime import date

_LINES_PER_PAGE = 52
_WIDTH = 95


# The thin and narrow no-break spaces CLDR puts in French amounts ("1 175,00 €") are not in WinAnsi: a no-break
# space (0xA0 there) keeps the amount on one line instead of printing "?".
_SPACES = str.maketrans({"\u202f": "\u00a0", "\u2009": "\u00a0", "\u2007": "\u00a0"})


def _pdf_text(s: str) -> bytes:
    raw = s.translate(_SPACES).encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _wrap(text: str) -> list[str]:
    out: list[str] = []
    for para in text.splitlines():
        out.extend(textwrap.wrap(para, _WIDTH) or [""])
    return out


def letter_pdf(sender: str, recipient: str, subject: str, body: str, day: date, reference: str) -> bytes:
    """A4 PDF bytes: sender, recipient, date, subject, body, and the Relance reference in the footer."""
    lines = [sender, "", recipient, "", str(day), "", subject, "", *_wrap(body)]
    pages = [lines[i:i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = []
    kids = []
    font_id = 3
    for n, page in enumerate(pages):
        ops = [b"BT /F1 10 Tf 14 TL 56 800 Td"]
        for i, line in enumerate(page):
            ops.append((b"/F1 11 Tf " if (n == 0 and i == 6) else b"") + b"(" + _pdf_text(line) + b") Tj T*")
        ops.append(b"ET BT /F1 7 Tf 56 30 Td (" + _pdf_text(f"{reference} - page {n + 1}/{len(pages)}") + b") Tj ET")
        stream = zlib.compress(b"\n".join(ops))
        content_id = 4 + 2 * n + 1
        page_id = 4 + 2 * n
        kids.append(page_id)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font_id} 0 R >> >> "
                       f"/Contents {content_id} 0 R >>".encode())
        objects.append(f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream")
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    allobj = head + objects
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(allobj, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(allobj) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(allobj) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
