"""Transport to Odoo's external API: JSON-2 (19+) or XML-RPC (16-18, still served by 19), over requests.

One `call(model, method, ids, **kwargs)` for both protocols, timeouts on every request, retries with
backoff where a retry cannot double a write, and Odoo's errors turned into typed exceptions.
odoo-client-lib is not used: it hides JSON-2 errors in a plain ValueError and fixes a 60 s timeout.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import xmlrpc.client
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar

import requests

from adapters.http import backoff, never_sent, no_answer, retry_after
from adapters.odoo.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooRetryable,
    OdooUnavailable,
    OdooValidationError,
)
from connector.errors import CertificateFailed
from connector.logs import redact, register_secret

log = logging.getLogger("relance.odoo")
T = TypeVar("T")

# Methods that change nothing or set the same values again: safe to retry after any failure.
IDEMPOTENT = frozenset({
    "search_read", "read", "search", "search_count", "fields_get", "name_search", "context_get",
    "check_access_rights", "check_access", "has_access", "default_get", "write", "version",
})
_GATEWAY = {502, 503, 504}
_SERIALIZATION = ("could not serialize access", "SerializationFailure", "concurrent update")


class OdooAmbiguous(OdooRetryable):
    """A write was sent and no answer came back: it may or may not have been committed."""


def _validation_name(name: str) -> bool:
    return any(n in name for n in ("UserError", "ValidationError", "MissingError", "ValueError", "RedirectWarning"))


def _classify(message: str, *, name: str = "", code: int | None = None, model: str = "", method: str = "") -> OdooError:
    kw = dict(name=name, code=code, model=model, method=method)
    if any(s in message for s in _SERIALIZATION) or "SerializationFailure" in name:
        return OdooRetryable(message, **kw)
    if "AccessError" in name or "AccessDenied" in name or code in (3, 4):
        return OdooAccessError(message, **kw)
    if _validation_name(name) or code == 2:
        return OdooValidationError(message, **kw)
    return OdooError(message, **kw)


def _fault_message(fault: xmlrpc.client.Fault) -> tuple[str, str]:
    """(exception name, message) of an XML-RPC fault: codes 2-4 carry the message itself, code 1 a
    traceback whose last line is 'module.ExceptionName: message'."""
    text = str(fault.faultString or "").strip()
    if fault.faultCode != 1:
        return "", text
    last = text.splitlines()[-1] if text else ""
    head, sep, rest = last.partition(": ")
    if sep and " " not in head:
        return head, rest.strip()
    return "", last or text


class OdooClient:
    def __init__(self, url: str, db: str, login: str, secret: str, *, protocol: str = "auto",
                 timeout: float = 30.0, verify_tls: bool = True, retries: int = 4, backoff: float = 0.5,
                 context: dict | None = None, session: requests.Session | None = None):
        if protocol not in ("auto", "xmlrpc", "json2"):
            raise ValueError(f"protocol must be auto, xmlrpc or json2, not {protocol!r}")
        self.url = url.rstrip("/")
        self.db, self.login, self._secret = db, login, secret
        register_secret(secret)  # masked in every log line, and in what a server echoes back into an error
        self.protocol, self.timeout, self.verify = protocol, timeout, verify_tls
        self.retries, self.backoff = retries, backoff
        self.context = dict(context or {})
        self.session = session or requests.Session()
        self.uid: int | None = None
        self.answered = False  # has this server ever answered? (see _send)
        self.server_version: str = ""
        self.major: int = 0
        self.calls = 0
        self.methods: Counter[str] = Counter()  # calls by model.method, for the benchmarks and the tests' budgets
        self._count = threading.Lock()  # writes run several calls at once (adapters/odoo/batch.py)
        self.inflight = 1  # calls `each` keeps in flight at once (the mapping's writes.inflight)
        self.refused: set[str] = set()  # models this user may not read, found out once (adapters/odoo/setup.py)
        self._quiet_until = 0.0  # a 429/503's Retry-After holds back every call of this client, not only its own

    # -- connection ---------------------------------------------------------------------------------
    def connect(self) -> None:
        """Read the server version, pick the protocol, authenticate. Raises SourceUnavailable, also when Odoo
        answers with an error (a 500, a missing database): nothing can be read or written after that."""
        try:
            self._connect()
        except OdooError as exc:
            raise OdooUnavailable(f"Odoo at {self.url} failed while connecting as {self.login!r}: {exc}") from None

    def _connect(self) -> None:
        info = self._xmlrpc("common", "version", [], idempotent=True)
        self.server_version = str(info.get("server_version", ""))
        vinfo = info.get("server_version_info") or [0]
        self.major = int(vinfo[0]) if str(vinfo[0]).isdigit() else 0
        if self.protocol == "auto":
            self.protocol = "json2" if self.major >= 19 else "xmlrpc"
        if self.protocol == "xmlrpc":
            uid = self._xmlrpc("common", "authenticate", [self.db, self.login, self._secret, {}], idempotent=True)
            if not uid:
                raise OdooAuthError(f"Odoo at {self.url} refused login {self.login!r} on database {self.db!r}")
            self.uid = int(uid)
        else:
            user = self.call("res.users", "search_read", domain=[("login", "=", self.login)], fields=["id"], limit=1)
            if not user:
                raise OdooAuthError(f"the API key is valid but login {self.login!r} is another user or not found")
            self.uid = int(user[0]["id"])

    # -- calls --------------------------------------------------------------------------------------
    def call(self, model: str, method: str, ids: list[int] | None = None, **kwargs: Any) -> Any:
        """Call `model.method` with keyword arguments; `ids` for record methods."""
        with self._count:
            self.methods[f"{model}.{method}"] += 1
        ctx = {**self.context, **kwargs.pop("context", {})}
        if ctx:
            kwargs["context"] = ctx
        idempotent = method in IDEMPOTENT
        if self.protocol == "json2":
            body = dict(kwargs)
            if ids is not None:
                body["ids"] = ids
            return self._json2(model, method, body, idempotent)
        if method == "create":  # model_create_multi takes vals_list positionally on every version
            args: list = [kwargs.pop("vals_list")]
        elif method == "write":  # some overrides name it otherwise (ResPartner.write() got ... 'vals')
            args = [ids, kwargs.pop("vals")]
        else:
            args = [ids] if ids is not None else []
        return self._xmlrpc("object", "execute_kw", [self.db, self.uid, self._secret, model, method, args, kwargs],
                            idempotent=idempotent, model=model, fn=method)

    def search_read_all(self, model: str, domain: list, fields: list[str], *, page: int = 2000,
                        context: dict | None = None, **read: Any) -> list[dict]:
        """Every record matching `domain`, paged by id (keyset), so concurrent inserts shift nothing; `read`:
        search_read's read arguments (load)."""
        out: list[dict] = []
        last = 0
        while True:
            kw: dict[str, Any] = dict(domain=[("id", ">", last), *domain], fields=fields, limit=page, order="id asc",
                                      **read)
            if context:
                kw["context"] = context
            rows = self.call(model, "search_read", **kw)
            out.extend(rows)
            if len(rows) < page:
                return out
            last = rows[-1]["id"]

    def each(self, fn: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
        """`fn` of every item, `inflight` calls at a time (reads of many pages at once; 1: one after the other),
        in the items' order; the first error is raised once all are done."""
        items = list(items)
        if self.inflight <= 1 or len(items) <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=min(self.inflight, len(items))) as pool:
            return list(pool.map(fn, items))

    # -- protocols ----------------------------------------------------------------------------------
    def _send(self, url: str, idempotent: bool, **req: Any) -> requests.Response:
        """POST with retries: always when the request never left, otherwise only for idempotent calls.
        A server that has never answered and refuses, is not found or does not accept the connection is
        reported at once: a wrong URL or a stopped server, which waiting does not cure. Once it has answered,
        the same failure is more likely a restart, and is retried with backoff."""
        for attempt in range(self.retries + 1):
            with self._count:
                self.calls += 1
                hold = self._quiet_until - time.monotonic()
            if hold > 0:
                time.sleep(hold)
            wait = 0.0
            try:
                resp = self.session.post(url, timeout=self.timeout, verify=self.verify, **req)
            except requests.exceptions.ConnectionError as exc:
                if isinstance(exc, requests.exceptions.SSLError) and CertificateFailed.matches(exc):
                    raise CertificateFailed(self.url, exc) from None
                if never_sent(exc) and not self.answered:
                    raise OdooUnavailable(f"cannot reach Odoo at {self.url}: "
                                          f"{no_answer(exc, self.timeout)}") from None
                if not (idempotent or never_sent(exc)):
                    raise OdooAmbiguous(f"no answer from {self.url} after sending a write "
                                        f"({no_answer(exc, self.timeout)})") from None
                problem = no_answer(exc, self.timeout)
            except requests.exceptions.Timeout as exc:
                if not idempotent:
                    raise OdooAmbiguous(f"no answer from {self.url} within {self.timeout} s after sending a write") from None
                problem = no_answer(exc, self.timeout)
            else:
                self.answered = True
                status = resp.status_code
                if status in (429, 503) or (status in _GATEWAY and idempotent):
                    problem, wait = f"HTTP {status}", retry_after(resp)
                    if wait:
                        with self._count:
                            self._quiet_until = max(self._quiet_until, time.monotonic() + wait)
                elif status in _GATEWAY:
                    raise OdooAmbiguous(f"HTTP {status} from {self.url} after sending a write")
                else:
                    return resp
            if attempt == self.retries:
                raise OdooUnavailable(f"cannot reach Odoo at {self.url}: {problem}")
            time.sleep(backoff(self.backoff, attempt, at_least=wait))
        raise AssertionError("unreachable")

    def _xmlrpc(self, service: str, method: str, params: list, *, idempotent: bool, model: str = "",
                fn: str = "") -> Any:
        body = xmlrpc.client.dumps(tuple(params), methodname=method, allow_none=False).encode("utf-8")
        for attempt in range(self.retries + 1):
            resp = self._send(f"{self.url}/xmlrpc/2/{service}", idempotent, data=body,
                              headers={"Content-Type": "text/xml"})
            if resp.status_code != 200:
                raise OdooUnavailable(f"Odoo at {self.url} answered HTTP {resp.status_code} on /xmlrpc/2/{service}")
            try:
                (result,), _ = xmlrpc.client.loads(resp.content, use_builtin_types=True)
                return result
            except xmlrpc.client.Fault as fault:
                if "cannot marshal" in str(fault.faultString):
                    # Odoo ran and committed the method, then could not marshal its result (None, or a
                    # recordset from a method without @api.returns): the call succeeded, result unknown.
                    return None
                name, message = _fault_message(fault)
                message = redact(message)
                if fault.faultCode == 3 or "AccessDenied" in name:
                    raise OdooAuthError(f"Odoo at {self.url} refused the credentials of {self.login!r}") from None
                err = _classify(message, name=name, code=fault.faultCode, model=model, method=fn)
                if isinstance(err, OdooRetryable) and attempt < self.retries:
                    time.sleep(backoff(self.backoff, attempt))
                    continue
                raise err from None
            except (xmlrpc.client.ResponseError, ValueError) as exc:
                raise OdooError(f"unreadable XML-RPC answer from {self.url}: {exc}") from None
        raise AssertionError("unreachable")

    def _json2(self, model: str, method: str, body: dict, idempotent: bool) -> Any:
        headers = {"Authorization": f"Bearer {self._secret}", "Content-Type": "application/json"}
        if self.db:
            headers["X-Odoo-Database"] = self.db
        payload = json.dumps(body, default=_json_default).encode("utf-8")
        for attempt in range(self.retries + 1):
            resp = self._send(f"{self.url}/json/2/{model}/{method}", idempotent, data=payload, headers=headers)
            if resp.status_code == 200:
                return json.loads(resp.content or b"null", parse_float=Decimal)
            if resp.status_code == 401:
                raise OdooAuthError(f"Odoo at {self.url} refused the API key of {self.login!r} (HTTP 401)")
            try:
                err_body = json.loads(resp.content)
            except ValueError:
                err_body = {}
            if not isinstance(err_body, dict):  # a proxy's JSON that is not Odoo's error object
                err_body = {}
            name = str(err_body.get("name", ""))
            message = redact(str(err_body.get("message") or f"HTTP {resp.status_code}"))
            if resp.status_code == 404 and not name:
                message = f"unknown model or method (HTTP 404): {message}"
            err = _classify(message, name=name, model=model, method=method)
            if resp.status_code == 403 and not isinstance(err, OdooAccessError):
                err = OdooAccessError(message, name=name, model=model, method=method)
            if resp.status_code == 422 and type(err) is OdooError:
                err = OdooValidationError(message, name=name, model=model, method=method)
            if isinstance(err, OdooRetryable) and attempt < self.retries:
                time.sleep(backoff(self.backoff, attempt))
                continue
            raise err
        raise AssertionError("unreachable")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # Odoo's JSON fields are floats; amounts were rounded to the cent before
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to Odoo")

