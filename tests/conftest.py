"""Shared test helpers: small builders for canonical records."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

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
