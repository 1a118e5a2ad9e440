"""Many operations in few calls: what `Writer.apply` does for one, done for a batch.

Each call that takes many records takes the whole batch: one search per kind of step for what a crashed run
left half done, one `create` each for the activities, the letters' attachments, the penalty invoices and the
marker notes, one `action_post`. An e-mail is one `message_post` (Odoo posts and queues one record per call),
found again by its token when a run stops before the batch's notes; those run `inflight` at a time, one
customer's in turn.

A call is one transaction in Odoo: a refused `create` wrote nothing, so it is split in halves and sent again
until the item Odoo refuses is alone; a `create` whose answer was lost is looked for, and whatever it made is
found whole or not at all.
"""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

from adapters.odoo.activities import Activities
from adapters.odoo.client import OdooAmbiguous
from adapters.odoo.errors import OdooError, OdooValidationError
from adapters.odoo.holds import record_id as _id
from adapters.odoo.items import Item, search_tokens
from adapters.odoo.portal import PortalLinks
from connector import channels
from connector.errors import ItemError, SourceUnavailable
from connector.keys import PREFIX, render as render_marker, search_token
from connector.letters import letter_pdf
from connector.messages import render as render_text
from connector.models import Operation

# The channels whose operation is only steps that take many records per call (plus an e-mail each).
CHANNELS = frozenset({"email", "call_task", "letter", "registered_letter", "note"})
# Odoo's mail queue sends the e-mail (its Email Queue Manager cron) rather than the call itself after its commit:
# half the server time of a message_post with recipients, measured on Odoo 17 (mail_thread.py, mail_notify_force_send)
QUEUED = {"mail_notify_force_send": False}
MAX_BYTES = 8_000_000  # attachments per create call: Odoo's default limit_request is far above, a proxy may not be


