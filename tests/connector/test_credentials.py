"""When credentials expire (connector/credentials.py and each adapter's `credentials()`): Odoo 19 tells the key's
own user through res.users.apikeys (only its own keys), Odoo 17 does not and relance.yaml's api_key_expires
says it, QuickBooks' token file keeps Intuit's refresh-token expiry; check and the daemon warn 14 days before."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

import pytest

from adapters.odoo.emulator import OdooEmulator
from adapters.odoo.emulator.ledger import base_records
from adapters.odoo.source import OdooSource
from adapters.quickbooks.auth import Tokens, TokenFile
from adapters.quickbooks.source import QuickBooksSource
from connector.credentials import Credential, Watch, check_lines

TODAY = date(2026, 3, 10)


@pytest.fixture(params=["19.0", "17.0"])
def odoo(request):
    emu = OdooEmulator(version=request.param)
    emu.seed(base_records(request.param))
    emu.add_user(login="relance", password="pw", api_key="key-relance-1", api_key_expires=datetime(2026, 3, 20, 9))
    emu.add_user(login="other", password="pw", api_key="key-other-22", api_key_expires=datetime(2026, 3, 12, 9))
    emu.start()
    yield emu
    emu.stop()


def source(emu, **kw) -> OdooSource:
    return OdooSource(emu.url, "emulator", "relance", "key-relance-1",
                      protocol="json2" if emu.major >= 19 else "xmlrpc", **kw)


def test_given_odoo_19_then_the_api_users_own_key_expiry_is_read_and_no_other_users(odoo):
    (cred,) = source(odoo, api_key_expires=date(2026, 6, 1)).credentials()
    if odoo.major >= 19:
        assert cred.expires == date(2026, 3, 20) and "res.users.apikeys" in cred.known_from  # Odoo's date wins
    else:
        assert cred.expires == date(2026, 6, 1) and cred.known_from == "api_key_expires in relance.yaml"


def test_given_odoo_17_without_a_configured_date_then_check_says_no_expiry_is_known(odoo):
    (cred,) = source(odoo).credentials()
    lines = check_lines([cred], TODAY)
    if odoo.major >= 19:
        assert lines == ["  warn  credentials: Odoo API key of relance ('relance') expires on 2026-03-20 (in 10 day(s)) "
                         "(read from Odoo, res.users.apikeys): create a new API key for relance in Odoo (Preferences → "
                         "Account Security → New API Key) and put it in the variable the tenant names"]
    else:
        assert lines[0].startswith("  info  credentials: Odoo API key of relance: no expiry known (this Odoo version "
                                   "keeps no expiry for API keys; set api_key_expires in relance.yaml")


def test_given_a_password_login_then_nothing_expires(odoo):
    assert OdooSource(odoo.url, "emulator", "relance", "pw", protocol="xmlrpc", password=True).credentials() == []


def test_given_a_quickbooks_token_file_then_the_refresh_tokens_expiry_is_read(tmp_path):
    store = TokenFile(tmp_path / "shop.tokens.json")
    hard = datetime(2026, 6, 18, 12).timestamp()
    store.save(Tokens(access_token="a" * 20, refresh_token="r" * 20, expires_at=time.time() + 3600, realm_id="9",
                      refresh_expires_at=hard))
    qbo = QuickBooksSource("9", token_file=store.path, secrets={"QBO_CLIENT_ID": "id", "QBO_CLIENT_SECRET": "s" * 12})
    (cred,) = qbo.credentials()
    assert cred.name == "refresh_token" and cred.expires == date(2026, 6, 18)
    assert check_lines([cred], date(2026, 6, 10))[0].startswith("  warn  credentials: QuickBooks refresh token of "
                                                                "company 9 expires on 2026-06-18 (in 8 day(s))")
    assert check_lines([cred], date(2026, 5, 1))[0].startswith("  ok    credentials:")


class Once:
    def __init__(self, creds):
        self.creds, self.calls = creds, 0

    def credentials(self):
        self.calls += 1
        return self.creds


def test_given_a_key_expiring_within_14_days_then_the_daemon_warns_once_a_day(caplog):
    soon = Once([Credential("api_key", "Odoo API key of relance", TODAY + timedelta(days=14), "Odoo", "renew it")])
    watch = Watch()
    with caplog.at_level(logging.WARNING, logger="relance"):
        for day in (TODAY, TODAY, TODAY + timedelta(days=1)):
            watch.look("acme", soon, day)
    assert soon.calls == 2  # once a day: it costs a request
    assert caplog.text.count("tenant acme: Odoo API key of relance expires on 2026-03-24") == 2
    later = Once([Credential("api_key", "Odoo API key", TODAY + timedelta(days=15), "Odoo", "renew it")])
    caplog.clear()
    Watch().look("globex", later, TODAY)
    assert "globex" not in caplog.text


def test_given_refused_credentials_then_the_metrics_count_them_apart_from_an_unreachable_server():
    from adapters.odoo.errors import OdooAuthError, OdooUnavailable
    from adapters.quickbooks.errors import QuickBooksAuthError
    from connector.metrics import error_kind

    assert [error_kind(e) for e in (OdooAuthError("refused"), QuickBooksAuthError("revoked"),
                                    OdooUnavailable("down"))] == ["credentials", "credentials", "unreachable"]
