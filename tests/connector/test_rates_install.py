"""The user rates directory lives outside the installed package: a read-only install (a container image, a
root-owned site-packages) can update its rates, and a reinstall of the package keeps them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def install(into: Path) -> Path:
    """The three packages `pip install .` puts into site-packages, copied and made read-only."""
    site = into / "site"
    for pkg in ("connector", "adapters", "mappings"):
        shutil.copytree(ROOT / pkg, site / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [site, *site.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return site


# Root ignores file modes, so the child also refuses, through an audit hook, any write under the install.
GUARD = """
import os, runpy, sys
site = os.environ["RELANCE_TEST_SITE"]
def guard(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(site) and (
            any(m in str(args[1] or "") for m in "wax+") or (isinstance(args[2], int) and args[2] & (os.O_WRONLY | os.O_RDWR))):
        raise PermissionError(f"read-only install: {args[0]}")
    if event in ("os.rename", "os.replace", "os.remove", "os.mkdir") and str(args[0]).startswith(site):
        raise PermissionError(f"read-only install: {args[0]}")
sys.addaudithook(guard)
sys.argv = ["relance", *sys.argv[1:]]
runpy.run_module("adapters.cli", run_name="__main__")
"""


def relance(site: Path, data_home: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "RELANCE_RATES_DIR"}  # the XDG default, as installed
    env.update(PYTHONPATH=str(site), XDG_DATA_HOME=str(data_home), HOME=str(data_home), PYTHONDONTWRITEBYTECODE="1",
               RELANCE_TEST_SITE=str(site))
    return subprocess.run([sys.executable, "-c", GUARD, *argv], env=env, cwd=data_home, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def tree(tmp_path):
    base = tmp_path / "install"
    base.mkdir()
    data_home = tmp_path / "home"
    data_home.mkdir()
    yield install(base), data_home
    for path in [base, *base.rglob("*")]:
        path.chmod(0o755)


def test_given_a_read_only_install_when_adding_a_rate_then_written_to_the_data_dir_and_survives_a_reinstall(tree):
    site, data_home = tree
    shipped = digest(site / "mappings" / "rates")
    add = relance(site, data_home, "rates", "add", "fr_legal_individual", "--from", "2026-07-01", "--rate", "6.5",
                  "--source", "https://www.legifrance.gouv.fr/jorf/id/EXAMPLE")
    assert add.returncode == 0, add.stderr
    user_file = data_home / "relance" / "rates" / "fr_legal_individual.csv"
    assert user_file.is_file() and str(user_file) in add.stdout
    assert digest(site / "mappings" / "rates") == shipped  # the package is never written to

    # a reinstall replaces the package, and the rate added stays where it was
    for path in [site, *site.rglob("*")]:
        path.chmod(0o755)
    shutil.rmtree(site)
    site = install(site.parent)
    show = relance(site, data_home, "rates", "show")
    assert show.returncode == 0, show.stderr
    line = next(ln for ln in show.stdout.splitlines() if ln.startswith("fr_legal_individual"))
    assert "2026-07-01" in line and "6.5 %" in line and str(user_file) in line
