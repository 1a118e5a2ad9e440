"""Partners, chatter, activities and attachments of the emulated Odoo (mixin of the store).

Checked in Odoo 17/19 `mail/models/mail_thread.py` (message_post: keyword-only arguments, str bodies escaped
since 17 unless `body_is_html`, default subtype mail.mt_note, 17 returns the id through `@api.returns`, 19
the recordset so `[id]` over RPC; `_notify_thread_by_email` queues one outgoing mail.mail per recipients
group with `recipient_ids`, not `email_to`) and `mail/models/mail_activity.py` (action_feedback returns the
posted message id; 17 archives done activities whose type has keep_done and deletes the others; 19
archives all and stores the feedback).
"""

from __future__ import annotations

import html
from typing import Any

from adapters.odoo.emulator.orm import Call, b64_size


def escape(text: str) -> str:
    """markupsafe.escape, as Odoo applies it to a str body."""
    return (html.escape(str(text), quote=False).replace('"', "&#34;").replace("'", "&#39;"))


class MailMixin:
    # -- helpers ------------------------------------------------------------------------------------
    def xmlid_to_res_id(self, xmlid: str) -> int | None:
        module, _, name = xmlid.partition(".")
        for r in self.data["ir.model.data"].values():
            if r.get("module") == module and r.get("name") == name:
                return r.get("res_id")
        return None

    def user_partner(self, uid: int) -> int | None:
        rec = self.data["res.users"].get(uid)
        return rec.get("partner_id") if rec else None

    def _commercial(self, pid: int) -> int:
        seen = set()
        cur = pid
        while cur and cur not in seen:
            seen.add(cur)
            rec = self.data["res.partner"].get(cur)
            if rec is None or rec.get("is_company") or not rec.get("parent_id"):
                return cur
            cur = rec["parent_id"]
        return pid

    def refresh_commercial(self, pids: list[int]) -> None:
        todo = list(pids)
        while todo:
            pid = todo.pop()
            if pid in self.data["res.partner"]:
                self.data["res.partner"][pid]["commercial_partner_id"] = self._commercial(pid)
                todo.extend(i for i, r in self.data["res.partner"].items() if r.get("parent_id") == pid)

    # -- res.partner --------------------------------------------------------------------------------
    def prepare_res_partner(self, vals: dict, call: Call) -> dict:
        if "company_type" in vals:
            vals["is_company"] = vals.pop("company_type") == "company"
        return vals

    def created_res_partner(self, rid: int, vals: dict, call: Call) -> None:
        self.refresh_commercial([rid])

    def writing_res_partner(self, ids: list[int], vals: dict, call: Call) -> dict:
        return self.prepare_res_partner(vals, call)

    def written_res_partner(self, ids: list[int], vals: dict, call: Call) -> None:
        if {"parent_id", "is_company"} & set(vals):
            self.refresh_commercial(ids)

    # -- ir.attachment ------------------------------------------------------------------------------
    def prepare_ir_attachment(self, vals: dict, call: Call) -> dict:
        if vals.get("datas"):
            vals["datas"] = vals["datas"].decode() if isinstance(vals["datas"], bytes) else vals["datas"]
        return vals

    def created_ir_attachment(self, rid: int, vals: dict, call: Call) -> None:
        rec = self.data["ir.attachment"][rid]
        rec["file_size"], rec["checksum"] = b64_size(rec.get("datas"))
        if not rec.get("mimetype"):
            rec["mimetype"] = "application/octet-stream"

    # -- mail.activity ------------------------------------------------------------------------------
    def prepare_mail_activity(self, vals: dict, call: Call) -> dict:
        # the Schedule Activity dialog passes the document's model in the context (mail.activity.default_get)
        if not vals.get("res_model_id") and call.context.get("default_res_model"):
            vals["res_model_id"] = next((i for i, r in self.data["ir.model"].items()
                                         if r.get("model") == call.context["default_res_model"]), False)
        if vals.get("res_model_id"):
            model = self.data["ir.model"].get(vals["res_model_id"], {}).get("model")
            if model:
                vals["res_model"] = model
        if not vals.get("activity_type_id"):
            vals["activity_type_id"] = self.xmlid_to_res_id("mail.mail_activity_data_todo") or False
        vals.setdefault("user_id", call.uid)
        model = vals.get("res_model")
        if model and model in self.schema:
            self.check_access(model, "write", call)  # activities follow the document's rights
        return vals

    def activity_schedule(self, model: str, ids: list[int], call: Call, act_type_xmlid: str, date_deadline: Any,
                          summary: str, note: str, act_values: dict) -> list[int]:
        type_id = self.xmlid_to_res_id(act_type_xmlid) if act_type_xmlid else act_values.get("activity_type_id", False)
        atype = self.data["mail.activity.type"].get(type_id)
        if not atype or (atype.get("res_model") and atype["res_model"] != model):
            type_id = self.xmlid_to_res_id("mail.mail_activity_data_todo")
            atype = self.data["mail.activity.type"].get(type_id, {})
        model_id = next((i for i, r in self.data["ir.model"].items() if r.get("model") == model), False)
        vals_list = []
        for rid in ids:
            vals = {"activity_type_id": type_id or False, "summary": summary or atype.get("summary") or False,
                    "automated": True, "note": note or atype.get("default_note") or False,
                    "date_deadline": str(date_deadline or self.today())[:10], "res_model_id": model_id, "res_id": rid}
            vals.update(act_values)
            if not vals.get("user_id"):
                vals["user_id"] = atype.get("default_user_id") or call.uid
            vals_list.append(vals)
        return self.create("mail.activity", vals_list, call)

    def action_feedback(self, ids: list[int], call: Call, feedback: Any = False, attachment_ids: Any = None) -> Any:
        messages = []
        for aid in self.existing("mail.activity", ids, call):
            act = self.data["mail.activity"][aid]
            type_id = act.get("activity_type_id")
            tname = self.name_of("mail.activity.type", type_id) if type_id else ""
            body = f'<div><span class="fa fa-check fa-fw"></span><span>{escape(tname)}</span> done'
            if act.get("summary"):
                body += f'</div><div class="o_mail_note_title"><strong>{escape(act["summary"])}</strong>'
            body += "</div>"
            if act.get("note"):
                body += f"<div>Original note:</div><div>{act['note']}</div>"
            if feedback:
                body += f"<div>Feedback:</div><div>{escape(feedback)}</div>"
            model, res_id = act.get("res_model"), act.get("res_id")
            if model in self.schema and res_id in self.data[model]:
                mid = self.post_message(model, res_id, call, body=body, message_type="notification",
                                        subtype_xmlid="mail.mt_activities", html_body=True,
                                        extra={"mail_activity_type_id": type_id or False})
                messages.append(mid)
            keep = True if self.major >= 19 else bool(
                self.data["mail.activity.type"].get(type_id, {}).get("keep_done"))
            if keep:
                act.update(active=False, date_done=self.today(), write_date=self.now(), write_uid=call.uid)
                if self.major >= 19 and feedback:
                    act["feedback"] = str(feedback)
            else:
                self.unlink("mail.activity", [aid], call, check=False)
        return messages[0] if messages else False

    # -- chatter ------------------------------------------------------------------------------------
    def prepare_mail_message(self, vals: dict, call: Call) -> dict:
        """mail.message.create as Odoo 17/19 run it over RPC: the document's write right checked
        (_check_access, _mail_post_access), email_from from the author, record_name the document's name."""
        model, res_id = vals.get("model"), vals.get("res_id")
        if not call.su and model in self.schema:
            self.check_access(model, "write", call)
        if "email_from" not in vals:
            p = self.data["res.partner"].get(vals.get("author_id") or 0, {})
            vals["email_from"] = f'"{p.get("name")}" <{p["email"]}>' if p.get("email") else False
        if "record_name" not in vals and model in self.schema and res_id in self.data[model]:
            vals["record_name"] = self.name_of(model, res_id)
        vals.setdefault("partner_ids", [(6, 0, [])])
        vals.setdefault("attachment_ids", [(6, 0, [])])
        return vals

    def post_message(self, model: str, res_id: int, call: Call, *, body: Any = "", subject: Any = None,
                     message_type: str = "notification", subtype_xmlid: str | None = None, subtype_id: Any = False,
                     partner_ids: Any = None, attachment_ids: Any = None, html_body: bool = False,
                     author_id: Any = None, email_from: Any = None, extra: dict | None = None) -> int:
        if message_type == "user_notification":
            raise ValueError("Use message_notify to send a notification to an user.")
        if partner_ids and not all(isinstance(p, int) and not isinstance(p, bool) for p in partner_ids):
            raise ValueError(f"Posting a message should receive partners as a list of IDs (received {partner_ids!r})")
        if attachment_ids and not all(isinstance(a, int) for a in attachment_ids):
            raise ValueError(f"Posting a message should receive attachments records as a list of IDs "
                             f"(received {attachment_ids!r})")
        if subtype_xmlid:
            subtype_id = self.xmlid_to_res_id(subtype_xmlid)
        if not subtype_id:
            subtype_id = self.xmlid_to_res_id("mail.mt_note")
        author = author_id or self.user_partner(call.uid)
        if email_from is None and author:
            p = self.data["res.partner"].get(author, {})
            email_from = f'"{p.get("name")}" <{p["email"]}>' if p.get("email") else False
        if not html_body and self.major >= 17:
            body = escape(body or "")
        subtype = self.data["mail.message.subtype"].get(subtype_id, {})
        vals = {"model": model, "res_id": res_id, "body": body or "", "subject": subject or False,
                "message_type": message_type, "subtype_id": subtype_id or False, "author_id": author or False,
                "email_from": email_from or False, "record_name": self.name_of(model, res_id),
                "partner_ids": [(6, 0, list(partner_ids or []))], "attachment_ids": [(6, 0, list(attachment_ids or []))],
                "is_internal": bool(subtype.get("internal")), **(extra or {})}
        mid = self.create("mail.message", [vals], Call(call.uid, {}, call.companies, su=True), check=False)[0]
        for aid in attachment_ids or []:
            att = self.data["ir.attachment"].get(aid)
            if att and (not att.get("res_id") or att.get("res_model") == "mail.compose.message"):
                att.update(res_model=model, res_id=res_id)
        recipients = [p for p in (partner_ids or []) if p != author and p in self.data["res.partner"]]
        if recipients and subtype and not subtype.get("internal"):
            self.create("mail.mail", [{"mail_message_id": mid, "body_html": body or "", "state": "outgoing",
                                       "recipient_ids": [(6, 0, recipients)], "auto_delete": True}],
                        Call(call.uid, {}, call.companies, su=True), check=False)
        return mid

    def message_post(self, model: str, ids: list[int], call: Call, **kw: Any) -> Any:
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: {model}({', '.join(map(str, ids))}{',' if len(ids) == 1 else ''})")
        forbidden = {"model", "res_id", "subtype"} & set(kw)
        if forbidden:
            raise ValueError(f"Those values are not supported when posting or notifying: {', '.join(sorted(forbidden))}")
        self.existing(model, ids, call)
        self.check_access(model, "write", call)
        html_body = bool(kw.pop("body_is_html", False)) if self.major >= 17 else True
        known = {"body", "subject", "message_type", "subtype_xmlid", "subtype_id", "partner_ids", "attachment_ids",
                 "author_id", "email_from"}
        extra = {k: v for k, v in kw.items() if k not in known and k in self.schema["mail.message"].fields}
        args = {k: v for k, v in kw.items() if k in known}
        args.setdefault("message_type", "notification")
        mid = self.post_message(model, ids[0], call, html_body=html_body, extra=extra, **args)
        return [mid] if self.major >= 19 else mid

