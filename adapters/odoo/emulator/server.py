"""An Odoo emulator for tests and demos: a real HTTP server on loopback speaking Odoo's external API.

    emu = OdooEmulator(version="17.0")            # "16.0", "17.0", "18.0", "19.0"; db="emulator"
    emu.seed(base_records("17.0"))                # adapters.odoo.emulator.ledger
    uid = emu.add_user(login="relance", password="pw", api_key="key-123")
    url = emu.start()                             # http://127.0.0.1:<port>
    ...
    emu.stop()

Served: XML-RPC `/xmlrpc/2/common` (version, authenticate, login) and `/xmlrpc/2/object` (execute_kw,
execute) on every version; from 19, JSON-2 `POST /json/2/<model>/<method>` (Bearer API key) and
`GET /web/version`. Each object call runs in one transaction: an error rolls everything back; a result
of None is committed and then, over XML-RPC, answered with Odoo's "cannot marshal None" Fault 1.

`emu.calls` gets (protocol, model, method) per object call and ("xmlrpc", "common", method) per common call;
`emu.records(model)` returns copies of the stored rows; `emu.set_access(login, model, {"read"})` restricts rights.

Faults: `emu.fault_hook = f` with `f(protocol, model, method)` called before each object call; it may
raise HTTPFault(status, body, after=False|True), DropConnection(after=False|True), an Odoo exception (UserError,
AccessError...) or SerializationFailure, answered as described in errors.py. It runs outside the
emulator's lock: a hook that sleeps is a slow request, and other requests go on meanwhile, as in Odoo where
each request has its own worker and transaction (a client that gave up on it may already be retrying).

Writes: `emu.write_hook = f` with `f(protocol, model, method, phase)` called for each object call that is not
read-only and succeeded: phase "committed" once its transaction is committed, before the answer is sent
(returning "drop" closes the connection instead: the write happened, the answer is lost), then phase
"answered" once the answer has left.

Standalone: python -m adapters.odoo.emulator --port 8069 --version 17.0 [--seed file.json]
(user relance / pw / API key key-123, on top of ledger.base_records).
"""

from __future__ import annotations

import argparse
import copy
import html
import inspect
import json
import re
import socket
import sys
import threading
import traceback
import xmlrpc.client
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlsplit
from typing import Any, Callable

import adapters.odoo.emulator.methods as methods
from adapters.loopback import LoopbackServer
from adapters.odoo.emulator.errors import (  # noqa: F401  (re-exported for fault hooks)
    AccessDenied,
    AccessError,
    DropConnection,
    EmulatorFault,
    HTTPError,
    HTTPFault,
    MissingError,
    OdooException,
    SerializationFailure,
    UserError,
    ValidationError,
    not_found,
    unauthorized,
    unprocessable,
)
from adapters.odoo.emulator.orm import Call
from adapters.odoo.emulator.store import OdooStore

READ_ONLY = frozenset({"search", "search_read", "read", "search_count", "fields_get", "name_search", "default_get",
                       "check_access_rights", "has_access", "exists"})
_BEARER = re.compile(r"^bearer\s+(.+)$", re.I)


class _Drop(Exception):
    pass


