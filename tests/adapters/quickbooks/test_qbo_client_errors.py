"""Error paths of the QuickBooks transport, one request each, with `responses` and payloads shaped as Intuit
documents them: the Fault body of https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
(`{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}, "time"}`), the lower-case 401 body
Intuit sends for an expired token, and the 429 ThrottleExceeded (code 3001)."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
import requests
import responses

from adapters.quickbooks.auth import OAuth, TokenFile
from adapters.quickbooks.client import BatchItem, Pacer, QuickBooksClient, dumps
from adapters.quickbooks.errors import (
    QuickBooksAmbiguous,
    QuickBooksAuthError,
    QuickBooksNotFound,
    QuickBooksPagingError,
    QuickBooksStaleObject,
    QuickBooksThrottled,
    QuickBooksUnavailable,
    QuickBooksValidationError,
)
from adapters.quickbooks.source import QuickBooksSource

BASE = "https://sandbox-quickbooks.api.intuit.com/v3/company/123"


def fault(code: str, message: str, detail: str, ftype: str = "ValidationFault") -> dict:
    return {"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code, "element": ""}], "type": ftype},
            "time": "2017-09-29T09:17:31.892-07:00"}


AUTH_401 = {"warnings": None, "intuitObject": None, "fault": {"error": [{
    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401", "detail": "Token expired: eyJ...",
    "code": "3200", "element": None}], "type": "AUTHENTICATION"}, "report": None, "queryResponse": None,
    "batchItemResponse": [], "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
    "time": 1533811101733, "status": None, "cdcresponse": []}
THROTTLED = fault("3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429", "The request limit was reached.",
                  "SERVICE")


class Auth:
    def __init__(self):
        self.token, self.refreshes = "old-token", 0

    def access_token(self):
        return self.token

    def refresh(self, stale=None):
        self.refreshes += 1
        self.token = f"new-token-{self.refreshes}"
        return self.token


def fake_pacer() -> Pacer:
    """A pacer on a clock that moves by what it sleeps: a 429's wait of a minute takes no time."""
    now = [0.0]
    return Pacer(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))


def client(**kw) -> QuickBooksClient:
    return QuickBooksClient("123", kw.pop("auth", Auth()), environment="sandbox", backoff=0, retries=2,
                            pacer=fake_pacer(), **kw)


@responses.activate
def test_given_a_validation_fault_then_a_typed_error_with_intuit_code_and_detail_and_no_retry():
    responses.post(f"{BASE}/invoice", status=400, json=fault(
        "6000", "A business validation error has occurred while processing your request",
        "Business Validation Error: You must fill out at least one split line."))
    with pytest.raises(QuickBooksValidationError) as exc:
        client().create("Invoice", {"Line": []}, requestid="r1")
    assert exc.value.code == "6000" and "split line" in exc.value.detail and "(QuickBooks error 6000)" in str(exc.value)
    assert len(responses.calls) == 1


@responses.activate
def test_given_code_5010_then_stale_object_error():
    responses.post(f"{BASE}/invoice", status=400, json=fault(
        "5010", "Stale Object Error", "Stale Object Error : You and Jane were working on this at the same time."))
    with pytest.raises(QuickBooksStaleObject):
        client().update("Invoice", {"Id": "1", "SyncToken": "0"}, requestid="r2")
    assert len(responses.calls) == 1


@responses.activate
def test_given_code_610_then_not_found():
    responses.get(f"{BASE}/invoice/99", status=400, json=fault("610", "Object Not Found", "Object Not Found : ..."))
    with pytest.raises(QuickBooksNotFound):
        client().read("Invoice", "99")


@responses.activate
def test_given_401_then_refresh_and_the_same_request_again_with_the_new_token():
    responses.get(f"{BASE}/invoice/1", status=401, json=AUTH_401)
    responses.get(f"{BASE}/invoice/1", json={"Invoice": {"Id": "1", "TotalAmt": 10.10}, "time": "t"})
    auth = Auth()
    inv = client(auth=auth).read("Invoice", "1")
    assert inv["TotalAmt"] == Decimal("10.10") and isinstance(inv["TotalAmt"], Decimal)
    assert auth.refreshes == 1
    assert [c.request.headers["Authorization"] for c in responses.calls] == ["Bearer old-token", "Bearer new-token-1"]


@responses.activate
def test_given_401_after_a_refresh_then_auth_error():
    responses.get(f"{BASE}/invoice/1", status=401, json=AUTH_401)
    with pytest.raises(QuickBooksAuthError, match="relance quickbooks connect"):
        client().read("Invoice", "1")
    assert len(responses.calls) == 2


@responses.activate
def test_given_429_then_retried_after_retry_after_and_succeeds():
    responses.get(f"{BASE}/query", status=429, json=THROTTLED, headers={"Retry-After": "0"})
    responses.get(f"{BASE}/query", json={"QueryResponse": {"Term": [{"Id": "1"}], "startPosition": 1, "maxResults": 1}})
    assert client().query("select * from Term")["Term"] == [{"Id": "1"}]
    assert len(responses.calls) == 2


@responses.activate
def test_given_429_on_every_try_then_throttled_item_error():
    responses.get(f"{BASE}/query", status=429, json=THROTTLED)
    with pytest.raises(QuickBooksThrottled):
        client().query("select * from Term")
    assert len(responses.calls) == 3


