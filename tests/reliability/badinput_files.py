"""The file side of the bad-input corpus: the cases in tests/reliability/corpus/, what each says it must
produce (`# expect:` / `# never:` lines), and the real CLI run in this process or as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.cli import main

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).resolve().parents[2]
KEY_ENV = "RELANCE_BADINPUT_KEY"
KEY_VALUE = "badinput-Env-Secret-31337"
UNSET_ENV = "RELANCE_BADINPUT_UNSET"


@dataclass(frozen=True)
class Expect:
    fragments: tuple[str, ...]
    never: tuple[str, ...]
    where: str | None = None  # the file the message names, when it is not the case's own file


def expectations(path: Path) -> Expect:
    lines = path.read_text(encoding="utf-8").splitlines()
    pick = lambda tag: tuple(ln.split(tag, 1)[1].strip() for ln in lines if ln.startswith(tag))  # noqa: E731
    found = Expect(pick("# expect:"), pick("# never:"), next(iter(pick("# names:")), None))
    assert found.fragments, f"{path} says nothing about what its message must contain"
    return found


def cases(folder: str) -> list:
    files = sorted(p for p in (CORPUS / folder).iterdir() if p.suffix in (".yaml", ".csv"))
    assert files, f"no corpus files in {folder}"
    return [pytest.param(p, id=f"{folder}/{p.stem}") for p in files]


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(capsys, *argv: str) -> Outcome:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def run_process(*argv: str, cwd: Path) -> Outcome:
    """`python -m adapters.cli` in a child process: what a user's terminal would show."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env[KEY_ENV] = KEY_VALUE
    proc = subprocess.run([sys.executable, "-m", "adapters.cli", *argv], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def assert_reported(outcome: Outcome, code: int, where: str, expect: Expect) -> None:
    """The documented exit code, one clear message naming `where` and saying what `expect` lists, no traceback,
    no secret."""
    assert outcome.code == code, outcome.text
    assert where in outcome.err, f"{where!r} not named in:\n{outcome.err}"
    for fragment in expect.fragments:
        assert fragment in outcome.err, f"{fragment!r} not in:\n{outcome.err}"
    for secret in (*expect.never, KEY_VALUE):
        assert secret not in outcome.text, f"{secret!r} was printed"
    assert "Traceback" not in outcome.text and "run with -v for the traceback" not in outcome.text, outcome.text


def deployment(tmp: Path, system: str = "odoo", **keys: str) -> Path:
    """A valid relance.yaml with one tenant, plus the given keys (policy, mapping...)."""
    tenant = ({"system": "odoo", "url": "http://127.0.0.1:9", "database": "acme", "login": "relance",
               "api_key_env": KEY_ENV} if system == "odoo" else
              {"system": "quickbooks", "realm_id": '"9341455000000001"', "client_id_env": KEY_ENV,
               "client_secret_env": KEY_ENV})
    tenant.update(keys)
    path = tmp / "relance.yaml"
    path.write_text("tenants:\n  - name: acme\n" + "".join(f"    {k}: {v}\n" for k, v in tenant.items()),
                    encoding="utf-8")
    return path
