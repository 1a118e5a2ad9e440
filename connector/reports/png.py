"""PNG charts: the same scenes as the SVG (`charts.py`) drawn with Pillow at twice their size, text in the
DejaVu Sans shipped in connector/fonts (the letters' font), so a chart prints every name as the source holds
it ("Société Générale Électricité"), anti-aliased.

Pillow rather than a rasteriser of our own: drawing TrueType text needs a font engine (FreeType, which Pillow
wraps), and Pillow is already installed with every Relance, as fpdf2's dependency for the letters' PDFs; the
hand-made 5×7 ASCII font it replaces could not print an accent. It is declared in pyproject.toml since this
module imports it directly.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

from connector.reports.charts import Chart, Dot, Line, Rect, Text
from connector.reports.textfit import SCALE, font

_ANCHOR = {"start": "ls", "middle": "ms", "end": "rs"}  # Pillow's anchors: left/middle/right at the baseline


def text_box(t: Text) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a text in the SVG's coordinates, as the PNG draws it: what must fit."""
    x0, y0, x1, y1 = font(t.size, t.bold).getbbox(t.text, anchor=_ANCHOR[t.anchor])
    return t.x + x0 / SCALE, t.y + y0 / SCALE, t.x + x1 / SCALE, t.y + y1 / SCALE


def _dashed(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], fill: str, width: int,
            on: float, off: float) -> None:
    """A polyline drawn `on` pixels, skipped `off`, the pattern carried across its corners (as SVG's dasharray)."""
    phase = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        pos = 0.0
        while pos < length:
            in_dash = phase % (on + off)
            step = min((on - in_dash) if in_dash < on else (on + off - in_dash), length - pos)
            if in_dash < on and length:
                a, b = pos / length, (pos + step) / length
                draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                          fill=fill, width=width)
            pos += step
            phase += step


def render(chart: Chart) -> bytes:
    """The chart as PNG bytes (8-bit RGB), at SCALE times its SVG size."""
    s = SCALE
    img = Image.new("RGB", (chart.width * s, chart.height * s), "#ffffff")
    draw = ImageDraw.Draw(img)
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            if shape.w > 0 and shape.h > 0:
                draw.rectangle([shape.x * s, shape.y * s, (shape.x + shape.w) * s - 1, (shape.y + shape.h) * s - 1],
                               fill=shape.fill)
        elif isinstance(shape, Line):
            pts = [(x * s, y * s) for x, y in shape.points]
            width = max(1, int(shape.width * s))
            if shape.dashed:
                _dashed(draw, pts, shape.stroke, width, 6 * s, 4 * s)
            else:
                draw.line(pts, fill=shape.stroke, width=width, joint="curve")
        elif isinstance(shape, Dot):
            r = shape.r * s
            draw.ellipse([shape.x * s - r, shape.y * s - r, shape.x * s + r, shape.y * s + r], fill=shape.fill)
        elif isinstance(shape, Text):
            draw.text((shape.x * s, shape.y * s), shape.text, fill=shape.fill, font=font(shape.size, shape.bold),
                      anchor=_ANCHOR[shape.anchor])
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_all(charts: list[Chart], folder: Path, prefix: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for c in charts:
        path = folder / f"{prefix}{c.name}.png"
        path.write_bytes(render(c))
        out.append(path)
    return out
