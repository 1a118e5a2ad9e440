"""The QuickBooks side of the secrets tests: the emulator with known app credentials and the demo ledger, token
files as `relance quickbooks connect` writes them, a spy on every rotated pair, and a dump of the company."""

from __future__ import annotations

import json
import time
import types
from datetime import date
from pathlib import Path

from tests.reliability.secrets_odoo import AS_OF
from tests.reliability.secrets_scan import Scanner

QBO_CLIENT_ID = "qbo-CLIENT-id-5e8a17c3"  # public by design (it is in the consent address), searched for anyway
QBO_CLIENT_SECRET = "qbo-Client-Secret-9f0c+/=d2e"
QBO_WRONG_SECRET = "qbo-Wrong-Secret-31a7c0de"
QBO_STALE_REFRESH = "rt-stale-0b9e44d1aa57"
VERIFIER = "whk-Verifier-Token-6b1f42e0"
ID_VAR, SECRET_VAR, VERIFIER_VAR = "RELTEST_QBO_ID", "RELTEST_QBO_SECRET", "RELTEST_QBO_VERIFIER"


class TokenSpy:
    """Every token pair Relance persists (the first one and each rotation), to search for them all."""

    def __init__(self, monkeypatch):
        from adapters.quickbooks.auth import TokenFile

        self.saved: list = []
        original = TokenFile.save

        def save(store, tokens):
            self.saved.append(tokens)
            return original(store, tokens)

        monkeypatch.setattr(TokenFile, "save", save)

    def secrets(self) -> dict[str, str]:
        out = {}
        for n, t in enumerate(self.saved):
            out[f"access token #{n}"] = t.access_token
            out[f"refresh token #{n}"] = t.refresh_token
        return out


def qbo_emulator(as_of: date = AS_OF, demo: bool = True):
    from adapters.quickbooks.emulator import QuickBooksEmulator

    emu = QuickBooksEmulator(client_id=QBO_CLIENT_ID, client_secret=QBO_CLIENT_SECRET, company_name="Secrets SAS")
    emu.start()
    if demo:
        from adapters.demo.quickbooks import load_demo

        load_demo(emu, as_of)
    return emu


def qbo_tokens(emu, path: Path, *, expires_in: float = 3600, refresh: str | None = None) -> dict:
    """Store a token pair as `relance quickbooks connect` would; `expires_in` below 300 s forces a refresh."""
    from adapters.quickbooks.auth import TokenFile, Tokens

    tokens = emu.issue_tokens()
    tokens["expires_at"] = time.time() + expires_in
    if refresh:
        tokens["refresh_token"] = refresh
    TokenFile(path).save(Tokens(**tokens))
    return tokens


def qbo_store_dump(emu) -> list[tuple[str, bytes | str]]:
    """Every object of the emulated company, the invoices it emailed, and every URL Relance called."""
    from adapters.quickbooks.emulator.store import ENTITIES

    objects = {e: emu.objects(e) for e in ENTITIES}
    return [("QuickBooks objects", json.dumps(objects, default=str, ensure_ascii=False)),
            ("QuickBooks emails sent", json.dumps(getattr(emu.store, "sent", []), default=str)),
            ("QuickBooks request URLs and parameters", json.dumps(emu.requests, default=str))]


def qbo_scanner(spy: TokenSpy | None = None, **more: str) -> Scanner:
    scanner = Scanner({"qbo client id": QBO_CLIENT_ID, "qbo client secret": QBO_CLIENT_SECRET,
                       "qbo wrong secret": QBO_WRONG_SECRET, "stale refresh token": QBO_STALE_REFRESH,
                       "webhook verifier": VERIFIER, **more})
    for label, value in (spy.secrets() if spy else {}).items():
        scanner.add(label, value)
    return scanner


def no_waiting(monkeypatch) -> None:
    """No pause between the QuickBooks client's retries, and no pacing (the emulator has no rate limit here)."""
    import adapters.quickbooks.client as qbo_client

    monkeypatch.setattr(qbo_client, "time", types.SimpleNamespace(sleep=lambda s: None))
    original = qbo_client.Pacer.__init__
    monkeypatch.setattr(qbo_client.Pacer, "__init__",
                        lambda self, per_minute=500, concurrent=10, **kw: original(self, 100_000, concurrent, **kw))


def qbo_config(folder: Path, url: str, discovery_url: str, realm_id: str, extra: str = "") -> tuple[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "relance.yaml"
    cfg.write_text(f"webhook: {{port: 0, verifier_token_env: {VERIFIER_VAR}}}\ntenants:\n"
                   f"  - name: shop\n    system: quickbooks\n    realm_id: \"{realm_id}\"\n    environment: sandbox\n"
                   f"    url: {url}\n    discovery_url: {discovery_url}\n    client_id_env: {ID_VAR}\n"
                   f"    client_secret_env: {SECRET_VAR}\n    token_file: tokens.json\n    policy: fr-b2b\n"
                   f"    schedule: {{interval_minutes: 60}}\n    timezone: Europe/Paris\n{extra}", encoding="utf-8")
    return str(cfg), folder / "tokens.json"
