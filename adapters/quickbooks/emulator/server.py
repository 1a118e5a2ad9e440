"""A QuickBooks Online emulator for the demo and end-to-end tests: a real HTTP server on loopback
(adapters/loopback.py: port 0, in a thread) speaking the part of the Accounting API v3 the adapter uses.

Endpoints: /v3/company/{realm}/ query, cdc, batch, {entity} (create, sparse update, ?operation=delete),
{entity}/{id}, invoice/{id}/send, preferences, companyinfo/{realm}; Intuit's wrappers
(`{"Invoice": {...}, "time": ...}`, `QueryResponse` with `startPosition`/`maxResults`, `totalCount` for
COUNT(*)), `Fault` bodies, SyncToken checks, `requestid` replay, a 429 over the pace, an Invoice's InvoiceLink on
queries and reads asking `include=invoiceLink` (see `invoice_link`); and an OAuth 2.0 discovery document plus token
endpoint whose refresh rotates the refresh token. `fault_hook(req)` lets a test
answer a request itself ((status, body) or (status, body, headers)), drop it unanswered ("drop"), apply it and
lose the answer ("lose"), or apply it and answer something else (("lose", status, body): a gateway's 502 or 504
after the write was applied); it runs in the request's own thread, so a hook that sleeps is a slow request while
others go on. `write_hook(req, phase)` is called for each request that changed the company: phase "committed"
once applied, before the answer is sent (returning "drop" loses the answer), then "answered" once it left.
"""

from __future__ import annotations

import base64
import copy
import email
import email.policy
import hashlib
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapters.loopback import LoopbackServer
from adapters.quickbooks.client import dumps
from adapters.quickbooks.emulator.query import QueryError, parse, run
from adapters.quickbooks.emulator.store import ENTITIES, NAME_LISTS, Fault, Store, pacific

_API = re.compile(r"^/v3/company/(?P<realm>[^/]+)/(?P<rest>.+)$")
# "The maximum number of objects that can be returned in a response is 1000" (Intuit's developer blog,
# https://blogs.intuit.com/2023/08/24/building-smarter-with-intuit-stay-in-sync-with-cdc/; "Server responses can
# handle a maximum of 1,000 objects" on the CDC page): one cap for the whole answer, not one per entity
CDC_MAX = 1000
LINK_MINOR_VERSION = 36  # Invoice.InvoiceLink: "Minor version: 36"
DEFAULT_MINOR_VERSION = 75  # what Intuit serves without the parameter since 2025-08-01
# The three legacy custom fields (DefinitionId 1-3, "the first three String custom fields" of
# https://developer.intuit.com/app/developer/qbo/docs/workflows/create-custom-fields) come with every invoice; the
# others only when the request has include=enhancedAllCustomFields (same page)
LEGACY_FIELDS = {"1", "2", "3"}
# A 429 as Intuit answers it: XML whatever the Accept header, and no Retry-After (ruckus/quickbooks-ruby
# spec/fixtures/too_many_requests_error.xml, a sandbox answer; routablehq/python-quickbooks#43 and #83)
THROTTLED = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<IntuitResponse time="%s" '
             b'xmlns="http://schema.intuit.com/finance/v3">\n  <Fault type="SERVICE">\n    <Error code="3001">\n      '
             b'<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n      <Detail>The request '
             b'limit was reached.  Try again later</Detail>\n    </Error>\n  </Fault>\n</IntuitResponse>\n')


