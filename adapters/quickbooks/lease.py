"""Lease claims in QuickBooks (see connector/lease.py): notes (`Attachable`) attached to Relance's
late-payment interest item, found with the same AttachableRef filter as the follow-up notes. Ids grow with
creation, `MetaData.LastUpdatedTime` is stamped by Intuit, and a renewal is a sparse update carrying the
SyncToken, so a claim removed meanwhile is noticed (object not found or stale)."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.quickbooks.client import QuickBooksClient, quote
from adapters.quickbooks.errors import QuickBooksNotFound, QuickBooksValidationError
from connector.lease import Claim

PREFIX = "relance-lease"


def _note(holder: str, ttl: float, renewal: int = 0) -> str:
    return f"{PREFIX} holder={holder} ttl={ttl:g} renewal={renewal} (Relance is running; removed when it ends)"


def _parse(att: dict) -> tuple[Claim, int] | None:
    fields = dict(part.split("=", 1) for part in str(att.get("Note") or "").split() if "=" in part)
    if not str(att.get("Note") or "").startswith(PREFIX + " ") or "holder" not in fields:
        return None
    try:
        written = datetime.fromisoformat(att["MetaData"]["LastUpdatedTime"])
        return Claim(id=int(att["Id"]), holder=fields["holder"], written=written, ttl=float(fields["ttl"])), \
            int(fields.get("renewal", 0))
    except (KeyError, ValueError, TypeError):
        return None


class QuickBooksClaims:
    def __init__(self, client: QuickBooksClient, item_id: str):
        self.client, self.item_id = client, str(item_id)
        self._sync: dict[int, tuple[str, int]] = {}  # claim id -> (SyncToken, renewal) as last seen

    def _rows(self) -> list[dict]:
        return self.client.query_all("Attachable", f"AttachableRef.EntityRef.Type = 'Item' and "
                                                   f"AttachableRef.EntityRef.value = {quote(self.item_id)}", order_by="")

    def _claims(self, rows: list[dict]) -> list[Claim]:
        out = []
        for att in rows:
            parsed = _parse(att)
            if parsed:
                claim, renewal = parsed
                self._sync[claim.id] = (str(att.get("SyncToken", "0")), renewal)
                out.append(claim)
        return sorted(out, key=lambda c: c.id)

    def create_claim(self, holder: str, ttl: float) -> Claim:
        body = {"Note": _note(holder, ttl), "AttachableRef": [{"EntityRef": {"type": "Item", "value": self.item_id},
                                                               "IncludeOnSend": False}]}
        att = self.client.create("Attachable", body, requestid=uuid.uuid4().hex)  # replayed, never doubled
        return self._claims([att])[0]

    def list_claims(self) -> list[Claim]:
        return self._claims(self._rows())

    def renew_claim(self, claim: Claim) -> Claim | None:
        sync, renewal = self._sync.get(claim.id, ("0", 0))
        body = {"Id": str(claim.id), "SyncToken": sync, "Note": _note(claim.holder, claim.ttl, renewal + 1)}
        try:
            att = self.client.update("Attachable", body, requestid=uuid.uuid4().hex)
        except (QuickBooksNotFound, QuickBooksValidationError):  # removed, or changed by someone else
            return None
        renewed = self._claims([att])
        return renewed[0] if renewed else None

    def drop_claim(self, claim_id: int) -> None:
        sync = self._sync.get(claim_id, ("0", 0))[0]
        try:
            self.client.request("POST", "attachable", params={"operation": "delete"},
                                body={"Id": str(claim_id), "SyncToken": sync}, requestid=uuid.uuid4().hex,
                                where=f"delete Attachable {claim_id}")
        except QuickBooksNotFound:
            pass  # already gone
