"""Transport to the QuickBooks Online Accounting API v3 (JSON) over requests.

Paced to Intuit's budgets (`pacing.Pacer`: 500 requests a minute, 10 at once, 120 batch requests a minute per
company), a 429 honoured with its Retry-After or retries spread over a minute, 5xx and timeouts retried for reads and for writes that carry a `requestid` (Intuit answers a
repeated requestid with the original response, so such a retry cannot write twice), validation faults never
retried. Amounts are parsed with parse_float=Decimal and written back as exact decimal literals; Intuit's values
(references, amounts, dates, countries) are read by `ref`, `money`, `qbo_date` and `country_code`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Protocol

import requests
from babel import Locale
from babel.core import get_global

from adapters.http import backoff, never_sent, no_answer, retry_after
from adapters.quickbooks.pacing import WINDOW, Pacer
from adapters.quickbooks.errors import (
    QuickBooksAmbiguous,
    QuickBooksAuthError,
    QuickBooksError,
    QuickBooksPagingError,
    QuickBooksRetryable,
    QuickBooksThrottled,
    QuickBooksUnavailable,
    company_refusal,
    fault_errors,
    from_fault,
)
from connector.errors import CertificateFailed
from connector.keys import make_key
from connector.logs import redact

log = logging.getLogger("relance.quickbooks")

BASE_URLS = {"sandbox": "https://sandbox-quickbooks.api.intuit.com", "production": "https://quickbooks.api.intuit.com"}
# Intuit dropped minor versions 1-74 on 2025-08-01; 75 is the oldest served and the default without the parameter.
DEFAULT_MINOR_VERSION = 75
# Invoice.InvoiceLink (the customer's pay-now page) exists from minor version 36 on ("InvoiceLink ... Minor version: 36",
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice): never ask for less.
MIN_MINOR_VERSION = 36
MAX_PAGE = 1000
MAX_BATCH = 30


class Auth(Protocol):
    def access_token(self) -> str: ...
    def refresh(self, stale: str | None = None) -> str: ...


def request_id(*parts: object) -> str:
    """A deterministic requestid (32 hex characters; Intuit allows 50, 36 for a batch)."""
    return make_key("qbo-requestid", *parts)


def dumps(value: Any) -> str:
    """JSON with Decimals written as exact number literals (json.dumps would need a float)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to QuickBooks")
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, float):
        raise TypeError("a float reached the QuickBooks client: amounts must be Decimal")
    if hasattr(value, "isoformat"):
        return json.dumps(value.isoformat())
    return json.dumps(value)


