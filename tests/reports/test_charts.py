"""The charts: one scene of shapes rendered as SVG (HTML page) and rasterised as PNG, from Decimal totals."""

from __future__ import annotations

import re
from datetime import date

import pytest
from decimal import Decimal as D

from connector.policy import load_policy
from connector.reports import build, charts, html, metrics, png
from connector.reports.balances import add_months, month_ends
from connector.runner import plan_ledger
from tests.reports.pngread import count_colour, read_png
from tests.reports.smallbooks import load_ledger


@pytest.fixture(scope="module")
def report():
    led, as_of = load_ledger()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), as_of)
    return build("small", led, rec, plan, "EUR")


def test_given_month_ends_when_counting_back_then_month_ends_stay_month_ends():
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 2, 28), -1) == date(2026, 1, 31)
    assert add_months(date(2026, 3, 10), -1) == date(2026, 2, 10)
    assert add_months(date(2026, 1, 15), -2) == date(2025, 11, 15)
    assert month_ends(date(2026, 3, 10), 3) == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 10)]


def test_given_aging_totals_when_charted_then_one_bar_per_bucket_carries_its_amount(report):
    svg = charts.svg(charts.aging_chart("EUR", report.aging_totals["EUR"]))
    bars = re.findall(r'<rect class="bar"[^>]*data-bucket="([^"]+)" data-amount="([^"]+)"', svg)
    assert bars == [("current", "4500.00"), ("1-30", "1500.00"), ("31-60", "1000.00"), ("61-90", "600.00"),
                    ("91-120", "800.00"), ("&gt;120", "2500.00")]  # escaped in the attribute
    assert "total 10,900.00 EUR" in svg


def test_given_the_report_when_paged_then_nothing_is_fetched_and_no_script_runs(report):
    page = html.page([report])
    assert "<script" not in page and "src=" not in page and "href=" not in page and "url(" not in page
    assert re.findall(r"https?://[^\"]+", page) == ["http://www.w3.org/2000/svg"] * page.count("<svg")
    assert page.count("<svg") == 5  # aging and top overdue for EUR and USD, and the DSO trend


def test_given_a_chart_when_rasterised_then_bars_are_painted_in_proportion(report):
    chart = charts.aging_chart("EUR", report.aging_totals["EUR"])
    width, height, rows = read_png(png.render(chart))
    assert (width, height) == (chart.width * png.SCALE, chart.height * png.SCALE)
    painted = [count_colour(rows, c, 0) for c in charts.BUCKET_COLOURS]
    assert all(painted)
    # Same bar widths, so the painted areas compare as the amounts: current 4,500 vs >120 2,500.
    assert painted[0] / painted[5] == pytest.approx(4500 / 2500, rel=0.03)


def test_given_the_report_when_pngs_written_then_one_file_per_chart(report, tmp_path):
    paths = png.write_all(html.charts(report), tmp_path, "small-")
    assert sorted(p.name for p in paths) == ["small-aging-EUR.png", "small-aging-USD.png", "small-dso-trend.png",
                                             "small-top-overdue-EUR.png", "small-top-overdue-USD.png"]
    w, h, rows = read_png((tmp_path / "small-dso-trend.png").read_bytes())
    assert count_colour(rows, charts.LINE_COLOURS[0], 0) > 100  # the EUR line is drawn


def _ink_rows(text: str) -> list[int]:
    """The PNG rows (top first) where `text`, drawn alone, left ink."""
    c = charts.Chart("t", "t", 60, 30, [charts.Text(4, 24, text, 14)])
    _, _, rows = read_png(png.render(c))
    white = b"\xff\xff\xff"
    return [y for y, row in enumerate(rows) if any(row[i:i + 3] != white for i in range(0, len(row), 3))]


def test_given_accented_capitals_when_rasterised_then_the_accents_are_drawn_above_the_letters():
    # É differs from E by its acute accent only: ink above the capital's top. The 5×7 ASCII font drew both alike.
    plain, accented = _ink_rows("E"), _ink_rows("É")
    assert min(accented) < min(plain) - 2
    assert max(accented) == max(plain)  # same baseline
    assert _ink_rows("é") != _ink_rows("e")


def test_given_a_customer_with_accents_when_charted_then_its_name_is_printed_whole(tmp_path):
    from connector.reports.aging import AgingRow

    name = "Société Générale Électricité"
    row = AgingRow("9", name, "EUR", {"current": D("0"), "1-30": D("1200.50"), "31-60": D("0"), "61-90": D("0"),
                                        "91-120": D("0"), ">120": D("0")})
    chart = charts.top_overdue_chart("EUR", [row])
    assert chart.title == "Top 1 overdue customer (EUR)"
    assert name in [t.text for t in chart.shapes if isinstance(t, charts.Text)]
    png.write_all([chart], tmp_path)
    w, h, rows = read_png((tmp_path / "top-overdue-EUR.png").read_bytes())
    assert (w, h) == (chart.width * png.SCALE, chart.height * png.SCALE)


def test_given_two_or_no_overdue_customers_when_charted_then_the_title_counts_them(report):
    assert charts.top_overdue_chart("EUR", report.aging).title == "Top 2 overdue customers (EUR)"
    assert charts.top_overdue_chart("GBP", report.aging).title == "Overdue customers (GBP)"


def test_given_long_labels_when_charted_then_every_text_fits_inside_its_chart(report):
    from connector.reports.aging import AgingRow

    wide = [AgingRow(str(i), "W" * 40 + str(i), "EUR", {"current": D("0"), "1-30": D("9999999.99"), "31-60": D("0"),
                                                        "61-90": D("0"), "91-120": D("0"), ">120": D("0")})
            for i in range(3)]
    may = [metrics.Dso("EUR", d, D(100), D(30), False, D(100), D(30)) for d in month_ends(date(2026, 5, 31), 12)]
    scenes = [*html.charts(report), charts.dso_trend_chart(may), charts.top_overdue_chart("EUR", wide)]
    for chart in scenes:
        for t in (s for s in chart.shapes if isinstance(s, charts.Text)):
            left, top, right, bottom = png.text_box(t)
            assert 0 <= left and right <= chart.width and 0 <= top and bottom <= chart.height, (chart.name, t.text)
    # the DSO trend's last month label ("May 26", the widest), centred on the last point, ran past the right edge
    last = max((t for t in scenes[-2].shapes if isinstance(t, charts.Text) and t.size == 9), key=lambda t: t.x)
    assert last.text == "May 26" and png.text_box(last)[2] <= scenes[-2].width


def test_given_top_overdue_when_charted_then_largest_first(report):
    svg = charts.svg(charts.top_overdue_chart("EUR", report.aging))
    assert re.findall(r'data-customer="([^"]+)" data-amount="([^"]+)"', svg) == [("B", "3300.00"), ("A", "3100.00")]