class Batches(Activities, PortalLinks):
    """Mixin of `Writer`: `apply_many`."""

    inflight: int = 4

    def apply_many(self, ops: Sequence[Operation]) -> dict[str, str | Exception]:
        out: dict[str, str | Exception] = {}
        items = []
        for op in self._shared(ops):
            try:
                items.append(self._item(op))
            except SourceUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad item declined, the runner reports it
                out[op.key] = exc
        items = self._not_done(items, out)
        self._activities([i for i in items if i.op.channel in channels.TASKS], out)
        self._letters([i for i in items if i.op.key not in out and i.op.channel in channels.LETTERS], out)
        self._penalties([i for i in items if i.op.kind == "penalty"], out)
        self._emails([i for i in items if i.op.key not in out and i.op.channel in channels.SENT and not i.sent], out)
        self._notes([i for i in items if i.op.key not in out], out)
        for i in items:
            out.setdefault(i.op.key, i.ref)
        return out

    # -- preparing ----------------------------------------------------------------------------------
    def _item(self, op: Operation) -> Item:
        if op.kind == "penalty":
            target = ("account.move", _id(op.target_id, "invoice"))
        else:
            target = self._target(op)
        item = Item(op, target, search_token(op.key), " ".join(render_marker(h) for h in op.history()))
        if op.kind == "action":
            if channels.CHANNELS[op.channel].reader == "customer" and self.mapping.email.portal_links:
                op = item.op = self._with_portal_links(op)
            item.text = render_text(op, self._signer(op), self.library)
        return item

    def _not_done(self, items: list[Item], out: dict) -> list[Item]:
        """One search for every item's messages: a marker found means done (a run that stopped after writing it);
        an e-mail found with its token but no marker was sent by a run that stopped before its note."""
        if not items:
            return []
        found = search_tokens(self.client, "mail.message", "body", items, lambda i: i.token, ("message_type",))
        left = []
        for i in items:
            rows = found.get(i.op.key, [])
            marked = next((r for r in rows if f"[{PREFIX}{i.op.key}|" in r["body"]), None)
            if marked:
                out[i.op.key] = f"mail.message {marked['id']} (already written)"
                continue
            if any(r.get("message_type") == "comment" for r in rows) and i.op.channel in channels.SENT:
                i.sent = True
                i.done.append(f"email '{i.text.subject}' sent through Odoo")
            left.append(i)
        return left

    # -- letters ------------------------------------------------------------------------------------
    def _letters(self, items: list[Item], out: dict) -> None:
        if not items or not self.mapping.letters.attach_pdf:
            return
        names = {i.op.key: f"{i.op.level_name or 'letter'}-{i.op.as_of}-{i.op.key[:12]}.pdf" for i in items}
        rows = self.client.call("ir.attachment", "search_read", fields=["name", "res_model", "res_id"],
                                domain=[("name", "in", sorted(set(names.values())))])
        have = {(r["name"], r["res_model"], r["res_id"]) for r in rows}
        pending, size = [], 0
        for i in items:
            name = names[i.op.key]
            i.done.append(f"letter {name} attached")
            if (name, *i.target) in have:
                continue
            try:
                pdf = letter_pdf(i.text, i.op, self._signer(i.op), f"Relance {i.token}")
            except Exception as exc:  # noqa: BLE001 - this letter alone is not written
                out[i.op.key] = exc
                continue
            data = base64.b64encode(pdf).decode()
            if pending and size + len(data) > MAX_BYTES:
                self._create_attachments(pending, out)
                pending, size = [], 0
            pending.append((i, {"name": name, "res_model": i.target[0], "res_id": i.target[1], "type": "binary",
                                "mimetype": "application/pdf", "datas": data}))
            size += len(data)
        self._create_attachments(pending, out)

    def _create_attachments(self, pairs: list, out: dict) -> None:
        def find(batch):
            rows = self.client.call("ir.attachment", "search_read", fields=["id", "name", "res_model", "res_id"],
                                    domain=[("name", "in", [v["name"] for _, v in batch])])
            where = {(r["name"], r["res_model"], r["res_id"]): r["id"] for r in rows}
            return {i.op.key: where[(v["name"], v["res_model"], v["res_id"])] for i, v in batch
                    if (v["name"], v["res_model"], v["res_id"]) in where}
        if pairs:
            self._create("ir.attachment", pairs, out, {}, find)

    # -- penalties ----------------------------------------------------------------------------------
    def _penalties(self, items: list[Item], out: dict) -> None:
        """Penalty invoices: found by their reference, else created (one call per company), posted in one call."""
        if not items:
            return
        refs = {}
        for i in items:
            refs[i.op.key] = f"{i.op.lines[0].invoice_number} {i.token}"
        rows = self.client.call("account.move", "search_read", fields=["id", "name", "state", "ref"],
                                domain=[("ref", "in", sorted(refs.values()))])
        by_ref = {r["ref"]: r for r in rows}
        todo: dict[str, list] = defaultdict(list)
        for i in items:
            if refs[i.op.key] in by_ref:
                i.move = by_ref[refs[i.op.key]]
                continue
            try:
                values = self._penalty_values(i.op, i.token, i.target[1])
                context = self._context(i.op)
            except ItemError as exc:
                out[i.op.key] = exc
                continue
            todo[repr(sorted(context.items()))].append((i, values, context))
        for group in todo.values():
            ids = self._create("account.move", [(i, v) for i, v, _ in group], out, group[0][2],
                               lambda batch: self._find_moves(batch, refs))
            for i, _, _ in group:
                if i.op.key in ids:
                    i.move = {"id": ids[i.op.key], "state": "draft", "name": "/"}
        moving = [i for i in items if i.move is not None and i.op.key not in out]
        if self.mapping.penalties.state == "posted":
            self._post_moves([i for i in moving if i.move["state"] == "draft"], out)
        moving = [i for i in moving if i.op.key not in out]
        if moving:
            read = {r["id"]: r for r in self.client.call("account.move", "read", ids=[i.move["id"] for i in moving],
                                                         fields=["id", "name", "state"])}
            for i in moving:
                i.move = read.get(i.move["id"], i.move)
                note, i.ref = self._penalty_summary(i.op, i.move, debit_note=False)
                i.done.append(note)

    def _find_moves(self, batch: list, refs: dict) -> dict[str, int]:
        rows = self.client.call("account.move", "search_read", fields=["id", "ref"],
                                domain=[("ref", "in", [refs[i.op.key] for i, _ in batch])])
        by_ref = {r["ref"]: r["id"] for r in rows}
        return {i.op.key: by_ref[refs[i.op.key]] for i, _ in batch if refs[i.op.key] in by_ref}

    def _post_moves(self, items: list[Item], out: dict) -> None:
        """action_post on all; when Odoo refuses (a lock date...), in halves, then the refused one alone."""
        if not items:
            return
        context = self._context(items[0].op) if len({self._company(i.op).id for i in items}) == 1 else {}
        try:
            self.client.call("account.move", "action_post", ids=[i.move["id"] for i in items], context=context)
        except OdooValidationError as exc:
            if len(items) == 1:
                try:
                    self._discard(items[0].move["id"], items[0].op.lines[0].invoice_number, exc)
                except ItemError as err:
                    out[items[0].op.key] = err
                return
            half = len(items) // 2
            self._post_moves(items[:half], out)
            self._post_moves(items[half:], out)
        except OdooAmbiguous:
            pass  # read back below: posted or still a draft the next run posts

    # -- e-mails ------------------------------------------------------------------------------------
    def _emails(self, items: list[Item], out: dict) -> None:
        """One message_post each (the marker follows in the batch's notes), `inflight` at a time, each customer's in
        turn."""
        if not items:
            return
        self.sender()  # read once, before the threads
        by_target: dict[tuple, list[Item]] = defaultdict(list)
        for i in items:
            by_target[i.target].append(i)

        def send(group: list[Item]) -> None:
            for i in group:
                try:
                    self._email(i)
                except SourceUnavailable as exc:
                    out[i.op.key] = exc
                except Exception as exc:  # noqa: BLE001 - the others go on
                    out[i.op.key] = exc

        with ThreadPoolExecutor(max_workers=max(1, self.inflight)) as pool:
            list(pool.map(send, by_target.values()))

    def _email(self, i: Item) -> None:
        """The e-mail with its token ("Ref. relance:<key>"), which finds it again if the run stops before its note."""
        body = i.text.html + f"<p><small>Ref. {i.token}</small></p>"
        try:
            self._post(i.target, body, subtype=self.mapping.email.subtype, message_type="comment",
                       subject=i.text.subject, partner_ids=[_id(i.op.customer_id, "customer")], context=QUEUED)
        except OdooAmbiguous:
            if not self._find_message(i.target, i.token, message_type="comment", exclude_marker=True):
                raise
        i.sent = True
        i.done.append(f"email '{i.text.subject}' sent through Odoo")

    # -- marker notes -------------------------------------------------------------------------------
    def _notes(self, items: list[Item], out: dict) -> None:
        """The marker note of every item, its last step, in one create: a note of a few hundred bytes, which every full
        read reads again (an e-mail's body is ten times that)."""
        pairs = []
        for i in items:
            head = f"Relance level {i.op.level} ({i.op.level_name}), {i.op.channel}" if i.op.kind == "action" else ""
            summary = i.done[0] if i.op.kind == "penalty" else (head + ": " + "; ".join(i.done) if i.done else head)
            body = (f"<p>{html.escape(summary)}</p><p>{html.escape(i.op.reason)}</p>"
                    f"<p><small>{html.escape(i.markers)}</small></p>")
            pairs.append((i, self._note_values(i.target, body)))
        pairs = self._first_note(pairs, out)
        ids = self._create("mail.message", pairs, out, {}, lambda batch: self._find_notes(batch)) if pairs else {}
        for i, _ in pairs:
            if i.op.key in ids and i.op.kind != "penalty":
                i.ref = f"mail.message {ids[i.op.key]}"

    def _note_values(self, target: tuple[str, int], body: str) -> dict:
        """A chatter note as `_message_log` writes one: the API user's, internal, of the note subtype."""
        return {"model": target[0], "res_id": target[1], "body": body, "message_type": "comment",
                "subtype_id": self._note_subtype_id(), "is_internal": True, "author_id": self.author(),
                "email_from": self.sender()}

    def _note_subtype_id(self) -> int:
        """Odoo's note subtype by its name, the API user having no access to XML IDs; 0 for another subtype or
        where it is not found: the first note is then posted, and its subtype is used for the others."""
        if self._note_subtype is None:
            rows = self.client.call("mail.message.subtype", "search_read", fields=["id"], limit=1, context={
                "lang": "en_US"}, domain=[("name", "=", "Note"), ("internal", "=", True), ("res_model", "=", False)]) \
                if self.mapping.note_subtype == "mail.mt_note" else []
            self._note_subtype = int(rows[0]["id"]) if rows else 0
        return self._note_subtype

    def _first_note(self, pairs: list, out: dict) -> list:
        """Post the first note through message_post, which resolves the note subtype's XML ID; the rest are
        created with its subtype."""
        if self._note_subtype or not pairs:
            return pairs
        (i, values), rest = pairs[0], pairs[1:]
        try:
            msg = self._post(i.target, values["body"], subtype=self.mapping.note_subtype, message_type="comment")
        except OdooAmbiguous:
            msg = self._find_notes([pairs[0]]).get(i.op.key)
            if not msg:
                out[i.op.key] = OdooAmbiguous("mail.message: no answer to a note; the next run looks for it again",
                                              model="mail.message", method="message_post")
                return rest
        except OdooError as exc:
            out[i.op.key] = exc
            return rest
        if i.op.kind != "penalty":
            i.ref = f"mail.message {msg}"
        rows = self.client.call("mail.message", "read", ids=[msg], fields=["subtype_id"])
        self._note_subtype = int(rows[0]["subtype_id"][0]) if rows and rows[0].get("subtype_id") else False
        return [(i, {**v, "subtype_id": self._note_subtype}) for i, v in rest]

    def _find_notes(self, batch: list) -> dict[str, int]:
        found = search_tokens(self.client, "mail.message", "body", [i for i, _ in batch], lambda i: f"[{PREFIX}{i.op.key}|")
        return {key: rows[0]["id"] for key, rows in found.items()}

    # -- one call for many --------------------------------------------------------------------------
    def _create(self, model: str, pairs: list, out: dict, context: dict,
                find: Callable[[list], dict[str, int]]) -> dict[str, int]:
        """`create` with every value; refused: in halves down to the item refused; no answer: looked for."""
        if not pairs:
            return {}
        try:
            ids = self.client.call(model, "create", vals_list=[v for _, v in pairs], context=context)
            return {i.op.key: int(rid) for (i, _), rid in zip(pairs, ids)}
        except OdooAmbiguous as exc:
            found = find(pairs)
            for i, _ in pairs:
                if i.op.key not in found:
                    out[i.op.key] = OdooAmbiguous(f"{model}: {exc.odoo_message}; not there yet, the next run looks for "
                                                  "it again before writing it", model=model, method="create")
            return found
        except OdooError as exc:
            if len(pairs) == 1:
                out[pairs[0][0].op.key] = exc
                return {}
            half = len(pairs) // 2
            return {**self._create(model, pairs[:half], out, context, find),
                    **self._create(model, pairs[half:], out, context, find)}
