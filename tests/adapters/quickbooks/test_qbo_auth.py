"""OAuth 2.0 through intuit-oauth against the emulator's discovery document and token endpoint: the rotated
refresh token is on disk (mode 0600, replaced atomically) before the new access token is used."""

from __future__ import annotations

import json
import logging
import os
import stat
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.quickbooks.auth import OAuth, TokenFile, Tokens
from adapters.quickbooks.errors import QuickBooksAuthError


@pytest.fixture
def emu():
    from adapters.quickbooks.emulator import QuickBooksEmulator

    e = QuickBooksEmulator()
    e.start()
    yield e
    e.stop()


def oauth(emu, path, clock=None, **kw) -> OAuth:
    return OAuth(emu.client_id, emu.client_secret, TokenFile(path), discovery_url=emu.discovery_url,
                 redirect_uri="https://relance.example/callback", realm_id=emu.realm_id,
                 **({"clock": clock} if clock else {}), **kw)


def test_given_tokens_near_expiry_when_a_token_is_asked_then_refreshed_rotated_and_persisted_first(emu, tmp_path):
    path = tmp_path / "tokens.json"
    pair = emu.issue_tokens()
    TokenFile(path).save(Tokens(**{**pair, "expires_at": 100.0}))
    auth = oauth(emu, path, clock=lambda: 50.0 + 3600 * 0)  # 50 s before expiry: inside the margin
    saved = []
    real_save = auth.store.save

    def spy(tokens):
        saved.append(tokens)
        real_save(tokens)

    auth.store.save = spy
    token = auth.access_token()
    on_disk = json.loads(path.read_text())
    assert token == on_disk["access_token"] != pair["access_token"]
    assert on_disk["refresh_token"] == emu.current_refresh_token != pair["refresh_token"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(saved) == 1 and saved[0].access_token == token  # written before it was handed out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]  # no temp file left behind


def test_the_old_refresh_token_is_dead_after_a_rotation(emu, tmp_path):
    path = tmp_path / "tokens.json"
    old = emu.issue_tokens()
    TokenFile(path).save(Tokens(**{**old, "expires_at": 0.0}))
    oauth(emu, path).access_token()
    stale = tmp_path / "stale.json"
    TokenFile(stale).save(Tokens(**{**old, "expires_at": 0.0}))
    with pytest.raises(QuickBooksAuthError, match="invalid_grant") as exc:
        oauth(emu, stale).access_token()
    assert old["refresh_token"] not in str(exc.value)


def test_given_a_write_that_fails_midway_then_the_previous_token_file_is_intact(tmp_path, monkeypatch):
    path = tmp_path / "tokens.json"
    store = TokenFile(path)
    store.save(Tokens(access_token="a1", refresh_token="r1", expires_at=1.0))

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save(Tokens(access_token="a2", refresh_token="r2", expires_at=2.0))
    monkeypatch.undo()
    assert store.load().refresh_token == "r1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]


def test_consent_url_then_exchange_of_the_redirect_url_stores_the_pair(emu, tmp_path):
    auth = oauth(emu, tmp_path / "t.json")
    url = auth.consent_url("state-123")
    q = parse_qs(urlsplit(url).query)
    assert q["scope"] == ["com.intuit.quickbooks.accounting"] and q["state"] == ["state-123"]
    assert q["redirect_uri"] == ["https://relance.example/callback"] and url.startswith(emu.url)
    code = emu.authorization_code()
    tokens = auth.exchange(f"https://relance.example/callback?code={code}&state=state-123&realmId={emu.realm_id}",
                           state="state-123")
    assert tokens.realm_id == emu.realm_id and TokenFile(tmp_path / "t.json").load() == tokens
    with pytest.raises(QuickBooksAuthError, match="state"):
        auth.exchange("https://relance.example/callback?code=x&state=other&realmId=1", state="state-123")


def test_tokens_never_reach_a_log_line_or_a_repr(emu, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "tokens.json"
    pair = emu.issue_tokens()
    TokenFile(path).save(Tokens(**{**pair, "expires_at": 0.0}))
    auth = oauth(emu, path)
    token = auth.access_token()
    fresh = TokenFile(path).load()
    for secret in (pair["access_token"], pair["refresh_token"], token, fresh.refresh_token):
        assert secret not in caplog.text and secret not in repr(fresh)


def test_given_no_token_file_then_an_error_naming_the_connect_command(emu, tmp_path):
    with pytest.raises(QuickBooksAuthError, match="relance quickbooks connect"):
        oauth(emu, tmp_path / "missing.json").access_token()


def test_given_only_an_initial_refresh_token_then_the_first_refresh_creates_the_file(emu, tmp_path):
    pair = emu.issue_tokens()
    path = tmp_path / "new.json"
    auth = oauth(emu, path, initial_refresh_token=pair["refresh_token"])
    auth.access_token()
    assert TokenFile(path).load().refresh_token == emu.current_refresh_token
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_connect_prints_the_consent_url_and_stores_the_pair_from_the_pasted_redirect(emu, tmp_path):
    from adapters.quickbooks.auth import connect

    auth = oauth(emu, tmp_path / "c.json")
    said = []

    def ask(prompt):
        state = parse_qs(urlsplit(said[1]).query)["state"][0]
        return f"https://relance.example/callback?code={emu.authorization_code()}&state={state}&realmId={emu.realm_id}"

    tokens = connect(auth, ask=ask, say=said.append)
    assert TokenFile(tmp_path / "c.json").load() == tokens and tokens.realm_id == emu.realm_id
    assert tokens.access_token not in " ".join(said) and tokens.refresh_token not in " ".join(said)
