"""Apply one operation in QuickBooks Online as a sequence of idempotent steps; the last step is the note
(an Attachable with a Note, linked to the invoices and the customer) that carries the full marker.

Each step is found again before it is written, or is sent with a `requestid` derived from the operation's
key, which Intuit answers with the original response when it comes again
(https://blogs.intuit.com/2015/04/06/15346/). A crash between two steps leaves a state the next run
completes: the same situation gives the same key, the done steps are found or replayed, the note comes last.
QuickBooks has no task API: call, letter and hand-over actions are notes (and lines of the worklist).
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from pypdf import PdfWriter

from adapters.http import backoff
from adapters.quickbooks.client import MAX_BATCH, MAX_PAGE, BatchItem, QuickBooksClient, quote, request_id
from adapters.quickbooks.files import invoice_pdf, upload
from adapters.quickbooks.errors import QuickBooksAmbiguous, QuickBooksError, QuickBooksStaleObject
from adapters.quickbooks.customers import MAX_LEVELS
from adapters.quickbooks.mapping import QuickBooksMapping
from adapters.quickbooks.read import money, ref
from adapters.quickbooks.setup import Resolved
from connector import channels, dossier
from connector.errors import ItemError, ItemSkipped
from connector.keys import PREFIX, make_key, render, search_token
from connector.messages import render as render_text
from connector.models import HistoryEntry, Letterhead, Operation
from connector.templates import Library

# QuickBooks sends e-mails only: every other channel is recorded as a note (and a worklist line for a task).
NOTE_ONLY = frozenset(channels.CHANNELS) - channels.SENT
STALE_TRIES = 4
SEND_TRIES = 3  # sends of one invoice whose answers were lost, each after finding no trace of the e-mail


def went_out(before: dict, after: dict) -> bool:
    """Did QuickBooks e-mail the invoice between the two reads? Its send stamps DeliveryInfo.DeliveryTime."""
    stamp = ((after.get("DeliveryInfo") or {}).get("DeliveryTime") or "")
    if stamp and stamp != ((before.get("DeliveryInfo") or {}).get("DeliveryTime") or ""):
        return True
    return after.get("EmailStatus") == "EmailSent" and before.get("EmailStatus") != "EmailSent"


def marker_of(op: Operation) -> str:
    return f"[{PREFIX}{op.key}|"


class Writer:
    def __init__(self, client: QuickBooksClient, mapping: QuickBooksMapping, resolved: Resolved,
                 company: Letterhead | str = "", library: Library | None = None):
        self.client, self.mapping, self.res, self.company = client, mapping, resolved, company
        self.library = library or Library()

    # -- entry points -----------------------------------------------------------------------------
    def apply(self, op: Operation) -> str:
        done = self.find_note(op)
        if done:
            return f"Attachable {done} (already written)"
        summary = self._penalty(op) if op.kind == "penalty" else self._approval(op) if op.kind == "approval" \
            else f"Relance: approval withdrawn: {op.reason}" if op.kind == "withdraw" else self._action(op)
        att = self.client.create("Attachable", self.note_body(op, summary), requestid=request_id(op.key, "note"))
        # a penalty is named by what it created, the marker note being only how it is found again
        return summary if op.kind == "penalty" else f"Attachable {att['Id']}"

    def apply_many(self, ops: Sequence[Operation]) -> dict[str, str | Exception]:
        """Operation key -> reference or error. Note-only actions go through the batch endpoint (marker
        queries, then note creations, the mapping's `batch_size` items a request: 10 unless set, at most 30); the
        others are applied one by one."""
        out: dict[str, str | Exception] = {}
        simple = [op for op in ops if op.kind == "action" and op.channel in NOTE_ONLY]
        for op in ops:
            if op not in simple:
                try:
                    out[op.key] = self.apply(op)
                except (ItemError, ItemSkipped) as exc:
                    out[op.key] = exc
        size = min(self.mapping.batch_size, MAX_BATCH)
        for i in range(0, len(simple), size):
            chunk = simple[i:i + size]
            found = self.client.batch([BatchItem("query", query=self._note_query(op)) for op in chunk],
                                      requestid=request_id("batch-find", *(op.key for op in chunk)))
            todo = []
            for op, ans in zip(chunk, found, strict=True):
                if isinstance(ans, QuickBooksError):
                    out[op.key] = ans
                    continue
                hit = self._match(op, ans.get("Attachable", []))
                if hit:
                    out[op.key] = f"Attachable {hit} (already written)"
                else:
                    todo.append(op)
            if not todo:
                continue
            items = [BatchItem("create", "Attachable", self.note_body(op, self._action(op))) for op in todo]
            made = self.client.batch(items, requestid=request_id("batch-notes", *(op.key for op in todo)))
            for op, ans in zip(todo, made, strict=True):
                out[op.key] = ans if isinstance(ans, QuickBooksError) else f"Attachable {ans.get('Id')}"
        return out

    # -- the marker note --------------------------------------------------------------------------
    def _note_where(self, op: Operation) -> str:
        """Notes linked to the customer (filter as in Intuit's Attachable reference); the marker is
        matched here, so the Note field need not be searchable."""
        return f"AttachableRef.EntityRef.Type = 'Customer' and AttachableRef.EntityRef.value = {quote(op.customer_id)}"

    def _note_query(self, op: Operation) -> str:
        return f"select * from Attachable where {self._note_where(op)} maxresults {MAX_PAGE}"

    def _match(self, op: Operation, rows: list[dict]) -> str | None:
        return next((str(r["Id"]) for r in rows if marker_of(op) in str(r.get("Note") or "")), None)

    def find_note(self, op: Operation) -> str | None:
        rows = self.client.query_all("Attachable", self._note_where(op), order_by="")
        return self._match(op, rows)

    def note_body(self, op: Operation, summary: str) -> dict:
        markers = " ".join(render(h) for h in op.history())
        room = self.mapping.notes.max_length - len(markers) - 2
        if room < 0:
            raise ItemError(f"the marker of {op.key} is longer than a QuickBooks note ({len(markers)} characters)")
        text = f"{summary}\n{op.reason}"
        if len(text) > room:
            text = text[:max(room - 1, 0)] + "…"
        invoices = dict.fromkeys([i.invoice_id for i in op.items] + ([op.target_id] if op.target == "invoice" else []))
        refs = [{"EntityRef": {"type": "Invoice", "value": inv}, "IncludeOnSend": False} for inv in invoices]
        refs.append({"EntityRef": {"type": "Customer", "value": op.customer_id}, "IncludeOnSend": False})
        return {"Note": f"{text}\n{markers}", "AttachableRef": refs}

    # -- review before sending ----------------------------------------------------------------------
    def _approval(self, op: Operation) -> str:
        """QuickBooks keeps no tasks: the request is a note on the customer with the message as it will be sent,
        decided in `relance review` (a note of the decision, `decision_note`)."""
        text = render_text(op, self.company, self.library)
        return (f"Relance: to approve in relance review: level {op.level} ({op.level_name}), {op.channel}: "
                f"{text.subject}\n{text.text}")

    def decision_note(self, op: Operation, approve: bool) -> str:
        """The decision on the approval request `op`, as a note carrying [relance:<key>|approved|…|o=<approval>]."""
        decision = replace(op, kind="approval", key=make_key("approved" if approve else "refused", op.key))
        entry = HistoryEntry(key=decision.key, kind="approved" if approve else "refused", date=op.as_of,
                             customer_id=op.customer_id, level=op.level, channel=op.channel, of=op.key)
        if self._match(decision, self.client.query_all("Attachable", self._note_where(op), order_by="")):
            return f"level {op.level} ({op.level_name}): already decided"
        text = f"Relance: level {op.level} ({op.level_name}) {'approved' if approve else 'skipped'} in relance review"
        self.client.create("Attachable", {"Note": f"{text}\n{render(entry)}", "AttachableRef": [
            {"EntityRef": {"type": "Customer", "value": op.customer_id}, "IncludeOnSend": False}]},
                           requestid=request_id(decision.key, "note"))
        return (f"level {op.level} ({op.level_name}) " +
                ("approved: the next run sends it" if approve else "skipped: its level is passed"))

    # -- actions ----------------------------------------------------------------------------------
    def _action(self, op: Operation) -> str:
        head = f"Relance level {op.level} ({op.level_name}), {op.channel}"
        if op.channel in channels.SENT:
            return f"{head}: {self._send(op)}"
        text = render_text(op, self.company, self.library)
        if op.channel == "agency_handoff":
            head += f": {self._dossier(op)}"
        if op.channel in channels.TASKS:
            due = f" by {op.deadline}" if op.deadline else ""
            return f"{head}: to do{due} (worklist): {text.subject}\n{text.text}"
        if op.channel == "credit_hold":
            return f"{head}: credit hold decided; QuickBooks has no credit-hold flag, stop new sales to this customer"
        if op.channel == "hold_release":
            return f"Relance: {text.subject}\n{text.text}"
        return f"{head}: {text.subject}"

    def _dossier(self, op: Operation) -> str:
        """The agency dossier as one PDF attached to the customer: QuickBooks takes no archives, so the invoices'
        PDFs (as QuickBooks renders them) follow the dossier's pages. QuickBooks can e-mail no attachment: with
        the policy's agency_email the note says where to send it."""
        name = dossier.file_name(op, "pdf")
        rows = self.client.query_all("Attachable", self._note_where(op), order_by="")
        invoices = sorted({i.invoice_id: i.number for i in op.statement or op.items}.items())
        if not any(r.get("FileName") == name for r in rows):
            pdf = PdfWriter()
            pdf.append(io.BytesIO(dossier.dossier_pdf(op, self.company, self.library,
                                                      [f"{number}: QuickBooks invoice PDF" for _, number in invoices])))
            for invoice_id, _ in invoices:
                pdf.append(io.BytesIO(invoice_pdf(self.client, invoice_id)))
            out = io.BytesIO()
            pdf.write(out)
            upload(self.client, name, "application/pdf", out.getvalue(),
                   [{"EntityRef": {"type": "Customer", "value": op.customer_id}, "IncludeOnSend": False}],
                   f"Relance dossier {op.key[:12]}", requestid=request_id(op.key, "dossier"))
        sent = f"; send it to {op.agency_email}" if op.agency_email else ""
        return f"dossier {name} attached (with {len(invoices)} invoice PDFs){sent}"

    def _send(self, op: Operation) -> str:
        """Email each invoice where QuickBooks would: its own BillEmail when it has one, with no `sendTo` at all,
        since "The Invoice.BillEmail.Address parameter is updated to the address specified with the value of the
        sendTo query parameter, if specified" ("Send an invoice" on
        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice): a sendTo would
        replace an invoice-specific accounts-payable address for good. Only an invoice without one goes to the
        configured `email.send_to`, else the customer's PrimaryEmailAddr (and gets that as its BillEmail)."""
        invoices = list(dict.fromkeys(i.invoice_id for i in op.items)) or [op.target_id]
        fallback: list[str | None] = []  # read once, when an invoice first needs it
        sent, to_all = [], []
        for invoice_id in invoices[:self.mapping.email.max_invoices]:
            before = self.client.read("Invoice", invoice_id)
            to = own = ((before.get("BillEmail") or {}).get("Address") or "").strip() or None
            if not own:
                if not fallback:
                    fallback.append(self.mapping.email.send_to or self._billing_email(op.customer_id))
                to = fallback[0]
            # One requestid per (operation, invoice), for a replay if Intuit gives one (undocumented for /send).
            self._send_once(before, None if own else to, request_id(op.key, "send", invoice_id))
            sent.append(invoice_id)
            if to and to not in to_all:
                to_all.append(to)
        numbers = ", ".join(i.number for i in op.items if i.invoice_id in sent) or ", ".join(sent)
        return f"QuickBooks emailed invoice(s) {numbers}" + (f" to {', '.join(to_all)}" if to_all else "")

    def _send_once(self, before: dict, send_to: str | None, requestid: str) -> dict:
        """Send an invoice once even when QuickBooks' answer is lost (a 5xx or no answer after the request left):
        before sending again, read the invoice for the e-mail's trace, a DeliveryInfo.DeliveryTime other than the
        one read before (or EmailStatus turned EmailSent), which Intuit's send writes ("The response ... includes the
        Invoice object with EmailStatus set to EmailSent and DeliveryInfo", "Send an invoice" on
        https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice)."""
        invoice_id = str(before["Id"])
        for attempt in range(SEND_TRIES):
            try:
                return self.client.send_invoice(invoice_id, send_to, requestid=requestid)
            except QuickBooksAmbiguous:
                now = self.client.read("Invoice", invoice_id)
                if went_out(before, now):
                    return now
                if attempt + 1 == SEND_TRIES:
                    raise
                time.sleep(backoff(self.client.backoff, attempt))
        raise AssertionError("unreachable")

    def _billing_email(self, customer_id: str) -> str | None:
        """The customer's PrimaryEmailAddr, else, for a job that bills through its parent, the parent's."""
        row = self.client.read("Customer", customer_id)
        for _ in range(MAX_LEVELS):
            if address := ((row.get("PrimaryEmailAddr") or {}).get("Address") or "").strip():
                return address
            if row.get("BillWithParent") is not True or not (parent := ref(row.get("ParentRef"))):
                return None
            row = self.client.read("Customer", parent)
        return None

    # -- penalties --------------------------------------------------------------------------------
    def _penalty(self, op: Operation) -> str:
        for line in op.lines:
            if line.kind not in self.res.items:
                raise ItemError(f"no {line.kind} item in QuickBooks: run `relance init` (mapping late_fees.{line.kind}_item)")
        late = self.client.read("Invoice", op.target_id)
        style = self.mapping.late_fees.style
        closed = money(late.get("Balance")) <= 0
        other_currency = (ref(late.get("CurrencyRef")) or op.currency) != op.currency
        if style == "line" and (closed or other_currency):
            if not self.mapping.late_fees.fallback_to_invoice:
                raise ItemSkipped(f"invoice {late.get('DocNumber')} is {'paid' if closed else 'in another currency'}: "
                                  f"no line can be added (mapping late_fees.fallback_to_invoice is false)")
            style = "invoice"
        lines = "; ".join(f"{ln.kind} {ln.amount} {ln.currency}" for ln in op.lines)
        if style == "line":
            self._add_lines(op, late)
            return f"Penalty lines added to invoice {late.get('DocNumber') or late['Id']}: {lines}"
        inv = self._penalty_invoice(op, late)
        return f"Penalty invoice {inv.get('DocNumber') or inv['Id']} for invoice {late.get('DocNumber') or late['Id']}: {lines}"

    def _lines(self, op: Operation, token: str) -> list[dict]:
        out = []
        for ln in op.lines:
            detail: dict[str, Any] = {"ItemRef": dict(self.res.items[ln.kind]), "Qty": 1, "UnitPrice": ln.amount}
            if self.mapping.late_fees.tax_code:
                detail["TaxCodeRef"] = {"value": self.mapping.late_fees.tax_code}
            out.append({"DetailType": "SalesItemLineDetail", "Amount": ln.amount,
                        "Description": f"{ln.description} ({token})"[:4000], "SalesItemLineDetail": detail})
        return out

    def _add_lines(self, op: Operation, inv: dict) -> None:
        """A sparse update carrying the invoice's lines plus ours and its SyncToken; when someone saved the
        invoice meanwhile (stale object, 5010), read it again and re-apply."""
        token = search_token(op.key)
        for _ in range(STALE_TRIES):
            if any(token in str(ln.get("Description") or "") for ln in inv.get("Line") or []):
                return
            kept = [ln for ln in inv.get("Line") or [] if ln.get("DetailType") != "SubTotalLineDetail"]
            body = {"Id": inv["Id"], "SyncToken": inv["SyncToken"], "Line": kept + self._lines(op, token)}
            try:  # the requestid follows the SyncToken: a new try after a stale fault is a new request
                self.client.update("Invoice", body, requestid=request_id(op.key, "lines", inv["SyncToken"]))
                return
            except QuickBooksStaleObject:
                inv = self.client.read("Invoice", inv["Id"])
        raise ItemError(f"invoice {inv.get('DocNumber')} kept changing while adding penalty lines "
                        f"({STALE_TRIES} stale-object faults): try again later")

    def _penalty_invoice(self, op: Operation, late: dict) -> dict:
        token = search_token(op.key)
        since = op.as_of - timedelta(days=self.mapping.late_fees.search_days)
        where = f"CustomerRef = {quote(op.customer_id)} and TxnDate >= {quote(since.isoformat())}"
        for inv in self.client.query_all("Invoice", where, order_by=""):
            if token in str(inv.get("PrivateNote") or ""):
                return inv
        number = late.get("DocNumber") or late["Id"]
        body = {
            "CustomerRef": {"value": op.customer_id}, "TxnDate": op.as_of.isoformat(),
            "DueDate": (op.as_of + timedelta(days=self.mapping.late_fees.due_days)).isoformat(),
            "CurrencyRef": {"value": op.currency}, "Line": self._lines(op, token),
            "CustomerMemo": {"value": f"Late-payment charges on invoice {number}"},
            "PrivateNote": f"Relance: late-payment charges on invoice {number} {token}",
        }
        return self.client.create("Invoice", body, requestid=request_id(op.key, "invoice"))
