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


def test_given_a_contract_rate_where_the_jurisdiction_has_no_interest_then_refused_not_ignored(relance):
    got = relance("penalty", "--amount", "1000", "--due", "2025-05-31", "--as-of", "2025-09-30",
                  "--jurisdiction", "us-contractual", "--contract-rate", "12")
    assert got.code == 2 and got.out == ""
    assert "--contract-rate: us-contractual has no late-payment interest" in got.err


def test_given_a_negative_contract_rate_then_refused(relance):
    got = relance(*EXAMPLE, "--contract-rate", "-3")
    assert got.code == 2 and "--contract-rate -3: a rate cannot be negative" in got.err


def test_given_a_usd_invoice_under_french_rules_then_one_total_per_currency(relance):
    got = relance("penalty", "--amount", "1000", "--due", "2025-05-31", "--as-of", "2025-09-30", "--currency", "USD")
    assert got.code == 0, got.err
    # 1000 x (13.15 % x 30 + 12.15 % x 92) / 365 = 10.808 + 30.625 = 41.43
    assert "interest: 41.43 USD" in got.out and "fixed recovery indemnity: 40.00 EUR" in got.out
    assert "total: 41.43 USD + 40.00 EUR" in got.out  # never 81.43 of anything
    doc = json.loads(relance("penalty", "--amount", "1000", "--due", "2025-05-31", "--as-of", "2025-09-30",
                             "--currency", "USD", "--json").out)
    assert doc["totals"] == {"USD": "41.43", "EUR": "40"} and doc["total"] == "41.43"


def test_given_tenant_options_then_penalty_refuses_them(relance):
    got = relance("penalty", "--tenant", "acme", *EXAMPLE[1:])
    assert got.code == 2 and "unrecognized arguments: --tenant acme" in got.err
    got = relance("--tenant", "acme", *EXAMPLE)  # before the command name, where every command's options parse
    assert got.code == 2 and "relance penalty: --tenant does not apply to this command" in got.err


def test_given_a_rates_dir_in_relance_yaml_then_penalty_reads_its_tables(relance, tmp_path, monkeypatch):
    from datetime import date
    from decimal import Decimal

    from connector import rates

    from pathlib import Path

    june = Path(__file__).parents[1] / "connector" / "fixtures" / "rates" / "shipped-2026-06"
    monkeypatch.setattr(rates, "shipped_dir", lambda: june)  # shipped tables without the 2026-06-17 change
    rates.reload()
    folder = tmp_path / "my-rates"
    (tmp_path / "relance.yaml").write_text(
        "rates_dir: my-rates\ntenants:\n  - {name: a, system: odoo, url: 'http://127.0.0.1:1', database: d, "
        "login: l, api_key_env: X}\n")
    monkeypatch.chdir(tmp_path)
    rates.use_rates_dir(folder)  # what `relance rates add` would write there
    t = rates.table("ecb_mro")
    rates.write_table("ecb_mro", t.rows() + [(date(2026, 6, 17), Decimal("2.40"), "ECB")], date(2026, 9, 30))
    rates.use_rates_dir(None)
    got = relance("penalty", "--amount", "1000", "--due", "2026-07-31", "--as-of", "2026-08-31")
    assert got.code == 0, got.err
    assert "12.4 %" in got.out  # the ECB rate of 1 July 2026 (2.40) + 10 points, from the rates_dir
    rates.reload()
