"""A QuickBooks tenant end to end through the CLI, on the bundled emulator over loopback HTTP:
`quickbooks connect` (OAuth consent and code exchange), `init`, `check`, `plan`, `run`, a second plan
that is empty, and the daemon's webhook receiver starting an incremental (CDC) run for the company."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from adapters.quickbooks.emulator import QuickBooksEmulator
from adapters.quickbooks.webhook import signature
from adapters.registry import SYSTEMS
from connector.config import load_config, load_secrets
from connector.daemon import StopFlag, serve
from connector.keys import parse
from tests.cli.cliutil import write

AS_OF = date(2026, 3, 10)  # a Tuesday inside the shipped rate tables
REDIRECT = "https://relance.example.com/callback"
VERIFIER = "verifier-token-7f3a9c"


@pytest.fixture
def emu(monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_QBO_ID", "emulator-client")
    monkeypatch.setenv("RELANCE_TEST_QBO_SECRET", "emulator-secret")
    monkeypatch.setenv("RELANCE_TEST_QBO_VERIFIER", VERIFIER)
    e = QuickBooksEmulator()
    e.start()
    e.seed(accounts=[{"Name": "Sales of services", "AccountType": "Income"}], terms=[{"Name": "Net 30", "DueDays": 30}],
           items=[{"Name": "Consulting", "Type": "Service"}])
    yield e
    e.stop()


def add_customer_with_overdue_invoice(emu: QuickBooksEmulator, name: str, days_late: int, amount: str) -> tuple[str, str]:
    cust = emu.seed(customers=[{"DisplayName": name, "CompanyName": name, "PrimaryEmailAddr": {"Address": f"ap@{name.lower()}.example"},
                                "BillAddr": {"Line1": "1 rue de la Paix", "City": "Paris", "Country": "FR"}}])["customers"][0]
    item = emu.objects("Item")[0]["Id"]
    due = AS_OF - timedelta(days=days_late)
    inv = emu.seed(invoices=[{"CustomerRef": {"value": cust["Id"]}, "TxnDate": (due - timedelta(days=30)).isoformat(),
                              "DueDate": due.isoformat(),
                              "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal(amount),
                                        "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 1,
                                                                "UnitPrice": Decimal(amount)}}]}])["invoices"][0]
    return cust["Id"], inv["Id"]


def config(tmp_path, emu, extra: str = "") -> str:
    return str(write(tmp_path / "relance.yaml", f"""
        {extra}
        tenants:
          - name: shop
            system: quickbooks
            realm_id: "{emu.realm_id}"
            environment: sandbox
            url: {emu.url}
            discovery_url: {emu.discovery_url}
            redirect_uri: {REDIRECT}
            client_id_env: RELANCE_TEST_QBO_ID
            client_secret_env: RELANCE_TEST_QBO_SECRET
            policy: fr-b2b
            schedule: {{cron: "0 7 1 1 *"}}
    """))


def connect(relance, cfg: str, emu, monkeypatch, realm: str | None = None):
    import secrets

    monkeypatch.setattr(secrets, "token_urlsafe", lambda n=16: "state-fixed-for-test")
    code = emu.authorization_code()
    answer = f"{REDIRECT}?code={code}&state=state-fixed-for-test&realmId={realm or emu.realm_id}"
    monkeypatch.setattr("builtins.input", lambda prompt="": answer)
    return relance("--config", cfg, "quickbooks", "connect", "--tenant", "shop")


def test_given_a_quickbooks_tenant_then_connect_init_check_plan_run_and_a_second_plan_is_empty(tmp_path, relance, emu, monkeypatch):
    cfg = config(tmp_path, emu)
    for name, late in (("Garage Moreau", 20), ("Atelier Dubois", 45), ("Imprimerie Laurent", 2)):
        add_customer_with_overdue_invoice(emu, name, late, "1200.00")

    got = relance("--config", cfg, "plan")
    assert got.code == 3 and "run `relance quickbooks connect`" in got.err  # no tokens yet: say what to do

    got = connect(relance, cfg, emu, monkeypatch)
    assert got.code == 0, got.err
    consent = next(line for line in got.out.splitlines() if line.startswith("http"))
    q = parse_qs(urlsplit(consent).query)
    assert consent.startswith(f"{emu.url}/connect/oauth2")
    assert q["client_id"] == ["emulator-client"] and q["redirect_uri"] == [REDIRECT]
    assert q["scope"] == ["com.intuit.quickbooks.accounting"] and q["response_type"] == ["code"]
    token_file = tmp_path / ".relance" / "shop.tokens.json"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    stored = json.loads(token_file.read_text())
    assert stored["realm_id"] == emu.realm_id and stored["refresh_token"] == emu.current_refresh_token
    assert "emulator-secret" not in got.out + got.err and stored["refresh_token"] not in got.out + got.err

    got = relance("--config", cfg, "init")
    assert got.code == 0, got.out + got.err
    got = relance("--config", cfg, "check")
    assert got.code == 0, got.out + got.err
    assert "connect: QuickBooks company Emulated Company" in got.out and "not turned on" in got.out

    got = relance("--config", cfg, "plan", "--json", "--as-of", AS_OF.isoformat())
    assert got.code == 0, got.err
    ops = json.loads(got.out)["tenants"][0]["operations"]
    assert len(ops) == 3 and {op["customer_id"] for op in ops} == {c["Id"] for c in emu.objects("Customer")}
    assert emu.objects("Attachable") == []  # a plan writes nothing

    got = relance("--config", cfg, "run", "--json", "--as-of", AS_OF.isoformat())
    assert got.code == 0, got.err
    assert json.loads(got.out)["tenants"][0]["counts"]["done"] == len(ops)
    keys = {h.key for a in emu.objects("Attachable") for h in parse(a.get("Note", ""))}
    assert {op["key"] for op in ops} <= keys

    got = relance("--config", cfg, "plan", "--json", "--as-of", AS_OF.isoformat())
    assert got.code == 0 and json.loads(got.out)["tenants"][0]["operations"] == []


def test_given_the_consent_of_another_company_then_exit_2_naming_the_realm_to_configure(tmp_path, relance, emu, monkeypatch):
    cfg = config(tmp_path, emu)
    got = connect(relance, cfg, emu, monkeypatch, realm="4620816365000000")
    assert got.code == 2 and 'set realm_id: "4620816365000000"' in got.err


def test_given_two_quickbooks_tenants_and_no_tenant_flag_then_connect_asks_which(tmp_path, relance, emu):
    cfg = config(tmp_path, emu)
    text = open(cfg).read()
    tenant = text[text.index("  - name: shop"):]
    write(tmp_path / "relance.yaml", text + tenant.replace("name: shop", "name: shop2"))
    got = relance("--config", cfg, "quickbooks", "connect")
    assert got.code == 2 and "--tenant NAME" in got.err and "shop, shop2" in got.err


def test_given_a_signed_webhook_then_the_daemon_runs_that_company_at_once_and_reads_changes_by_cdc(
        tmp_path, relance, emu, monkeypatch, caplog):
    cfg = config(tmp_path, emu, extra="webhook: {port: 0, verifier_token_env: RELANCE_TEST_QBO_VERIFIER}")
    assert connect(relance, cfg, emu, monkeypatch).code == 0
    assert relance("--config", cfg, "init").code == 0
    cust1, _ = add_customer_with_overdue_invoice(emu, "Garage Moreau", 20, "900.00")

    dep = load_config(cfg, [a.tenant for a in SYSTEMS.values()])
    tenants = dep.select(None)
    secrets = load_secrets(dep, tenants, webhook=True)
    stop, ready = StopFlag(), threading.Event()
    holder: dict = {}

    def on_ready(daemon):
        holder["daemon"] = daemon
        ready.set()

    worker = threading.Thread(target=serve, args=(tenants, secrets),
                              kwargs={"as_of": AS_OF, "stop": stop, "webhook": dep.config.webhook, "on_ready": on_ready,
                                      "webhook_app": SYSTEMS["quickbooks"].webhook})
    caplog.set_level(logging.INFO, logger="relance")
    worker.start()
    try:
        assert ready.wait(10)
        url = holder["daemon"].webhook_url

        def notify(entity_id: str, sign=True) -> int:
            body = json.dumps([{"specversion": "1.0", "id": f"ev-{entity_id}", "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
                                "type": "qbo.invoice.created.v1", "datacontenttype": "application/json",
                                "time": "2026-03-10T09:00:00Z", "intuitentityid": entity_id,
                                "intuitaccountid": emu.realm_id, "data": {}}]).encode()
            headers = {"intuit-signature": signature(body, VERIFIER if sign else "wrong"), "Content-Type": "application/json"}
            return requests.post(url, data=body, headers=headers, timeout=5).status_code

        def wait_runs(n: int) -> None:
            deadline = time.monotonic() + 20
            while caplog.text.count("tenant shop: run as of") < n and time.monotonic() < deadline:
                time.sleep(0.05)
            assert caplog.text.count("tenant shop: run as of") >= n, caplog.text

        assert notify("1", sign=False) == 401
        time.sleep(0.3)
        assert "tenant shop: run as of" not in caplog.text  # a bad signature starts nothing
        assert notify("1") == 200
        wait_runs(1)
        first = {h.customer_id for a in emu.objects("Attachable") for h in parse(a.get("Note", ""))}
        assert first == {cust1}

        cust2, inv2 = add_customer_with_overdue_invoice(emu, "Atelier Dubois", 45, "700.00")
        emu.requests.clear()
        assert notify(inv2) == 200
        wait_runs(2)
        paths = [r.get("path", "") for r in emu.requests]
        assert any("/cdc" in p for p in paths), paths  # the kept-open source read the change, not everything
        after = {h.customer_id for a in emu.objects("Attachable") for h in parse(a.get("Note", ""))}
        assert after == {cust1, cust2}
    finally:
        stop.event.set()
        worker.join(20)
    assert not worker.is_alive()
    assert VERIFIER not in caplog.text
