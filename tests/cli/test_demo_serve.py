"""`relance demo --serve`: the emulator keeps running with a ready relance.yaml, so that check, init, plan,
run and report can be tried on it; SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.cliutil import ROOT

DAY = "2026-03-10"


@pytest.fixture
def served(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "adapters.cli", "demo", "--serve", "--as-of", DAY], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:  # blocks until the server says it is ready (or exits)
        lines.append(line)
        if line.startswith("Ctrl-C stops"):
            break
    yield proc, "".join(lines), tmp_path
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_given_the_served_demo_then_check_init_plan_run_and_report_work_from_its_directory(served, relance, monkeypatch):
    proc, out, folder = served
    assert proc.poll() is None, proc.stderr.read()
    assert f"relance plan --as-of {DAY}" in out and "export RELANCE_DEMO_SECRET=" in out
    assert oct((folder / "relance-demo.env").stat().st_mode & 0o777) == "0o600"
    monkeypatch.chdir(folder)  # the commands as printed: ./relance.yaml by default
    assert relance("init").code == 0
    check = relance("check", "--as-of", DAY)
    assert check.code == 0, check.out + check.err
    assert "ok    connect: Odoo 19.0 over json2" in check.out
    plan = relance("plan", "--as-of", DAY)
    assert plan.code == 0 and "== demo: plan as of 2026-03-10:" in plan.out
    run = relance("run", "--as-of", DAY)
    assert run.code == 0 and "wrote" in run.out
    assert "0 operation(s)" in relance("plan", "--as-of", DAY).out  # what was written is found again
    assert relance("report", "--as-of", DAY).code == 0
    # the key is in the secrets file, never in relance.yaml
    secret = out.split("export RELANCE_DEMO_SECRET=")[1].split()[0]
    assert secret not in (folder / "relance.yaml").read_text() and secret not in plan.out + run.out + check.out
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0


def test_given_a_relance_yaml_of_the_users_own_then_the_demo_refuses_to_overwrite_it(tmp_path):
    own = tmp_path / "relance.yaml"
    own.write_text("tenants: []\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "adapters.cli", "demo", "--serve", "--as-of", DAY], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert f"{own}: exists and was not written by the demo" in proc.stderr
    assert own.read_text() == "tenants: []\n" and not Path(tmp_path, "relance-demo.env").exists()
