"""The `relance` fixture: drive the CLI in this process through `main(argv)`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.cli import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def relance(capsys):
    """relance("plan", "--json") -> Outcome(code, stdout, stderr), run in this process."""

    def call(*argv: str) -> Outcome:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call
