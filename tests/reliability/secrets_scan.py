"""Find a secret in captured output under the forms it could take on the way out: as is, escaped (JSON,
HTML/XML, PDF string), URL-encoded, hex, and base64 at any alignment (so a secret inside a longer base64
run, e.g. `Basic base64(id:secret)`, is found too). PDF streams are inflated before they are searched."""

from __future__ import annotations

import base64
import html
import json
import io
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import pypdf

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _b64_cores(raw: bytes) -> list[tuple[str, bytes]]:
    """The base64 characters that depend only on `raw`, for each of the 3 byte alignments it may start at."""
    out = []
    for k in range(3):
        for name, enc in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            text = enc(b"\0" * k + raw)
            first, last = -(-8 * k // 6), (8 * (k + len(raw))) // 6
            core = text[first:last]
            if len(core) >= 8:
                out.append((f"{name}@{k}", core))
    return out


def forms(secret: str) -> list[tuple[str, bytes, bool]]:
    """(form name, needle, case-insensitive) for one secret."""
    raw = secret.encode("utf-8")
    found: dict[bytes, tuple[str, bool]] = {}

    def add(name: str, needle: bytes | str, nocase: bool = False) -> None:
        needle = needle.encode("utf-8") if isinstance(needle, str) else needle
        key = needle.lower() if nocase else needle
        if key and key not in found:
            found[key] = (name, nocase)

    add("raw", raw)
    add("cp1252", secret.encode("cp1252", errors="replace"))
    add("latin-1", secret.encode("latin-1", errors="replace"))
    add("json", json.dumps(secret)[1:-1])
    add("json-ascii", json.dumps(secret, ensure_ascii=True)[1:-1])
    add("html", html.escape(secret))
    add("html-noquote", html.escape(secret, quote=False))
    add("pdf-string", secret.encode("cp1252", errors="replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(")
        .replace(b")", b"\\)"))
    add("url", quote(secret, safe=""), nocase=True)
    add("url-path", quote(secret), nocase=True)
    add("url-plus", quote_plus(secret), nocase=True)
    add("hex", raw.hex(), nocase=True)
    for name, core in _b64_cores(raw):
        add(name, core)
    return [(name, needle, nocase) for needle, (name, nocase) in found.items()]


def expand(blob: bytes) -> list[bytes]:
    """The blob, the blob without line breaks (wrapped base64), every PDF stream it holds, inflated, and a PDF's
    text as a reader sees it: a letter's embedded TrueType font draws glyph numbers, not characters, so only its
    ToUnicode maps (which pypdf reads) turn them back into the text that could leak."""
    out = [blob, blob.replace(b"\r", b"").replace(b"\n", b"")]
    for m in _STREAM.finditer(blob):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            out.append(m.group(1))
    if blob.startswith(b"%PDF-"):
        reader = pypdf.PdfReader(io.BytesIO(blob))
        out.append("\n".join(page.extract_text() for page in reader.pages).encode())
    return out


@dataclass(frozen=True)
class Leak:
    where: str
    secret: str  # the secret's label, never its value
    form: str
    context: str  # a few characters around the hit, with the hit itself masked

    def __str__(self) -> str:
        return f"{self.where}: {self.secret} found as {self.form} ...{self.context}..."


class Scanner:
    """Secrets by label; `scan(where, data)` records every form of every secret found in `data`."""

    def __init__(self, secrets: Mapping[str, str]):
        self.secrets: dict[str, str] = {}
        self._needles: list[tuple[str, str, bytes, bool]] = []
        self.blobs = 0
        self.bytes = 0
        for label, value in secrets.items():
            self.add(label, value)

    @property
    def needles(self) -> int:
        return len(self._needles)

    def add(self, label: str, value: str) -> None:
        if not value or value in self.secrets.values():
            return
        assert len(value) >= 8, f"secret {label} is too short to be searched for reliably"
        self.secrets[label] = value
        self._needles += [(label, name, needle, nocase) for name, needle, nocase in forms(value)]

    def scan(self, where: str, data: bytes | str | None) -> list[Leak]:
        if data is None:
            return []
        blob = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else bytes(data)
        self.blobs += 1
        self.bytes += len(blob)
        leaks = []
        for hay in expand(blob):
            low = hay.lower()
            for label, name, needle, nocase in self._needles:
                at = (low if nocase else hay).find(needle)
                if at >= 0:
                    ctx = hay[max(0, at - 30):at] + b"<HIT>" + hay[at + len(needle):at + len(needle) + 30]
                    leaks.append(Leak(where, label, name, ctx.decode("utf-8", "replace")))
        return list(dict.fromkeys(leaks))

    def scan_all(self, items: Iterable[tuple[str, bytes | str | None]]) -> list[Leak]:
        return [leak for where, data in items for leak in self.scan(where, data)]
