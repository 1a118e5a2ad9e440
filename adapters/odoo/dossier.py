"""The agency dossier in Odoo: a zip attached to the customer (connector/dossier.py makes it) holding the copies Odoo
keeps — each invoice's PDF as Odoo attached it when the invoice was sent or printed, the letters Relance attached —
and, when the policy names the agency, sent to it from the customer's chatter. A mixin of the writer."""

from __future__ import annotations

import base64
import html
import re

from adapters.odoo.holds import record_id
from connector import dossier
from connector.models import Letterhead, Operation

_LETTER = re.compile(r"-\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.pdf$")  # the names Writer._ensure_letter gives
_PDF = "application/pdf"


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)


class Dossiers:
    def _copies(self, op: Operation, partner: int) -> tuple[list[tuple[str, bytes]], list[str]]:
        """(name, bytes) of each copy, and the invoices Odoo keeps no PDF of."""
        items = op.statement or op.items
        invoices = sorted({int(i.invoice_id) for i in items if i.invoice_id.isdigit()})
        numbers = {int(i.invoice_id): i.number for i in items if i.invoice_id.isdigit()}
        rows = self.client.call("ir.attachment", "search_read", domain=[
            "|", "&", ("res_model", "=", "account.move"), ("res_id", "in", invoices),
            "&", ("res_model", "=", "res.partner"), ("res_id", "=", partner), ("mimetype", "=", _PDF)],
            fields=["name", "res_model", "res_id", "datas"], order="id asc") if invoices else []
        files: list[tuple[str, bytes]] = []
        seen: set[int] = set()
        for row in rows:
            name = str(row.get("name") or f"attachment-{row['id']}.pdf")
            if _LETTER.search(name):  # Relance's letters, on the partner or the invoice
                files.append((f"letters/{_safe(name)}", base64.b64decode(row.get("datas") or b"")))
            elif row["res_model"] == "account.move" and int(row["res_id"]) not in seen:
                seen.add(int(row["res_id"]))  # the invoice's first PDF: the one Odoo generated when it was sent
                files.append((f"invoices/{_safe(numbers.get(int(row['res_id']), name))}.pdf",
                              base64.b64decode(row.get("datas") or b"")))
            # other PDFs of the partner are not ours to send
        missing = [f"{numbers[i]}: no PDF kept in Odoo (print it from the invoice)" for i in invoices if i not in seen]
        return files, missing

    def _dossier(self, op: Operation, target: tuple[str, int], token: str, sender: Letterhead) -> str:
        partner = record_id(op.customer_id, "customer")
        name = dossier.file_name(op)
        domain = [("res_model", "=", "res.partner"), ("res_id", "=", partner), ("name", "=", name)]
        found = self.client.call("ir.attachment", "search_read", domain=domain, fields=["id"], limit=1)
        if found:  # a run cut off after it: the copies are not downloaded again
            att, done = int(found[0]["id"]), f"dossier {name} attached"
        else:
            files, missing = self._copies(op, partner)
            data = dossier.bundle(op, sender, files, missing, self.library)
            att = self._create_once("ir.attachment", {
                "name": name, "res_model": "res.partner", "res_id": partner, "type": "binary",
                "mimetype": "application/zip", "datas": base64.b64encode(data).decode(),
                "description": f"Relance {token}"}, domain)
            done = f"dossier {name} attached ({1 + len(files)} documents)"
        if op.agency_email:
            done += "; " + self._send_dossier(op, target, token, att, name, sender)
        return done

    def _agency(self, email: str) -> int:
        """The agency as a contact of the database, found by its address or created once."""
        rows = self.client.call("res.partner", "search_read", domain=[("email", "=ilike", email)], fields=["id"],
                                limit=1, context={"active_test": False})
        if rows:
            return int(rows[0]["id"])
        return self._create_once("res.partner", {"name": f"Collection agency ({email})", "email": email,
                                                 "is_company": True}, [("email", "=ilike", email)])

    def _send_dossier(self, op: Operation, target: tuple[str, int], token: str, attachment: int, name: str,
                      sender: Letterhead) -> str:
        """E-mailed to the agency from the customer's chatter as a note naming the agency: Odoo sends an internal
        note to the partners it names only, never to the customer or the record's followers."""
        mark = f"{token}:dossier"
        if not self._find_message(target, mark, exclude_marker=True):
            agency = self._agency(op.agency_email or "")
            subject = dossier.title(op, dossier.phrases(sender, self.library))
            body = (f"<p>{html.escape(subject)}</p><p>{html.escape(name)}</p>"
                    f"<p><small>Ref. {mark}</small></p>")
            self._post(target, body, subtype=self.mapping.note_subtype, message_type="comment",
                       subject=subject, partner_ids=[agency], attachment_ids=[attachment])
        return f"sent to {op.agency_email}"
