"""The three charts as small scenes of shapes (rectangles, lines, text) that render to SVG for the
HTML page and rasterise to PNG (`png.py`): one drawing, two outputs, no plotting library.

Amounts become pixel positions here only; every label is printed from the Decimal it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from connector.reconcile import BUCKETS

from connector.reports.aging import AgingRow
from connector.reports.metrics import Dso
from connector.reports.textfit import fit

INK, GRID, MUTED = "#1f2933", "#d9dee3", "#52606d"
BUCKET_COLOURS = ("#3e9b6a", "#9cc65a", "#f2c14e", "#f08c3a", "#d9534f", "#8e1b1b")
LINE_COLOURS = ("#2f6fb3", "#c2410c", "#6d28d9", "#0f766e", "#a16207")
BAR = "#2f6fb3"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    cls: str = ""
    data: tuple[tuple[str, str], ...] = ()
    title: str = ""


@dataclass(frozen=True)
class Line:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 1
    dashed: bool = False
    cls: str = ""


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: int = 11
    anchor: str = "start"  # start | middle | end
    fill: str = INK
    bold: bool = False


@dataclass
class Chart:
    name: str  # file stem of its PNG and id of its SVG
    title: str
    width: int
    height: int
    shapes: list = field(default_factory=list)


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` grid lines up to `top`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def short(amount: float) -> str:
    """12 345 -> 12.3k, for axis ticks only."""
    a = abs(amount)
    if a >= 1_000_000:
        return f"{amount / 1_000_000:.1f}M".replace(".0M", "M")
    if a >= 1_000:
        return f"{amount / 1_000:.1f}k".replace(".0k", "k")
    return f"{amount:g}"


def money_label(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _frame(c: Chart, top: float, left: int, right: int, y0: int, y1: int, unit: str = "") -> tuple[float, float]:
    """Horizontal grid lines with tick labels; returns (axis max, pixels per unit)."""
    step = nice_step(top)
    axis = step * max(1, -(-top // step)) if top > 0 else step * 4
    scale = (y1 - y0) / axis
    v = 0.0
    while v <= axis + 1e-9:
        y = y1 - v * scale
        c.shapes.append(Line(((left, y), (c.width - right, y)), GRID))
        c.shapes.append(Text(left - 6, y + 4, short(v) + unit, 10, "end", MUTED))
        v += step
    return axis, scale


def aging_chart(currency: str, totals: dict[str, Decimal]) -> Chart:
    """One bar per aging bucket of one currency."""
    c = Chart(f"aging-{currency}", f"Aged balance by bucket ({currency})", 560, 300)
    c.shapes.append(Text(16, 24, c.title, 14, bold=True))
    left, right, y0, y1 = 64, 16, 48, 250
    _, scale = _frame(c, float(max((totals[b] for b in BUCKETS), default=0)), left, right, y0, y1)
    slot = (c.width - left - right) / len(BUCKETS)
    for i, (b, colour) in enumerate(zip(BUCKETS, BUCKET_COLOURS)):
        amount = totals[b]
        h = float(amount) * scale
        x = left + i * slot + slot * 0.15
        c.shapes.append(Rect(x, y1 - h, slot * 0.7, h, colour, "bar",
                             (("bucket", b), ("amount", str(amount)), ("currency", currency)),
                             f"{b}: {money_label(amount)} {currency}"))
        c.shapes.append(Text(x + slot * 0.35, y1 - h - 5, short(float(amount)), 10, "middle", INK))
        c.shapes.append(Text(x + slot * 0.35, y1 + 16, b if b == "current" else f"{b} d", 11, "middle", MUTED))
    c.shapes.append(Text(c.width - right, 290, f"total {money_label(totals['total'])} {currency}", 11, "end",
                         INK, bold=True))
    return c


def top_overdue_chart(currency: str, rows: list[AgingRow], n: int = 10) -> Chart:
    """The customers with the most overdue in one currency, largest first."""
    top = sorted((r for r in rows if r.currency == currency and r.overdue > 0),
                 key=lambda r: (-r.overdue, r.customer))[:n]
    title = (f"Top {len(top)} overdue customer{'s' if len(top) != 1 else ''} ({currency})" if top
             else f"Overdue customers ({currency})")
    c = Chart(f"top-overdue-{currency}", title, 560, 56 + 24 * max(1, len(top)))
    c.shapes.append(Text(16, 24, c.title, 14, bold=True))
    left, right = 190, 90
    most = float(top[0].overdue) if top else 1.0
    for i, r in enumerate(top):
        y = 44 + 24 * i
        w = (c.width - left - right) * float(r.overdue) / most
        name = fit(r.customer, 11, left - 8 - 16)
        c.shapes.append(Text(left - 8, y + 13, name, 11, "end"))
        c.shapes.append(Rect(left, y, max(w, 1), 18, BAR, "bar",
                             (("customer", r.customer_id), ("amount", str(r.overdue)), ("currency", currency)),
                             f"{r.customer}: {money_label(r.overdue)} {currency} overdue"))
        c.shapes.append(Text(left + max(w, 1) + 6, y + 13, money_label(r.overdue), 10, "start", MUTED))
    if not top:
        c.shapes.append(Text(c.width / 2, 56, "nothing overdue", 11, "middle", MUTED))
    return c


def dso_trend_chart(trend: list[Dso]) -> Chart:
    """DSO at each month end, count-back (solid) and simple (dashed), one colour per currency."""
    c = Chart("dso-trend", "DSO by month (days)", 560, 320)
    c.shapes.append(Text(16, 24, c.title, 14, bold=True))
    days = sorted({d.day for d in trend})
    curs = sorted({d.currency for d in trend})
    values = [float(v) for d in trend for v in (d.count_back, d.simple) if v is not None]
    left, right, y0, y1 = 56, 32, 48, 250  # right: half the last month's label, which is centred on its point
    _, scale = _frame(c, max(values, default=0.0), left, right, y0, y1, " d")
    step = (c.width - left - right) / max(1, len(days) - 1)
    xs = {d: left + i * step for i, d in enumerate(days)}
    for d in days:
        c.shapes.append(Text(xs[d], y1 + 16, d.strftime("%b %y"), 9, "middle", MUTED))
    for k, cur in enumerate(curs):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        for method, dashed in (("count_back", False), ("simple", True)):
            pts = tuple((xs[d.day], y1 - float(getattr(d, method)) * scale)
                        for d in trend if d.currency == cur and getattr(d, method) is not None)
            if len(pts) > 1:
                c.shapes.append(Line(pts, colour, 2, dashed, f"dso {method} {cur}"))
            for (x, y), d in zip(pts, [d for d in trend if d.currency == cur and getattr(d, method) is not None]):
                if not dashed:
                    c.shapes.append(Dot(x, y, 3, colour, f"{d.day} {cur} count-back {d.count_back} d"))
        lx = left + k * 170
        c.shapes.append(Line(((lx, 292), (lx + 20, 292)), colour, 2))
        c.shapes.append(Text(lx + 26, 296, f"{cur} count-back", 10, "start", INK))
        c.shapes.append(Line(((lx, 308), (lx + 20, 308)), colour, 2, True))
        c.shapes.append(Text(lx + 26, 312, f"{cur} simple (90 d)", 10, "start", INK))
    return c


def svg(c: Chart) -> str:
    """The chart as an inline SVG element (no script, no external reference)."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="{c.name}" class="chart" width="{c.width}" '
           f'height="{c.height}" viewBox="0 0 {c.width} {c.height}" role="img" aria-label="{escape(c.title)}" '
           f'font-family="{FONT}">', f'<rect width="{c.width}" height="{c.height}" fill="#ffffff"/>']
    for s in c.shapes:
        if isinstance(s, Rect):
            data = "".join(f' data-{k}="{escape(v)}"' for k, v in s.data)
            title = f"<title>{escape(s.title)}</title>" if s.title else ""
            out.append(f'<rect class="{s.cls}" x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                       f'fill="{s.fill}"{data}>{title}</rect>')
        elif isinstance(s, Line):
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in s.points)
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            out.append(f'<polyline class="{s.cls}" points="{pts}" fill="none" stroke="{s.stroke}" '
                       f'stroke-width="{s.width}"{dash}/>')
        elif isinstance(s, Dot):
            out.append(f'<circle cx="{s.x:.1f}" cy="{s.y:.1f}" r="{s.r}" fill="{s.fill}">'
                       f'<title>{escape(s.title)}</title></circle>')
        elif isinstance(s, Text):
            weight = ' font-weight="bold"' if s.bold else ""
            out.append(f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" text-anchor="{s.anchor}" '
                       f'fill="{s.fill}"{weight}>{escape(s.text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
