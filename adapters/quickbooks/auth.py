"""OAuth 2.0 for QuickBooks Online through intuit-oauth's `AuthClient`: consent URL, code exchange, and
access-token refresh before expiry and on a 401.

Intuit rotates the refresh token (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0):
the last one returned is the only valid one, so the new pair is written to the token file (temp file +
os.replace, mode 0600) before the new access token is used. Tokens never reach a log or an error message.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from adapters.http import no_answer
from adapters.quickbooks.errors import QuickBooksAuthError, QuickBooksUnavailable
from connector.errors import CertificateFailed
from connector.logs import register_secret

log = logging.getLogger("relance.quickbooks")

REFRESH_MARGIN = 300  # seconds: refresh an access token this long before it expires (they last one hour)
_OAUTH_ERROR = re.compile(r"^[a-z_]{1,40}$")  # RFC 6749 §5.2 error codes: invalid_grant, invalid_client...


def _auth_client_class(verify: bool, timeout: float):
    """intuit-oauth's AuthClient (a requests.Session) with our TLS verification and a timeout on each of its
    requests, discovery document included: it sets neither itself."""
    from intuitlib.client import AuthClient

    class Client(AuthClient):
        def request(self, method, url, **kw):
            kw.pop("verify", None)
            kw.setdefault("timeout", timeout)
            return super().request(method, url, verify=verify, **kw)

    return Client


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float
    realm_id: str = ""
    refresh_expires_at: float | None = None

    def __repr__(self) -> str:  # never print a token
        return f"Tokens(realm_id={self.realm_id!r}, expires_at={self.expires_at})"


def _remember(tokens: Tokens | None) -> Tokens | None:
    """Tokens are masked in every log line from the moment they are read or received."""
    if tokens is not None:
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
    return tokens


class TokenFile:
    """The token pair on disk: JSON, mode 0600, replaced atomically so a crash leaves the old or the new pair."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def load(self) -> Tokens | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise QuickBooksAuthError(f"token file {self.path} cannot be read ({type(exc).__name__}): "
                                      f"run `relance quickbooks connect` again") from None
        try:
            return Tokens(**data)
        except TypeError:
            raise QuickBooksAuthError(f"token file {self.path} is not a Relance token file") from None

    def save(self, tokens: Tokens) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(tokens), fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:  # make the rename itself durable
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass


