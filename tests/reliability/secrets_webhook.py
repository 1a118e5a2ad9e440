"""Intuit webhook payloads for the secrets tests (CloudEvents and legacy, with markers to look for in logs),
their signature, and signatures that must all be refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json

from tests.reliability.secrets_qbo import VERIFIER
from tests.reliability.secrets_scan import Scanner

WEBHOOK_REALM = "9130354735682016"
BODY_MARKERS = {"event id": "88cd52aa-body-marker-4351", "entity id": "71234987", "realm id": WEBHOOK_REALM,
                "source": "intuit.dsnBodyMarkerZliOU="}
CLOUD_EVENTS = json.dumps([  # Intuit's CloudEvents payload (blogs.intuit.com 2025-11-12, "Upcoming change to webhooks")
    {"specversion": "1.0", "id": BODY_MARKERS["event id"], "source": BODY_MARKERS["source"],
     "type": "qbo.invoice.updated.v1", "datacontenttype": "application/json", "time": "2026-03-10T08:31:25.179851517Z",
     "intuitentityid": BODY_MARKERS["entity id"], "intuitaccountid": WEBHOOK_REALM, "data": {}},
    {"specversion": "1.0", "id": "e2", "source": BODY_MARKERS["source"], "type": "qbo.account.created.v1",
     "time": "2026-03-10T08:31:25Z", "intuitentityid": "7", "intuitaccountid": "555", "data": {}}]).encode()
LEGACY = json.dumps({"eventNotifications": [{"realmId": WEBHOOK_REALM, "dataChangeEvent": {"entities": [
    {"name": "Payment", "id": BODY_MARKERS["entity id"], "operation": "Create", "lastUpdated": "2026-03-10T08:31:25.000Z"},
    {"name": "Customer", "id": "12", "operation": "Merge", "lastUpdated": "2026-03-10T08:31:25.000Z", "deletedId": "9"}]}}]},
).encode()


def sign(body: bytes, token: str = VERIFIER) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def garbage_signatures(body: bytes) -> dict[str, str | None]:
    good = sign(body)
    return {"missing": None, "empty": "", "blank": "   ", "another token": sign(body, "whk-Other-Token-00000000"),
            "another body": sign(body + b" "), "truncated": good[:-2], "one char off": good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:],
            "hex digest": hmac.new(VERIFIER.encode(), body, hashlib.sha256).hexdigest(), "prefixed": "sha256=" + good,
            "not ascii": "é" * 44, "huge": "A" * 10_000, "the token itself": VERIFIER, "header injection": good + "\r\nX: y"}


def wsgi_call(app, body: bytes, header: str | None) -> str:
    environ = {"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "REQUEST_METHOD": "POST"}
    if header is not None:
        environ["HTTP_INTUIT_SIGNATURE"] = header
    status = {}
    b"".join(app(environ, lambda s, h: status.setdefault("s", s)))
    return status["s"]


def webhook_scanner() -> Scanner:
    scanner = Scanner({"webhook verifier": VERIFIER})
    for label, marker in BODY_MARKERS.items():
        scanner.add(f"body {label}", marker)
    return scanner
