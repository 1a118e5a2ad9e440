"""Bad deployment files: each gives exit code 2 and a message naming the file and key, never a
traceback, and never the value of a secret."""

from __future__ import annotations

import logging
import pytest

from adapters.registry import SYSTEMS
from connector.config import load_config, load_secrets
from tests.cli.cliutil import write

SECRET = "s3cr3t-Value-that-must-not-leak"

GOOD = """
    tenants:
      - name: acme
        system: odoo
        url: https://acme.example.com
        database: acme
        login: relance
        api_key_env: RELANCE_TEST_ACME_KEY
"""


def test_given_a_secret_written_inline_when_checking_then_exit_2_naming_the_key_without_echoing_it(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD + f"        api_key: {SECRET}\n")
    got = relance("--config", str(cfg), "check")
    assert got.code == 2
    assert "relance.yaml" in got.err and "tenants[0]" in got.err and "api_key" in got.err
    assert "secret written inline is refused" in got.err
    assert SECRET not in got.err + got.out
    assert "Traceback" not in got.err


def test_given_a_password_inline_in_a_nested_key_then_refused(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD + f"        schedule: {{cron: '0 7 * * *', token: {SECRET}}}\n")
    got = relance("--config", str(cfg), "plan")
    assert got.code == 2 and "schedule.token" in got.err and SECRET not in got.err


def test_given_credentials_in_the_url_then_refused_without_echo(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD.replace("https://acme.example.com", f"https://bot:{SECRET}@acme.example.com"))
    got = relance("--config", str(cfg), "check")
    assert got.code == 2 and "tenants[0].url" in got.err and SECRET not in got.err


def test_given_an_unknown_key_then_exit_2_with_its_path(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD + "        colour: blue\n")
    got = relance("--config", str(cfg), "plan")
    assert got.code == 2
    assert "relance.yaml: tenants[0].colour: unknown key" in got.err


def test_given_a_missing_env_var_then_exit_2_naming_variable_and_key(tmp_path, relance, monkeypatch):
    monkeypatch.delenv("RELANCE_TEST_ACME_KEY", raising=False)
    cfg = write(tmp_path / "relance.yaml", GOOD)
    got = relance("--config", str(cfg), "run")
    assert got.code == 2
    assert "tenants[0].api_key_env: environment variable RELANCE_TEST_ACME_KEY is not set" in got.err


def test_given_a_secrets_file_readable_by_others_then_refused_with_0600_in_the_message(tmp_path, relance):
    write(tmp_path / "secrets.env", f"RELANCE_TEST_ACME_KEY={SECRET}\n", mode=0o644)
    cfg = write(tmp_path / "relance.yaml", "secrets_file: secrets.env\n" + GOOD.lstrip("\n").replace("    ", "", 1))
    got = relance("--config", str(cfg), "check")
    assert got.code == 2
    assert "secrets_file" in got.err and "0644" in got.err and "0600" in got.err
    assert SECRET not in got.err


def test_given_a_0600_secrets_file_then_the_secret_is_read_from_it_as_a_secretstr(tmp_path, monkeypatch):
    monkeypatch.delenv("RELANCE_TEST_ACME_KEY", raising=False)
    write(tmp_path / "secrets.env", f"RELANCE_TEST_ACME_KEY={SECRET}\n", mode=0o600)
    cfg = write(tmp_path / "relance.yaml", "secrets_file: secrets.env\n" + GOOD.lstrip("\n").replace("    ", "", 1))
    dep = load_config(cfg, [a.tenant for a in SYSTEMS.values()])
    secrets = load_secrets(dep, dep.select(None))
    assert secrets["RELANCE_TEST_ACME_KEY"].get_secret_value() == SECRET
    assert SECRET not in repr(secrets) and SECRET not in str(secrets)


def test_given_the_environment_and_the_file_then_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_ACME_KEY", "from-the-environment")
    write(tmp_path / "secrets.env", f"RELANCE_TEST_ACME_KEY={SECRET}\n", mode=0o600)
    cfg = write(tmp_path / "relance.yaml", "secrets_file: secrets.env\n" + GOOD.lstrip("\n").replace("    ", "", 1))
    dep = load_config(cfg, [a.tenant for a in SYSTEMS.values()])
    assert load_secrets(dep, dep.select(None))["RELANCE_TEST_ACME_KEY"].get_secret_value() == "from-the-environment"


