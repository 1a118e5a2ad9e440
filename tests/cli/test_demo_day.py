"""The demo's default day stays inside the rate tables and on a working day, and the demo says why."""

from datetime import date

from connector.cli.demo import demo_day, demo_day_reason
from connector.interest import known_until
from connector.policy import load_policy


def test_given_today_past_the_rate_tables_then_last_covered_working_day():
    limit = known_until(load_policy("fr-b2b").rules.interest)
    day = demo_day(date(2099, 1, 1))
    assert day <= limit and day.weekday() < 5
    assert (limit - day).days < 7


def test_given_today_past_the_rate_tables_then_the_reason_names_the_table_and_the_command():
    day = demo_day(date(2099, 1, 1))
    reason = demo_day_reason(date(2099, 1, 1), day)
    assert "ECB main refinancing operations rate table ends on" in reason and "ecb_mro.csv" in reason
    assert "relance rates update" in reason


def test_given_a_working_day_inside_the_tables_then_that_day():
    assert demo_day(date(2026, 3, 10)) == date(2026, 3, 10)


def test_given_a_sunday_then_the_friday_before_and_the_reason_says_sunday():
    assert demo_day(date(2026, 3, 15)) == date(2026, 3, 13)
    assert demo_day_reason(date(2026, 3, 15), date(2026, 3, 13)) == (
        "2026-03-15 is a Sunday, a day without contact in the fr-b2b policy")
