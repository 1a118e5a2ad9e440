"""Error paths of the Odoo transport, one request each, with payloads shaped as Odoo sends them:
XML-RPC faults as `xmlrpc.client.dumps(Fault(...))` (what odoo/service/wsgi_server.py returns) and
JSON-2 error bodies `{"name", "message", "arguments", "context", "debug"}`."""

from __future__ import annotations

import json
import time
import xmlrpc.client
from decimal import Decimal

import pytest
import requests
import responses

from adapters.odoo.client import OdooAmbiguous, OdooClient
from adapters.odoo.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooUnavailable,
    OdooValidationError,
)
from adapters.odoo.source import OdooSource
from connector.errors import SourceUnavailable

URL = "http://odoo.test"
OBJ = f"{URL}/xmlrpc/2/object"


def fault(code: int, text: str) -> str:
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), methodresponse=True)


def ok(value) -> str:
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=False)


def xml_client(**kw) -> OdooClient:
    c = OdooClient(URL, "db", "relance", "s3cret-key", protocol="xmlrpc", backoff=0, **kw)
    c.uid, c.major = 2, 17
    return c


def json_client(**kw) -> OdooClient:
    c = OdooClient(URL, "db", "relance", "s3cret-key", protocol="json2", backoff=0, **kw)
    c.uid, c.major = 2, 19
    return c


def json_error(status: int, name: str, message: str):
    return dict(status=status, json={"name": name, "message": message, "arguments": [message], "context": {},
                                     "debug": f"Traceback (most recent call last):\n...\n{name}: {message}"})


@responses.activate
def test_given_user_error_fault_then_validation_error_with_odoo_message_and_no_retry():
    responses.post(OBJ, body=fault(2, "You cannot modify a posted entry of this journal."))
    with pytest.raises(OdooValidationError) as exc:
        xml_client().call("account.move", "write", ids=[1], vals={"ref": "x"})
    assert "You cannot modify a posted entry" in str(exc.value)
    assert len(responses.calls) == 1


@responses.activate
def test_given_access_error_fault_then_access_error():
    responses.post(OBJ, body=fault(4, "You are not allowed to create 'Activity' (mail.activity) records."))
    with pytest.raises(OdooAccessError) as exc:
        xml_client().call("mail.activity", "create", vals_list=[{}])
    assert "not allowed to create" in exc.value.odoo_message


@responses.activate
def test_given_access_denied_then_auth_error_without_secret():
    responses.post(OBJ, body=fault(3, "Access Denied"))
    with pytest.raises(OdooAuthError) as exc:
        xml_client().call("res.partner", "search_read", domain=[])
    assert "s3cret-key" not in str(exc.value)


@responses.activate
def test_given_none_result_fault_then_success():
    tb = ("Traceback (most recent call last):\n  File \"/odoo/service/wsgi_server.py\", line 1, in xmlrpc_return\n"
          "TypeError: cannot marshal None unless allow_none is enabled")
    responses.post(OBJ, body=fault(1, tb))
    assert xml_client().call("account.move.line", "reconcile", ids=[1, 2]) is None


@responses.activate
def test_given_serialization_failure_then_retried_then_success():
    tb = ("Traceback (most recent call last):\n...\npsycopg2.errors.SerializationFailure: "
          "could not serialize access due to concurrent update")
    responses.post(OBJ, body=fault(1, tb))
    responses.post(OBJ, body=ok([7]))
    assert xml_client().call("mail.activity", "create", vals_list=[{}]) == [7]
    assert len(responses.calls) == 2


@responses.activate
def test_given_gateway_errors_on_a_read_then_retried_with_backoff():
    responses.post(OBJ, status=502)
    responses.post(OBJ, status=503, headers={"Retry-After": "0"})
    responses.post(OBJ, body=ok([{"id": 1}]))
    assert xml_client().call("res.partner", "search_read", domain=[]) == [{"id": 1}]
    assert len(responses.calls) == 3


@responses.activate
def test_given_gateway_timeout_after_a_write_then_ambiguous_not_retried():
    responses.post(OBJ, status=504)
    with pytest.raises(OdooAmbiguous):
        xml_client().call("account.move", "create", vals_list=[{}])
    assert len(responses.calls) == 1