@responses.activate
def test_given_503_on_a_read_then_retried_then_unavailable():
    responses.get(f"{BASE}/query", status=503, body="<html>Service Unavailable</html>")
    with pytest.raises(QuickBooksUnavailable):
        client().query("select * from Term")
    assert len(responses.calls) == 3


@responses.activate
def test_given_500_on_a_write_without_requestid_then_ambiguous_and_not_repeated():
    responses.post(f"{BASE}/invoice", status=500, body="")
    with pytest.raises(QuickBooksAmbiguous):
        client().request("POST", "invoice", body={"Line": []})
    assert len(responses.calls) == 1


@responses.activate
def test_given_a_timeout_on_a_write_with_requestid_then_the_same_requestid_is_sent_again():
    responses.post(f"{BASE}/attachable", body=requests.exceptions.ReadTimeout("read timed out"))
    responses.post(f"{BASE}/attachable", json={"Attachable": {"Id": "7"}, "time": "t"})
    assert client().create("Attachable", {"Note": "x"}, requestid="abc")["Id"] == "7"
    assert [c.request.url.split("requestid=")[1][:3] for c in responses.calls] == ["abc", "abc"]


@responses.activate
def test_given_a_page_that_comes_back_twice_then_paging_error():
    page = {"QueryResponse": {"Invoice": [{"Id": "1"}, {"Id": "2"}], "startPosition": 1, "maxResults": 2}}
    responses.get(f"{BASE}/query", json=page)
    responses.get(f"{BASE}/query", json=page)
    with pytest.raises(QuickBooksPagingError):
        client().query_all("Invoice", "Balance > '0'", page_size=2)


@responses.activate
def test_given_a_batch_answer_out_of_order_with_one_fault_then_each_item_gets_its_own_answer():
    responses.post(f"{BASE}/batch", json={"BatchItemResponse": [
        {"bId": "b2", "Fault": fault("2500", "Invalid Reference Id", "Customer assigned has been deleted")["Fault"]},
        {"bId": "b1", "Attachable": {"Id": "11"}},
        {"bId": "b3", "QueryResponse": {"Attachable": [{"Id": "5"}], "startPosition": 1, "maxResults": 1}},
    ], "time": "t"})
    out = client().batch([BatchItem("create", "Attachable", {"Note": "a"}), BatchItem("create", "Attachable", {"Note": "b"}),
                          BatchItem("query", query="select * from Attachable")], requestid="batch-1")
    assert out[0] == {"Id": "11"} and isinstance(out[1], QuickBooksValidationError) and out[1].code == "2500"
    assert out[2]["Attachable"] == [{"Id": "5"}]
    sent = json.loads(responses.calls[0].request.body)
    assert [i["bId"] for i in sent["BatchItemRequest"]] == ["b1", "b2", "b3"]


def test_given_more_than_30_items_then_the_batch_is_refused_before_sending():
    with pytest.raises(ValueError, match="at most 30"):
        client().batch([BatchItem("query", query="select * from Term")] * 31, requestid="x")


@responses.activate
def test_every_request_carries_the_minor_version_and_amounts_go_out_as_exact_decimals():
    responses.post(f"{BASE}/invoice", json={"Invoice": {"Id": "1"}, "time": "t"})
    client().create("Invoice", {"Line": [{"Amount": Decimal("0.10") + Decimal("0.20")}]}, requestid="r")
    call = responses.calls[0].request
    assert "minorversion=75" in call.url and "requestid=r" in call.url
    assert b'"Amount":0.30' in call.body
    with pytest.raises(TypeError):
        dumps({"Amount": 0.1})


# -- a server that cannot be reached (a real closed port on loopback, default retries and backoff) ------------

def test_given_nothing_listening_when_checking_then_connection_refused_at_once_and_no_token(closed_url):
    source = QuickBooksSource.with_token("123", "access-t0ken-xyz", base_url=closed_url)
    started = time.monotonic()
    rows = source.check()
    elapsed = time.monotonic() - started
    assert rows == [("connect", False, f"cannot reach QuickBooks at {closed_url}: connection refused")]
    assert elapsed < 2, f"took {elapsed:.2f} s"
    assert source.client.calls == 1  # not retried: the server has never answered


def test_given_a_server_that_answered_before_when_it_refuses_then_retried_as_a_restart(closed_url):
    c = client(base_url=closed_url)
    c.answered = True
    with pytest.raises(QuickBooksUnavailable) as exc:
        c.preferences()
    assert c.calls == 3
    assert str(exc.value) == f"cannot reach QuickBooks at {closed_url} (Preferences): connection refused"


def test_given_nothing_listening_at_the_discovery_url_then_unavailable_naming_it(closed_url, tmp_path):
    oauth = OAuth("client-id", "client-s3cret", TokenFile(tmp_path / "tokens.json"),
                  discovery_url=f"{closed_url}/.well-known/openid-configuration", initial_refresh_token="refresh-t0ken")
    with pytest.raises(QuickBooksUnavailable) as exc:
        oauth.access_token()
    assert str(exc.value) == (f"cannot reach Intuit's OAuth discovery document at {closed_url}/.well-known/"
                              f"openid-configuration: connection refused")