def test_given_malformed_yaml_then_exit_2_with_the_line(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", "tenants:\n  - name: [acme\n")
    got = relance("--config", str(cfg), "plan")
    assert got.code == 2 and "malformed YAML" in got.err and "line" in got.err


def test_given_no_config_file_then_exit_2(tmp_path, relance):
    got = relance("--config", str(tmp_path / "nope.yaml"), "plan")
    assert got.code == 2 and "nope.yaml: no such file" in got.err


def test_given_a_bad_schedule_and_timezone_then_both_are_named(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD + "        schedule: {cron: '99 7 * * *'}\n        timezone: Mars/Olympus\n")
    got = relance("--config", str(cfg), "daemon")
    assert got.code == 2
    assert "tenants[0].schedule" in got.err and "crontab" in got.err
    assert "tenants[0].timezone: unknown timezone 'Mars/Olympus'" in got.err


def test_given_both_interval_and_cron_then_refused(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD + "        schedule: {cron: '0 7 * * *', interval_minutes: 5}\n")
    got = relance("--config", str(cfg), "daemon", "--once")
    assert got.code == 2 and "exactly one of interval_minutes or cron" in got.err


def test_given_an_odoo_tenant_without_secret_then_refused(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD.replace("        api_key_env: RELANCE_TEST_ACME_KEY\n", ""))
    got = relance("--config", str(cfg), "check")
    assert got.code == 2 and "exactly one of api_key_env or password_env" in got.err


def test_given_an_unknown_tenant_then_exit_2_listing_the_known_ones(tmp_path, relance, monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_ACME_KEY", SECRET)
    cfg = write(tmp_path / "relance.yaml", GOOD)
    got = relance("--config", str(cfg), "--tenant", "globex", "plan")
    assert got.code == 2 and "unknown tenant globex (known: acme)" in got.err


@pytest.mark.parametrize("tenant, expected", [
    ("realm_id: \"9130350000000000\"\n            client_id_env: RELANCE_TEST_QB_ID",
     "tenants[0].client_secret_env: Field required"),
    ("realm_id: \"acme-company\"\n            client_id_env: RELANCE_TEST_QB_ID\n            client_secret_env: RELANCE_TEST_QB_SECRET",
     "tenants[0].realm_id: String should match pattern"),
    ("client_id_env: RELANCE_TEST_QB_ID\n            client_secret_env: RELANCE_TEST_QB_SECRET",
     "tenants[0].realm_id: Field required"),
    ("realm_id: \"913\"\n            client_id_env: RELANCE_TEST_QB_ID\n            client_secret_env: RELANCE_TEST_QB_SECRET\n"
     "            database: shop", "tenants[0].database: unknown key"),  # an Odoo key: QuickBooks' model has none
    ("realm_id: \"913\"\n            client_id_env: RELANCE_TEST_QB_ID\n            client_secret_env: RELANCE_TEST_QB_SECRET\n"
     "            environment: live", "tenants[0].environment: Input should be 'production' or 'sandbox'"),
])
def test_given_a_bad_quickbooks_tenant_then_exit_2_naming_the_key(tmp_path, relance, monkeypatch, tenant, expected):
    for var in ("QB_ID", "QB_SECRET"):
        monkeypatch.setenv(f"RELANCE_TEST_{var}", "value-of-" + var)
    cfg = write(tmp_path / "relance.yaml", f"""
        tenants:
          - name: shop
            system: quickbooks
            {tenant}
    """)
    got = relance("--config", str(cfg), "plan")
    assert got.code == 2 and str(cfg) in got.err and expected in got.err, got.err
    assert "value-of-" not in got.err


def test_given_verify_tls_false_then_a_warning_is_logged(tmp_path, caplog):
    cfg = write(tmp_path / "relance.yaml", GOOD + "        verify_tls: false\n")
    with caplog.at_level(logging.WARNING, logger="relance.config"):
        load_config(cfg, [a.tenant for a in SYSTEMS.values()])
    assert "TLS certificate verification is DISABLED" in caplog.text


def test_given_a_policy_with_levels_out_of_order_then_exit_2_naming_the_policy_file(tmp_path, relance, monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_ACME_KEY", SECRET)
    write(tmp_path / "policy.yaml", """
        name: broken
        jurisdiction: fr-b2b
        currency: EUR
        segments:
          - name: all
            levels:
              - {name: second, offset: 10, channel: email, template: reminder}
              - {name: first, offset: 5, channel: email, template: reminder}
    """)
    cfg = write(tmp_path / "relance.yaml", GOOD + "        policy: policy.yaml\n")
    got = relance("--config", str(cfg), "check")
    assert got.code == 2 and "policy.yaml" in got.err and "levels out of order" in got.err


def test_given_usage_errors_then_exit_2(relance):
    assert relance().code == 2
    assert relance("frobnicate").code == 2
    got = relance("plan", "--as-of", "yesterday")
    assert got.code == 2 and "not a date" in got.err
    assert relance("--help").code == 0


def test_given_penalties_since_for_a_tenant_then_its_policy_charges_from_that_day(tmp_path):
    from datetime import date

    cfg = write(tmp_path / "relance.yaml", GOOD + "        penalties_since: 2026-07-01\n")
    [tenant] = load_config(cfg, [a.tenant for a in SYSTEMS.values()]).select(None)
    assert tenant.load_policy().penalties.since == date(2026, 7, 1)
    cfg = write(tmp_path / "relance.yaml", GOOD)
    [tenant] = load_config(cfg, [a.tenant for a in SYSTEMS.values()]).select(None)
    assert tenant.load_policy().penalties.since is None


def test_given_a_bad_penalties_since_then_exit_2_naming_the_key(tmp_path, relance):
    cfg = write(tmp_path / "relance.yaml", GOOD + "        penalties_since: next monday\n")
    got = relance("--config", str(cfg), "check")
    assert got.code == 2 and "penalties_since" in got.err and "Traceback" not in got.err
