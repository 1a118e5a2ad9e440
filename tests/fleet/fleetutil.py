"""The fleet's real parts for tests and bench/fleet.py: a redis-server on a free loopback port with its own
directory, Odoo emulators (one per tenant, each with a few overdue invoices), relance.yaml naming them, and
`relance worker` / `relance scheduler` as subprocesses whose JSON logs are read back."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 3, 10)
SECRET_VAR = "RELANCE_FLEET_TEST_KEY"
SECRET = "fleet-test-api-key-7c2d9e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """Debian's redis-server, on loopback, no persistence, in a directory of its own."""

    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise FileNotFoundError("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="relance-redis-"))
        self.port = free_port()
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                                      "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        import redis

        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def flush(self) -> None:
        self.client.flushall()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def template_store(invoices: int = 3):
    """One Odoo 19 database with `invoices` overdue invoices (one customer each) and Relance's setup: copied for
    each tenant, which is much faster than building each through the API."""
    from adapters.odoo.client import OdooClient
    from adapters.odoo.emulator import OdooEmulator
    from adapters.odoo.emulator.ledger import base_records
    from adapters.odoo.source import OdooSource
    from tests.adapters.odoo.books import Books

    emu = OdooEmulator(version="19.0", db="fleet")
    emu.seed(base_records("19.0"))
    emu.add_user(login="relance", password="pw", api_key=SECRET, groups=("account",), email="relance@example.com")
    emu.start()
    try:
        client = OdooClient(emu.url, "fleet", "relance", SECRET, protocol="json2")
        client.connect()
        books = Books(client)
        for i in range(invoices):
            p = books.partner(f"Client {i}")
            books.invoice(p, AS_OF - timedelta(days=45 + i), "1200.00", due=AS_OF - timedelta(days=12 + i))
        OdooSource(emu.url, "fleet", "relance", SECRET, protocol="json2").init()
    finally:
        emu.stop()
    return emu.store


def emulators(n: int, store) -> list:
    from adapters.odoo.emulator import OdooEmulator

    out = []
    for _ in range(n):
        emu = OdooEmulator(version="19.0", db="fleet")
        emu.store = copy.deepcopy(store)
        emu.start()
        out.append(emu)
    return out


def tenant_yaml(name: str, url: str, schedule: str, mapping: Path | None = None) -> str:
    return (f"  - name: {name}\n    system: odoo\n    url: {url}\n    database: fleet\n    login: relance\n"
            f"    api_key_env: {SECRET_VAR}\n    policy: fr-b2b\n    protocol: json2\n    timezone: Europe/Paris\n"
            f"    schedule: {schedule}\n" + (f"    mapping: {mapping}\n" if mapping else ""))


def write_config(path: Path, broker: str, tenants: list[tuple[str, str]], schedule: str, *, jitter_minutes: float,
                 visibility_timeout: float = 30, lease_retry: float = 1, lock_timeout: float = 3,
                 mapping: Path | None = None) -> Path:
    text = (f"rates_update: {{enabled: false}}\nfleet:\n  broker_url: {broker}\n  jitter_minutes: {jitter_minutes}\n"
            f"  visibility_timeout: {visibility_timeout}\n  lease_retry: {lease_retry}\n"
            f"  scheduler_lock_timeout: {lock_timeout}\ntenants:\n"
            + "".join(tenant_yaml(name, url, schedule, mapping) for name, url in tenants))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a file
    return path


def marker_keys(emu) -> list[str]:
    """Every operation key written in the tenant's chatter (a key twice is a doubled write)."""
    from connector.keys import parse

    return [h.key for msg in emu.store.data.get("mail.message", {}).values() for h in parse(str(msg.get("body") or ""))]


def lease_claims(emu) -> list[dict]:
    return [a for a in emu.store.data.get("ir.attachment", {}).values()
            if str(a.get("name", "")).startswith("relance.lease")]


class Proc:
    """`relance worker|scheduler` in a process group of its own (a SIGKILL takes it whole, as a host loss would),
    logging JSON lines to a file."""

    def __init__(self, workdir: Path, name: str, config: Path, *args: str, env: dict | None = None):
        self.name, self.log_path = name, workdir / f"{name}.log"
        self.out_path = workdir / f"{name}.out"
        self._log, self._out = open(self.log_path, "ab"), open(self.out_path, "ab")
        full_env = {**os.environ, SECRET_VAR: SECRET, "PYTHONPATH": str(ROOT), "RELANCE_LEASE_SETTLE": "0.05",
                    **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "adapters.cli", "--config", str(config), "--log-format",
                                      "json", *args], cwd=ROOT, env=full_env, stdout=self._out, stderr=self._log,
                                     start_new_session=True)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def signal(self, sig: int) -> None:
        os.kill(self.proc.pid, sig)

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self._log.close()
        self._out.close()
        return self.proc.returncode

    def lines(self) -> list[dict]:
        out = []
        for raw in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(raw))
            except ValueError:
                out.append({"message": raw, "raw": True})
        return out

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") + self.out_path.read_text(
            encoding="utf-8", errors="replace")


def finished_runs(procs: list[Proc]) -> list[dict]:
    """The runs the workers finished: tenant, tick, run id, worker, start and end (this machine's clock), counts."""
    runs = []
    for p in procs:
        raw = p.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        for line in (json.loads(r) for r in raw if '"counts"' in r and r.startswith("{")):  # cheap: polled
            if "run as of" in line.get("message", ""):
                end = datetime.fromisoformat(line["time"]).timestamp()
                runs.append({"tenant": line["tenant"], "tick": line.get("tick"), "run_id": line.get("run_id"),
                             "worker": p.name, "start": end - float(line["seconds"]), "end": end,
                             "counts": line["counts"]})
    return runs


def wait_for(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)  # polling a subprocess's log file: there is no event to wait on across processes
    raise TimeoutError(f"{what}: not within {timeout} s")