class OdooEmulator:
    def __init__(self, version: str = "17.0", db: str = "emulator",
                 modules: tuple[str, ...] = ("account", "mail"), host: str = "127.0.0.1", port: int = 0,
                 clock: Callable[[], datetime] | None = None, edition: str = ""):
        self.version = version
        self.major = int(str(version).split(".")[0])
        if self.major not in (16, 17, 18, 19):
            raise ValueError(f"unsupported Odoo version {version!r} (16.0 to 19.0)")
        self.db, self.host, self.port = db, host, port
        self.modules = frozenset(modules)
        self.store = OdooStore(self.major, self.modules, clock)
        self.version_info = [self.major, 0, 0, "final", 0, edition]
        self.calls: list[tuple[str, str, str]] = []
        self.fault_hook: Callable[[str, str, str], None] | None = None
        self.write_hook: Callable[[str, str, str, str], Any] | None = None
        self._lock = threading.RLock()
        self._local = threading.local()  # per handler thread: the write its current request committed
        self._server: LoopbackServer | None = None
        self.url: str | None = None

    # -- setup ------------------------------------------------------------------------------------
    def seed(self, records: dict[str, list[dict]]) -> None:
        """Store records as given (explicit ids; many2one as id, x2many as a list of ids). Only
        commercial_partner_id, mail.activity.res_model and line balances are filled in."""
        su = Call(1, {}, [], su=True)
        with self._lock:
            for model, rows in records.items():
                if model not in self.store.schema:
                    raise ValueError(f"the emulated Odoo {self.version} has no model {model!r}")
                for row in rows:
                    row = dict(row)
                    if "id" not in row:
                        raise ValueError(f"seed record of {model} without an explicit id: {row}")
                    self.store.check_vals(model, row)
                    o2m = {k: row.pop(k) for k in list(row) if self.store.schema[model].fields[k].type == "one2many"}
                    m2m = {k: row[k] for k in row if self.store.schema[model].fields[k].type == "many2many"}
                    for k, ids in m2m.items():
                        row[k] = [(6, 0, list(ids or []))] if ids and isinstance(ids[0], int) else ids
                    rid = self.store.insert(model, row, su)
                    rec = self.store.data[model][rid]
                    for k, ids in o2m.items():
                        f = self.store.schema[model].fields[k]
                        for child in ids or []:
                            if isinstance(child, int) and child in self.store.data[f.relation]:
                                self.store.data[f.relation][child][f.inverse] = rid
                    if model == "account.move.line" and "balance" not in row:
                        rec["balance"] = round(float(rec.get("debit") or 0) - float(rec.get("credit") or 0), 2)
                    if model == "account.move.line" and "amount_currency" not in row:
                        rec["amount_currency"] = rec.get("balance", 0.0)
                    if model == "mail.activity" and rec.get("res_model_id") and not rec.get("res_model"):
                        rec["res_model"] = self.store.data["ir.model"].get(rec["res_model_id"], {}).get("model", False)
            for pid, rec in self.store.data["res.partner"].items():
                if not rec.get("commercial_partner_id"):
                    rec["commercial_partner_id"] = self.store._commercial(pid)
            for mid, rec in self.store.data["account.move"].items():
                if not rec.get("commercial_partner_id") and rec.get("partner_id"):
                    rec["commercial_partner_id"] = self.store._commercial(rec["partner_id"])

    def add_user(self, login: str, password: str, api_key: str | None = None, groups: tuple[str, ...] = ("account",),
                 company_ids: tuple[int, ...] = (1,), name: str | None = None, email: str | None = None,
                 api_key_expires: datetime | None = None, api_key_name: str = "relance") -> int:
        """A user, with its API key as a `res.users.apikeys` row when one is given. On 19 a non-system user's key
        expires (`api_key_expires`, by default 90 days from now: base.group_user's api_key_duration); a system
        user's key without one is persistent; 16-18 keep no expiry."""
        with self._lock:
            su = Call(1, {}, list(company_ids), su=True)
            partner = self.store.insert("res.partner", {"name": name or login.title(), "email": email or False,
                                                        "company_id": False}, su)
            self.store.data["res.partner"][partner]["commercial_partner_id"] = partner
            uid = self.store.insert("res.users", {"login": login, "name": name or login.title(), "partner_id": partner,
                                                  "company_id": company_ids[0] if company_ids else False,
                                                  "company_ids": [(6, 0, list(company_ids))]}, su)
            self.store.users[uid] = {"login": login, "password": password, "api_keys": [api_key] if api_key else [],
                                     "groups": tuple(groups),
                                     # Odoo grants ir.model to Administration/Access Rights only (base's ACLs)
                                     "access": {} if "system" in groups else {"ir.model": set(),
                                                                               "res.users.apikeys": {"read"}}}
            if api_key:
                row = {"name": api_key_name, "user_id": uid, "scope": False}
                if self.major >= 19:
                    if api_key_expires is None and "system" not in groups:
                        api_key_expires = self.store.clock() + timedelta(days=90)
                    row["expiration_date"] = api_key_expires.strftime("%Y-%m-%d %H:%M:%S") if api_key_expires else False
                self.store.insert("res.users.apikeys", row, su)
            return uid

    def set_access(self, login: str, model: str, ops: set[str]) -> None:
        """Restrict `login` on `model` to the operations `ops` (read, write, create, unlink)."""
        with self._lock:
            for info in self.store.users.values():
                if info["login"] == login:
                    info["access"][model] = set(ops)
                    return
        raise KeyError(f"no user {login!r}")

    def records(self, model: str) -> list[dict]:
        with self._lock:
            return [{"id": rid, **copy.deepcopy(rec)} for rid, rec in sorted(self.store.data[model].items())]

    # -- server -----------------------------------------------------------------------------------
    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"emu": self})
        self._server = LoopbackServer(handler, host=self.host, port=self.port, name="odoo-emulator")
        self.url = self._server.start()
        self.port = self._server.port
        self.store.base_url = self.url.rstrip("/")
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None

    def __enter__(self) -> "OdooEmulator":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- dispatch (shared by both protocols) ------------------------------------------------------
    def _uid_for_secret(self, uid: int | None, login: str | None, secret: str, keys_only: bool = False) -> int | None:
        for u, info in self.store.users.items():
            if (uid is not None and u != uid) or (login is not None and info["login"] != login):
                continue
            rec = self.store.data["res.users"].get(u, {})
            if not rec.get("active", True):
                continue
            if secret and (secret in info["api_keys"] or (not keys_only and secret == info["password"])):
                return u
        return None

    def _call_env(self, uid: int, context: Any) -> Call:
        ctx = dict(context or {}) if isinstance(context, dict) else {}
        user = self.store.data["res.users"].get(uid, {})
        user_companies = list(user.get("company_ids") or [])
        allowed = ctx.get("allowed_company_ids")
        if allowed:
            if set(allowed) - set(user_companies):
                raise AccessError("Access to unauthorized or invalid companies.")
            companies = [int(c) for c in allowed]
        else:
            main = user.get("company_id")
            companies = ([main] if main else []) + [c for c in user_companies if c != main]
        return Call(uid, ctx, companies)

    def _execute(self, protocol: str, uid: int, model: str, method: str, ids: list | None, args: list,
                 kwargs: dict) -> Any:
        """Run one object call in a transaction. `ids` is None for XML-RPC (taken from args)."""
        self._local.wrote = None
        with self._lock:
            self.calls.append((protocol, model, method))
            if model not in self.store.schema:
                if protocol == "json2":
                    raise methods.unknown_model(model)
                raise UserError(f"Object {model} doesn't exist")
            kind, fn = methods.lookup(self.store, model, method)
            kwargs = dict(kwargs or {})
            call = self._call_env(uid, kwargs.pop("context", None))
        drop_after, fault_after = False, None
        if self.fault_hook:  # outside the lock: a slow request does not hold the others back
            try:
                self.fault_hook(protocol, model, method)
            except DropConnection as exc:
                if not exc.after:
                    raise
                drop_after = True
            except HTTPFault as exc:
                if not exc.after:
                    raise
                fault_after = exc
        with self._lock:
            if protocol == "json2":
                if kind in ("model", "create") and ids:
                    raise unprocessable(f"cannot call {model}.{method} with ids")
                records = methods.Records(self.store, model, list(ids or []), call)
                try:
                    inspect.signature(fn).bind(records, **kwargs)
                except TypeError as exc:
                    raise unprocessable(exc.args[0]) from None
                run = lambda: fn(records, **kwargs)  # noqa: E731
            else:
                args = list(args or [])
                if kind == "multi":
                    ids_arg, args = args[0], args[1:]
                    ids_arg = [ids_arg] if isinstance(ids_arg, int) else list(ids_arg or [])
                else:
                    ids_arg = []
                records = methods.Records(self.store, model, ids_arg, call)
                run = lambda: fn(records, *args, **kwargs)  # noqa: E731
            snapshot = None if method in READ_ONLY else {
                m: {i: dict(r) for i, r in recs.items()} for m, recs in self.store.data.items()}
            try:
                result = run()
            except BaseException:
                if snapshot is not None:
                    self.store.data = snapshot
                raise
            if protocol == "xmlrpc" and method == "create" and kind == "create" and args and isinstance(args[0], dict):
                result = result[0]
            if isinstance(result, methods.RecordSet) and (protocol == "json2" or self.major >= 18):
                result = result.ids
            if snapshot is not None and self.write_hook:
                if self.write_hook(protocol, model, method, "committed") == "drop":
                    drop_after = True
                self._local.wrote = None if drop_after or fault_after else (protocol, model, method)
            if drop_after:
                raise _Drop()
            if fault_after:
                raise fault_after
            return result

    def _answered(self) -> None:
        """After a request's answer left: the write hook's "answered" phase, if that request wrote."""
        wrote, self._local.wrote = getattr(self._local, "wrote", None), None
        if wrote and self.write_hook:
            self.write_hook(*wrote, "answered")


