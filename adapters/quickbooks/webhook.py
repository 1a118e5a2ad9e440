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
MAX_BODY = 1_000_000  # bytes; Intuit's notifications are a few kB, anything bigger is refused unread
_LEGACY_OPERATIONS = {"create": "created", "update": "updated", "delete": "deleted", "void": "voided",
                      "merge": "merged", "emailed": "emailed"}


class WebhookRejected(RelanceError):
    """A webhook request without a valid signature, or with a payload that is not Intuit's."""


class BadSignature(WebhookRejected):
    """No verifier token configured, no signature, or one that does not match the body: answered 401."""


class BadPayload(WebhookRejected):
    """A correctly signed body that is not one of Intuit's payloads: answered 400."""


@dataclass(frozen=True)
class Change:
    realm_id: str
    entity: str
    entity_id: str
    operation: str  # created, updated, deleted, voided, merged, emailed (lower case)


def signature(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def verify(body: bytes, header: str | None, verifier_token: str) -> None:
    """Raises BadSignature unless `header` is the signature of exactly these bytes. The comparison is
    hmac.compare_digest: its time does not depend on where the two values differ. Refusals are logged with
    the body's size only: neither the body, the header nor the token is written."""
    if not verifier_token:
        log.error("QuickBooks webhook refused: no verifier token configured (%d bytes, body not logged)", len(body))
        raise BadSignature("no webhook verifier token configured: every request is refused")
    if not header:
        log.warning("QuickBooks webhook refused: no %s header (%d bytes, body not logged)", SIGNATURE_HEADER, len(body))
        raise BadSignature(f"missing {SIGNATURE_HEADER} header")
    expected = signature(body, verifier_token).encode("ascii")
    if not hmac.compare_digest(expected, header.strip().encode("ascii", "replace")):
        log.warning("QuickBooks webhook refused: bad signature (%d bytes, body not logged)", len(body))
        raise BadSignature("the intuit-signature does not match the body")


def _cloud_events(events: list) -> list[Change]:
    """The changes of a CloudEvents delivery. A malformed event among good ones is logged (its place, never its
    content: an event's id or company is the body's) and skipped, the others kept: Intuit delivers several events,
    of several companies, in one request and sends the whole request again when it is not answered 200, so refusing
    it would hold back the good events and bring the bad one back again and again. A delivery with no usable event
    at all is not Intuit's: BadPayload (400)."""
    out, bad = [], []
    for n, ev in enumerate(events):
        parts = str(ev.get("type", "")).split(".") if isinstance(ev, dict) else []  # qbo.<entity>.<operation>.v<N>
        if not isinstance(ev, dict) or "specversion" not in ev:
            bad.append((n, "no specversion"))
        elif len(parts) < 3 or parts[0] != "qbo" or not ev.get("intuitaccountid"):
            bad.append((n, "no type qbo.<entity>.<operation>.vN or no intuitaccountid"))
        else:
            out.append(Change(str(ev["intuitaccountid"]), parts[1].lower(), str(ev.get("intuitentityid", "")),
                              parts[2].lower()))
    if bad and not out:
        raise BadPayload(f"no CloudEvent of the {len(events)} is usable ({bad[0][1]})")
    for n, problem in bad:
        log.warning("QuickBooks webhook: event %d of %d skipped (%s, event not logged); the others are handled",
                    n + 1, len(events), problem)
    return out


def _legacy(notes: list) -> list[Change]:
    out = []
    for note in notes:
        event = note.get("dataChangeEvent") if isinstance(note, dict) else None
        entities = event.get("entities") if isinstance(event, dict) else None
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise BadPayload("an eventNotifications item without dataChangeEvent.entities")
        realm = str(note.get("realmId", ""))
        for ent in entities:
            op = str(ent.get("operation", "")).lower()
            out.append(Change(realm, str(ent.get("name", "")).lower(), str(ent.get("id", "")),
                              _LEGACY_OPERATIONS.get(op, op)))
    return out


def changes(body: bytes) -> list[Change]:
    """Every entity change in a verified payload, CloudEvents or legacy."""
    try:
        data = json.loads(body)
    except ValueError:
        raise BadPayload("the webhook body is not JSON") from None
    if isinstance(data, list):
        return _cloud_events(data)
    if isinstance(data, dict) and "specversion" in data:
        return _cloud_events([data])
    if isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
        return _legacy(data["eventNotifications"])
    raise BadPayload("neither a CloudEvents array nor an eventNotifications payload")


def realms_to_refresh(body: bytes, header: str | None, verifier_token: str) -> set[str]:
    """The companies whose follow-up may have changed: verify, parse, keep the relevant entities."""
    verify(body, header, verifier_token)
    return {c.realm_id for c in changes(body) if c.entity in RELEVANT and c.realm_id}


def wsgi_app(verifier_token: str, on_realms):
    """A minimal WSGI endpoint: 200 and `on_realms(realms)` for a good request (one whose malformed CloudEvents are
    logged and skipped), 401 for a bad signature, 400 for a body that is not Intuit's at all, 413 for a body too big
    to be Intuit's. Intuit retries what is not answered 200."""

    def reply(start_response, status: str):
        start_response(status, [("Content-Type", "text/plain")])
        return [status.encode()]

    def app(environ, start_response):
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > MAX_BODY:
            log.warning("QuickBooks webhook refused: %d bytes announced, more than %d (body not read)", size, MAX_BODY)
            return reply(start_response, "413 Payload Too Large")
        body = environ["wsgi.input"].read(size) if size > 0 else b""
        header = environ.get("HTTP_INTUIT_SIGNATURE")
        try:
            verify(body, header, verifier_token)
            realms = {c.realm_id for c in changes(body) if c.entity in RELEVANT and c.realm_id}
        except BadSignature:
            return reply(start_response, "401 Unauthorized")
        except BadPayload as exc:
            log.warning("QuickBooks webhook refused: signed, but %s (%d bytes, body not logged)", exc, len(body))
            return reply(start_response, "400 Bad Request")
        if realms:
            on_realms(realms)
        return reply(start_response, "200 OK")

    return app
