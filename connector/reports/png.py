"""PNG charts without a plotting or imaging library: the same scenes as the SVG (`charts.py`)
rasterised at twice their size into an RGB buffer and written with zlib (no anti-aliasing).

Python's standard library is enough for PNG (a zlib stream and CRCs), so no dependency is added.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from connector.reports.charts import Chart, Dot, Line, Rect, Text
from connector.reports.font import ADVANCE, DESCENDERS, HEIGHT, ascii_text, glyph

SCALE = 2


def _rgb(colour: str) -> bytes:
    c = colour.lstrip("#")
    return bytes.fromhex(c if len(c) == 6 else "".join(ch * 2 for ch in c))


class Canvas:
    def __init__(self, width: int, height: int, background: str = "#ffffff"):
        self.w, self.h = width, height
        self.px = bytearray(_rgb(background) * (width * height))

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: bytes) -> None:
        """Fill [x0, x1) × [y0, y1), clipped."""
        x0, x1 = max(0, x0), min(self.w, x1)
        if x1 <= x0:
            return
        run = colour * (x1 - x0)
        for y in range(max(0, y0), min(self.h, y1)):
            i = (y * self.w + x0) * 3
            self.px[i:i + len(run)] = run

    def line(self, a: tuple[float, float], b: tuple[float, float], colour: bytes, width: int,
             dash: tuple[int, int] | None = None, phase: float = 0.0) -> float:
        """A thick segment stamped with squares; returns the dash phase for the next segment."""
        (x0, y0), (x1, y1) = a, b
        length = max(abs(x1 - x0), abs(y1 - y0))
        steps = max(1, int(round(length)))
        half = width / 2
        for i in range(steps + 1):
            t = i / steps
            if dash and (phase + t * length) % sum(dash) >= dash[0]:
                continue
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            self.fill(int(round(x - half)), int(round(y - half)), int(round(x + half)) or 1,
                      int(round(y + half)) or 1, colour)
        return phase + length

    def disc(self, cx: float, cy: float, r: float, colour: bytes) -> None:
        for dy in range(-int(r), int(r) + 1):
            dx = int((r * r - dy * dy) ** 0.5)
            self.fill(int(cx - dx), int(cy + dy), int(cx + dx) + 1, int(cy + dy) + 1, colour)

    def text(self, x: float, y: float, text: str, size: int, anchor: str, colour: bytes, bold: bool) -> None:
        scale = SCALE + 1 if size >= 14 else SCALE  # 6 px a letter at 1x, like an 11 px sans
        text = ascii_text(text)
        width = len(text) * ADVANCE * scale
        left = x - {"start": 0, "middle": width / 2, "end": width}[anchor]
        top = int(round(y - HEIGHT * scale))
        for k, ch in enumerate(text):
            gx = int(round(left + k * ADVANCE * scale))
            drop = DESCENDERS.get(ch, 0) * scale
            for col, bits in enumerate(glyph(ch)):
                for row in range(HEIGHT):
                    if bits >> row & 1:
                        px = gx + col * scale
                        self.fill(px, top + drop + row * scale, px + scale + (1 if bold else 0), top + drop + (row + 1) * scale,
                                  colour)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def render(chart: Chart) -> bytes:
    """The chart as PNG bytes, at SCALE times its SVG size."""
    s = SCALE
    cv = Canvas(chart.width * s, chart.height * s)
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            cv.fill(int(round(shape.x * s)), int(round(shape.y * s)), int(round((shape.x + shape.w) * s)),
                    int(round((shape.y + shape.h) * s)), _rgb(shape.fill))
        elif isinstance(shape, Line):
            phase = 0.0
            for a, b in zip(shape.points, shape.points[1:]):
                phase = cv.line((a[0] * s, a[1] * s), (b[0] * s, b[1] * s), _rgb(shape.stroke),
                                max(1, int(shape.width * s)), (6 * s, 4 * s) if shape.dashed else None, phase)
        elif isinstance(shape, Dot):
            cv.disc(shape.x * s, shape.y * s, shape.r * s, _rgb(shape.fill))
        elif isinstance(shape, Text):
            cv.text(shape.x * s, shape.y * s, shape.text, shape.size, shape.anchor, _rgb(shape.fill), shape.bold)
    return cv.png()


def write_all(charts: list[Chart], folder: Path, prefix: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for c in charts:
        path = folder / f"{prefix}{c.name}.png"
        path.write_bytes(render(c))
        out.append(path)
    return out