def _serialize(exc: BaseException) -> dict:
    if isinstance(exc, HTTPError):
        name, message, arguments = f"werkzeug.exceptions.{exc.name}", exc.description, [exc.description, exc.status]
    else:
        cls = type(exc)
        name = f"{cls.__module__}.{cls.__name__}"
        message = str(exc) if not isinstance(exc, KeyError) else repr(exc.args[0]) if exc.args else ""
        arguments = list(exc.args)
    return {"name": name, "message": message, "arguments": arguments, "context": {},
            "debug": "".join(traceback.format_exception(exc))}


def _fault(exc: BaseException) -> xmlrpc.client.Fault:
    """xmlrpc_handle_exception_int of odoo/addons/base/controllers/rpc.py (17) / rpc/controllers/xmlrpc.py (19)."""
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(4, str(exc))
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(3, str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(2, str(exc))
    return xmlrpc.client.Fault(1, "".join(traceback.format_exception(exc)))


class _Handler(BaseHTTPRequestHandler):
    emu: OdooEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms delayed-ACK stall per call
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3.11"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing ---------------------------------------------------------------------------------
    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status: int, body: bytes | str, ctype: str, headers: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, val in (headers or {}).items():
            self.send_header(k, val)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, payload: Any, headers: dict | None = None) -> None:
        self._send(status, json.dumps(payload, default=str), "application/json; charset=utf-8", headers)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _not_found(self) -> None:
        self._send(404, "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
                        "<p>The requested URL was not found on the server.</p>\n", "text/html; charset=utf-8")

    # -- routes -----------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path in ("/web/version", "/json/version") and self.emu.major >= 19:
            self._json(200, {"version_info": self.emu.version_info, "version": self.emu.version})
        elif path.startswith("/json/2") and self.emu.major >= 19:
            self._json2_error(not_found("Did you mean POST /json/2/<model>/<method>?"))
        elif m := re.fullmatch(r"/my/invoices/(\d+)", path):
            self._portal_invoice(int(m.group(1)))
        else:
            self._not_found()

    def _portal_invoice(self, move_id: int) -> None:
        """account's portal page of an invoice, for a visitor without a session: shown with the right access token,
        else a redirect to the login page (Odoo answers 303)."""
        token = parse_qs(urlsplit(self.path).query).get("access_token", [""])[0]
        with self.emu._lock:
            move = self.emu.store.data["account.move"].get(move_id)
            ok = bool(move and token and move.get("access_token") == token)
            name = html.escape(str(move.get("name"))) if move else ""
        if not ok:
            self.send_response(303)
            self.send_header("Location", "/web/login?redirect=" + quote(self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, f"<!DOCTYPE html>\n<html><head><title>{name}</title></head><body><h2>Invoice {name}</h2>"
                        f"</body></html>\n", "text/html; charset=utf-8")

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        body = self._body()
        self.emu._local.wrote = None
        if path in ("/xmlrpc/2/common", "/xmlrpc/2/object", "/xmlrpc/2/db"):
            self._xmlrpc(path.rsplit("/", 1)[1], body)
        elif path.startswith("/json/2") and self.emu.major >= 19:
            m = re.fullmatch(r"/json/2/([^/]+)/([^/]+)", path)
            if not m:
                self._json2_error(not_found("Did you mean POST /json/2/<model>/<method>?"))
            else:
                self._json2(m.group(1), m.group(2), body)
        else:
            self._not_found()
        self.emu._answered()

    # -- XML-RPC ----------------------------------------------------------------------------------
    def _xmlrpc(self, service: str, body: bytes) -> None:
        emu = self.emu
        try:
            params, method = xmlrpc.client.loads(body)
            result = self._xmlrpc_dispatch(service, method, list(params))
        except _Drop:
            return self._drop()
        except DropConnection:
            return self._drop()
        except HTTPFault as f:
            return self._send(f.status, f.body, f.content_type, f.headers)
        except Exception as exc:  # noqa: BLE001 - every error becomes a fault, as in Odoo
            return self._send(200, xmlrpc.client.dumps(_fault(exc), methodresponse=True, allow_none=False), "text/xml")
        try:
            if isinstance(result, methods.RecordSet):
                raise TypeError(f"cannot marshal <class 'odoo.api.{result.model}'> objects")
            text = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except TypeError as exc:  # Odoo 17-19: "cannot marshal None unless allow_none is enabled", after commit
            text = xmlrpc.client.dumps(_fault(exc), methodresponse=True, allow_none=False)
        del emu
        self._send(200, text, "text/xml")

    def _check_db(self, db: str) -> None:
        if db != self.emu.db:
            raise _OperationalError(f'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
                                    f'FATAL:  database "{db}" does not exist\n')

    def _xmlrpc_dispatch(self, service: str, method: str, params: list) -> Any:
        emu = self.emu
        if service == "common":
            with emu._lock:
                emu.calls.append(("xmlrpc", "common", method))
            if method == "version":
                return {"server_version": emu.version, "server_version_info": emu.version_info,
                        "server_serie": emu.version, "protocol_version": 1}
            if method in ("authenticate", "login"):
                db, login, password = params[0], params[1], params[2]
                self._check_db(db)
                return emu._uid_for_secret(None, login, password) or False
            if method == "about":
                return "See http://openerp.com"
            raise Exception(f"Method not found: {method}")
        if service == "db":
            if method == "list":
                return [emu.db]
            if method == "server_version":
                return emu.version
            raise Exception(f"Method not found: {method}")
        if method not in ("execute_kw", "execute"):
            raise NameError(f"Method not available {method}")
        db, uid, password, model, fn = params[0], params[1], params[2], params[3], params[4]
        self._check_db(db)
        if not password or emu._uid_for_secret(int(uid), None, str(password)) is None:
            raise AccessDenied()
        if method == "execute_kw":
            args = params[5] if len(params) > 5 else []
            kwargs = params[6] if len(params) > 6 else {}
        else:
            args, kwargs = params[5:], {}
        return emu._execute("xmlrpc", int(uid), model, fn, None, args, kwargs or {})

    # -- JSON-2 -----------------------------------------------------------------------------------
    def _json2_error(self, exc: BaseException) -> None:
        if isinstance(exc, HTTPError):
            status, headers = exc.status, exc.headers
        elif isinstance(exc, OdooException):
            status, headers = exc.http_status, None
        else:
            status, headers = 500, None
        self._json(status, _serialize(exc), headers)

    def _json2(self, model: str, method: str, body: bytes) -> None:
        emu = self.emu
        try:
            auth = _BEARER.match(self.headers.get("Authorization") or "")
            if not auth:
                raise unauthorized("User not authenticated, use an API Key with a Bearer Authorization header.")
            uid = emu._uid_for_secret(None, None, auth.group(1).strip(), keys_only=True)
            if uid is None:
                raise unauthorized("Invalid apikey")
            dbh = self.headers.get("X-Odoo-Database")
            if dbh and dbh != emu.db:
                raise _OperationalError(f'connection to server failed: FATAL:  database "{dbh}" does not exist\n')
            try:
                params = json.loads(body) if body else {}
            except ValueError as exc:
                raise HTTPError(400, "BadRequest", f"could not parse the body as json: {exc.args[0]}") from None
            if not isinstance(params, dict):
                params = {}
            ids = params.pop("ids", ())
            result = emu._execute("json2", uid, model, method, list(ids or []), [], params)
        except _Drop:
            return self._drop()
        except DropConnection:
            return self._drop()
        except HTTPFault as f:
            return self._send(f.status, f.body, f.content_type, f.headers)
        except methods.MethodNotFound as exc:
            return self._json2_error(not_found(exc.args[0]))
        except Exception as exc:  # noqa: BLE001
            return self._json2_error(exc)
        self._json(200, result)


class _OperationalError(Exception):
    pass


_OperationalError.__module__ = "psycopg2"
_OperationalError.__name__ = _OperationalError.__qualname__ = "OperationalError"


def main(argv: list[str] | None = None) -> int:
    from adapters.odoo.emulator.ledger import base_records

    ap = argparse.ArgumentParser(prog="python -m adapters.odoo.emulator", description="Run the Odoo emulator.")
    ap.add_argument("--port", type=int, default=8069)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--version", default="17.0")
    ap.add_argument("--db", default="emulator")
    ap.add_argument("--seed", help="JSON file {model: [records]} loaded after the base records")
    ap.add_argument("--modules", default="account,mail", help="comma-separated, e.g. account,mail,account_debit_note")
    ap.add_argument("--login", default="relance")
    ap.add_argument("--password", default="pw")
    ap.add_argument("--api-key", default="key-123")
    opts = ap.parse_args(argv)
    emu = OdooEmulator(version=opts.version, db=opts.db, modules=tuple(opts.modules.split(",")), host=opts.host,
                       port=opts.port)
    emu.seed(base_records(opts.version, modules=emu.modules))
    if opts.seed:
        with open(opts.seed, encoding="utf-8") as fh:
            emu.seed(json.load(fh))
    emu.add_user(login=opts.login, password=opts.password, api_key=opts.api_key, groups=("account",), company_ids=(1,))
    url = emu.start()
    print(f"Odoo {opts.version} emulator on {url} (db {opts.db!r}, login {opts.login!r}, API key {opts.api_key!r})",
          flush=True)
    try:
        threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
