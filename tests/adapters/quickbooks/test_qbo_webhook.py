"""Webhook signature and payloads: Intuit's legacy eventNotifications and the CloudEvents array
(sample payloads of https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging

import pytest

from adapters.quickbooks.webhook import WebhookRejected, changes, realms_to_refresh, wsgi_app

TOKEN = "verifier-token-from-the-app-dashboard"
LEGACY = json.dumps({"eventNotifications": [{"realmId": "310687", "dataChangeEvent": {"entities": [
    {"id": "1234", "operation": "Create", "name": "Invoice", "lastUpdated": "2025-09-08T20:52:31.657Z"},
    {"id": "9", "operation": "Update", "name": "Account", "lastUpdated": "2025-09-08T20:52:31.657Z"}]}}]}).encode()
CLOUD = json.dumps([{"specversion": "1.0", "id": "88cd52aa-33b6-4351-9aa4-47572edbd068",
                     "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=", "type": "qbo.invoice.updated.v1",
                     "datacontenttype": "application/json", "time": "2025-09-10T21:31:25.179851517Z",
                     "intuitentityid": "1234", "intuitaccountid": "310687", "data": {}},
                    {"specversion": "1.0", "id": "2", "source": "intuit.x", "type": "qbo.account.created.v1",
                     "time": "2025-09-10T21:31:25Z", "intuitentityid": "7", "intuitaccountid": "555", "data": {}}]).encode()


def sign(body: bytes, token: str = TOKEN) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def test_given_a_good_signature_and_a_legacy_payload_then_the_realm_with_an_invoice_change():
    assert realms_to_refresh(LEGACY, sign(LEGACY), TOKEN) == {"310687"}
    assert [(c.entity, c.operation) for c in changes(LEGACY)] == [("invoice", "created"), ("account", "updated")]


def test_given_a_cloudevents_array_then_entities_from_the_type_and_only_relevant_realms():
    assert [(c.realm_id, c.entity, c.entity_id, c.operation) for c in changes(CLOUD)] == [
        ("310687", "invoice", "1234", "updated"), ("555", "account", "7", "created")]
    assert realms_to_refresh(CLOUD, sign(CLOUD), TOKEN) == {"310687"}  # an Account change needs no run


@pytest.mark.parametrize("header", [None, "", sign(LEGACY, "another-token"), sign(LEGACY + b" ")])
def test_given_a_missing_or_wrong_signature_then_rejected_and_the_body_not_logged(header, caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(WebhookRejected):
        realms_to_refresh(LEGACY, header, TOKEN)
    assert "310687" not in caplog.text and "eventNotifications" not in caplog.text


def test_given_a_signed_body_that_is_not_intuit_json_then_rejected():
    body = b'{"hello": "world"}'
    with pytest.raises(WebhookRejected, match="neither"):
        realms_to_refresh(body, sign(body), TOKEN)


def _call(app, body: bytes, signature: str | None):
    seen = {}
    environ = {"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "REQUEST_METHOD": "POST"}
    if signature is not None:
        environ["HTTP_INTUIT_SIGNATURE"] = signature
    out = b"".join(app(environ, lambda status, headers: seen.setdefault("status", status)))
    return seen["status"], out


def test_the_wsgi_endpoint_triggers_a_refresh_only_for_a_signed_request():
    triggered = []
    app = wsgi_app(TOKEN, triggered.append)
    assert _call(app, CLOUD, sign(LEGACY))[0].startswith("401") and triggered == []
    assert _call(app, CLOUD, None)[0].startswith("401")
    assert _call(app, CLOUD, sign(CLOUD))[0] == "200 OK" and triggered == [{"310687"}]


def test_given_a_delivery_with_one_malformed_event_then_the_good_ones_run_the_bad_one_is_logged_and_200(caplog):
    """Intuit delivers events of several companies in one request and sends the whole request again when it is not
    answered 200: a refused delivery would hold back the good events and bring the bad one back for ever."""
    good = json.loads(CLOUD)[0]
    body = json.dumps([good, {"specversion": "1.0", "id": "bad-event-7", "intuitaccountid": "777", "data": {}},
                       dict(good, id="3", type="qbo.payment.created.v1", intuitaccountid="999")]).encode()
    caplog.set_level(logging.WARNING)
    triggered = []
    status, _ = _call(wsgi_app(TOKEN, triggered.append), body, sign(body))
    assert status == "200 OK" and triggered == [{"310687", "999"}]
    assert "event 2 of 3 skipped" in caplog.text and "bad-event-7" not in caplog.text and "777" not in caplog.text
