"""Lease claims in Odoo (see connector/lease.py): unattached `ir.attachment` records named
`relance.lease <db> <companies>`. Odoo shows an attachment with no `res_model` to its creator and to
administrators only, in no form, so the claims stay out of the users' way; ids come from one sequence,
and `write_date` is stamped by the server at each write."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from adapters.odoo.client import OdooAmbiguous, OdooClient
from adapters.odoo.errors import OdooValidationError
from connector.lease import Claim

MODEL = "ir.attachment"


def _written(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)  # Odoo stores UTC


class OdooClaims:
    def __init__(self, client: OdooClient, scope: str):
        self.client, self.name = client, f"relance.lease {scope}"

    def _domain(self) -> list:
        return [("name", "=", self.name), ("res_model", "=", False)]

    def _claims(self, domain: list) -> list[Claim]:
        rows = self.client.call(MODEL, "search_read", domain=domain, fields=["id", "description", "write_date"],
                                order="id")
        out = []
        for row in rows:
            try:
                data = json.loads(row.get("description") or "{}")
                out.append(Claim(id=int(row["id"]), holder=str(data["holder"]), written=_written(row["write_date"]),
                                 ttl=float(data["ttl"])))
            except (ValueError, KeyError, TypeError):
                continue  # not one of ours: ignored, never removed
        return out

    def create_claim(self, holder: str, ttl: float) -> Claim:
        description = json.dumps({"holder": holder, "ttl": ttl})
        values = {"name": self.name, "description": description, "type": "binary"}
        try:
            self.client.call(MODEL, "create", vals_list=[values])
        except OdooAmbiguous:
            pass  # the answer was lost: the claim is found below if it was written
        mine = [c for c in self._claims(self._domain()) if c.holder == holder]
        if not mine:
            raise OdooAmbiguous(f"the lease claim of {holder} was not written")
        return mine[0]

    def list_claims(self) -> list[Claim]:
        return self._claims(self._domain())

    def renew_claim(self, claim: Claim) -> Claim | None:
        if not self._claims([("id", "=", claim.id)]):
            return None
        try:
            self.client.call(MODEL, "write", ids=[claim.id], vals={"description": json.dumps(
                {"holder": claim.holder, "ttl": claim.ttl})})
        except OdooValidationError:  # MissingError: removed between the read and the write
            return None
        again = self._claims([("id", "=", claim.id)])
        return again[0] if again else None

    def drop_claim(self, claim_id: int) -> None:
        try:
            self.client.call(MODEL, "unlink", ids=[claim_id])
        except OdooValidationError:
            pass  # already gone
