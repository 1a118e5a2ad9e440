"""`relance demo`: a French SME's receivables on a bundled emulator (Odoo or QuickBooks Online), and the
commands run on it as a user would, through a relance.yaml written like a real one.

`run` does init, plan, run and plan again and returns what each gave, for the CLI to print; `serve` keeps the
emulator running with that relance.yaml (and its 0600 secrets file) in a folder of the user's.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from adapters.registry import SYSTEMS
from connector.config import load_config, load_secrets
from connector.logs import register_secret
from connector.runner import RunResult, run as run_core

MARK = "# Written by `relance demo`"
SECRETS_FILE = "relance-demo.env"
SCHEDULE = '    policy: fr-b2b\n    schedule: {cron: "0 7 * * 1-5"}\n    timezone: Europe/Paris\n'


@dataclass
class Emulated:
    """A running emulator holding the demo ledger, and the tenant a relance.yaml gives it."""

    title: str  # "Odoo 19.0 emulator at http://127.0.0.1:…"
    label: str  # the system, as the demo's lines name it
    tenant: str  # the `tenants:` entry of relance.yaml
    secrets: dict[str, str]
    stop: Callable[[], None]
    files: dict[str, str] = field(default_factory=dict)  # other files next to relance.yaml (QuickBooks' tokens)
    notes: Callable[[], list[str]] = lambda: []  # what the system holds after the run
    tune: Callable[[object], None] = lambda source: None


def emulate_odoo(as_of: date, version: str) -> Emulated:
    from adapters.demo.ledger import demo_records
    from adapters.odoo.emulator import OdooEmulator

    key = secrets.token_urlsafe(24)
    emulator = OdooEmulator(version=version, db="demo")
    emulator.seed(demo_records(as_of, version=version))
    emulator.add_user(login="relance", password=key, api_key=key, groups=("account",), company_ids=(1,))
    url = emulator.start()
    xmlrpc = int(version.split(".")[0]) < 19
    tenant = (f"  - name: demo\n    system: odoo\n    url: {url}\n    database: demo\n    companies: [1]\n"
              f"    login: relance\n    {'password_env' if xmlrpc else 'api_key_env'}: RELANCE_DEMO_SECRET\n"
              f"    protocol: {'xmlrpc' if xmlrpc else 'json2'}\n{SCHEDULE}")
    return Emulated(title=f"Odoo {version} emulator at {url} (database demo, user relance)", label="Odoo",
                    tenant=tenant, secrets={"RELANCE_DEMO_SECRET": key}, stop=emulator.stop)


def emulate_quickbooks(as_of: date) -> Emulated:
    import json

    from adapters.demo.quickbooks import HOME, load_demo, written
    from adapters.quickbooks.auth import Tokens
    from adapters.quickbooks.pacing import Pacer
    from adapters.quickbooks.emulator import QuickBooksEmulator

    client_secret = secrets.token_urlsafe(24)
    emulator = QuickBooksEmulator(client_id="relance-demo", client_secret=client_secret, home_currency=HOME,
                                  company_name="Relance Demo SAS")
    url = emulator.start()
    counts = load_demo(emulator, as_of)
    tokens = Tokens(**emulator.issue_tokens())  # what `relance quickbooks connect` would have stored
    for value in (tokens.access_token, tokens.refresh_token):
        register_secret(value)
    tenant = (f"  - name: demo\n    system: quickbooks\n    realm_id: \"{emulator.realm_id}\"\n    environment: sandbox\n"
              f"    url: {url}\n    discovery_url: {emulator.discovery_url}\n"
              f"    client_id_env: RELANCE_DEMO_QBO_CLIENT_ID\n    client_secret_env: RELANCE_DEMO_QBO_CLIENT_SECRET\n"
              f"    token_file: .relance/demo.tokens.json\n{SCHEDULE}")

    def notes() -> list[str]:
        w = written(emulator)
        out = [f"== in QuickBooks now: {w['notes']} note(s) (Attachable) carrying a Relance marker, {w['sent']} invoice "
               f"email(s) sent by QuickBooks, {w['fee_lines']} invoice(s) with late-payment lines, "
               f"{w['penalty_invoices']} separate penalty invoice(s)"]
        if w["penalty_invoices"] and not w["fee_lines"]:
            out.append("   (today's charges are on invoices paid late, which QuickBooks has closed: each gets an invoice "
                       "of its own; an open invoice gets its charges as lines once its customer reaches the formal "
                       "notice, one level per run)")
        return out

    def tune(source) -> None:
        # Intuit allows 500 requests (120 batches) a minute per company; the emulator has no such limit, and pacing the demo's
        # few hundred writes to it would only make it wait.
        source.client.pacer = Pacer(per_minute=100_000, concurrent=10, batch_per_minute=100_000)

    return Emulated(title=(f"QuickBooks Online emulator at {url} (company {emulator.realm_id}: {counts['customers']} "
                           f"customers, {counts['invoices']} invoices, {counts['payments']} payments, "
                           f"{counts['credit_memos']} credit memos)"),
                    label="QuickBooks", tenant=tenant, stop=emulator.stop,
                    secrets={"RELANCE_DEMO_QBO_CLIENT_ID": "relance-demo", "RELANCE_DEMO_QBO_CLIENT_SECRET": client_secret},
                    files={".relance/demo.tokens.json": json.dumps(asdict(tokens))}, notes=notes, tune=tune)


def emulate(system: str, as_of: date, version: str = "19.0") -> Emulated:
    return emulate_quickbooks(as_of) if system == "quickbooks" else emulate_odoo(as_of, version)


def write_files(folder: Path, emu: Emulated) -> Path:
    """relance.yaml, its secrets file (mode 0600) and the emulator's other files in `folder`."""
    path, env = folder / "relance.yaml", folder / SECRETS_FILE
    env.unlink(missing_ok=True)
    fd = os.open(env, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.writelines(f"{k}={v}\n" for k, v in emu.secrets.items())
    for name, text in emu.files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    path.write_text(f"{MARK} for the {emu.title}; valid while it runs.\nsecrets_file: {SECRETS_FILE}\n"
                    f"tenants:\n{emu.tenant}", encoding="utf-8")
    return path


@dataclass
class DemoRun:
    title: str
    label: str
    as_of: date
    setup: list[str]
    planned: RunResult
    result: RunResult
    notes: list[str]
    again: RunResult


def run(system: str, as_of: date, version: str = "19.0",
        on_progress: Callable[[int, int], None] | None = None) -> DemoRun:
    """Start the emulator with the demo ledger, then init, plan, run (and plan again) with fr-b2b."""
    emu = emulate(system, as_of, version)
    for value in emu.secrets.values():
        register_secret(value)
    try:
        with tempfile.TemporaryDirectory(prefix="relance-demo-") as tmp:
            path = write_files(Path(tmp), emu)
            dep = load_config(path, [a.tenant for a in SYSTEMS.values()])
            tenant = dep.select(None)[0]
            keys = load_secrets(dep, [tenant])
            policy = tenant.load_policy()
            with tenant.open(keys) as source:
                emu.tune(source)
                setup = source.init()
                planned = run_core(source, policy, as_of, dry_run=True)
                result = run_core(source, policy, as_of, dry_run=False, on_progress=on_progress)
                notes = emu.notes()
                again = run_core(source, policy, as_of, dry_run=True)
        return DemoRun(emu.title, emu.label, as_of, setup, planned, result, notes, again)
    finally:
        emu.stop()


def serve(system: str, as_of: date, version: str, folder: Path, wait: Callable[[], None],
          say: Callable[[str], None]) -> int:
    """The emulator kept running with relance.yaml and its secrets file in `folder`, until `wait()` returns."""
    from connector.errors import ConfigError

    path = folder / "relance.yaml"
    if path.exists() and not path.read_text(encoding="utf-8").startswith(MARK):
        raise ConfigError(str(path), "exists and was not written by the demo: run `relance demo --serve` from another "
                                     f"directory (it writes relance.yaml and {SECRETS_FILE} there)")
    emu = emulate(system, as_of, version)
    try:
        write_files(folder, emu)
        day = "" if as_of == date.today() else f" --as-of {as_of}"
        say("\n".join([
            f"Relance demo: the {emu.title} is serving a French SME's receivables, as of {as_of}.",
            f"  wrote {path} and {folder / SECRETS_FILE} (mode 0600: the secrets relance.yaml names, read through its "
            f"secrets_file)", "  or put them in the environment instead:",
            *(f"    export {k}={v}" for k, v in emu.secrets.items()),
            f"In another terminal, in {folder.resolve()}:",
            f"  relance check{day}", "  relance init", f"  relance plan{day}", f"  relance run{day}",
            f"  relance report{day}", f"  relance daemon --once{day}",
            "Ctrl-C stops the emulator (what was written is lost with it)."]))
        wait()
        return 0
    finally:
        emu.stop()
