"""Headless Chromium for tests: the page as the browser built it (--dump-dom) and as it painted it
(--screenshot). Tests skip, saying why, when no Chromium is installed (`.ci/run` installs Debian's)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return found
    pytest.skip("no chromium installed (apt-get install chromium; .ci/run does): the HTML page is not loaded in a browser")


def _run(page: Path, *extra: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="relance-chromium-") as profile:
        got = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
                             capture_output=True, text=True, timeout=180)
    assert got.returncode == 0, got.stderr[-2000:]
    return got


def dump_dom(page: Path) -> str:
    return _run(page, "--dump-dom").stdout


def screenshot(page: Path, out: Path, size: str = "1200,1600") -> bytes:
    _run(page, f"--screenshot={out}", f"--window-size={size}")
    return out.read_bytes()