class QuickBooksEmulator:
    def __init__(self, realm_id: str = "9341455000000001", *, client_id: str = "emulator-client",
                 client_secret: str = "emulator-secret", home_currency: str = "EUR",
                 company_name: str = "Emulated Company", per_minute: int | None = None,
                 max_concurrent: int | None = None, clock: Callable[[], datetime] | None = None,
                 country: str = "FR", company_info: dict | None = None, batch_per_minute: int | None = None):
        self.realm_id, self.client_id, self.client_secret = str(realm_id), client_id, client_secret
        self.company_name = company_name
        # CompanyInfo as Intuit's read answers it (CompanyName, LegalName, CompanyAddr, CustomerCommunicationAddr,
        # PrimaryPhone.FreeFormNumber, Email.Address, Country: "Read companyinfo" on
        # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/most-commonly-used/companyinfo);
        # `company_info` adds or replaces fields, a test may edit the dict.
        self.company_info: dict = {"Id": "1", "SyncToken": "0", "domain": "QBO", "sparse": False,
                                   "CompanyName": company_name, "LegalName": company_name, "Country": country,
                                   "SupportedLanguages": "en", **(company_info or {})}
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.store = Store(home_currency, clock=lambda: self.clock())
        self.per_minute, self.max_concurrent = per_minute, max_concurrent
        self.batch_per_minute = batch_per_minute  # Intuit: 120 batch requests a minute a company (40 before 2025-10-31)
        # Intuit documents requestid replay for creates and updates, not for /send: False answers a repeated send by
        # sending again (what a client must survive), True replays it like a write
        self.replay_sends = True
        self.fault_hook: Callable[[dict], Any] | None = None
        self.write_hook: Callable[[dict, str], Any] | None = None
        self.requests: list[dict] = []
        self.replayed = 0
        self.files: dict[str, bytes] = {}  # the bytes uploaded per Attachable id
        self.preferences: dict = {
            "Id": "1", "SyncToken": "0", "domain": "QBO",
            "CurrencyPrefs": {"HomeCurrency": {"value": home_currency}, "MultiCurrencyEnabled": False},
            # ETransactionPaymentEnabled: the company takes online payments (QuickBooks Payments), without which an
            # invoice's AllowOnlineCreditCardPayment / AllowOnlineACHPayment flags are inactive (Intuit's Invoice page)
            "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowServiceDate": False, "ETransactionPaymentEnabled": True,
                                "CustomField": [{"CustomField": [{"Name": "SalesFormsPrefs.UseSalesCustom1",
                                                                  "Type": "BooleanType", "BooleanValue": True},
                                                                 {"Name": "SalesFormsPrefs.SalesCustomName1",
                                                                  "Type": "StringType", "StringValue": "Disputed"}]}]},
            "OtherPrefs": {"NameValue": []},
        }
        self._replay: dict[str, tuple[int, dict]] = {}
        self._access: dict[str, float] = {}
        self._refresh: str | None = None
        self._codes: set[str] = set()
        self._starts: deque[float] = deque()
        self._batch_starts: deque[float] = deque()
        self._inflight = 0
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None
        self.url = ""

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> str:
        emu = self

        class Handler(_Handler):
            emulator = emu

        self._server = LoopbackServer(Handler, name="qbo-emulator")
        self.url = self._server.start()
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid_configuration/"

    # -- tokens -----------------------------------------------------------------------------------
    def issue_tokens(self, expires_in: int = 3600) -> dict:
        """A fresh token pair (what `relance quickbooks connect` would have stored)."""
        with self._lock:
            access, self._refresh = "at-" + secrets.token_hex(12), "rt-" + secrets.token_hex(12)
            self._access[access] = time.time() + expires_in
            return {"access_token": access, "refresh_token": self._refresh, "expires_at": time.time() + expires_in,
                    "realm_id": self.realm_id, "refresh_expires_at": None}

    def authorization_code(self) -> str:
        code = "code-" + secrets.token_hex(8)
        self._codes.add(code)
        return code

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access.clear()

    @property
    def current_refresh_token(self) -> str | None:
        return self._refresh

    # -- data -------------------------------------------------------------------------------------
    def seed(self, **entities: list[dict]) -> dict[str, list[dict]]:
        """Create objects through the same rules as the API, in dependency order: accounts, terms, items,
        customers, invoices, credit memos, payments, attachables (keyword = entity name in snake case)."""
        order = [("accounts", "Account"), ("terms", "Term"), ("items", "Item"), ("customers", "Customer"),
                 ("invoices", "Invoice"), ("credit_memos", "CreditMemo"), ("payments", "Payment"),
                 ("attachables", "Attachable")]
        unknown = set(entities) - {k for k, _ in order}
        if unknown:
            raise ValueError(f"unknown entities {sorted(unknown)}")
        return {key: [self.store.create(entity, _decimals(obj)) for obj in entities.get(key, [])] for key, entity in order}

    def objects(self, entity: str) -> list[dict]:
        with self.store.lock:
            return copy.deepcopy(list(self.store.objects[entity].values()))

    # -- request handling -------------------------------------------------------------------------
    def handle(self, method: str, path: str, params: dict[str, str], body: bytes, headers) -> tuple[int, Any]:
        if path.rstrip("/") == "/.well-known/openid_configuration":
            base = self.url
            return 200, {"issuer": base, "authorization_endpoint": f"{base}/connect/oauth2",
                         "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                         "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
                         "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo", "jwks_uri": f"{base}/oauth2/v1/keys"}
        if path == "/oauth2/v1/tokens/bearer" and method == "POST":
            return self._token(body, headers)
        m = _API.match(path)
        if not m and path.startswith("/v3/"):
            return 400, _unsupported(path).body
        if not m:
            return 404, {"Fault": {"Error": [{"Message": "Not Found", "Detail": path, "code": "404"}], "type": "SERVICE"}}
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        with self._lock:
            valid = self._access.get(token, 0) > time.time()
        if not valid:  # the casing of Intuit's 401 body differs from other faults
            return 401, {"warnings": None, "intuitObject": None, "fault": {"error": [{
                "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                "detail": "Token expired: " + token[:4] + "...", "code": "3200", "element": None}],
                "type": "AUTHENTICATION"}, "report": None, "queryResponse": None, "batchItemResponse": [],
                "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
                "time": int(time.time() * 1000), "status": None, "cdcresponse": []}  # minimul/qbo_api spec/vcr/error/401.yml
        if m["realm"] != self.realm_id:
            return 403, Fault(403, "100", "General Authentication Error",
                              "AuthorizationFailure: the token is not for this company", "AuthorizationFault").body
        rid = params.get("requestid")
        if rid and not self.replay_sends and m["rest"].rstrip("/").endswith("/send"):
            rid = None
        if rid and method == "POST":
            with self._lock:
                if rid in self._replay:
                    self.replayed += 1
                    return self._replay[rid]
        try:
            status, out = 200, self._api(method, m["rest"], params, body, headers.get("Content-Type") or "")
        except Fault as f:
            status, out = f.status, f.body
        except QueryError as exc:
            status, out = 400, Fault(400, "4000", "Error parsing query", f"QueryParserError: {exc}").body
        except (ValueError, KeyError, TypeError) as exc:
            status, out = 400, Fault(400, "2010", "Request has invalid or unsupported property",
                                     f"{type(exc).__name__}: {exc}").body
        if isinstance(out, dict):
            out.setdefault("time", pacific(self.clock(), "milliseconds"))
        if rid and method == "POST":
            with self._lock:
                self._replay[rid] = (status, out)
        return status, out

    def pace(self, batch: bool = False) -> tuple[int, bytes, dict] | None:
        """None, or the 429 of a request over a budget: per minute, at once, or batch requests per minute."""
        with self._lock:
            now = time.monotonic()
            for starts in (self._starts, self._batch_starts):
                while starts and now - starts[0] >= 60:
                    starts.popleft()
            over = (self.per_minute is not None and len(self._starts) >= self.per_minute) or (
                self.max_concurrent is not None and self._inflight >= self.max_concurrent) or (
                batch and self.batch_per_minute is not None and len(self._batch_starts) >= self.batch_per_minute)
            if over:
                stamp = pacific(self.clock(), "milliseconds").encode()
                return 429, THROTTLED % stamp, {"Content-Type": "application/xml"}
            self._starts.append(now)
            if batch:
                self._batch_starts.append(now)
            self._inflight += 1
            return None

    def done(self) -> None:
        with self._lock:
            self._inflight -= 1

    def _token(self, body: bytes, headers) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {"error": "invalid_client"}
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        with self._lock:
            if form.get("grant_type") == "refresh_token":
                if not self._refresh or form.get("refresh_token") != self._refresh:
                    return 400, {"error": "invalid_grant"}
            elif form.get("grant_type") == "authorization_code":
                if form.get("code") not in self._codes:
                    return 400, {"error": "invalid_grant"}
                self._codes.discard(form["code"])
            else:
                return 400, {"error": "unsupported_grant_type"}
            access, self._refresh = "at-" + secrets.token_hex(12), "rt-" + secrets.token_hex(12)
            self._access[access] = time.time() + 3600
            return 200, {"token_type": "bearer", "access_token": access, "refresh_token": self._refresh,
                         "expires_in": 3600, "x_refresh_token_expires_in": 8726400}

    # -- the API ----------------------------------------------------------------------------------
    def _api(self, method: str, rest: str, params: dict, body: bytes, content_type: str = "") -> dict:
        parts = rest.strip("/").split("/")
        data = json.loads(body, parse_float=Decimal) if body and method == "POST" and parts[0] not in ("query", "upload") and \
            not (len(parts) == 3 and parts[2] == "send") else None
        head = parts[0].lower()
        if head not in ("query", "cdc", "batch", "preferences", "companyinfo", "upload") and not any(
                e.lower() == head for e in ENTITIES):
            raise _unsupported(rest)
        if head == "query":
            return self._query(params.get("query") or body.decode(), params)
        if head == "cdc" and method == "GET":
            return self._cdc(params)
        if head == "batch" and method == "POST":
            return self._batch(data)
        if head == "upload" and method == "POST":
            return self._upload(body, content_type)
        if head == "preferences":
            return {"Preferences": copy.deepcopy(self.preferences)}
        if head == "companyinfo":
            return {"CompanyInfo": copy.deepcopy(self.company_info)}
        entity = _entity(head)
        if method == "GET" and len(parts) == 3 and parts[2] == "pdf" and entity == "Invoice":
            with self.store.lock:
                return invoice_pdf(copy.deepcopy(self.store.get(entity, parts[1])))
        if method == "GET" and len(parts) == 2:
            with self.store.lock:
                return {entity: self._shaped(entity, copy.deepcopy(self.store.get(entity, parts[1])), params)}
        if method == "POST" and len(parts) == 3 and parts[2] == "send" and entity == "Invoice":
            # "Content-Type: application/octet-stream" ("Send an invoice" on Intuit's Invoice page); the refusal's
            # wording is the emulator's
            if content_type.split(";")[0].strip().lower() != "application/octet-stream":
                raise Fault(415, "500", "Unsupported Media Type",
                            f"/send takes Content-Type application/octet-stream, not {content_type or 'none'}")
            return {"Invoice": self._shaped("Invoice", self.store.send(parts[1], params.get("sendTo")), params)}
        if method == "POST" and len(parts) == 1:
            return {entity: self._write(entity, params.get("operation", ""), data)}
        raise _unsupported(rest)

    def _upload(self, body: bytes, content_type: str) -> dict:
        """POST upload: the file_metadata_N JSON part and its file_content_N part make one Attachable."""
        parts = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body,
                                         policy=email.policy.HTTP)
        meta, files = {}, {}
        for part in parts.iter_parts():
            name = part.get_param("name", header="content-disposition") or ""
            if name.startswith("file_metadata_"):
                meta[name.rsplit("_", 1)[1]] = json.loads(part.get_content() if part.get_content_maintype() == "text"
                                                          else part.get_payload(decode=True))
            elif name.startswith("file_content_"):
                files[name.rsplit("_", 1)[1]] = (part.get_payload(decode=True), part.get_content_type())
        out = []
        for n, info in sorted(meta.items()):
            data, ctype = files.get(n, (b"", info.get("ContentType")))
            att = self.store.create("Attachable", {**_decimals(info), "ContentType": ctype, "Size": len(data)})
            self.files[str(att["Id"])] = data
            out.append({"Attachable": att})
        return {"AttachableResponse": out}

    def _write(self, entity: str, operation: str, data: dict) -> dict:
        if operation == "delete":
            return self.store.delete(entity, str(data.get("Id")))
        if operation == "void" and entity == "Invoice":
            return self.store.void_invoice(str(data.get("Id")))
        return self.store.update(entity, data) if data.get("Id") else self.store.create(entity, data)

    # -- Invoice.InvoiceLink --------------------------------------------------------------------
    def invoice_link(self, inv: dict) -> str | None:
        """The pay-now link QuickBooks would give this invoice, or None. Intuit (Invoice.InvoiceLink, minor version 36,
        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice): "The link is
        generated only for invoices with online payment enabled and having a valid customer email address". Online
        payment is the invoice's AllowOnlineCreditCardPayment or AllowOnlineACHPayment, active when the company is
        payments-enabled (Preferences.SalesFormsPrefs.ETransactionPaymentEnabled); the e-mail address is the
        customer's PrimaryEmailAddr or the invoice's own BillEmail. The link has the shape of Intuit's, one per invoice:
        https://connect.intuit.com/portal/app/CommerceNetwork/view/scs-v1-<96 hex>?locale=en_US&cta=v3invoicelink."""
        if not (self.preferences.get("SalesFormsPrefs") or {}).get("ETransactionPaymentEnabled"):
            return None
        if not (inv.get("AllowOnlineCreditCardPayment") is True or inv.get("AllowOnlineACHPayment") is True):
            return None
        customer = self.store.objects["Customer"].get(str((inv.get("CustomerRef") or {}).get("value"))) or {}
        emails = ((customer.get("PrimaryEmailAddr") or {}).get("Address"), (inv.get("BillEmail") or {}).get("Address"))
        if not any("@" in str(e or "") for e in emails):
            return None
        token = hashlib.sha384(f"{self.realm_id}:{inv['Id']}".encode()).hexdigest()
        return f"https://connect.intuit.com/portal/app/CommerceNetwork/view/scs-v1-{token}?locale=en_US&cta=v3invoicelink"

    def _shaped(self, entity: str, obj: dict, params: dict) -> dict:
        """The answer's copy of an object as the request's `include` shapes it. An Invoice gets its InvoiceLink when
        the request asked for it (`include=invoiceLink` on a query or a read, at minor version 36 or later, the
        field's documented minimum: stricter than Intuit, which now serves 75 for an older version, so a client asking
        for less is caught here) and QuickBooks has one, else no InvoiceLink key at all; custom fields other than the
        three legacy ones only with `include=enhancedAllCustomFields`. CDC answers carry neither: Intuit documents no
        `include` there."""
        obj.pop("InvoiceLink", None)
        include = {x.strip().lower() for x in str(params.get("include") or "").split(",")}
        if "CustomField" in obj and "enhancedallcustomfields" not in include:
            obj["CustomField"] = [f for f in obj["CustomField"] if str(f.get("DefinitionId")) in LEGACY_FIELDS]
        try:
            minor = int(params.get("minorversion") or DEFAULT_MINOR_VERSION)
        except ValueError:
            minor = DEFAULT_MINOR_VERSION
        if entity == "Invoice" and "invoicelink" in include and minor >= LINK_MINOR_VERSION:
            link = self.invoice_link(obj)
            if link:
                obj["InvoiceLink"] = link
        return obj

    def _query(self, text: str, params: dict | None = None) -> dict:
        q = parse(text)
        entity = _entity(q.entity)
        with self.store.lock:
            rows = list(self.store.objects[entity].values())
            if entity in NAME_LISTS and not any(c.path.lower() == "active" for c in q.where):
                rows = [r for r in rows if r.get("Active", True)]
            page, total = run(q, rows)
            page = [self._shaped(entity, copy.deepcopy(r), params or {}) for r in page]
        if q.count:
            return {"QueryResponse": {"totalCount": total}}
        if not page:
            return {"QueryResponse": {}}
        return {"QueryResponse": {entity: page, "startPosition": q.start, "maxResults": len(page)}}

    def _cdc(self, params: dict) -> dict:
        since_text = params.get("changedSince", "")
        try:
            since = datetime.fromisoformat(since_text) if "T" in since_text else datetime.combine(
                date.fromisoformat(since_text), datetime.min.time())
        except ValueError:
            raise Fault(400, "2010", "Invalid changedSince", f"changedSince {since_text!r} is not an ISO date-time") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        if self.clock() - since > timedelta(days=30):
            raise Fault(400, "2010", "Request has invalid or unsupported property",
                        "changedSince must be within the last 30 days")
        blocks, room = [], CDC_MAX  # filled in the order the entities were asked for until the answer is full
        with self.store.lock:
            for name in params.get("entities", "").split(","):
                entity = _entity(name.strip())
                rows = [self._shaped(entity, copy.deepcopy(o), {}) for o in self.store.objects[entity].values()
                        if datetime.fromisoformat(o["MetaData"]["LastUpdatedTime"]) >= since]
                rows += [{"domain": "QBO", "status": "Deleted", "Id": i,
                          "MetaData": {"LastUpdatedTime": pacific(t)}}
                         for e, i, t in self.store.deleted if e == entity and t >= since]
                rows = rows[:room]
                room -= len(rows)
                block: dict = {"startPosition": 1, "maxResults": len(rows)}
                if rows:
                    block[entity] = rows
                blocks.append(block)
        return {"CDCResponse": [{"QueryResponse": blocks}]}

    def _batch(self, data: dict) -> dict:
        items = (data or {}).get("BatchItemRequest") or []
        if len(items) > 30:
            raise Fault(400, "7001", "Batch size exceeded", f"A batch holds at most 30 items, got {len(items)}")
        out = []
        for item in items:
            bid = item.get("bId")
            try:
                if "Query" in item:
                    out.append({"bId": bid, **self._query(item["Query"])})
                    continue
                entity = next(k for k in item if k not in ("bId", "operation", "optionsData"))
                op = item.get("operation", "create")
                obj = self._write(entity, "delete" if op == "delete" else item.get("optionsData", ""), item[entity])
                out.append({"bId": bid, entity: obj})
            except Fault as f:  # a batch item's faults carry "element": "" (minimul/qbo_api spec/vcr/batch/basic.yml)
                for error in f.body["Fault"]["Error"]:
                    error.setdefault("element", "")
                out.append({**f.body, "bId": bid})
            except QueryError as exc:
                out.append({**Fault(400, "4000", "Error parsing query", f"QueryParserError: {exc}", element="").body,
                            "bId": bid})
        return {"BatchItemResponse": out}


def _unsupported(path: str) -> Fault:
    """What Intuit answers for a path it has no resource for: 400, code 500 (minimul/qbo_api spec/vcr/error/500.yml)."""
    return Fault(400, "500", "Unsupported Operation",
                 f"Operation Could not find resource for relative : {path} of full path: {path} is not supported.")


def _entity(name: str) -> str:
    for e in ENTITIES:
        if e.lower() == name.lower():
            return e
    raise Fault(400, "4001", "Invalid query", f"unknown entity {name!r}")


def _decimals(obj: Any) -> Any:
    """Seed data may be written with ints and strings; amounts become Decimals as Intuit's JSON would."""
    if isinstance(obj, dict):
        return {k: (Decimal(str(v)) if k in ("Amount", "UnitPrice", "TotalAmt", "Qty") and not isinstance(v, dict)
                    else _decimals(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decimals(v) for v in obj]
    return obj


def invoice_pdf(inv: dict) -> bytes:
    """A one-page PDF of the invoice, standing in for the one QuickBooks renders."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, f"Invoice {inv.get('DocNumber') or inv['Id']}  total {inv.get('TotalAmt')}  due {inv.get('DueDate')}")
    return bytes(pdf.output())


class _Handler(BaseHTTPRequestHandler):
    emulator: QuickBooksEmulator
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write: no delayed-ACK stall on keep-alive connections
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        emu = self.emulator
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        req = {"method": method, "path": parts.path, "params": params, "body": body}
        emu.requests.append({k: v for k, v in req.items() if k != "body"})
        verdict = emu.fault_hook(req) if emu.fault_hook else None
        if verdict == "drop":
            self.close_connection = True
            return
        after = verdict[1:] if isinstance(verdict, tuple) and verdict[0] == "lose" else None
        if isinstance(verdict, tuple) and not after:
            self._reply(*verdict)
            return
        paced = parts.path.startswith("/v3/") and emu.pace(batch=parts.path.rstrip("/").endswith("/batch"))
        if paced:
            self._reply(*paced)
            return
        writes = emu.store.thread_writes()
        try:
            status, out = emu.handle(method, parts.path, params, body, self.headers)
        finally:
            if parts.path.startswith("/v3/"):
                emu.done()
        wrote = emu.write_hook is not None and emu.store.thread_writes() != writes
        if wrote and emu.write_hook(req, "committed") == "drop":
            verdict, after = "lose", None
        if after:  # applied, and a gateway answers in its stead
            self._reply(*after)
            return
        if verdict == "lose":  # applied, but the answer never reaches the client
            self.close_connection = True
            return
        self._reply(status, out)
        if wrote:
            emu.write_hook(req, "answered")

    def _reply(self, status: int, out: Any, headers: dict | None = None) -> None:
        raw = out if isinstance(out, bytes) else dumps(out).encode("utf-8")
        self.send_response(status)
        if raw.startswith(b"%PDF-"):
            headers = {**(headers or {}), "Content-Type": "application/pdf"}
        if "Content-Type" not in (headers or {}):
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


