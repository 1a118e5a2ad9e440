"""Credit holds in Odoo: set (the customer's tag, invoicing blocked where the version has `invoice_warn`, the
customer told by e-mail) and lifted once nothing is overdue (the tag removed, the warning put back to what the
hold's note says it was). A mixin of the writer, whose chatter and rendering helpers it uses."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any

from connector.errors import ItemError
from connector.keys import PREFIX
from connector.messages import render as render_text
from connector.models import Letterhead, Operation


def record_id(value: str, what: str) -> int:
    """An operation's id of an Odoo record, as an int; an id that is not one is that item's error."""
    if not value.isdigit():
        raise ItemError(f"{what} {value!r} is not an Odoo record id")
    return int(value)


class Holds:
    def _hold_notice(self, op: Operation, target: tuple[str, int], sender: Letterhead, token: str) -> str:
        """The customer is told, by e-mail through Odoo, that new orders and deliveries are suspended and why."""
        notice = replace(op, channel="email", template="hold_notice", tone="formal")
        if self.mapping.email.portal_links:
            notice = self._with_portal_links(notice)
        text = render_text(notice, sender, self.library)
        if not self._find_message(target, token, message_type="comment", exclude_marker=True):
            self._post(target, text.html + f"<p><small>Ref. {token}</small></p>", subtype=self.mapping.email.subtype,
                       message_type="comment", subject=text.subject,
                       partner_ids=[record_id(op.customer_id, "customer")])
        return f"hold notice '{text.subject}' sent through Odoo"

    def _hold(self, op: Operation) -> str:
        partner = record_id(op.customer_id, "customer")
        if not self.res.hold_tag:
            raise ItemError("no credit-hold tag: run `relance init` (mapping credit_hold.tag)")
        vals: dict[str, Any] = {"category_id": [(4, self.res.hold_tag)]}
        field = self.mapping.credit_hold.block_field
        was = ""
        if field and field in self._partner_field_names():
            before = self.client.call("res.partner", "read", ids=[partner], fields=[field])[0].get(field) or "no-message"
            vals[field] = self.mapping.credit_hold.block_value
            # the warning it had is kept in the note (the lift restores it); a warning of the user's keeps its text
            # "no-message" is what the lift restores when the note names nothing: only another warning is noted, so
            # a write retried after the field was set (it then reads "block") leaves the same note
            was = f" (was {before})" if before not in ("no-message", vals[field]) else ""
            if f"{field}_msg" in self._partner_field_names() and before == "no-message":
                vals[f"{field}_msg"] = "Credit hold set by Relance: overdue balance."
        self.client.call("res.partner", "write", ids=[partner], vals=vals)
        return "credit hold tag set" + (f", {field} = {vals[field]}{was}" if field in vals else "")

    def _release(self, op: Operation) -> str:
        """The hold lifted: the tag removed, the invoicing warning put back to what the hold's note says it was."""
        partner = record_id(op.customer_id, "customer")
        vals: dict[str, Any] = {"category_id": [(3, self.res.hold_tag)]} if self.res.hold_tag else {}
        field = self.mapping.credit_hold.block_field
        if field and field in self._partner_field_names():
            note = self._find_message(("res.partner", partner), f"[{PREFIX}{op.of}|")
            body = self.client.call("mail.message", "read", ids=[note], fields=["body"])[0]["body"] if note else ""
            m = re.search(rf"{re.escape(field)} = {re.escape(self.mapping.credit_hold.block_value)} \(was ([\w-]+)\)",
                          html.unescape(str(body or "")))
            current = self.client.call("res.partner", "read", ids=[partner], fields=[field])[0].get(field)
            if current == self.mapping.credit_hold.block_value:  # a warning changed since by a user stays theirs
                vals[field] = m.group(1) if m else "no-message"
                if vals[field] == "no-message" and f"{field}_msg" in self._partner_field_names():
                    vals[f"{field}_msg"] = False
        if vals:
            self.client.call("res.partner", "write", ids=[partner], vals=vals)
        return "credit hold tag removed" + (f", {field} = {vals[field]}" if field in vals else "")

    def _partner_field_names(self) -> set[str]:
        if self._partner_fields is None:
            self._partner_fields = set(self.client.call("res.partner", "fields_get", attributes=["type"]))
        return self._partner_fields
