"""The emulated database: generic store + accounting and mail behaviour + computed fields and display names."""

from __future__ import annotations

import math
import uuid
from datetime import date

from adapters.odoo.emulator.accounting import INVOICES, AccountingMixin
from adapters.odoo.emulator.mail import MailMixin
from adapters.odoo.emulator.orm import Store


def _thread_messages(model: str):
    return lambda s, rid: sorted((i for i, r in s.data["mail.message"].items()
                                  if r.get("model") == model and r.get("res_id") == rid), reverse=True)


def _thread_activities(model: str):
    return lambda s, rid: sorted(i for i, r in s.data["mail.activity"].items()
                                 if r.get("res_model") == model and r.get("res_id") == rid and r.get("active", True))


def _partner_name(s: Store, rid: int) -> str:
    p = s.data["res.partner"][rid]
    name = p.get("name") or ""
    parent = p.get("parent_id")
    if parent and not p.get("is_company") and parent in s.data["res.partner"]:
        pname = s.data["res.partner"].get(s._commercial(parent), {}).get("name") or ""
        return f"{pname}, {name}" if name else pname
    return name


def _activity_state(s: Store, rid: int) -> str:
    a = s.data["mail.activity"][rid]
    if s.major < 19 and (not a.get("active", True) or a.get("date_done")):
        return "done"
    if not a.get("date_deadline"):
        return "planned"
    delta = (date.fromisoformat(a["date_deadline"]) - date.fromisoformat(s.today())).days
    return "overdue" if delta < 0 else "today" if delta == 0 else "planned"


def _no_followup(s: Store, mid: int) -> bool:
    m = s.data["account.move"][mid]
    if m.get("move_type") not in INVOICES:
        return True
    lines = [s.data["account.move.line"][i] for i in s.lines_of(mid)
             if s.account_type(s.data["account.move.line"][i].get("account_id")) in ("asset_receivable", "liability_payable")]
    return bool(lines[0].get("no_followup")) if lines else True


class OdooStore(AccountingMixin, MailMixin, Store):
    def __init__(self, major: int, modules: frozenset[str], clock=None):
        super().__init__(major, modules, clock)
        c = self.computes
        for model, m in self.schema.items():
            if "message_ids" in m.fields:
                c[(model, "message_ids")] = _thread_messages(model)
                c[(model, "activity_ids")] = _thread_activities(model)
        c[("res.partner", "complete_name")] = _partner_name
        c[("res.partner", "company_type")] = lambda s, i: "company" if s.data["res.partner"][i].get("is_company") else "person"
        c[("res.partner", "use_partner_credit_limit")] = lambda s, i: bool(
            s.data["res.partner"][i].get("use_partner_credit_limit") or s.data["res.partner"][i].get("credit_limit"))
        c[("res.users", "share")] = lambda s, i: False
        c[("res.groups", "full_name")] = lambda s, i: s.data["res.groups"][i].get("name")
        c[("res.currency", "decimal_places")] = lambda s, i: max(0, int(math.ceil(
            -math.log10(s.data["res.currency"][i].get("rounding") or 0.01))))
        c[("product.product", "lst_price")] = lambda s, i: float(s.data["product.product"][i].get("list_price") or 0)
        c[("ir.model.data", "complete_name")] = lambda s, i: "{module}.{name}".format(
            module=s.data["ir.model.data"][i].get("module"), name=s.data["ir.model.data"][i].get("name"))
        c[("mail.activity", "res_name")] = lambda s, i: (
            s.name_of(s.data["mail.activity"][i]["res_model"], s.data["mail.activity"][i].get("res_id"))
            if s.data["mail.activity"][i].get("res_model") in s.schema else False)
        c[("mail.activity", "state")] = _activity_state
        c[("account.full.reconcile", "name")] = lambda s, i: str(i)
        c[("account.move", "access_url")] = lambda s, i: (
            f"/my/invoices/{i}" if s.data["account.move"][i].get("move_type") in ("out_invoice", "out_refund",
                                                                                  "in_invoice", "in_refund") else "#")
        c[("portal.share", "share_link")] = _share_link
        c[("account.move", "invoice_line_ids")] = lambda s, i: [
            lid for lid in s.lines_of(i)
            if s.data["account.move.line"][lid].get("display_type") in ("product", "line_section", "line_note")]
        if major >= 19:
            c[("account.move", "no_followup")] = _no_followup
        if major >= 18:
            c[("account.account", "placeholder_code")] = lambda s, i: s.data["account.account"][i].get("code") or False
        if "account.debit.note" in self.schema:
            c[("account.debit.note", "move_type")] = lambda s, i: next(
                (s.data["account.move"][m]["move_type"] for m in s.data["account.debit.note"][i].get("move_ids") or []
                 if m in s.data["account.move"]), False)
        d = self.display
        d["res.partner"] = _partner_name
        d["account.move"] = lambda s, i: s.move_display_name(i)
        d["account.account"] = lambda s, i: f"{s.data['account.account'][i].get('code') or ''} " \
                                            f"{s.data['account.account'][i].get('name') or ''}".strip()
        d["account.move.line"] = lambda s, i: " ".join(x for x in (
            s.data["account.move"].get(s.data["account.move.line"][i].get("move_id"), {}).get("name"),
            s.data["account.move.line"][i].get("name")) if x and x != "/")
        d["mail.activity"] = lambda s, i: s.data["mail.activity"][i].get("summary") or s.name_of(
            "mail.activity.type", s.data["mail.activity"][i].get("activity_type_id"))
        d["ir.model.data"] = lambda s, i: c[("ir.model.data", "complete_name")](s, i)


def _share_link(s, i: int) -> str | bool:
    """portal.share._compute_share_link: base URL + portal.mixin._get_share_url(redirect=True), which stores an
    access token on the record when it has none (Odoo 17/19 portal/models/portal_mixin.py)."""
    wiz = s.data["portal.share"][i]
    model, rid = wiz.get("res_model"), wiz.get("res_id")
    if model not in s.schema or "access_token" not in s.schema[model].fields or rid not in s.data[model]:
        return False
    rec = s.data[model][rid]
    if not rec.get("access_token"):
        rec["access_token"] = str(uuid.uuid4())
    return f"{s.base_url}/mail/view?model={model}&res_id={rid}&access_token={rec['access_token']}"
