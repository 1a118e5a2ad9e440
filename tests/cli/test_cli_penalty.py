"""`relance penalty`: the worked example of the French B2B rules, in text and JSON."""

from __future__ import annotations

import json

EXAMPLE = ("penalty", "--amount", "10000", "--due", "2025-05-31", "--payment", "2025-08-15:4000",
           "--jurisdiction", "fr-b2b", "--as-of", "2025-09-30")


def test_given_the_worked_example_then_353_08_interest_and_40_indemnity(relance):
    got = relance(*EXAMPLE)
    assert got.code == 0, got.err
    assert "interest: 353.08 EUR" in got.out
    assert "fixed recovery indemnity: 40.00 EUR" in got.out
    assert "total: 393.08 EUR" in got.out
    # one line per period: the half-year rate change on 1 July and the payment on 15 August split it
    assert "2025-05-31    2025-06-30    30  10,000.00  13.15 %    108.08" in got.out
    assert "2025-06-30    2025-08-15    46  10,000.00  12.15 %    153.12" in got.out
    assert "2025-08-15    2025-09-30    46   6,000.00  12.15 %     91.87" in got.out


def test_given_json_then_periods_and_totals_are_exact_strings(relance):
    got = relance(*EXAMPLE, "--json")
    doc = json.loads(got.out)
    assert doc["interest"]["total"] == "353.08"
    assert doc["indemnity"] == {"amount": "40", "currency": "EUR"}
    assert [(p["days"], p["base"], p["rate"]) for p in doc["interest"]["periods"]] == [
        (30, "10000", "13.15"), (46, "10000", "12.15"), (46, "6000", "12.15")]


def test_given_a_contract_rate_below_the_floor_then_the_floor_applies(relance):
    doc = json.loads(relance(*EXAMPLE, "--contract-rate", "1", "--json").out)
    assert all(float(p["rate"]) > 1 for p in doc["interest"]["periods"])


def test_given_a_day_count_then_it_changes_the_interest(relance):
    base = json.loads(relance(*EXAMPLE, "--json").out)["interest"]["total"]
    on360 = json.loads(relance(*EXAMPLE, "--day-count", "actual/360", "--json").out)["interest"]["total"]
    assert float(on360) > float(base)


def test_given_paid_on_time_then_no_charge(relance):
    got = relance("penalty", "--amount", "500", "--due", "2025-05-31", "--payment", "2025-05-30:500", "--as-of", "2025-09-30")
    assert got.code == 0 and "no late-payment charge" in got.out


def test_given_bad_payments_then_exit_2(relance):
    got = relance("penalty", "--amount", "500", "--due", "2025-05-31", "--payment", "2025-06-30:900", "--as-of", "2025-09-30")
    assert got.code == 2 and "exceed" in got.err
    got = relance("penalty", "--amount", "500", "--due", "2025-05-31", "--payment", "junk")
    assert got.code == 2 and "DATE:AMOUNT" in got.err


def test_given_a_day_beyond_the_rate_tables_then_exit_1_saying_which_rate_is_missing(relance):
    got = relance("penalty", "--amount", "500", "--due", "2025-05-31", "--as-of", "2099-01-01")
    assert got.code == 1 and "ends on" in got.err and "relance rates update" in got.err and "Traceback" not in got.err


def test_given_an_unknown_jurisdiction_then_exit_2_listing_the_known_ones(relance):
    got = relance("penalty", "--amount", "500", "--due", "2025-05-31", "--jurisdiction", "mars")
    assert got.code == 2 and "fr-b2b" in got.err