def quote(value: str) -> str:
    """A string literal of Intuit's query language (single quotes, backslash escapes)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


# -- Intuit's values as Python: references, amounts, dates, countries --------------------------------------

def ref(value: Any) -> str | None:
    """`{"value": "42", "name": "..."}` -> "42"."""
    return str(value["value"]) if isinstance(value, dict) and value.get("value") not in (None, "") else None


def money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("a float amount reached the reader")
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def qbo_date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


# PhysicalAddress.Country: "countries should be passed as 3 ISO alpha-3 characters or the full name of the country"
# (Intuit's Invoice page); its samples write "US", real companies "USA" or nothing, and since 2025-10-31 Intuit answers
# CompanyAddr, CustomerCommunicationAddr and LegalAddr with alpha-3 codes only
# (https://blogs.intuit.com/2025/08/13/upcoming-changes-to-the-accounting-api). CLDR's territory aliases, shipped with
# babel, map every alpha-3 code to its alpha-2 one.
@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:  # English last: it wins where two languages spell a name alike
    return {name.casefold(): code for lang in ("es", "de", "fr", "en")
            for code, name in Locale.parse(lang).territories.items() if len(code) == 2 and code.isalpha()}


def country_code(text: Any) -> str | None:
    """A Country as an ISO 3166 alpha-2 code: "FR", "FRA" or "France" -> "FR", "USA" -> "US"; None when unknown."""
    value = str(text or "").strip()
    if len(value) == 2 and value.isalpha():
        return value.upper()
    if len(value) == 3 and value.isalpha():
        alias = get_global("territory_aliases").get(value.upper()) or []
        if len(alias) == 1:
            return alias[0]
    return _country_names().get(value.casefold())


@dataclass
class BatchItem:
    """One item of a batch request: a create/update/delete of `entity`, or a query."""

    operation: str  # create | update | delete | query
    entity: str = ""
    body: dict | None = None
    query: str = ""
    options: str = ""  # e.g. "void"


class QuickBooksClient:
    def __init__(self, realm_id: str, auth: Auth, *, environment: str = "sandbox", base_url: str | None = None,
                 minor_version: int | None = None, timeout: float = 30.0, retries: int = 4, backoff: float = 0.5,
                 pacer: Pacer | None = None, session: requests.Session | None = None, verify_tls: bool | None = None,
                 throttle_window: float = WINDOW):
        if environment not in BASE_URLS:
            raise ValueError(f"environment must be sandbox or production, not {environment!r}")
        self.realm_id, self.auth = str(realm_id), auth
        self.base_url = (base_url or BASE_URLS[environment]).rstrip("/")
        self.minor_version = minor_version or DEFAULT_MINOR_VERSION
        if self.minor_version < MIN_MINOR_VERSION:
            log.warning("QuickBooks minor version %s predates Invoice.InvoiceLink: sending %s", self.minor_version,
                        MIN_MINOR_VERSION)
            self.minor_version = MIN_MINOR_VERSION
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.throttle_window = throttle_window  # a 429 without Retry-After: the retries cover this many seconds
        self.pacer = pacer or Pacer()
        self.session = session or requests.Session()
        # Passed on every request: a session-level False alone is overridden by REQUESTS_CA_BUNDLE.
        self.verify = self.session.verify if verify_tls is None else verify_tls
        self.calls = 0
        self.answered = False  # has this server ever answered? (see request)
        self.last_time: str | None = None  # the `time` of the last answer (Intuit's clock)

    # -- one request ------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict | None = None, body: Any = None, requestid: str | None = None,
                content_type: str = "application/json", where: str = "", retry_writes: bool = True,
                accept: str = "application/json") -> Any:
        """`retry_writes` False: a POST that may have been applied (5xx, no answer) raises QuickBooksAmbiguous even
        with a requestid, for a caller that checks what happened before sending again (an invoice's send)."""
        url = f"{self.base_url}/v3/company/{self.realm_id}/{path}"
        query = {**(params or {}), "minorversion": str(self.minor_version)}
        if requestid:
            query["requestid"] = requestid
        data = dumps(body).encode("utf-8") if body is not None and content_type == "application/json" else body
        safe = method == "GET" or (bool(requestid) and retry_writes)  # a POST is repeated only with a requestid
        refreshed = False
        attempt = 0
        where = where or f"{method} /{path.split('?')[0]}"
        while True:
            token = self.auth.access_token()
            headers = {"Authorization": f"Bearer {token}", "Accept": accept}
            if data is not None:
                headers["Content-Type"] = content_type
            wait = 0.0
            self.calls += 1
            try:
                with self.pacer.slot(batch=path == "batch"):
                    resp = self.session.request(method, url, params=query, data=data, headers=headers,
                                                timeout=self.timeout, verify=self.verify)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if isinstance(exc, requests.exceptions.SSLError) and CertificateFailed.matches(exc):
                    raise CertificateFailed(self.base_url, exc) from None
                # Never reached and never answered: a wrong URL or a stopped server, which waiting does not
                # cure. Once the server has answered, the same failure is more likely a restart: retried.
                if never_sent(exc) and not self.answered:
                    raise QuickBooksUnavailable(f"cannot reach QuickBooks at {self.base_url}: "
                                                f"{no_answer(exc, self.timeout)}") from None
                if not (safe or never_sent(exc)):
                    raise QuickBooksAmbiguous(f"{where}: no answer from QuickBooks after sending a write it may have "
                                              f"applied ({no_answer(exc, self.timeout)})") from None
                problem = no_answer(exc, self.timeout)
            else:
                self.answered = True
                status = resp.status_code
                if status == 401:
                    if refreshed:
                        raise QuickBooksAuthError(f"QuickBooks refused a freshly refreshed access token for company "
                                                  f"{self.realm_id} (HTTP 401): reconnect with `relance quickbooks connect`")
                    self.auth.refresh(stale=token)
                    refreshed = True
                    continue
                if status == 429:
                    wait = retry_after(resp) or self._throttled_wait(attempt)
                    self.pacer.hold(wait)
                    problem = "HTTP 429 (throttled)"
                elif status >= 500 and safe:
                    problem, wait = f"HTTP {status}", retry_after(resp)
                elif status >= 500:
                    raise QuickBooksAmbiguous(f"{where}: HTTP {status} after sending a write it may have applied")
                elif accept != "application/json" and status < 400:
                    return resp.content  # a file: an invoice's PDF
                else:
                    return self._parse(resp, where)
            if attempt >= self.retries:
                if problem.startswith("HTTP 429"):
                    raise QuickBooksThrottled(f"still throttled after {attempt + 1} tries", status=429, where=where)
                raise QuickBooksUnavailable(f"cannot reach QuickBooks at {self.base_url} ({where}): {problem}")
            if not problem.startswith("HTTP 429"):  # after a 429 the pacer holds every request of the company
                time.sleep(backoff(self.backoff, attempt, at_least=wait))
            attempt += 1

    def _throttled_wait(self, attempt: int) -> float:
        """The wait before retry `attempt` of a 429 that names no Retry-After (Intuit documents none): doubling, and
        the retries together span `throttle_window`, so a per-minute budget has cleared before the last one
        (4, 8, 16, 32 s with the default 4 retries: 60 s, where 0.5 s doubling gave up after 7.5 s)."""
        share = self.throttle_window * 2 ** attempt / (2 ** max(self.retries, 1) - 1)
        return backoff(self.backoff, attempt, at_least=share)

    def _parse(self, resp: requests.Response, where: str) -> dict:
        content = resp.content or b"{}"
        if resp.status_code >= 400:  # a gateway may echo the request, token included, into the Fault's Detail
            content = redact(content.decode("utf-8", errors="replace")).encode("utf-8")
        try:
            body = json.loads(content, parse_float=Decimal)
        except ValueError:
            raise QuickBooksError(f"HTTP {resp.status_code} with an answer that is not JSON "
                                  f"({resp.headers.get('Content-Type', '?')})", status=resp.status_code, where=where) from None
        ftype, errors = fault_errors(body)
        if refusal := company_refusal(body, resp.status_code, where):
            raise refusal  # 3100, 120, 6190: the whole company is refused, not this request (errors.COMPANY_FAULTS)
        if resp.status_code >= 400 or errors:
            raise from_fault(body, resp.status_code, where)
        if isinstance(body, dict) and body.get("time"):
            self.last_time = str(body["time"])
        return body

    # -- entities ---------------------------------------------------------------------------------
    def read(self, entity: str, entity_id: str, *, include: str | None = None) -> dict:
        """`include`: Intuit's extra data on the answer (`invoiceLink` for an Invoice's pay-now link)."""
        return self.request("GET", f"{entity.lower()}/{entity_id}", params={"include": include} if include else None,
                            where=f"{entity} {entity_id}")[entity]

    def create(self, entity: str, body: dict, *, requestid: str) -> dict:
        return self.request("POST", entity.lower(), body=body, requestid=requestid, where=f"create {entity}")[entity]

    def update(self, entity: str, body: dict, *, requestid: str, sparse: bool = True) -> dict:
        """`body` carries Id and the current SyncToken; a stale one raises QuickBooksStaleObject (5010)."""
        payload = {**body, "sparse": True} if sparse else body
        return self.request("POST", entity.lower(), body=payload, requestid=requestid,
                            where=f"{entity} {body.get('Id')}")[entity]

    def send_invoice(self, invoice_id: str, send_to: str | None, *, requestid: str) -> dict:
        """POST /invoice/{id}/send (Content-Type application/octet-stream, as Intuit's page asks): QuickBooks emails
        the invoice (to `send_to`, else its BillEmail). Never repeated here: nothing documents that Intuit replays a
        send by requestid, so a 5xx or a lost answer raises QuickBooksAmbiguous for the writer to look for the
        e-mail's trace on the invoice first."""
        params = {"sendTo": send_to} if send_to else {}
        return self.request("POST", f"invoice/{invoice_id}/send", params=params, body=b"", requestid=requestid,
                            content_type="application/octet-stream", where=f"send Invoice {invoice_id}",
                            retry_writes=False)["Invoice"]

    def preferences(self) -> dict:
        return self.request("GET", "preferences", where="Preferences")["Preferences"]

    # -- query ------------------------------------------------------------------------------------
    def query(self, statement: str, *, include: str | None = None) -> dict:
        """`include=invoiceLink` makes Intuit add each Invoice's InvoiceLink to the rows ("Include query param
        `include=invoiceLink` to get the link back on query response", Invoice.InvoiceLink on
        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice)."""
        params = {"query": statement, **({"include": include} if include else {})}
        return self.request("GET", "query", params=params, where="query").get("QueryResponse", {})

    def query_all(self, entity: str, where: str = "", *, page_size: int = MAX_PAGE, order_by: str = "Id",
                  include: str | None = None) -> list[dict]:
        """Every row, paged with STARTPOSITION/MAXRESULTS; a page seen twice stops the read with an error."""
        page_size = min(page_size, MAX_PAGE)
        out: list[dict] = []
        seen: set[tuple] = set()
        start = 1
        while True:
            stmt = f"select * from {entity}" + (f" where {where}" if where else "") + (
                f" orderby {order_by}" if order_by else "") + f" startposition {start} maxresults {page_size}"
            rows = self.query(stmt, include=include).get(entity, [])
            if rows:
                sig = tuple(str(r.get("Id")) for r in rows)
                if sig in seen:
                    raise QuickBooksPagingError(f"{entity} page at position {start} repeats an earlier page: "
                                                f"stopping instead of looping", where=f"query {entity}")
                seen.add(sig)
            out.extend(rows)
            if len(rows) < page_size:
                return out
            start += len(rows)

    def query_ids(self, entity: str, ids: list[str], extra: str = "", chunk: int = 100,
                  include: str | None = None) -> list[dict]:
        out: list[dict] = []
        ids = sorted(set(ids))
        for i in range(0, len(ids), chunk):
            part = ids[i:i + chunk]
            cond = f"Id in ({','.join(quote(x) for x in part)})" + (f" and {extra}" if extra else "")
            out.extend(self.query_all(entity, cond, page_size=MAX_PAGE, include=include))
        return out

    # -- change data capture ----------------------------------------------------------------------
    def cdc(self, entities: list[str], changed_since: datetime) -> dict[str, list[dict]]:
        """Objects of `entities` changed since then (at most 30 days back; deleted ones carry status Deleted).
        Intuit's CDC page documents only `entities` and `changedSince`, no `include`
        (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture):
        an Invoice comes back without its InvoiceLink, which the reader keeps from its last query."""
        body = self.request("GET", "cdc", params={"entities": ",".join(entities),
                                                  "changedSince": changed_since.isoformat(timespec="seconds")},
                            where="cdc")
        out: dict[str, list[dict]] = {e: [] for e in entities}
        for block in body.get("CDCResponse", []) or []:
            responses = block.get("QueryResponse", []) or []
            for qr in responses if isinstance(responses, list) else [responses]:
                for name, rows in qr.items():
                    if isinstance(rows, list):
                        out.setdefault(name, []).extend(rows)
        return out

    # -- batch ------------------------------------------------------------------------------------
    def batch(self, items: list[BatchItem], *, requestid: str) -> list[dict | QuickBooksError]:
        """Up to 30 items in one request; each answer is mapped back to its item by bId, in order: the
        entity (or QueryResponse) for a success, the typed error of its Fault for a failure."""
        if not items:
            return []
        if len(items) > MAX_BATCH:
            raise ValueError(f"a batch holds at most {MAX_BATCH} items, got {len(items)}")
        request = []
        for n, item in enumerate(items, 1):
            entry: dict[str, Any] = {"bId": f"b{n}"}  # bIds stay within 10 characters when a requestid is sent
            if item.operation == "query":
                entry["Query"] = item.query
            else:
                entry["operation"] = item.operation
                entry[item.entity] = item.body
                if item.options:
                    entry["optionsData"] = item.options
            request.append(entry)
        body = self.request("POST", "batch", body={"BatchItemRequest": request}, requestid=requestid, where="batch")
        answers = {str(r.get("bId")): r for r in body.get("BatchItemResponse", []) or []}
        out: list[dict | QuickBooksError] = []
        for n, item in enumerate(items, 1):
            ans = answers.get(f"b{n}")
            where = f"batch item b{n} ({item.operation} {item.entity or 'query'})"
            if ans is None:
                out.append(QuickBooksRetryable("no answer for this item in the batch response", where=where))
            elif "Fault" in ans or "fault" in ans:
                if refusal := company_refusal(ans, None, where):
                    raise refusal
                out.append(from_fault(ans, None, where))
            elif item.operation == "query":
                out.append(ans.get("QueryResponse", {}))
            else:
                out.append(ans.get(item.entity) or next((v for k, v in ans.items() if k != "bId" and isinstance(v, dict)), {}))
        return out


