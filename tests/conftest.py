"""Settings every test and every subprocess it starts shares. The helpers are modules of the `tests` package
(`from tests.builders import customer`): pytest puts the checkout's root on the path."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# The lease's settle time (connector/lease.py) covers commits racing on a real server; the emulators commit
# before they answer, so tests (and the subprocesses they start) use a short one. Lease tests set their own.
os.environ.setdefault("RELANCE_LEASE_SETTLE", "0.05")

# Rate tables: never the developer's own user rates directory (~/.local/share/relance/rates), so that every test
# (and every subprocess it starts) reads the shipped tables unless it fills a directory of its own.
_RATES_DIR = os.environ["RELANCE_RATES_DIR"] = tempfile.mkdtemp(prefix="relance-test-rates-")
# No daemon started by a test fetches the rates from the publishers (no traffic leaves this machine); the
# tests of the daily update switch it on again against recorded answers.
os.environ["RELANCE_RATES_UPDATE"] = "off"

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _shipped_rates():
    """A test that points Relance at other rate tables (a rates_dir, another shipped folder) leaves none behind:
    torn down after the test's own monkeypatching is undone, so the next test reads the shipped tables."""
    from connector import rates

    yield
    rates.use_rates_dir(None)


@pytest.fixture
def rates_dir(tmp_path, monkeypatch):
    """An empty user rates directory of this test's own."""
    from connector import rates

    folder = tmp_path / "user-rates"
    monkeypatch.setenv("RELANCE_RATES_DIR", str(folder))
    rates.reload()
    yield folder
    monkeypatch.undo()
    rates.reload()


# The slow lane: the reliability suite and the end-to-end runs on the emulators (tests/conftest.py marks them, so
# that `pytest -m "not slow"` is the fast lane of everyday work; CI runs both).
SLOW = ("reliability/", "cli/test_cli_odoo.py", "cli/test_cli_quickbooks.py", "cli/test_demo_quickbooks.py",
        "cli/test_demo_serve.py", "cli/test_first_hour.py", "reports/test_cli_report.py", "reports/test_html_browser.py",
        "adapters/odoo/test_contract.py", "adapters/odoo/test_incremental.py", "adapters/quickbooks/test_qbo_contract.py",
        "fleet/test_fleet_runs.py", "fleet/test_fleet_metrics.py")


def pytest_collection_modifyitems(config, items):
    root = Path(__file__).parent
    for item in items:
        where = Path(str(item.fspath)).relative_to(root).as_posix()
        if where.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
