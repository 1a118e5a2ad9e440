"""Portal links for a batch: the invoices a debtor's message lists, each with its access token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from adapters.odoo.client import OdooAmbiguous
from adapters.odoo.errors import OdooAccessError
from adapters.odoo.holds import record_id as _id
from connector import channels
from connector.models import Operation


# Invoices shared per call: Odoo writes each one's new token (about 10 ms an invoice on Odoo 17 here), so the
# invoices of a batch go in a few calls in flight together.
SHARE_PAGE = 50


class PortalLinks:
    """Mixin of `Writer` (through `Batches`)."""

    _sharing: bool | None = None  # may the API user share documents (portal.share)? False once refused

    def _shared(self, ops: Sequence[Operation]) -> list[Operation]:
        """The portal link of every invoice the debtors' messages list, those without an access token shared
        as Odoo's Share action does it (portal.share's link creates the token), two calls per page of them;
        where the API user may not share (Contact Creation), get_portal_url one invoice at a time."""
        ops = list(ops)
        if not self.mapping.email.portal_links or self._sharing is False:
            return ops
        reading = [op for op in ops if op.kind == "action" and channels.CHANNELS[op.channel].reader == "customer"]
        linked = {id(op) for op in reading}
        missing = {i.invoice_id: op.customer_id for op in reading for i in op.items
                   if not i.pay_url and i.invoice_id.isdigit()}
        if not missing:
            return ops
        def share(pairs: list) -> list[dict]:
            ids = self.client.call("portal.share", "create", vals_list=[
                {"res_model": "account.move", "res_id": int(inv), "partner_ids": [(6, 0, [_id(cust, "customer")])]}
                for inv, cust in pairs])
            return self.client.call("portal.share", "read", ids=ids, fields=["res_id", "share_link"])

        pairs = sorted(missing.items())
        size = max(SHARE_PAGE, -(-len(pairs) // max(1, self.client.inflight)))  # in flight together
        try:
            rows = [r for page in self.client.each(share, [pairs[i:i + size] for i in range(0, len(pairs), size)])
                    for r in page]
        except OdooAccessError:
            self._sharing = False
            return ops
        except OdooAmbiguous:
            return ops  # one by one below
        base, urls = self._base(), {}
        for row in rows:
            token = parse_qs(urlsplit(str(row.get("share_link") or "")).query).get("access_token")
            if token:
                urls[str(row["res_id"])] = f"{base}/my/invoices/{row['res_id']}?access_token={token[0]}"
        return [replace(op, items=tuple(replace(i, pay_url=urls.get(i.invoice_id, i.pay_url)) for i in op.items))
                if id(op) in linked else op for op in ops]

    def _with_portal_links(self, op: Operation) -> Operation:
        """The items with their customer-portal link: an invoice that has no access token yet gets one through
        portal.mixin's public `get_portal_url` (which stores it, as sending the invoice from Odoo does)."""
        missing = [i for i in op.items if not i.pay_url and i.invoice_id.isdigit()]
        if not missing:
            return op
        base, urls = self._base(), {}
        for inv in sorted({i.invoice_id for i in missing}):
            path = self.client.call("account.move", "get_portal_url", ids=[int(inv)])
            if isinstance(path, str) and path.startswith("/"):
                urls[inv] = base + path
        items = tuple(replace(i, pay_url=urls.get(i.invoice_id, i.pay_url)) for i in op.items)
        return replace(op, items=items)

    def _base(self) -> str:
        """web.base.url, through get_base_url on no record (the API user may not read the parameter)."""
        if self._base_url is None:
            self._base_url = str(self.client.call("account.move", "get_base_url", ids=[]) or "").rstrip("/")
        return self._base_url
