"""Report fixtures: the hand-computed small ledger, read from its data file."""

from __future__ import annotations

import pytest
from tests.reports.smallbooks import load_ledger


@pytest.fixture
def small():
    return load_ledger()


@pytest.fixture
def relance(capsys):
    """relance("report", ...) -> (exit code, stdout, stderr), run in this process."""
    from adapters.cli import main

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        got = capsys.readouterr()
        return code, got.out, got.err

    return call
