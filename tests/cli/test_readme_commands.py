"""The README's two commands are the ones CI runs: `.ci/run` repeats the test command verbatim."""

from __future__ import annotations

import re

from tests.cli.cliutil import ROOT

DEMO = "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/relance demo"
TESTS = 'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest'


def shell_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


def test_the_readme_gives_exactly_the_two_commands_first():
    blocks = shell_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks[:2] == [DEMO, TESTS]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"TEST_COMMAND='{TESTS}'" in ci
    assert "set -euo pipefail" in ci
    assert '-eq 5' in ci  # pytest's "no tests collected" fails the build
