"""Typed errors for QuickBooks Online's answers, carrying Intuit's code, message and detail.

Intuit's error body (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes):
`{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type": "ValidationFault"}, "time": ...}`.
A 401 comes in another casing: `{"fault": {"error": [{"message", "detail", "code"}], "type": "AUTHENTICATION"}}`.
"""

from __future__ import annotations

from connector.errors import CredentialsRefused, ItemError, SourceUnavailable

STALE_OBJECT = "5010"
OBJECT_NOT_FOUND = "610"


class QuickBooksError(ItemError):
    """An error QuickBooks answered for one request."""

    def __init__(self, message: str, *, code: str = "", detail: str = "", element: str = "", fault_type: str = "",
                 status: int | None = None, where: str = ""):
        self.code, self.qbo_message, self.detail, self.element = code, message, detail, element
        self.fault_type, self.status, self.where = fault_type, status, where
        text = message + (f": {detail}" if detail and detail not in message else "")
        head = f"{where}: " if where else ""
        tail = f" (QuickBooks error {code})" if code else ""
        super().__init__(f"{head}{text}{tail}")


class QuickBooksValidationError(QuickBooksError):
    """ValidationFault / business validation: QuickBooks refused the data. Never retried as is."""


class QuickBooksStaleObject(QuickBooksValidationError):
    """Code 5010: the SyncToken is out of date; re-read the object, re-apply the change, send again."""


class QuickBooksNotFound(QuickBooksError):
    """Code 610: the object does not exist (deleted, or made inactive)."""


class QuickBooksRetryable(QuickBooksError):
    """5xx or a timeout: worth another try."""


class QuickBooksThrottled(QuickBooksRetryable):
    """HTTP 429 (ThrottleExceeded, code 3001): over about 500 requests a minute or 10 at once for this company."""


class QuickBooksAmbiguous(QuickBooksRetryable):
    """A write was sent without a requestid and no answer came back: it may or may not have been applied."""


class QuickBooksPagingError(QuickBooksError):
    """A query page came back twice: paging would loop forever, so the read stops."""


class QuickBooksUnavailable(SourceUnavailable):
    """Connection refused, DNS, TLS, or retries exhausted: QuickBooks cannot be reached."""


class QuickBooksAuthError(CredentialsRefused):
    """The tokens were refused (401 after a refresh, or the refresh token is invalid): reconnect the company
    with `relance quickbooks connect`."""


class QuickBooksCompanyRefused(QuickBooksAuthError):
    """A fault no single request causes: QuickBooks refuses this app or this company as a whole, so every request
    after it would fail the same way. The run stops (exit code 3) instead of failing each operation."""


# Company-wide faults (code: what the user should do). Shapes as Intuit's pages and answers show them:
# 3100 "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", a 403 with a lower-case `fault`
#   body (`{"fault": {"error": [{"message", "detail", "code": "3100"}], "type": "SERVICE"}}`: Intuit's help article
#   https://help.developer.intuit.com/s/article/3100-message-AuthorizationFailed-errorCode-003100-statusCode-403
#   and the answers quoted in intuit/oauth-jsclient#2, frappe/erpnext#29161): the token lacks the accounting scope
#   or the user lost access to the company;
# 120 "Authorization Failure", "-11014-You do not have access to use QuickBooks Online" ("Fix or disconnect the
#   connection", https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors);
# 6190 "Invalid Company Status": the subscription is cancelled, expired, suspended or restricted
#   (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/subscription-states: such a company
#   is "limited to read-only operations"; codes on .../develop/troubleshooting/error-codes).
RECONNECT = "reconnect the company with `relance quickbooks connect` (a user who still has access, accounting scope)"
COMPANY_FAULTS = {
    "3100": f"QuickBooks refused this app's access to the company (ApplicationAuthorizationFailed): {RECONNECT}",
    "120": f"QuickBooks refused the connected user's access to the company (Authorization Failure): {RECONNECT}, "
           "or check that the company's QuickBooks Online subscription is active",
    "6190": "QuickBooks refused the request for the company's status (Invalid Company Status): check the company's "
            "QuickBooks Online subscription (cancelled, expired or suspended companies are read-only), "
            f"then {RECONNECT} if needed",
}


def company_refusal(body: object, status: int | None = None, where: str = "") -> QuickBooksCompanyRefused | None:
    """The run-stopping error of a company-wide fault (any of its errors), None for any other answer."""
    for e in fault_errors(body)[1]:
        code = e["code"].lstrip("0")
        if code in COMPANY_FAULTS:
            said = e["message"] + (f": {e['detail']}" if e["detail"] and e["detail"] not in e["message"] else "")
            head = f"{where}: " if where else ""
            http = f"HTTP {status}, " if status else ""
            return QuickBooksCompanyRefused(f"{head}{COMPANY_FAULTS[code]} ({http}QuickBooks error {code}: {said})")
    return None


def fault_errors(body: object) -> tuple[str, list[dict]]:
    """(fault type, errors) of a Fault body in either casing; ('', []) when the body holds no fault."""
    if not isinstance(body, dict):
        return "", []
    fault = body.get("Fault") or body.get("fault")
    if not isinstance(fault, dict):
        return "", []
    errors = fault.get("Error") or fault.get("error") or []
    out = []
    for e in errors if isinstance(errors, list) else [errors]:
        if isinstance(e, dict):
            out.append({"message": str(e.get("Message") or e.get("message") or ""),
                        "detail": str(e.get("Detail") or e.get("detail") or ""),
                        "code": str(e.get("code") or e.get("Code") or ""),
                        "element": str(e.get("element") or e.get("Element") or "")})
    return str(fault.get("type") or ""), out


def from_fault(body: object, status: int | None = None, where: str = "") -> QuickBooksError:
    """The typed error of a Fault body (the first Error decides the type; the others are appended)."""
    ftype, errors = fault_errors(body)
    if not errors:
        return QuickBooksError(f"HTTP {status} without a Fault body" if status else "an answer without a Fault body",
                               status=status, where=where)
    first = errors[0]
    extra = "; ".join(f"{e['message']} ({e['code']})" for e in errors[1:])
    detail = first["detail"] + (f"; also: {extra}" if extra else "")
    kw = dict(code=first["code"], detail=detail, element=first["element"], fault_type=ftype, status=status, where=where)
    code = first["code"]
    if code == STALE_OBJECT:
        return QuickBooksStaleObject(first["message"], **kw)
    if code == OBJECT_NOT_FOUND:
        return QuickBooksNotFound(first["message"], **kw)
    if status == 429 or code == "3001":
        return QuickBooksThrottled(first["message"], **kw)
    if status is not None and status >= 500:
        return QuickBooksRetryable(first["message"], **kw)
    if ftype.lower() in ("validationfault", "validation") or (code.isdigit() and 2000 <= int(code) < 10000):
        return QuickBooksValidationError(first["message"], **kw)
    return QuickBooksError(first["message"], **kw)
