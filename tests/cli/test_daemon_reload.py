"""SIGHUP in `relance daemon` re-reads relance.yaml: a tenant added runs, one removed stops, and a broken file is
refused with its message while the schedule in force goes on (connector/reload.py)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import date

import pytest

from adapters import registry
from connector.config import load_config, load_secrets
from connector.daemon import StopFlag, serve
from connector.reload import Reload
from tests.cli import fakesource
from tests.cli.cliutil import write


@pytest.fixture
def books(monkeypatch):
    monkeypatch.setitem(registry.SYSTEMS, "fake", fakesource.FAKE)
    monkeypatch.setenv("RELANCE_TEST_FAKE", "fake-secret-value")
    fakesource.BOOKS.clear()
    for db in ("alpha", "beta", "gamma"):
        fakesource.BOOKS[db] = fakesource.overdue_books(2)
    yield fakesource.BOOKS
    fakesource.BOOKS.clear()


def config(path, dbs, extra: str = ""):
    return write(path, "tenants:" + "".join(f"""
      - name: {db}
        system: fake
        database: {db}
        api_key_env: RELANCE_TEST_FAKE
        schedule: {{interval_minutes: 0.005}}
""" for db in dbs) + extra)


def loader(path):
    def load():
        dep = load_config(path, [a.tenant for a in registry.SYSTEMS.values()])
        tenants = dep.select(None)
        return tenants, load_secrets(dep, tenants)
    return load


def test_given_sighup_then_an_added_tenant_runs_and_a_broken_file_keeps_the_schedule(tmp_path, books, caplog):
    path = config(tmp_path / "relance.yaml", ["alpha"])
    tenants, secrets = loader(path)()
    stop, reload = StopFlag(), Reload(loader(path))
    steps = []

    def script(daemon) -> None:
        def go():
            wait = threading.Event()
            while books["alpha"].writes < 2:
                wait.wait(0.05)
            config(path, ["alpha", "beta"])
            os.kill(os.getpid(), signal.SIGHUP)  # the daemon's own handler, in the main thread
            while books["beta"].writes < 2:
                wait.wait(0.05)
            steps.append("beta ran")
            config(path, ["alpha", "beta", "gamma"], extra="      - name: broken\n        system: nosuch\n")
            os.kill(os.getpid(), signal.SIGHUP)
            while "reload refused" not in caplog.text:
                wait.wait(0.05)
            books["alpha"].notes.clear()  # alpha writes again only if its job is still scheduled
            while not books["alpha"].notes:
                wait.wait(0.05)
            steps.append("alpha still runs")
            stop.event.set()
        threading.Thread(target=go, daemon=True).start()

    with caplog.at_level(logging.INFO, logger="relance"):
        code = serve(tenants, secrets, as_of=date(2026, 3, 10), stop=stop, reload=reload, on_ready=script)
    assert code == 0 and steps == ["beta ran", "alpha still runs"]
    assert "reloaded" in caplog.text and "added beta" in caplog.text
    assert "tenants[3]" in caplog.text  # the refusal names the key
    assert books["gamma"].writes == 0  # the broken file's new tenant was never taken
