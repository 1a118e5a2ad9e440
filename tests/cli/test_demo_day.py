"""The demo's default day stays inside the shipped rate tables and on a working day."""

from datetime import date

from connector.cli import demo_day
from connector.rates import table


def test_given_today_past_the_rate_tables_then_last_covered_working_day():
    covered = table("ecb_mro").covered_until
    day = demo_day(date(2099, 1, 1))
    assert day <= covered and day.weekday() < 5
    assert (covered - day).days < 7


def test_given_a_working_day_inside_the_tables_then_that_day():
    assert demo_day(date(2026, 3, 10)) == date(2026, 3, 10)


def test_given_a_sunday_then_the_friday_before():
    assert demo_day(date(2026, 3, 15)) == date(2026, 3, 13)
