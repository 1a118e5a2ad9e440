"""Helpers to drive `relance` end to end as a subprocess, and to write test files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str, mode: int | None = None) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    if mode is not None:
        os.chmod(path, mode)
    return path


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def relance_process(*argv: str, env: dict[str, str], cwd: Path | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "adapters.cli", *argv], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