@responses.activate
def test_given_read_timeout_on_a_write_then_ambiguous():
    responses.post(OBJ, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(OdooAmbiguous):
        xml_client().call("mail.message", "create", vals_list=[{}])


@responses.activate
def test_given_server_down_then_unavailable_after_retries():
    responses.post(OBJ, body=requests.exceptions.ConnectionError("Connection refused"))
    with pytest.raises(OdooUnavailable) as exc:
        xml_client(retries=2).call("res.partner", "search_read", domain=[])
    assert len(responses.calls) == 3 and "s3cret" not in str(exc.value)


@responses.activate
def test_given_json2_call_then_bearer_header_database_and_kwargs_body():
    responses.post(f"{URL}/json/2/res.partner/search_read", json=[{"id": 3, "credit_limit": 1500.1}])
    rows = json_client().call("res.partner", "search_read", domain=[["id", "=", 3]], fields=["credit_limit"])
    req = responses.calls[0].request
    assert req.headers["Authorization"] == "Bearer s3cret-key" and req.headers["X-Odoo-Database"] == "db"
    assert json.loads(req.body) == {"domain": [["id", "=", 3]], "fields": ["credit_limit"]}
    assert rows[0]["credit_limit"] == Decimal("1500.1")  # parsed as Decimal, never a float


@responses.activate
def test_given_json2_record_method_then_ids_in_body():
    responses.post(f"{URL}/json/2/account.move/message_post", json=[235])
    assert json_client().call("account.move", "message_post", ids=[9], body="x") == [235]
    assert json.loads(responses.calls[0].request.body) == {"ids": [9], "body": "x"}


@responses.activate
def test_given_json2_401_then_auth_error():
    responses.post(f"{URL}/json/2/res.partner/search_read", status=401, json={"name": "werkzeug.exceptions.Unauthorized"})
    with pytest.raises(OdooAuthError):
        json_client().call("res.partner", "search_read", domain=[])


@responses.activate
def test_given_json2_invalid_field_then_error_with_odoo_message():
    responses.post(f"{URL}/json/2/account.move/search_read",
                   **json_error(500, "builtins.ValueError", "Invalid field account.move.bad_field in condition ('bad_field', '=', 1)"))
    with pytest.raises(OdooValidationError) as exc:
        json_client().call("account.move", "search_read", domain=[["bad_field", "=", 1]])
    assert "Invalid field account.move.bad_field" in str(exc.value)


@responses.activate
def test_given_json2_access_error_then_access_error():
    responses.post(f"{URL}/json/2/account.move/create",
                   **json_error(403, "odoo.exceptions.AccessError", "You are not allowed to create 'Journal Entry'"))
    with pytest.raises(OdooAccessError):
        json_client().call("account.move", "create", vals_list=[{}])


@responses.activate
def test_given_json2_unknown_method_then_plain_error():
    responses.post(f"{URL}/json/2/res.partner/nope", status=404, body="Not Found")
    with pytest.raises(OdooError) as exc:
        json_client().call("res.partner", "nope")
    assert "HTTP 404" in str(exc.value)


@responses.activate
def test_given_json2_serialization_failure_then_retried():
    responses.post(f"{URL}/json/2/mail.activity/create",
                   **json_error(500, "psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update"))
    responses.post(f"{URL}/json/2/mail.activity/create", json=[5])
    assert json_client().call("mail.activity", "create", vals_list=[{}]) == [5]


@responses.activate
def test_given_429_with_retry_after_then_retried():
    responses.post(f"{URL}/json/2/res.partner/search_read", status=429, headers={"Retry-After": "0"})
    responses.post(f"{URL}/json/2/res.partner/search_read", json=[])
    assert json_client().call("res.partner", "search_read", domain=[]) == []


# -- a server that cannot be reached (a real closed port on loopback, default retries and backoff) ------------

@pytest.mark.parametrize("protocol", ["auto", "xmlrpc", "json2"])
def test_given_nothing_listening_when_checking_then_connection_refused_at_once_and_no_secret(closed_url, protocol):
    source = OdooSource(closed_url, "db", "relance", "s3cret-key", protocol=protocol)
    started = time.monotonic()
    rows = source.check()
    elapsed = time.monotonic() - started
    assert rows == [("connect", False, f"cannot reach Odoo at {closed_url}: connection refused")]
    assert elapsed < 2, f"took {elapsed:.2f} s"
    assert source.client.calls == 1  # not retried: the server has never answered


def test_given_nothing_listening_when_connecting_then_source_unavailable_naming_the_url(closed_url):
    client = OdooClient(closed_url, "db", "relance", "s3cret-key")
    with pytest.raises(SourceUnavailable) as exc:
        client.connect()
    assert str(exc.value) == f"cannot reach Odoo at {closed_url}: connection refused"


def test_given_a_server_that_answered_before_when_it_refuses_then_retried_as_a_restart(closed_url):
    client = OdooClient(closed_url, "db", "relance", "s3cret-key", protocol="xmlrpc", retries=2, backoff=0)
    client.uid, client.answered = 2, True
    with pytest.raises(OdooUnavailable) as exc:
        client.call("res.partner", "search_read", domain=[])
    assert client.calls == 3 and str(exc.value) == f"cannot reach Odoo at {closed_url}: connection refused"


@responses.activate
def test_given_a_connect_timeout_on_first_contact_then_no_answer_within_the_timeout_and_no_retry():
    responses.post(f"{URL}/xmlrpc/2/common", body=requests.exceptions.ConnectTimeout("connect timeout=7.5"))
    client = OdooClient(URL, "db", "relance", "s3cret-key", protocol="xmlrpc", timeout=7.5, backoff=0)
    with pytest.raises(OdooUnavailable) as exc:
        client.connect()
    assert str(exc.value) == f"cannot reach Odoo at {URL}: no answer within 7.5 s"
    assert len(responses.calls) == 1
