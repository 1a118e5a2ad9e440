"""The HTML page in a real headless Chromium: the charts are in the DOM the browser built, they are
painted in the screenshot, and the totals shown are the report's. Skipped without Chromium."""

from __future__ import annotations

import re

import pytest

from connector.policy import load_policy
from connector.reports import build, charts, html
from connector.runner import plan_ledger
from tests.reports.browser import dump_dom, screenshot
from tests.reports.pngread import count_colour, read_png
from tests.reports.smallbooks import load_ledger


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    led, as_of = load_ledger()
    rec, plan = plan_ledger(led, load_policy("fr-b2b"), as_of)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(html.page([build("small", led, rec, plan, "EUR")]), encoding="utf-8")
    return path


def test_given_the_page_when_loaded_in_chromium_then_the_dom_has_the_charts_and_the_totals(page):
    dom = dump_dom(page)
    assert len(re.findall(r"<svg[^>]*class=\"chart\"", dom)) == 5
    aging = dom[dom.index('id="aging-EUR"'):]
    aging = aging[:aging.index("</svg>")]
    assert re.findall(r'data-bucket="([^"]+)" data-amount="([^"]+)"', aging)[0] == ("current", "4500.00")
    assert len(re.findall(r'<rect class="bar"', aging)) == 6
    assert re.search(r'data-total="EUR" data-amount="10900.00">10,900.00<', dom)
    assert re.search(r'data-total="USD" data-amount="1200.00">1,200.00<', dom)
    assert re.search(r'class="total" data-currency="EUR" data-amount="10900.00">10,900.00<', dom)
    assert "112.91 / 130.80 d" in dom and "41.28 %" in dom  # DSO count-back / simple, CEI
    assert dom.count('class="polyline') == 0 and dom.count('class="dso count_back EUR"') == 1


def test_given_the_page_when_screenshot_then_the_charts_are_painted(page, tmp_path):
    width, height, rows = read_png(screenshot(page, tmp_path / "shot.png"))
    assert (width, height) == (1200, 1600)
    for colour in charts.BUCKET_COLOURS:  # every aging bar of the EUR chart is on screen
        assert count_colour(rows, colour) > 200, colour
    assert count_colour(rows, charts.BAR) > 500  # the top overdue bars
