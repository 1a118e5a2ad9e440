"""The QuickBooks the contract suite runs against: the bundled emulator (CI), or a real sandbox company
when QBO_REALM_ID, QBO_TOKEN_FILE, QBO_CLIENT_ID and QBO_CLIENT_SECRET are set (the token file written by
`relance quickbooks connect`; it is refreshed and rewritten by the run)."""

from __future__ import annotations

import os

import pytest
from tests.adapters.quickbooks.qbo_books import Target, new_emulator

REAL_VARS = ("QBO_REALM_ID", "QBO_TOKEN_FILE", "QBO_CLIENT_ID", "QBO_CLIENT_SECRET")


def real() -> bool:
    return all(os.environ.get(v) for v in REAL_VARS)


@pytest.fixture
def emulator_env(monkeypatch):
    monkeypatch.setenv("QBO_CLIENT_ID", "emulator-client")
    monkeypatch.setenv("QBO_CLIENT_SECRET", "emulator-secret")


@pytest.fixture
def qbo(tmp_path, request):
    """A fresh emulated company per test (cheap), or the real sandbox."""
    if not real():
        request.getfixturevalue("emulator_env")
    if real():
        yield Target(name="sandbox", realm_id=os.environ["QBO_REALM_ID"], token_file=os.environ["QBO_TOKEN_FILE"])
        return
    target = new_emulator(tmp_path)
    yield target
    target.emulator.stop()


@pytest.fixture
def emu(qbo):
    """The emulator itself, for tests of behaviour a real company cannot be made to show on demand."""
    if qbo.emulator is None:
        pytest.skip("needs the emulator (injects faults or reads its internals)")
    return qbo.emulator


@pytest.fixture
def source(qbo, emu):
    """A source on the emulated company, set up by `init`, its retries a hundredth of a second apart (the contract
    suite, which also runs against a sandbox, has its own)."""
    src = qbo.source()
    src.client.backoff = 0.01
    src.init()
    yield src
    src.close()
