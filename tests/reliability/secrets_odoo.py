"""The Odoo side of the secrets tests: two emulated Odoo servers seeded with the demo ledger (19 over JSON-2
with an API key, 17 over XML-RPC with a password), the relance.yaml pointing at them, and a dump of everything
they stored."""

from __future__ import annotations

import base64
import json
import os
from datetime import date
from pathlib import Path

AS_OF = date(2026, 3, 10)  # a Tuesday: contacts allowed, the shipped rate tables cover it
ODOO_KEY = "odoo-KEY+7f3c/9e21=d4b8a6Zq"
ODOO_PASSWORD = "Pw&<Sécret> 4711+/=%41!"
ODOO_OTHER_PASSWORD = "unused-Login-Pw-93d1e"  # the API user's own password on Odoo 19: never sent
WRONG_KEY = "wrong-KEY-b51d0c9a2e77+x/"
WRONG_PASSWORD = "wrong-Pw-&c04f<8e2>"

KEY_VAR, PW_VAR = "RELTEST_ODOO_KEY", "RELTEST_ODOO_PASSWORD"


def odoo_secrets() -> dict[str, str]:
    return {"odoo api key": ODOO_KEY, "odoo password": ODOO_PASSWORD, "odoo user password": ODOO_OTHER_PASSWORD,
            "wrong api key": WRONG_KEY, "wrong password": WRONG_PASSWORD}


def odoo_emulators():
    from adapters.demo.ledger import demo_records
    from adapters.odoo.emulator import OdooEmulator

    v19 = OdooEmulator(version="19.0", db="demo")
    v19.seed(demo_records(AS_OF, version="19.0"))
    v19.add_user(login="relance", password=ODOO_OTHER_PASSWORD, api_key=ODOO_KEY, groups=("account",),
                 company_ids=(1,), email="relance@example.fr")
    v17 = OdooEmulator(version="17.0", db="demo")
    v17.seed(demo_records(AS_OF, version="17.0"))
    v17.add_user(login="relance", password=ODOO_PASSWORD, groups=("account",), company_ids=(1,),
                 email="relance@example.fr")
    return v19, v17


def odoo_tenant(name: str, url: str, *, xmlrpc: bool, extra: str = "") -> str:
    cred = f"password_env: {PW_VAR}" if xmlrpc else f"api_key_env: {KEY_VAR}"
    return (f"  - name: {name}\n    system: odoo\n    url: {url}\n    database: demo\n    companies: [1]\n"
            f"    login: relance\n    {cred}\n    protocol: {'xmlrpc' if xmlrpc else 'json2'}\n"
            f"    policy: fr-b2b\n    schedule: {{interval_minutes: 60}}\n    timezone: Europe/Paris\n{extra}")


def write_config(folder: Path, tenants: list[str], password: str = ODOO_PASSWORD) -> tuple[str, Path]:
    """relance.yaml with the given tenants; the password in a 0600 secrets file, the API key in the environment."""
    folder.mkdir(parents=True, exist_ok=True)
    secrets = folder / "secrets.env"
    secrets.write_text(f"{PW_VAR}='{password}'\n", encoding="utf-8")
    os.chmod(secrets, 0o600)
    cfg = folder / "relance.yaml"
    cfg.write_text("secrets_file: secrets.env\ntenants:\n" + "".join(tenants), encoding="utf-8")
    return str(cfg), secrets


def odoo_store_dump(emu) -> list[tuple[str, bytes | str]]:
    """Everything the emulated Odoo stored (users' credentials aside), and each attachment decoded."""
    with emu._lock:
        data = {model: dict(rows) for model, rows in emu.store.data.items()}
        dump = json.dumps(data, default=str, ensure_ascii=False)
    out: list[tuple[str, bytes | str]] = [(f"Odoo {emu.version} records", dump)]
    for att in emu.records("ir.attachment"):
        if att.get("datas"):
            out.append((f"Odoo {emu.version} attachment {att['id']} {att.get('name')}", base64.b64decode(att["datas"])))
    return out
