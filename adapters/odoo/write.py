"""Apply one operation in Odoo as a sequence of idempotent steps, each found again by its token
before it is written; the last step is the chatter note that carries the full marker (the history).

A crash between two steps leaves a state the next run completes: the same situation gives the same
key, the steps already done are found and skipped, the missing ones are written.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from adapters.odoo.batch import QUEUED, Batches
from adapters.odoo.client import OdooAmbiguous, OdooClient
from adapters.odoo.errors import OdooError, OdooValidationError
from adapters.odoo.dossier import Dossiers
from adapters.odoo.holds import Holds, record_id as _id
from adapters.odoo.mapping import OdooMapping, XmlRef
from adapters.odoo.setup import Company, Resolved
from connector import channels
from connector.errors import ItemError, ItemSkipped
from connector.keys import PREFIX, render, search_token
from connector.letters import letter_pdf
from connector.messages import recipient, render as render_text
from connector.models import Letterhead, Operation
from connector.money import fmt
from connector.templates import Library, Rendered


class Writer(Holds, Dossiers, Batches):
    def __init__(self, client: OdooClient, mapping: OdooMapping, resolved: Resolved, library: Library | None = None):
        self.client, self.mapping, self.res = client, mapping, resolved
        self.library = library or Library()
        self._base_url: str | None = None
        self._currencies: dict[str, int] = {}
        self._partner_fields: set[str] | None = None
        self._sender: str | None = None
        self._types: dict[str, tuple[int, int | None] | None] = {}  # channel -> (activity type, its default user)
        self._note_subtype: int | None = None
        self._author: int | bool = False

    # -- entry point ----------------------------------------------------------------------------
    def apply(self, op: Operation) -> str:
        marker_target = ("account.move", _id(op.target_id, "invoice")) if op.kind == "penalty" else self._target(op)
        if op.kind in ("approval", "withdraw"):  # asked of the customer's collector, on the customer
            marker_target = ("res.partner", _id(op.customer_id, "customer"))
        done = self._find_message(marker_target, f"[{PREFIX}{op.key}|")
        if done:
            return f"mail.message {done} (already written)"
        created = ""
        if op.kind == "penalty":
            summary, created = self._penalty(op)
        elif op.kind == "approval":
            summary = self._approval(op, marker_target)
        elif op.kind == "withdraw":
            summary = self._withdraw(op)
        else:
            summary = self._action(op, marker_target)
        markers = " ".join(render(h) for h in op.history())
        body = (f"<p>{html.escape(summary)}</p><p>{html.escape(op.reason)}</p>"
                f"<p><small>{html.escape(markers)}</small></p>")
        msg = self._post(marker_target, body, subtype=self.mapping.note_subtype, message_type="comment")
        # a penalty is named by what it created, the marker note being only how it is found again
        return created if op.kind == "penalty" else f"mail.message {msg}"

    # -- actions --------------------------------------------------------------------------------
    def _target(self, op: Operation) -> tuple[str, int]:
        if op.target == "invoice":
            return "account.move", _id(op.target_id, "invoice")
        return "res.partner", _id(op.customer_id, "customer")

    def _action(self, op: Operation, target: tuple[str, int]) -> str:
        sender = self._signer(op)
        if channels.CHANNELS[op.channel].reader == "customer" and self.mapping.email.portal_links:
            op = self._with_portal_links(op)
        text = render_text(op, sender, self.library)
        token = search_token(op.key)
        done = []
        if op.channel in channels.SENT:
            if not self._find_message(target, token, message_type="comment", exclude_marker=True):
                body = text.html + f"<p><small>Ref. {token}</small></p>"
                self._post(target, body, subtype=self.mapping.email.subtype, message_type="comment",
                           subject=text.subject, partner_ids=[_id(op.customer_id, "customer")], context=QUEUED)
            done.append(f"email '{text.subject}' sent through Odoo")
        if op.channel in channels.TASKS:
            self._ensure_activity(op, target, token, text.subject, text.html)
            done.append(f"{op.channel.replace('_', ' ')} activity due {op.deadline}")
        if op.channel == "agency_handoff":
            done.append(self._dossier(op, target, token, sender))
        if op.channel in channels.LETTERS and self.mapping.letters.attach_pdf:
            name = self._ensure_letter(op, target, token, text, sender)
            done.append(f"letter {name} attached")
        if op.channel == "hold_release":
            return f"Relance: {text.subject}. {self._release(op)}"
        if op.channel == "credit_hold":
            done.append(self._hold(op))
            if self.mapping.credit_hold.notify_customer and op.email:
                done.append(self._hold_notice(op, target, sender, token))
        head = f"Relance level {op.level} ({op.level_name}), {op.channel}"
        return head + ": " + "; ".join(done) if done else head

    # -- review before sending ----------------------------------------------------------------------
    def _approval(self, op: Operation, target: tuple[str, int]) -> str:
        """The activity "Relance: to approve" on the customer, for its collector: the message exactly as it will be
        sent (recipient, subject, body, the letter it attaches, amounts). Done approves it; cancelled refuses it."""
        text = render_text(op, self._signer(op), self.library)
        info = channels.CHANNELS[op.channel]
        attached = f"<li>Attached: the letter as PDF{' with the statement of account' if op.statement else ''}</li>" \
            if info.letter else ""
        note = (f"<p><b>To approve:</b> level {op.level} ({html.escape(op.level_name or '')}), "
                f"{html.escape(op.channel.replace('_', ' '))}, {html.escape(fmt(op.amount, op.currency))}</p>"
                f"<ul><li>To: {html.escape(recipient(op))}</li><li>Subject: {html.escape(text.subject)}</li>{attached}</ul>"
                f"<hr/>{text.html}<hr/><p>Mark this activity done to send it; cancel it to skip this level.</p>")
        ref = self.mapping.activities.get("approval")
        self._ensure_activity(op, target, search_token(op.key), f"Relance: to approve — {text.subject}", note, ref)
        return f"Approval asked for level {op.level} ({op.level_name}), {op.channel}: {text.subject}"

    def open_approval(self, customer_id: str, key: str) -> list[int]:
        """The ids of the customer's approval activity for `key` still waiting for a decision."""
        found = self.client.call("mail.activity", "search_read", domain=[
            ("res_model", "=", "res.partner"), ("res_id", "=", _id(customer_id, "customer")),
            ("note", "ilike", search_token(key))], fields=["id"])
        return [int(a["id"]) for a in found]

    def _withdraw(self, op: Operation) -> str:
        """The pending approval taken back (its activity deleted), the situation having changed."""
        ids = self.open_approval(op.customer_id, op.of or "")
        if ids:
            self.client.call("mail.activity", "unlink", ids=ids)
        return f"Approval withdrawn ({op.of}): {op.reason}"

    def _ensure_activity(self, op: Operation, target: tuple[str, int], token: str, summary: str, note: str,
                         ref: XmlRef | None = None) -> int:
        """Through the record's `activity_schedule`, which resolves the activity type's XML ID and the
        ir.model id server-side, so the API user needs no access to ir.model or ir.model.data."""
        model, res_id = target
        domain = [("res_model", "=", model), ("res_id", "=", res_id), ("note", "ilike", token)]
        found = self.client.call("mail.activity", "search_read", domain=domain, fields=["id"], limit=1,
                                 context={"active_test": False})
        if found:
            return int(found[0]["id"])
        what = "approval" if ref is not None else op.channel
        ref = ref or self.mapping.activities.get(op.channel)
        if ref is None or not ref.xmlid:
            raise ItemError(f"no activity type for {what} (Odoo mapping activities.{what})")
        values: dict[str, Any] = {"act_type_xmlid": ref.xmlid, "date_deadline": (op.deadline or op.as_of).isoformat(),
                                  "summary": summary[:250], "note": note + f"<p><small>Ref. {token}</small></p>"}
        if op.collector and op.collector.isdigit():
            values["user_id"] = int(op.collector)
        try:
            self.client.call(model, "activity_schedule", ids=[res_id], **values)
        except OdooAmbiguous:
            pass  # looked for below
        found = self.client.call("mail.activity", "search_read", domain=domain, fields=["id"], limit=1,
                                 context={"active_test": False})
        if not found:
            raise OdooError(f"activity for {model} {res_id} was not created", model=model, method="activity_schedule")
        return int(found[0]["id"])

    def _ensure_letter(self, op: Operation, target: tuple[str, int], token: str, text: Rendered,
                       sender: Letterhead) -> str:
        model, res_id = target
        name = f"{op.level_name or 'letter'}-{op.as_of}-{op.key[:12]}.pdf"
        domain = [("res_model", "=", model), ("res_id", "=", res_id), ("name", "=", name)]
        if self.client.call("ir.attachment", "search_read", domain=domain, fields=["id"], limit=1):
            return name
        pdf = letter_pdf(text, op, sender, f"Relance {token}")
        self._create_once("ir.attachment", {"name": name, "res_model": model, "res_id": res_id, "type": "binary",
                                            "mimetype": "application/pdf", "datas": base64.b64encode(pdf).decode()},
                          domain)
        return name

    # -- penalties ------------------------------------------------------------------------------
    def _penalty(self, op: Operation) -> tuple[str, str]:
        """The penalty invoice (or debit note) written: the marker note's text and the user's label."""
        token = search_token(op.key)
        late = _id(op.target_id, "invoice")
        domain = [("ref", "ilike", token)]
        found = self.client.call("account.move", "search_read", domain=domain,
                                 fields=["id", "name", "state", "invoice_line_ids"], limit=1)
        debit_note = False
        if found:
            move = found[0]
            if not move["invoice_line_ids"] and move["state"] == "draft":  # a debit note cut off before its lines
                self._write_lines(move["id"], op, token, late)
        elif debit_note := (self.mapping.penalties.mode == "debit_note" and op.currency == self._move_currency(late)):
            move = self._debit_note(op, token, late, domain)
        else:
            move_id = self._create_once("account.move", self._penalty_values(op, token, late), domain,
                                        context=self._context(op))
            move = self.client.call("account.move", "read", ids=[move_id], fields=["id", "name", "state"])[0]
        if self.mapping.penalties.state == "posted" and move["state"] == "draft":
            try:
                self.client.call("account.move", "action_post", ids=[move["id"]], context=self._context(op))
            except OdooValidationError as exc:  # e.g. a lock date Odoo cannot move the entry past
                self._discard(move["id"], op.lines[0].invoice_number, exc)
            move = self.client.call("account.move", "read", ids=[move["id"]], fields=["id", "name", "state"])[0]
        return self._penalty_summary(op, move, debit_note)

    def _penalty_summary(self, op: Operation, move: dict, debit_note: bool) -> tuple[str, str]:
        """The marker note's text and, for the user, what was created: by its number, or its id while a draft is
        numbered "/"."""
        lines = "; ".join(f"{ln.kind} {ln.amount} {ln.currency}" for ln in op.lines)
        note = f"Penalty invoice {move.get('name') or move['id']} ({move['state']}) for {op.lines[0].invoice_number}: {lines}"
        state = {"draft": "draft ", "posted": "posted "}.get(move["state"], "")
        name = move["name"] if move.get("name") not in (None, False, "/") else f"(account.move {move['id']})"
        kind = "debit note" if debit_note else "penalty invoice"
        parts = "; ".join(f"{ln.kind} {fmt(ln.amount, ln.currency)}" for ln in op.lines)
        return note, f"{state}{kind} {name} for {op.lines[0].invoice_number}: {fmt(op.amount, op.currency)} ({parts})"

    def _discard(self, move_id: int, number: str, exc: OdooValidationError) -> None:
        """Odoo refused to post our draft: delete it (a draft never posted may be) so nothing half-written stays."""
        try:
            self.client.call("account.move", "unlink", ids=[move_id])
        except OdooError:
            raise ItemError(f"penalty invoice for {number} not posted (its draft account.move {move_id} is left for the "
                            f"next run to take up again): {exc.odoo_message}") from None
        raise ItemError(f"penalty invoice for {number} not posted and its draft deleted: {exc.odoo_message}") from None

    def _move_currency(self, move: int) -> str | None:
        rows = self.client.call("account.move", "read", ids=[move], fields=["currency_id"])
        return rows[0]["currency_id"][1] if rows and rows[0].get("currency_id") else None

    def _debit_note(self, op: Operation, token: str, late: int, domain: list) -> dict:
        """account_debit_note's wizard: the new draft gets debit_origin_id = the late invoice and a ref
        '<number>, <reason>'; the token goes in the reason so a crash before the lines are written
        leaves a draft found again, not an orphan."""
        ctx = {**self._context(op), "active_model": "account.move", "active_ids": [late]}
        wizard = self.client.call("account.debit.note", "create", vals_list=[{
            "move_ids": [(6, 0, [late])], "date": op.as_of.isoformat(), "reason": f"late-payment penalties {token}",
            "journal_id": self._journal(op), "copy_lines": False}], context=ctx)[0]
        try:
            action = self.client.call("account.debit.note", "create_debit", ids=[wizard], context=ctx)
            move_id = int(action["res_id"])
        except OdooAmbiguous:
            found = self.client.call("account.move", "search_read", domain=domain, fields=["id"], limit=1)
            if not found:
                raise
            move_id = int(found[0]["id"])
        self._write_lines(move_id, op, token, late)
        return self.client.call("account.move", "read", ids=[move_id], fields=["id", "name", "state"])[0]

    def _write_lines(self, move_id: int, op: Operation, token: str, late: int) -> None:
        lines = self._penalty_values(op, token, late)["invoice_line_ids"]
        self.client.call("account.move", "write", ids=[move_id], vals={"invoice_line_ids": [(5, 0, 0), *lines]},
                         context=self._context(op))

    def _signer(self, op: Operation) -> Letterhead:
        company = self._company(op)
        return company.letterhead or Letterhead(name=company.name)

    def _company(self, op: Operation) -> Company:
        """The company of the operation's items, which writes, signs and books it (the tenant's first when the
        items name none). Items of a company the tenant does not follow are refused, never booked elsewhere."""
        if op.company_id and op.company_id.isdigit() and int(op.company_id) in self.res.companies:
            return self.res.companies[int(op.company_id)]
        if op.company_id and self.res.companies:
            raise ItemError(f"the items belong to company {op.company_id}, which this tenant does not follow "
                            "(relance.yaml companies)")
        if self.res.companies:
            return next(iter(self.res.companies.values()))
        return Company(id=0, name="", journal=self.res.journal)

    def _journal(self, op: Operation) -> int:
        company = self._company(op)
        if not company.journal:
            raise ItemError(f"no sale journal of company {company.name or '?'} for penalty invoices "
                            "(mapping penalties.journal)")
        return company.journal

    def _context(self, op: Operation) -> dict:
        """Writes in the invoice's company: Odoo checks journal, products and accounts against the active company."""
        company = self._company(op)
        if not company.id:
            return {}
        return {"allowed_company_ids": [company.id, *(c for c in self.res.companies if c != company.id)]}

    def _penalty_values(self, op: Operation, token: str, late: int) -> dict:
        journal = self._journal(op)
        accounts = self._company(op).accounts
        lines = []
        for ln in op.lines:
            product = self.res.products.get(ln.kind)
            if not product:
                raise ItemError(f"no {ln.kind} product: run `relance init` (mapping penalties.{ln.kind}_product)")
            line = {"product_id": product, "name": ln.description, "quantity": 1.0, "price_unit": float(ln.amount),
                    "tax_ids": [(6, 0, [])]}
            if ln.kind in accounts:
                line["account_id"] = accounts[ln.kind][0]
            lines.append((0, 0, line))
        return {
            "move_type": "out_invoice", "partner_id": _id(op.customer_id, "customer"),
            "invoice_date": op.as_of.isoformat(), "invoice_date_due": op.as_of.isoformat(),
            "ref": f"{op.lines[0].invoice_number} {token}", "invoice_origin": op.lines[0].invoice_number,
            "journal_id": journal, "currency_id": self._currency(op.currency), "invoice_line_ids": lines,
        }

    def _currency(self, code: str) -> int:
        if code not in self._currencies:
            rows = self.client.call("res.currency", "search_read", domain=[("name", "=", code)], fields=["id"], limit=1,
                                    context={"active_test": False})
            if not rows:
                raise ItemSkipped(f"currency {code} does not exist in this Odoo database")
            self._currencies[code] = int(rows[0]["id"])
        return self._currencies[code]

    # -- primitives -----------------------------------------------------------------------------
    def _find_message(self, target: tuple[str, int], text: str, message_type: str | None = None,
                      exclude_marker: bool = False) -> int | None:
        model, res_id = target
        domain: list = [("model", "=", model), ("res_id", "=", res_id), ("body", "ilike", text)]
        if message_type:
            domain.append(("message_type", "=", message_type))
        for row in self.client.call("mail.message", "search_read", domain=domain, fields=["id", "body"], limit=5):
            if not exclude_marker or f"[{PREFIX}" not in (row.get("body") or ""):
                return int(row["id"])
        return None

    def sender(self) -> str:
        """Odoo refuses message_post when the author has no email ('please configure the sender's email
        address'): use the API user's address, else the company's."""
        if self._sender is None:
            user = self.client.call("res.users", "read", ids=[self.client.uid], fields=["email", "company_id", "partner_id"])[0]
            email = user.get("email")
            if not email and user.get("company_id"):
                company = self.client.call("res.company", "read", ids=[user["company_id"][0]], fields=["email", "name"])[0]
                email = company.get("email") and f'"{company["name"]}" <{company["email"]}>'
            if not email:
                raise ItemError("neither the API user nor its company has an email address: Odoo cannot post "
                                "messages; set one in the user's preferences or on the company")
            self._sender, self._author = email, (user.get("partner_id") or [False])[0]
        return self._sender

    def author(self) -> int | bool:
        """The API user's partner, the author of what it writes."""
        self.sender()
        return self._author

    def _post(self, target: tuple[str, int], body: str, *, subtype: str, message_type: str, **kw: Any) -> int:
        model, res_id = target
        kwargs: dict[str, Any] = {"body": body, "message_type": message_type, "subtype_xmlid": subtype,
                                  "email_from": self.sender(), **kw}
        if self.client.major >= 17:
            kwargs["body_is_html"] = True  # since 17 a plain str body is escaped
        result = self.client.call(model, "message_post", ids=[res_id], **kwargs)
        if isinstance(result, list):
            result = result[0] if result else None
        return int(result) if result else 0

    def _create_once(self, model: str, values: dict, domain: list, context: dict | None = None) -> int:
        """Create; when the answer is lost, look for the record, and if it is not there, leave it to the next
        run: a request that timed out may still be running in its Odoo worker, which commits it after our
        search (Odoo has no idempotency key), so creating again now could make two."""
        try:
            return int(self.client.call(model, "create", vals_list=[values], context=context or {})[0])
        except OdooAmbiguous as exc:
            again = self.client.call(model, "search_read", domain=domain, fields=["id"], limit=1,
                                     context={"active_test": False})
            if again:
                return int(again[0]["id"])
            raise OdooAmbiguous(f"{model}: {exc.odoo_message}; the record is not there yet, the next run looks for "
                                f"it again before creating it", model=model, method="create") from None
