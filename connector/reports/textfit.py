"""How wide a chart's text is, in the DejaVu Sans that the PNG charts draw it with (connector/fonts) and that the
SVG asks for first: so a scene is laid out once with labels that fit, for both outputs."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

FONTS = Path(__file__).resolve().parent.parent / "fonts"
SCALE = 2  # the PNG's pixels per SVG pixel: fonts are loaded at that size, measures given in SVG pixels


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at `size` SVG pixels (SCALE times that in the PNG)."""
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size * SCALE)


def width(text: str, size: int, bold: bool = False) -> float:
    return font(size, bold).getlength(text) / SCALE


def fit(text: str, size: int, room: float, bold: bool = False) -> str:
    """`text`, or as much of it as fits in `room` pixels followed by "…"."""
    if width(text, size, bold) <= room:
        return text
    cut = len(text)
    while cut > 1 and width(text[:cut].rstrip() + "…", size, bold) > room:
        cut -= 1
    return text[:cut].rstrip() + "…"
