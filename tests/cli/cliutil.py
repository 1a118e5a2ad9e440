"""Helpers to drive `relance` end to end as a subprocess, and to write test files."""

from __future__ import annotations

import os
import re
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


def charging_history_policy(folder: Path) -> Path:
    """The shipped fr-b2b, but charging final interest and the indemnity on every item paid late, reminded or
    not: what a company asks for when it wants its history charged (the shipped policies do not)."""
    from connector.policy import shipped_policy_path

    text = shipped_policy_path("fr-b2b").read_text(encoding="utf-8")
    assert "paid_late_min_level: 5" in text
    path = folder / "fr-b2b-history.yaml"
    path.write_text(text.replace("paid_late_min_level: 5", "paid_late_min_level: 0"), encoding="utf-8")
    return path


def demo_odoo(as_of, secret: str, version: str = "19.0"):
    """An Odoo emulator seeded with the demo ledger as of `as_of`, and its URL; `relance` logs in with `secret`."""
    from adapters.demo.ledger import demo_records
    from adapters.odoo.emulator import OdooEmulator

    emu = OdooEmulator(version=version, db="demo")
    emu.seed(demo_records(as_of, version=version))
    emu.add_user(login="relance", password=secret, api_key=secret, groups=("account",), company_ids=(1,))
    return emu, emu.start()


def batched_mapping(folder: Path, batch_size: int) -> Path:
    """The shipped Odoo mapping writing `batch_size` operations per batch, one call at a time: a run of many writes,
    to be stopped or killed between two."""
    from adapters.odoo.mapping import shipped_mapping_path

    text = re.sub(r"(?m)^  batch_size: \d+", f"  batch_size: {batch_size}", shipped_mapping_path().read_text(encoding="utf-8"))
    out = folder / "odoo-mapping.yaml"
    out.write_text(re.sub(r"(?m)^  inflight: \d+", "  inflight: 1", text), encoding="utf-8")
    return out


def odoo_config(path: Path, url: str, interval: float = 60, version: str = "19.0", policy: str = "fr-b2b",
                batch_size: int | None = None) -> str:
    """relance.yaml for the demo emulator, the secret in RELANCE_TEST_ODOO_SECRET; with `batch_size`, a mapping
    that writes that many operations per batch, one call at a time."""
    xmlrpc = version != "19.0"
    mapping = f"mapping: {batched_mapping(path, batch_size)}" if batch_size else ""
    return str(write(path / "relance.yaml", f"""
        tenants:
          - name: demo
            system: odoo
            url: {url}
            database: demo
            companies: [1]
            login: relance
            {"password_env" if xmlrpc else "api_key_env"}: RELANCE_TEST_ODOO_SECRET
            protocol: {"xmlrpc" if xmlrpc else "json2"}
            policy: {policy}
            schedule: {{interval_minutes: {interval}}}
            timezone: Europe/Paris
            {mapping}
    """))
