"""The daemon updates the rate tables before its runs (and then daily); a publisher that fails is a warning
naming it, never a stop. Against the publishers' recorded answers (tests/connector/fixtures/rates)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
import responses

from adapters import registry
from connector import publishers, rates
from connector.config import RatesUpdate, load_config, load_secrets
from connector.daemon import StopFlag, serve
from tests.cli.cliutil import write
from tests.cli import fakesource

FIXTURES = Path(__file__).parents[1] / "connector" / "fixtures" / "rates"


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setitem(registry.SYSTEMS, "fake", fakesource.FAKE)
    monkeypatch.setenv("RELANCE_TEST_FAKE", "fake-secret-value")
    fakesource.BOOKS.clear()
    fakesource.BOOKS["alpha"] = fakesource.overdue_books(2)
    yield fakesource.BOOKS
    fakesource.BOOKS.clear()


def tenants(tmp_path):
    path = write(tmp_path / "relance.yaml", """
        tenants:
          - name: alpha
            system: fake
            database: alpha
            api_key_env: RELANCE_TEST_FAKE
    """)
    dep = load_config(path, [a.tenant for a in registry.SYSTEMS.values()])
    chosen = dep.select(None)
    return chosen, load_secrets(dep, chosen)


def test_given_the_daily_update_on_when_one_publisher_fails_then_a_warning_and_the_runs_go_on(
        tmp_path, books, rates_dir, monkeypatch, caplog):
    monkeypatch.setenv("RELANCE_RATES_UPDATE", "on")
    monkeypatch.setattr(rates, "shipped_dir", lambda: FIXTURES / "shipped-2026-06")  # before any update
    rates.reload()
    chosen, secrets = tenants(tmp_path)
    caplog.set_level(logging.INFO)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(publishers.ECB_URL, body=(FIXTURES / "ecb_mro_dataonly.csv").read_bytes(), content_type="text/csv")
        rsps.get(publishers.BOE_URL, status=503, body="Service Unavailable")
        rsps.get(publishers.BBK_URL, status=503, body='{"title": "Service Unavailable"}', content_type="application/json")
        code = serve(chosen, secrets, once=True, as_of=date(2026, 3, 10), stop=StopFlag(), rates=RatesUpdate())
    assert code == 0 and books["alpha"].writes == 2  # the tenant ran
    assert "rates ecb_mro: covered until" in caplog.text and "2026-09-16: 2.65 % (new)" in caplog.text
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("rates boe_bank: update failed: Bank of England database answered HTTP 503" in w for w in warnings)
    assert any("Deutsche Bundesbank answered HTTP 503" in w and "Service Unavailable" in w for w in warnings)
    assert rates.table("ecb_mro").path == rates_dir / "ecb_mro.csv"


@pytest.mark.parametrize("settings, env", [(RatesUpdate(enabled=False), "on"), (RatesUpdate(), "off")],
                         ids=["config", "environment"])
def test_given_the_update_switched_off_then_no_publisher_is_asked(tmp_path, books, monkeypatch, settings, env):
    monkeypatch.setenv("RELANCE_RATES_UPDATE", env)
    chosen, secrets = tenants(tmp_path)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        code = serve(chosen, secrets, once=True, as_of=date(2026, 3, 10), stop=StopFlag(), rates=settings)
        assert not rsps.calls
    assert code == 0


def test_given_a_bad_rates_update_cron_then_the_config_error_names_the_key(tmp_path, relance):
    path = write(tmp_path / "relance.yaml", """
        rates_update: {cron: "every day"}
        tenants:
          - {name: a, system: odoo, url: "http://127.0.0.1:1", database: d, login: l, api_key_env: X}
    """)
    got = relance("--config", str(path), "check")
    assert got.code == 2 and "rates_update.cron" in got.err and "not a valid crontab line" in got.err
