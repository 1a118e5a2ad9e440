"""Issue #6, part 5: secrets never leave the process.

Full runs with known, distinctive secret values (Odoo API key and password, QuickBooks client id and
secret, access and refresh tokens before and after rotation, webhook verifier token); every line on
stdout and stderr, every log record (seen by a handler of our own on the root logger), every file written
and everything the emulated accounting system stored (messages, activities, attachments with their PDF
streams inflated, invoices) is searched for each secret as is, escaped, URL-encoded, hex and base64.
Then TLS: verified by default against a real local HTTPS server with a self-signed certificate, disabled
only by `verify_tls: false`, which logs a warning naming the tenant. Then the webhook signature check.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
import types
import warnings
from pathlib import Path

import pytest
from urllib3.exceptions import InsecureRequestWarning

from connector.metrics import exposition

from tests.reliability.secrets_capture import Capture, Cli, RecordCapture, assert_clean, report_figures
from tests.reliability.secrets_odoo import (
    AS_OF,
    KEY_VAR,
    ODOO_KEY,
    ODOO_OTHER_PASSWORD,
    WRONG_KEY,
    WRONG_PASSWORD,
    odoo_emulators,
    odoo_secrets,
    odoo_store_dump,
    odoo_tenant,
    write_config,
)
from tests.reliability.secrets_qbo import (
    ID_VAR,
    QBO_CLIENT_ID,
    QBO_CLIENT_SECRET,
    QBO_STALE_REFRESH,
    QBO_WRONG_SECRET,
    SECRET_VAR,
    VERIFIER,
    VERIFIER_VAR,
    TokenSpy,
    no_waiting,
    qbo_config,
    qbo_emulator,
    qbo_scanner,
    qbo_store_dump,
    qbo_tokens,
)
from tests.reliability.secrets_scan import Scanner
from tests.reliability.secrets_servers import (
    Proxy,
    VerifySpy,
    closed_port_url,
    odoo_echo_500,
    qbo_echo_fault,
    self_signed_cert,
    token_echo_400,
    token_echo_500,
    xmlrpc_echo_500,
)
from tests.reliability.secrets_webhook import (
    BODY_MARKERS,
    CLOUD_EVENTS,
    LEGACY,
    WEBHOOK_REALM,
    garbage_signatures,
    sign,
    webhook_scanner,
    wsgi_call,
)


@pytest.fixture
def odoo_scanner():
    return Scanner(odoo_secrets())


@pytest.fixture
def no_backoff(monkeypatch):
    """The Odoo client's retry pauses, without touching the `time` module the servers' threads use."""
    import adapters.odoo.client as odoo_client

    monkeypatch.setattr(odoo_client, "time", types.SimpleNamespace(sleep=lambda s: None, monotonic=time.monotonic))


@pytest.fixture
def qbo_fast(monkeypatch):
    no_waiting(monkeypatch)


@pytest.fixture
def qbo_env(monkeypatch):
    monkeypatch.setenv(ID_VAR, QBO_CLIENT_ID)
    monkeypatch.setenv(SECRET_VAR, QBO_CLIENT_SECRET)
    monkeypatch.setenv(VERIFIER_VAR, VERIFIER)


@pytest.fixture
def relance_logs():
    """logs.setup() as the CLI does it, writing into a string; its handler removed afterwards."""
    from connector import logs

    stream = io.StringIO()
    handler = logs.setup("json", 2, stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def cert(tmp_path):
    pair = self_signed_cert(tmp_path)
    if pair is None:
        pytest.skip("neither the cryptography package nor the openssl command is available to make a certificate")
    return pair


@pytest.fixture
def sleeps(monkeypatch):
    """Retry pauses of both clients, recorded instead of slept: a certificate failure must not be retried."""
    import adapters.odoo.client as odoo_client
    import adapters.quickbooks.client as qbo_client

    seen: list[float] = []
    fake = types.SimpleNamespace(sleep=seen.append, monotonic=time.monotonic)
    monkeypatch.setattr(odoo_client, "time", fake)
    monkeypatch.setattr(qbo_client, "time", fake)
    return seen


# -- Odoo ---------------------------------------------------------------------------------------------

def test_given_a_key_tenant_and_a_password_tenant_when_every_command_runs_then_no_secret_anywhere(
        tmp_path, capsys, monkeypatch, odoo_scanner):
    monkeypatch.setenv(KEY_VAR, ODOO_KEY)
    v19, v17 = odoo_emulators()
    u19, u17 = v19.start(), v17.start()
    try:
        cfg, secrets_file = write_config(tmp_path / "conf", [odoo_tenant("keyco", u19, xmlrpc=False),
                                                             odoo_tenant("pwco", u17, xmlrpc=True)])
        out = tmp_path / "out"
        out.mkdir()
        capture = Capture()
        cli = Cli(capsys, capture)
        day = AS_OF.isoformat()
        text = ("--config", cfg, "--as-of", day, "--log-format", "text", "-vv")
        jsonl = ("--config", cfg, "--as-of", day, "--log-format", "json", "-vv")
        assert cli(*text, "check").code in (0, 1)
        assert cli(*text, "init").code == 0
        assert cli(*jsonl, "check").code == 0
        plan = cli(*jsonl, "plan", "--json")
        assert plan.code == 0 and len(json.loads(plan.out)["tenants"]) == 2
        assert cli(*text, "plan").code == 0
        run = cli(*text, "run")
        assert run.code == 0, run.out[-2000:] + run.err[-2000:]
        assert cli(*jsonl, "run", "--json").code == 0
        assert cli(*jsonl, "report", "--json").code == 0
        assert cli(*text, "report", "--format", "csv").code == 0
        assert cli(*text, "report", "--html", str(out / "report.html"), "--png", str(out / "png"),
                   "--financing-rate", "5", "--admin-cost", "12").code == 0
        assert cli(*text, "daemon", "--once").code == 0
        assert cli(*jsonl, "daemon", "--once").code == 0
        wrote = json.loads(next(o for o in cli.outcomes if "--json" in o.argv and "run" in o.argv).out)
        assert all(t["counts"]["done"] == 0 for t in wrote["tenants"])  # the text run wrote everything before
        first = next(o for o in cli.outcomes if o.argv[-1] == "run")
        assert "wrote" in first.out and "wrote 0 of 0" not in first.out.splitlines()[0]
        capture.add_files(tmp_path, skip={secrets_file})
        capture.add("metrics", exposition())  # what /metrics serves after those runs (daemon --once counted them)
        assert b'relance_runs_total{outcome="ok",system="odoo",tenant="keyco"}' in exposition()
        for emu in (v19, v17):
            for where, data in odoo_store_dump(emu):
                capture.add(where, data)
        assert any("attachment" in where for where, _ in capture), "the run should have written letters"
        assert capture.log_lines >= 4 and capture.files >= 4
        assert_clean(odoo_scanner, capture)
        report_figures("odoo full run", odoo_scanner, capture)
    finally:
        v19.stop()
        v17.stop()


def test_given_wrong_credentials_then_exit_3_naming_the_tenant_and_no_secret(tmp_path, capsys, monkeypatch, odoo_scanner):
    monkeypatch.setenv(KEY_VAR, WRONG_KEY)
    v19, v17 = odoo_emulators()
    u19, u17 = v19.start(), v17.start()
    try:
        cfg, secrets_file = write_config(tmp_path, [odoo_tenant("keyco", u19, xmlrpc=False),
                                                    odoo_tenant("pwco", u17, xmlrpc=True)], password=WRONG_PASSWORD)
        capture = Capture()
        cli = Cli(capsys, capture)
        for fmt in ("text", "json"):
            common = ("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", fmt, "-vv")
            check = cli(*common, "check")
            assert check.code == 3
            assert cli(*common, "plan", "--json").code == 3
            run = cli(*common, "run")
            assert run.code == 3 and "keyco" in run.err and "pwco" in run.err
            assert "refused" in run.err
            assert cli(*common, "report", "--json").code == 3
            assert cli(*common, "daemon", "--once").code == 3
        capture.add_files(tmp_path, skip={secrets_file})
        assert_clean(odoo_scanner, capture)
        report_figures("odoo wrong credentials", odoo_scanner, capture)
    finally:
        v19.stop()
        v17.stop()


def test_given_the_server_down_then_exit_3_and_no_secret(tmp_path, capsys, monkeypatch, odoo_scanner, no_backoff):
    monkeypatch.setenv(KEY_VAR, ODOO_KEY)
    cfg, secrets_file = write_config(tmp_path, [odoo_tenant("keyco", closed_port_url(), xmlrpc=False),
                                                odoo_tenant("pwco", closed_port_url(), xmlrpc=True)])
    capture = Capture()
    cli = Cli(capsys, capture)
    for fmt in ("text", "json"):
        common = ("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", fmt, "-vv")
        for argv in (("check",), ("plan", "--json"), ("run",), ("report", "--json"), ("daemon", "--once")):
            got = cli(*common, *argv)
            assert got.code == 3, (argv, got.err)
            assert "cannot reach Odoo" in got.out + got.err, (argv, got.out, got.err)
    capture.add_files(tmp_path, skip={secrets_file})
    assert_clean(odoo_scanner, capture)
    report_figures("odoo server down", odoo_scanner, capture)


def test_given_a_500_echoing_the_request_then_the_error_is_reported_without_any_secret(
        tmp_path, capsys, monkeypatch, odoo_scanner, no_backoff):
    monkeypatch.setenv(KEY_VAR, ODOO_KEY)
    v19, v17 = odoo_emulators()
    u19, u17 = v19.start(), v17.start()
    p19, p17 = Proxy(u19, odoo_echo_500), Proxy(u17, xmlrpc_echo_500)
    try:
        cfg, secrets_file = write_config(tmp_path, [odoo_tenant("keyco", p19.start(), xmlrpc=False),
                                                    odoo_tenant("pwco", p17.start(), xmlrpc=True)])
        capture = Capture()
        cli = Cli(capsys, capture)
        for fmt in ("text", "json"):
            common = ("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", fmt, "-vv")
            for argv in (("check",), ("plan", "--json"), ("run", "--json"), ("report", "--json"), ("daemon", "--once")):
                got = cli(*common, *argv)
                assert got.code == 3, (argv, got.out, got.err)  # a server failing at login: as unreachable
                assert "keyco" in got.out + got.err and "pwco" in got.out + got.err
        assert p19.echoed and p17.echoed
        capture.add_files(tmp_path, skip={secrets_file})
        assert_clean(odoo_scanner, capture)
        report_figures("odoo 500 echo", odoo_scanner, capture)
    finally:
        p19.stop()
        p17.stop()
        v19.stop()
        v17.stop()


# -- QuickBooks ---------------------------------------------------------------------------------------

def test_given_a_quickbooks_source_when_tokens_rotate_and_a_401_comes_then_no_token_in_any_log(
        tmp_path, monkeypatch, qbo_fast, relance_logs):
    from adapters.quickbooks.errors import QuickBooksAuthError
    from adapters.quickbooks.source import QuickBooksSource
    from connector.policy import load_policy
    from connector.runner import run

    spy = TokenSpy(monkeypatch)
    emu = qbo_emulator()
    capture = Capture()
    try:
        monkeypatch.setenv(ID_VAR, QBO_CLIENT_ID)
        monkeypatch.setenv(SECRET_VAR, QBO_CLIENT_SECRET)
        token_file = tmp_path / "tokens.json"
        qbo_tokens(emu, token_file, expires_in=60)  # near expiry: the first call refreshes and rotates
        policy = load_policy("fr-b2b")

        def source(**kw) -> QuickBooksSource:
            return QuickBooksSource(emu.realm_id, token_file=token_file, client_id_env=ID_VAR, client_secret_env=SECRET_VAR,
                                    base_url=emu.url, discovery_url=emu.discovery_url, **kw)

        with RecordCapture() as records:
            src = source()
            src.init()
            planned = run(src, policy, AS_OF, dry_run=True)
            assert planned.plan.operations
            done = run(src, policy, AS_OF, dry_run=False)
            assert done.exit_code == 0 and done.done, [f.reason for f in done.failed][:3]
            assert src.auth.refreshes == 1
            emu.expire_access_tokens()  # the next call gets Intuit's 401, refreshes, rotates and goes on
            again = run(src, policy, AS_OF, dry_run=True)
            assert again.exit_code == 0 and not again.plan.operations and src.auth.refreshes == 2
            src.close()

            emu.fault_hook = lambda req: (401, {"fault": {"error": [{"message": "AuthenticationFailed", "code": "3200"}],
                                                          "type": "AUTHENTICATION"}}) if "/v3/" in req["path"] else None
            src = source()
            with pytest.raises(QuickBooksAuthError, match="freshly refreshed"):
                src.fetch(AS_OF)
            src.close()
            emu.fault_hook = None

            qbo_tokens(emu, token_file, expires_in=0, refresh=QBO_STALE_REFRESH)  # revoked: Intuit says invalid_grant
            src = source()
            with pytest.raises(QuickBooksAuthError, match="invalid_grant"):
                src.fetch(AS_OF)
            src.close()
        assert len(spy.saved) >= 5  # 2 issued by us, 3 rotations
        mode = os.stat(token_file).st_mode & 0o777
        assert mode == 0o600, oct(mode)
        capture.add("log stream", relance_logs.getvalue())
        capture.add_logs("quickbooks source", records)
        capture.add_files(tmp_path, skip={token_file})
        for where, data in qbo_store_dump(emu):
            capture.add(where, data)
        scanner = qbo_scanner(spy)
        assert_clean(scanner, capture)
        report_figures("quickbooks source", scanner, capture)
    finally:
        emu.stop()


def test_given_a_quickbooks_tenant_when_every_command_runs_with_rotations_then_no_secret_anywhere(
        tmp_path, capsys, monkeypatch, qbo_env, qbo_fast):
    spy = TokenSpy(monkeypatch)
    emu = qbo_emulator()
    try:
        cfg, token_file = qbo_config(tmp_path / "conf", emu.url, emu.discovery_url, emu.realm_id)
        qbo_tokens(emu, token_file, expires_in=60)
        out = tmp_path / "out"
        capture = Capture()
        cli = Cli(capsys, capture)
        text = ("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", "text", "-vv")
        jsonl = ("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", "json", "-vv")
        assert cli(*text, "check").code in (0, 1)
        assert cli(*text, "init").code == 0
        assert cli(*jsonl, "check").code == 0
        plan = cli(*jsonl, "plan", "--json")
        assert plan.code == 0 and json.loads(plan.out)["tenants"][0]["operations"]
        emu.expire_access_tokens()  # a 401 in the middle: refreshed, rotated, persisted
        assert cli(*text, "plan").code == 0
        run = cli(*text, "run")
        assert run.code == 0 and "wrote 0 of" not in run.out, run.out[-1500:] + run.err[-1500:]
        assert cli(*jsonl, "run", "--json").code == 0
        emu.expire_access_tokens()
        assert cli(*jsonl, "report", "--json").code == 0
        assert cli(*text, "report", "--format", "csv").code == 0
        assert cli(*text, "report", "--html", str(out / "report.html"), "--png", str(out / "png")).code == 0
        assert cli(*text, "daemon", "--once").code == 0
        assert cli(*jsonl, "daemon", "--once").code == 0
        assert len(spy.saved) >= 3, "the token should have been refreshed on expiry and on each 401"
        assert os.stat(token_file).st_mode & 0o777 == 0o600
        capture.add_files(tmp_path, skip={token_file})
        capture.add("metrics", exposition())  # the refresh token's expiry and the runs, as /metrics serves them
        for where, data in qbo_store_dump(emu):
            capture.add(where, data)
        assert any(a.get("Note") for a in emu.objects("Attachable"))
        scanner = qbo_scanner(spy)
        assert_clean(scanner, capture)
        report_figures("quickbooks cli", scanner, capture)
    finally:
        emu.stop()


@pytest.mark.parametrize("case", ["wrong client secret", "revoked refresh token", "server down", "fault echoing the request",
                                  "token endpoint 500 echoing the request", "token endpoint 400 echoing the request"])
def test_given_a_quickbooks_failure_then_a_clear_exit_code_and_no_secret(case, tmp_path, capsys, monkeypatch, qbo_env, qbo_fast):
    spy = TokenSpy(monkeypatch)
    emu = qbo_emulator(demo=False)
    emu.seed(accounts=[{"Name": "Sales of services", "AccountType": "Income"}], items=[{"Name": "Consulting", "Type": "Service"}])
    proxy = None
    try:
        url, discovery, expected, expires, refresh = emu.url, emu.discovery_url, 3, 0, None
        if case == "wrong client secret":
            monkeypatch.setenv(SECRET_VAR, QBO_WRONG_SECRET)
        elif case == "revoked refresh token":
            refresh = QBO_STALE_REFRESH
        elif case == "server down":
            url = discovery = closed_port_url()
            expires = 3600
        else:
            echo = {"fault echoing the request": qbo_echo_fault, "token endpoint 500 echoing the request": token_echo_500,
                    "token endpoint 400 echoing the request": token_echo_400}[case]
            proxy = Proxy(emu.url, echo)
            url = proxy.start()
            discovery = emu.discovery_url.replace(emu.url, url)
            expires = 3600 if echo is qbo_echo_fault else 0
            expected = 1 if echo is qbo_echo_fault else 3  # a refused read is an error of the run, not of the link
        cfg, token_file = qbo_config(tmp_path, url, discovery, emu.realm_id)
        qbo_tokens(emu, token_file, expires_in=expires, refresh=refresh)
        capture = Capture()
        cli = Cli(capsys, capture)
        for fmt in ("text", "json"):
            common = ("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", fmt, "-vv")
            for argv in (("check",), ("plan", "--json"), ("run",), ("report", "--json"), ("daemon", "--once")):
                got = cli(*common, *argv)
                assert got.code == expected, (case, argv, got.code, got.out, got.err)
                assert "shop" in got.out + got.err
        if proxy:
            assert proxy.echoed, "the echoing answer was never asked for"
        capture.add_files(tmp_path, skip={token_file})
        scanner = qbo_scanner(spy)
        assert_clean(scanner, capture)
        report_figures(f"quickbooks {case}", scanner, capture)
    finally:
        if proxy:
            proxy.stop()
        emu.stop()


# -- TLS ----------------------------------------------------------------------------------------------

def test_given_odoo_behind_a_self_signed_certificate_then_verified_by_default_and_disabled_only_by_verify_tls_false(
        tmp_path, cert, capsys, monkeypatch, sleeps):
    from adapters.demo.ledger import demo_records
    from adapters.odoo.emulator import OdooEmulator

    monkeypatch.setenv(KEY_VAR, ODOO_KEY)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    emu = OdooEmulator(version="19.0", db="demo")
    emu.seed(demo_records(AS_OF, version="19.0"))
    emu.add_user(login="relance", password=ODOO_OTHER_PASSWORD, api_key=ODOO_KEY, company_ids=(1,), email="r@example.fr")
    proxy = Proxy(emu.start(), tls=cert)
    url = proxy.start()
    spy = VerifySpy(monkeypatch)
    capture = Capture()
    cli = Cli(capsys, capture)
    try:
        cfg, _ = write_config(tmp_path / "strict", [odoo_tenant("keyco", url, xmlrpc=False)])
        day = ("--as-of", AS_OF.isoformat())
        for argv in (("check",), ("plan", "--json"), ("run",), ("daemon", "--once")):
            got = cli("--config", cfg, *day, *argv)
            text = got.out + got.err
            assert got.code == 3, (argv, text)
            assert f"TLS certificate verification failed for {url} (self-signed certificate)" in text, text
            assert "verify_tls: false" in text and "REQUESTS_CA_BUNDLE" in text and "Traceback" not in text
        assert sleeps == [], "a certificate that failed verification was retried"
        assert proxy.seen == [], "a request went through an unverified connection"
        assert spy.seen and all(v is True for _, v in spy.seen), spy.seen

        spy.seen.clear()  # the fix the message gives: trust the CA that signed the certificate
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert[0])
        got = cli("--config", cfg, *day, "check")
        assert got.code in (0, 1) and "ok    connect: Odoo 19.0" in got.out, got.out + got.err
        assert "DISABLED" not in got.err and {v for _, v in spy.seen} == {cert[0]}

        spy.seen.clear()  # verify_tls: false wins over the CA bundle of the environment, and says so
        lax, _ = write_config(tmp_path / "lax", [odoo_tenant("keyco", url, xmlrpc=False, extra="    verify_tls: false\n")])
        for fmt in ("text", "json"):
            with warnings.catch_warnings():  # urllib3's own InsecureRequestWarning, each time
                warnings.simplefilter("always", InsecureRequestWarning)
                logging.captureWarnings(False)
                got = cli("--config", lax, *day, "--log-format", fmt, "check")
                logging.captureWarnings(False)
            assert got.code in (0, 1) and "ok    connect: Odoo 19.0" in got.out, got.out + got.err
            warning = [ln for ln in got.err.splitlines() if "TLS certificate verification is DISABLED" in ln]
            assert len(warning) == 1 and "keyco" in warning[0] and "WARNING" in warning[0].upper(), got.err
            assert "InsecureRequestWarning" in got.err
            if fmt == "json":  # urllib3's warning too comes as a JSON line: stderr stays parseable
                assert [json.loads(ln)["level"] for ln in got.err.splitlines()].count("warning") >= 2, got.err
        assert spy.seen and all(v is False for _, v in spy.seen), spy.seen
        assert_clean(Scanner({"odoo api key": ODOO_KEY}), capture)
    finally:
        proxy.stop()
        emu.stop()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_given_quickbooks_and_intuit_oauth_behind_a_self_signed_certificate_then_verified_unless_verify_tls_false(
        tmp_path, cert, capsys, monkeypatch, qbo_env, sleeps):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    spy_tokens = TokenSpy(monkeypatch)
    emu = qbo_emulator(demo=False)
    emu.seed(accounts=[{"Name": "Sales of services", "AccountType": "Income"}], items=[{"Name": "Consulting", "Type": "Service"}])
    proxy = Proxy(emu.url, tls=cert)
    url = proxy.start()
    discovery = emu.discovery_url.replace(emu.url, url)  # discovery and token endpoint over TLS too
    spy = VerifySpy(monkeypatch)
    capture = Capture()
    cli = Cli(capsys, capture)
    try:
        for expires, failing in ((3600, url), (0, discovery)):  # the API itself; the OAuth discovery before a refresh
            cfg, token_file = qbo_config(tmp_path / f"strict-{expires}", url, discovery, emu.realm_id)
            qbo_tokens(emu, token_file, expires_in=expires)
            for argv in (("check",), ("plan", "--json"), ("daemon", "--once")):
                got = cli("--config", cfg, "--as-of", AS_OF.isoformat(), *argv)
                text = got.out + got.err
                assert got.code == 3, (argv, text)
                assert f"TLS certificate verification failed for {failing} (self-signed certificate)" in text, text
                assert "verify_tls: false" in text and "Traceback" not in text
        assert sleeps == [] and proxy.seen == []
        assert spy.seen and all(v is True for _, v in spy.seen), spy.seen

        spy.seen.clear()
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert[0])  # must not turn verification back on for verify_tls: false
        cfg, token_file = qbo_config(tmp_path / "lax", url, discovery, emu.realm_id, extra="    verify_tls: false\n")
        qbo_tokens(emu, token_file, expires_in=0)  # refresh through intuit-oauth over TLS first
        for fmt in ("text", "json"):
            got = cli("--config", cfg, "--as-of", AS_OF.isoformat(), "--log-format", fmt, "check")
            assert got.code in (0, 1) and "ok    connect: QuickBooks company Secrets SAS" in got.out, got.out + got.err
            warning = [ln for ln in got.err.splitlines() if "TLS certificate verification is DISABLED" in ln]
            assert len(warning) == 1 and "shop" in warning[0], got.err
        urls = {u for u, _ in spy.seen}
        assert any("/oauth2/v1/tokens" in u for u in urls) and any("openid_configuration" in u for u in urls)
        assert any("/v3/company/" in u for u in urls)
        assert all(v is False for _, v in spy.seen), spy.seen
        assert len(spy_tokens.saved) >= 4
        assert_clean(qbo_scanner(spy_tokens), capture)
    finally:
        proxy.stop()
        emu.stop()


HTTP_METHODS = {"request", "get", "post", "put", "patch", "delete", "head", "options", "send"}


def test_every_http_call_in_the_adapters_passes_verify():
    """Static companion of the two tests above: a call on a session or on `requests` without `verify=` would
    fall back to requests' defaults (and REQUESTS_CA_BUNDLE) instead of the tenant's verify_tls."""
    import ast

    root = Path(__file__).resolve().parents[2] / "adapters"
    calls, missing = [], []
    for path in sorted(root.rglob("*.py")):
        if path.name.startswith("emulator"):
            continue  # the emulators are servers
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HTTP_METHODS):
                continue
            receiver = ast.unparse(node.func.value)
            if receiver == "requests" or "session" in receiver.lower() or receiver == "super()":
                where = f"{path.relative_to(root.parent)}:{node.lineno} {receiver}.{node.func.attr}"
                calls.append(where)
                if not any(k.arg == "verify" for k in node.keywords):
                    missing.append(where)
    assert len(calls) >= 3, calls  # the Odoo client, the QuickBooks client, intuit-oauth's session
    assert not missing, missing


# -- Webhook ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [CLOUD_EVENTS, LEGACY], ids=["cloudevents", "legacy"])
def test_given_intuit_payloads_when_signed_then_accepted_else_401_and_logged_without_body_or_token(payload):
    from adapters.quickbooks.webhook import wsgi_app

    triggered: list[set[str]] = []
    app = wsgi_app(VERIFIER, triggered.append)
    capture = Capture()
    with RecordCapture() as records:
        logging.getLogger("relance").setLevel(logging.DEBUG)
        assert wsgi_call(app, payload, sign(payload)) == "200 OK"
        assert triggered == [{WEBHOOK_REALM}]  # the invoice (or payment) change; the account change needs no run
        records.lines.clear()
        statuses = {name: wsgi_call(app, payload, header) for name, header in garbage_signatures(payload).items()}
    assert statuses == dict.fromkeys(statuses, "401 Unauthorized"), statuses
    assert triggered == [{WEBHOOK_REALM}], "a refused webhook started a run"
    assert len(records.lines) == len(statuses), records.lines  # each refusal is logged, once
    assert all("refused" in line and f"{len(payload)} bytes" in line for line in records.lines), records.lines
    capture.add_logs("webhook", records)
    assert_clean(webhook_scanner(), capture)


def test_the_signature_is_compared_with_hmac_compare_digest_and_only_with_it(monkeypatch):
    import hmac

    from adapters.quickbooks import webhook

    calls: list[tuple[bytes, bytes]] = []
    verdict = {"value": None}
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b) if verdict["value"] is None else verdict["value"]

    monkeypatch.setattr(hmac, "compare_digest", spy)
    good = sign(CLOUD_EVENTS)
    webhook.verify(CLOUD_EVENTS, good, VERIFIER)
    assert calls == [(good.encode(), good.encode())]
    with pytest.raises(webhook.BadSignature):
        webhook.verify(CLOUD_EVENTS, sign(LEGACY), VERIFIER)
    assert len(calls) == 2
    verdict["value"] = True  # the decision is compare_digest's alone: no other comparison can refuse...
    webhook.verify(CLOUD_EVENTS, sign(LEGACY), VERIFIER)
    verdict["value"] = False  # ...or accept
    with pytest.raises(webhook.BadSignature):
        webhook.verify(CLOUD_EVENTS, good, VERIFIER)
    assert len(calls) == 4


def test_given_a_signed_body_that_is_not_intuits_or_too_big_then_400_or_413_logged_without_body():
    from adapters.quickbooks.webhook import MAX_BODY, wsgi_app

    app = wsgi_app(VERIFIER, lambda realms: pytest.fail("no run for a bad payload"))
    bodies = {"not json": b"realm " + WEBHOOK_REALM.encode() + b" " + BODY_MARKERS["event id"].encode(),
              "other json": json.dumps({"hello": BODY_MARKERS["event id"], "realmId": WEBHOOK_REALM}).encode(),
              "bad event": json.dumps([{"specversion": "1.0", "id": BODY_MARKERS["event id"], "type": "nonsense"}]).encode(),
              "bad legacy": json.dumps({"eventNotifications": [{"realmId": WEBHOOK_REALM, "dataChangeEvent": [1]}]}).encode(),
              "legacy entity not an object": json.dumps({"eventNotifications": [{"realmId": WEBHOOK_REALM,
                                                          "dataChangeEvent": {"entities": [BODY_MARKERS["event id"]]}}]}).encode()}
    capture = Capture()
    with RecordCapture() as records:
        for name, body in bodies.items():
            assert wsgi_call(app, body, sign(body)) == "400 Bad Request", name
        import io

        huge = {"CONTENT_LENGTH": str(MAX_BODY + 1), "wsgi.input": io.BytesIO(b""), "REQUEST_METHOD": "POST"}
        assert b"413" in b"".join(app(huge, lambda s, h: None))
    assert len(records.lines) == len(bodies) + 1
    capture.add_logs("webhook", records)
    assert_clean(webhook_scanner(), capture)


def test_given_the_daemon_receiver_when_webhooks_come_signed_or_not_then_only_signed_ones_run_and_logs_stay_clean(
        tmp_path, monkeypatch, qbo_env, qbo_fast, relance_logs):
    import threading
    import time

    import requests

    from connector import logs
    from adapters.registry import SYSTEMS
    from connector.config import load_config, load_secrets
    from connector.daemon import StopFlag, serve

    spy = TokenSpy(monkeypatch)
    emu = qbo_emulator(demo=False)
    emu.seed(accounts=[{"Name": "Sales of services", "AccountType": "Income"}], items=[{"Name": "Consulting", "Type": "Service"}])
    cfg, token_file = qbo_config(tmp_path, emu.url, emu.discovery_url, emu.realm_id)
    qbo_tokens(emu, token_file)
    text = Path(cfg).read_text().replace("interval_minutes: 60", 'cron: "0 7 1 1 *"')  # runs only when a webhook says so
    Path(cfg).write_text(text)
    dep = load_config(cfg, [a.tenant for a in SYSTEMS.values()])
    tenants = dep.select(None)
    secrets = load_secrets(dep, tenants, webhook=True)
    for value in secrets.values():
        logs.register_secret(value.get_secret_value())
    stop, ready, holder = StopFlag(), threading.Event(), {}
    worker = threading.Thread(target=serve, args=(tenants, secrets), daemon=True,
                              kwargs={"as_of": AS_OF, "stop": stop, "webhook": dep.config.webhook,
                                      "webhook_app": SYSTEMS["quickbooks"].webhook,
                                      "on_ready": lambda d: (holder.setdefault("d", d), ready.set())})
    capture = Capture()
    try:
        with RecordCapture() as records:
            worker.start()
            assert ready.wait(10)
            url = holder["d"].webhook_url
            events = CLOUD_EVENTS.replace(WEBHOOK_REALM.encode(), emu.realm_id.encode())
            statuses = {name: requests.post(url, data=events, timeout=10, headers={} if header is None else
                                            {"intuit-signature": header.replace("é", "e")}).status_code
                        for name, header in garbage_signatures(events).items()
                        if name not in ("blank", "header injection")}  # requests refuses to send those two
            assert set(statuses.values()) == {401}, statuses
            time.sleep(0.3)
            assert not any("run as of" in line for line in records.lines), "a refused webhook started a run"
            assert requests.post(url, data=events, headers={"intuit-signature": sign(events)}, timeout=10).status_code == 200
            deadline = time.monotonic() + 20
            while not any("run as of" in line for line in records.lines) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert any("tenant shop: run as of" in line for line in records.lines), records.lines
    finally:
        stop.event.set()
        worker.join(30)
        emu.stop()
    refusals = [line for line in records.lines if "webhook refused" in line]
    assert len(refusals) == len(statuses), refusals
    capture.add("daemon log stream", relance_logs.getvalue())
    capture.add_logs("daemon", records)
    capture.add_files(tmp_path, skip={token_file})
    scanner = qbo_scanner(spy)
    for label, marker in BODY_MARKERS.items():
        if label != "realm id":
            scanner.add(f"body {label}", marker)
    assert_clean(scanner, capture)
    report_figures("webhook daemon", scanner, capture)


# -- The instruments themselves -----------------------------------------------------------------------

def test_the_scanner_finds_a_secret_in_every_form_it_claims():
    """Positive controls: a scan that finds nothing means something only if it would have found these."""
    import base64
    import html
    import zlib
    from urllib.parse import quote, quote_plus

    from connector.letters import letter_pdf
    from connector.models import Letterhead, Operation
    from connector.templates import Library, Rendered

    secret = "Pw&<Sécret> 4711+/=%41!"
    scanner = Scanner({"s": secret})
    raw = secret.encode()
    samples = {
        "raw": b"x " + raw + b" y", "json": json.dumps({"k": secret}), "json-ascii": json.dumps({"k": secret}, ensure_ascii=True),
        "html": html.escape(f"<p>{secret}</p>"), "url": "a=" + quote(secret, safe="") + "&b", "url-plus": "a=" + quote_plus(secret),
        "url lower-case": "a=" + quote(secret, safe="").lower(), "hex": raw.hex().upper(),
        "basic header": "Basic " + base64.b64encode(b"client-id:" + raw).decode(),
        "base64 alignment 1": base64.b64encode(b"x" + raw + b"tail").decode(),
        "base64url": base64.urlsafe_b64encode(b"ab" + raw).decode(),
        "wrapped base64": "\n".join(base64.b64encode(b"head" + raw * 3).decode()[i:i + 8] for i in range(0, 60, 8)),
        "pdf text": letter_pdf(
            Rendered(subject="Subject", blocks=(f"body {secret} end",), phrases=Library().phrases("en_US")),
            Operation(key="0" * 32, kind="action", as_of=AS_OF, customer_id="1", customer_name="Recipient",
                      target="customer", target_id="1", channel="letter", currency="EUR", amount=1, reason="r"),
            Letterhead(name="Sender"), "ref"),
        "raw deflate in a pdf": b"stream\n" + zlib.compress(b"(" + secret.encode("cp1252") + b") Tj") + b"\nendstream",
    }
    missed = [name for name, data in samples.items() if not scanner.scan(name, data)]
    assert missed == []
    assert scanner.scan("clean", "Pw&<Secret> 4711 nothing here " + base64.b64encode(b"other").decode()) == []


def test_given_a_registered_secret_then_a_handler_the_user_adds_sees_it_masked_in_every_form():
    import base64
    from urllib.parse import quote

    from connector import logs

    secret = "user-Handler-Secret+/=77a1"
    logs.register_secret(secret)
    records = RecordCapture()
    log = logging.getLogger("thirdparty.client")
    log.setLevel(logging.DEBUG)
    with records:
        log.warning("header %s", "Authorization: Basic " + base64.b64encode(f"cid:{secret}".encode()).decode())
        log.info("url %s", "https://x/?token=" + quote(secret, safe=""))
        log.debug("hex %s and raw %r", secret.encode().hex(), {"password": secret})
        try:
            raise RuntimeError(f"server echoed {secret}")
        except RuntimeError:
            log.exception("failed")
    assert len(records.lines) == 4
    capture = Capture()
    capture.add_logs("user handler", records)
    assert_clean(Scanner({"secret": secret}), capture)
    assert "server echoed ***" in records.lines[3]  # the traceback is kept, masked