class OAuth:
    """Access tokens for one company, refreshed and persisted as Intuit requires."""

    def __init__(self, client_id: str, client_secret: str, store: TokenFile, *, environment: str = "sandbox",
                 redirect_uri: str = "", discovery_url: str | None = None, initial_refresh_token: str | None = None,
                 realm_id: str = "", clock=time.time, verify_tls: bool = True, timeout: float = 30.0):
        self._id, self._secret = client_id, client_secret
        self.verify_tls, self.timeout = verify_tls, timeout
        for value in (client_secret, initial_refresh_token):  # the client id is public: the consent URL shows it
            register_secret(value)
        self.store, self.environment, self.redirect_uri = store, environment, redirect_uri
        self.discovery_url, self.realm_id, self.clock = discovery_url, realm_id, clock
        self._initial = initial_refresh_token
        self._tokens: Tokens | None = None
        self._client = None
        self._lock = threading.Lock()
        self.refreshes = 0

    def _auth_client(self):
        if self._client is None:
            try:
                client_class = _auth_client_class(self.verify_tls, self.timeout)
            except ImportError:
                raise QuickBooksAuthError("the intuit-oauth package is not installed (pip install intuit-oauth)") from None
            # AuthClient reads Intuit's OpenID discovery document on construction; `environment` may be a URL.
            where = self.discovery_url or self.environment
            try:
                self._client = client_class(self._id, self._secret, self.redirect_uri, where)
            except Exception as exc:  # noqa: BLE001 - requests' errors or AuthClientError: never echo a body
                if CertificateFailed.matches(exc):
                    raise CertificateFailed(where if "://" in where else "Intuit's OAuth discovery document", exc) from None
                if isinstance(exc, requests.exceptions.RequestException):
                    at = f" at {where}" if "://" in where else ""
                    raise QuickBooksUnavailable(f"cannot reach Intuit's OAuth discovery document{at}: "
                                                f"{no_answer(exc, self.timeout)}") from None
                raise QuickBooksUnavailable(f"cannot read Intuit's OAuth discovery document ({type(exc).__name__})") from None
        return self._client

    # -- bootstrap (relance quickbooks connect) ------------------------------------------------------
    def consent_url(self, state: str) -> str:
        from intuitlib.enums import Scopes

        return self._auth_client().get_authorization_url([Scopes.ACCOUNTING], state_token=state)

    def exchange(self, redirect_url: str, state: str | None = None) -> Tokens:
        """Trade the code of the URL Intuit redirected the browser to for a token pair, and persist it."""
        query = parse_qs(urlsplit(redirect_url.strip()).query)
        if "error" in query:
            raise QuickBooksAuthError(f"Intuit refused the connection: {query['error'][0]}")
        code, realm = query.get("code", [""])[0], query.get("realmId", [""])[0]
        if not code or not realm:
            raise QuickBooksAuthError("the redirect URL has no code or realmId: paste the whole address Intuit redirected to")
        if state is not None and query.get("state", [""])[0] != state:
            raise QuickBooksAuthError("the redirect URL's state does not match this consent request: start again")
        client = self._auth_client()
        self._call(lambda: client.get_bearer_token(code, realm_id=realm), "exchange the authorization code")
        tokens = _remember(self._from_client(client, realm))
        self.store.save(tokens)
        self._tokens = tokens
        return tokens

    # -- steady state -----------------------------------------------------------------------------
    def access_token(self) -> str:
        with self._lock:
            tokens = self._current()
            if tokens.expires_at - REFRESH_MARGIN <= self.clock():
                tokens = self._refresh_locked(tokens)
            return tokens.access_token

    def refresh(self, stale: str | None = None) -> str:
        """A new access token; `stale` is the one that got a 401 (another thread may have refreshed already)."""
        with self._lock:
            tokens = self._current()
            if stale is not None and tokens.access_token != stale and tokens.expires_at > self.clock():
                return tokens.access_token
            return self._refresh_locked(tokens).access_token

    def _current(self) -> Tokens:
        if self._tokens is None:
            self._tokens = _remember(self.store.load())
        if self._tokens is None:
            if not self._initial:
                raise QuickBooksAuthError(f"no tokens in {self.store.path}: run `relance quickbooks connect`")
            self._tokens = Tokens(access_token="", refresh_token=self._initial, expires_at=0, realm_id=self.realm_id)
        return self._tokens

    def _refresh_locked(self, tokens: Tokens) -> Tokens:
        client = self._auth_client()
        self._call(lambda: client.refresh(refresh_token=tokens.refresh_token), "refresh the access token")
        new = _remember(self._from_client(client, tokens.realm_id))
        self.store.save(new)  # persisted first: the old refresh token may already be dead
        self._tokens = new
        self.refreshes += 1
        log.info("QuickBooks access token refreshed for company %s", tokens.realm_id or "?")
        return new

    def _from_client(self, client, realm: str) -> Tokens:
        now = self.clock()
        if not client.access_token or not client.refresh_token:
            raise QuickBooksAuthError("Intuit's token endpoint answered without a token pair")
        hard = getattr(client, "x_refresh_token_expires_in", None)
        return Tokens(access_token=str(client.access_token), refresh_token=str(client.refresh_token),
                      expires_at=now + float(client.expires_in or 3600), realm_id=realm,
                      refresh_expires_at=now + float(hard) if hard else None)

    def _call(self, fn, what: str) -> None:
        from intuitlib.exceptions import AuthClientError

        try:
            fn()
        except AuthClientError as exc:
            reason = ""
            try:  # Intuit answers {"error": "invalid_grant"}: name a code like that, never echo anything else
                reason = str(json.loads(exc.content or b"{}").get("error", ""))
            except (ValueError, AttributeError):
                pass
            reason = f" {reason}" if _OAUTH_ERROR.match(reason) else ""
            if exc.status_code in (400, 401):
                raise QuickBooksAuthError(f"Intuit refused to {what} (HTTP {exc.status_code}{reason}): the refresh "
                                          f"token is expired or revoked; run `relance quickbooks connect`") from None
            raise QuickBooksUnavailable(f"Intuit's token endpoint answered HTTP {exc.status_code} ({what})") from None
        except OSError as exc:  # requests' ConnectionError and Timeout derive from OSError
            if CertificateFailed.matches(exc):
                raise CertificateFailed(self._client.token_endpoint if self._client else "Intuit's token endpoint",
                                        exc) from None
            raise QuickBooksUnavailable(f"cannot reach Intuit's token endpoint to {what}: "
                                        f"{no_answer(exc, self.timeout)}") from None


class StaticToken:
    """A fixed access token (tests, or a token managed elsewhere): a 401 cannot be cured by refreshing."""

    def __init__(self, token: str):
        self._token = token
        self.refreshes = 0
        register_secret(token)

    def access_token(self) -> str:
        return self._token

    def refresh(self, stale: str | None = None) -> str:
        raise QuickBooksAuthError("QuickBooks refused the access token and no refresh token is configured")


def connect(oauth: OAuth, ask=input, say=print) -> Tokens:
    """`relance quickbooks connect`: print the consent URL, take back the URL Intuit redirected to, store the pair."""
    import secrets as _secrets

    state = _secrets.token_urlsafe(16)
    say("Open this address, sign in to QuickBooks and choose the company to connect:")
    say(oauth.consent_url(state))
    redirected = ask("Paste the whole address your browser was sent to: ")
    tokens = oauth.exchange(redirected, state=state)
    say(f"Connected company {tokens.realm_id}; tokens stored in {oauth.store.path} (mode 0600).")
    return tokens
