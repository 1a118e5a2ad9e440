"""Intuit webhooks: verify the `intuit-signature` header and tell which companies changed.

The signature is base64(HMAC-SHA256(raw body, verifier token))
(https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications).
Two payloads are accepted: the CloudEvents one Intuit moved to (a JSON array of events with `specversion`,
`type` such as `qbo.invoice.updated.v1`, `intuitaccountid`, `intuitentityid`; migration due by
2026-05-15: https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure/) and the
legacy `{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [...]}}]}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from connector.errors import RelanceError

log = logging.getLogger("relance.quickbooks.webhook")

SIGNATURE_HEADER = "intuit-signature"
# Entities whose change can alter a follow-up: anything else is acknowledged and ignored.
RELEVANT = frozenset({"invoice", "payment", "creditmemo", "customer", "term", "attachable"})


class WebhookRejected(RelanceError):
    """A webhook request without a valid signature, or with a payload that is not Intuit's."""


@dataclass(frozen=True)
class Change:
    realm_id: str
    entity: str
    entity_id: str
    operation: str  # created, updated, deleted, voided, merged, emailed (lower case)


def signature(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def verify(body: bytes, header: str | None, verifier_token: str) -> None:
    """Raises WebhookRejected unless `header` is the signature of exactly these bytes (constant-time)."""
    if not verifier_token:
        raise WebhookRejected("no webhook verifier token configured: every request is refused")
    if not header:
        log.warning("QuickBooks webhook refused: no %s header (%d bytes, body not logged)", SIGNATURE_HEADER, len(body))
        raise WebhookRejected(f"missing {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(signature(body, verifier_token).encode("ascii"), header.strip().encode("ascii", "replace")):
        log.warning("QuickBooks webhook refused: bad signature (%d bytes, body not logged)", len(body))
        raise WebhookRejected("the intuit-signature does not match the body")


def changes(body: bytes) -> list[Change]:
    """Every entity change in a verified payload, CloudEvents or legacy."""
    try:
        data = json.loads(body)
    except ValueError:
        raise WebhookRejected("the webhook body is not JSON") from None
    out: list[Change] = []
    events = data if isinstance(data, list) else [data] if isinstance(data, dict) and "specversion" in data else None
    if events is not None:
        for ev in events:
            if not isinstance(ev, dict) or "specversion" not in ev:
                raise WebhookRejected("a CloudEvents array item has no specversion")
            parts = str(ev.get("type", "")).split(".")  # qbo.<entity>.<operation>.v<N>
            if len(parts) < 3 or not ev.get("intuitaccountid"):
                raise WebhookRejected("a CloudEvent without type qbo.<entity>.<operation>.vN or intuitaccountid")
            out.append(Change(str(ev["intuitaccountid"]), parts[1].lower(), str(ev.get("intuitentityid", "")),
                              parts[2].lower()))
        return out
    if isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
        for note in data["eventNotifications"]:
            realm = str((note or {}).get("realmId", ""))
            for ent in ((note or {}).get("dataChangeEvent") or {}).get("entities") or []:
                op = str(ent.get("operation", "")).lower()
                op = {"create": "created", "update": "updated", "delete": "deleted", "void": "voided",
                      "merge": "merged", "emailed": "emailed"}.get(op, op)
                out.append(Change(realm, str(ent.get("name", "")).lower(), str(ent.get("id", "")), op))
        return out
    raise WebhookRejected("neither a CloudEvents array nor an eventNotifications payload")


def realms_to_refresh(body: bytes, header: str | None, verifier_token: str) -> set[str]:
    """The companies whose follow-up may have changed: verify, parse, keep the relevant entities."""
    verify(body, header, verifier_token)
    return {c.realm_id for c in changes(body) if c.entity in RELEVANT and c.realm_id}


def wsgi_app(verifier_token: str, on_realms):
    """A minimal WSGI endpoint: 200 and `on_realms(realms)` for a good request, 401 for a bad signature,
    400 for a bad payload. Intuit retries what is not answered 200."""

    def app(environ, start_response):
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        body = environ["wsgi.input"].read(size) if size else b""
        header = environ.get("HTTP_INTUIT_SIGNATURE")
        try:
            verify(body, header, verifier_token)
            realms = {c.realm_id for c in changes(body) if c.entity in RELEVANT and c.realm_id}
        except WebhookRejected as exc:
            status = "401 Unauthorized" if "signature" in str(exc) or "verifier" in str(exc) else "400 Bad Request"
            start_response(status, [("Content-Type", "text/plain")])
            return [status.encode()]
        if realms:
            on_realms(realms)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app
