"""The model methods callable over RPC, with the signatures of the real Odoo version, so that wrong
arguments fail as they do in Odoo (TypeError over XML-RPC, HTTP 422 over JSON-2).

Method kinds follow odoo/api.py (17) and odoo/service/model.py (19): "model" methods take no ids
(`@api.model`), "create" takes a dict or a list of dicts, "multi" methods take ids first (XML-RPC) or
`ids` (JSON-2). Availability: `has_access` and the private `check_access` from 18, `check_access_rights`
deprecated but present in 19 (it returns None when `raise_exception` is true: check_access returns None).
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

from adapters.odoo.emulator.errors import AccessError, not_found
from adapters.odoo.emulator.orm import OPS


class MethodNotFound(AttributeError):
    """No such public method on the model (Fault 1 over XML-RPC, HTTP 404 over JSON-2)."""


class Records:
    """What a method receives as `self`: the store, the model, the ids and the caller."""

    def __init__(self, store, model: str, ids: list[int], call):
        self.store, self.model, self.ids, self.call = store, model, [int(i) for i in ids or []], call


class RecordSet:
    """A recordset returned by a model method: 18+ (odoo/service/model.py call_kw) and JSON-2 answer its
    ids; 17's XML-RPC cannot marshal it ("cannot marshal <class 'odoo.api.mail.activity'> objects", Fault 1,
    after the transaction was committed)."""

    __slots__ = ("model", "ids")

    def __init__(self, model: str, ids: list[int]):
        self.model, self.ids = model, list(ids)


REGISTRY: dict[str, list[tuple[str, Callable, Callable[[Any, str], bool]]]] = {}


def method(kind: str, when: Callable[[Any, str], bool] = lambda s, m: True, qual: str = "BaseModel"):
    def deco(fn):
        fn.__qualname__ = f"{qual}.{fn.__name__}"
        REGISTRY.setdefault(fn.__name__, []).append((kind, fn, when))
        return fn
    return deco


def lookup(store, model: str, name: str) -> tuple[str, Callable]:
    """(kind, function) of `model.name`, or Odoo's error for a private or missing method."""
    if name.startswith("_") or (store.major >= 18 and name == "check_access"):
        msg = (f"Private methods (such as '{model}.{name}') cannot be called remotely." if store.major >= 18
               else f"Private methods (such as {name}) cannot be called remotely.")
        raise AccessError(msg)
    for kind, fn, when in REGISTRY.get(name, []):
        if when(store, model):
            return kind, fn
    if store.major >= 18:
        raise MethodNotFound(f"The method '{model}.{name}' does not exist")
    raise MethodNotFound(f"The method '{name}' does not exist on the model '{model}'")


def v(lo: int = 0, hi: int = 99) -> Callable[[Any, str], bool]:
    return lambda s, m: lo <= s.major <= hi


def on(*models: str, lo: int = 0, hi: int = 99) -> Callable[[Any, str], bool]:
    return lambda s, m: m in models and lo <= s.major <= hi


# -- generic ORM ----------------------------------------------------------------------------------

@method("model")
def search(self, domain, offset=0, limit=None, order=None):
    return self.store.search(self.model, domain, self.call, offset, limit, order)


@method("model")
def search_count(self, domain, limit=None):
    return len(self.store.search(self.model, domain, self.call, 0, limit, "id"))


@method("model")
def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, load="_classic_read"):
    if fields:
        self.store.check_fields(self.model, [f for f in fields if f != "id"])
    ids = self.store.search(self.model, domain, self.call, offset, limit, order)
    return self.store.read(self.model, ids, fields, self.call, load=load)


@method("multi")
def read(self, fields=None, load="_classic_read"):
    return self.store.read(self.model, self.ids, fields, self.call, load=load)


@method("create")
def create(self, vals_list):
    return self.store.create(self.model, [vals_list] if isinstance(vals_list, dict) else list(vals_list), self.call)


@method("multi")
def write(self, vals):
    if not self.ids:
        return True
    return self.store.write(self.model, self.ids, vals, self.call)


@method("multi")
def unlink(self):
    if not self.ids:
        return True
    self.store.existing(self.model, self.ids, self.call)
    return self.store.unlink(self.model, self.ids, self.call)


@method("multi")
def exists(self):
    return [i for i in self.ids if i in self.store.data[self.model]]


def _name_search(self, name, domain, operator, limit):
    rec_name = self.store.schema[self.model].rec_name or "display_name"
    dom = list(domain or [])
    if name or operator not in ("ilike", "like", "=ilike", "=like"):
        dom = [(rec_name, operator, name)] + dom
    ids = self.store.search(self.model, dom, self.call, 0, limit)
    return [[i, self.store.name_of(self.model, i)] for i in ids]


@method("model", v(0, 17))
def name_search(self, name="", args=None, operator="ilike", limit=100):
    return _name_search(self, name, args, operator, limit)


@method("model", v(18))  # noqa: F811
def name_search(self, name="", domain=None, operator="ilike", limit=100):  # noqa: F811
    return _name_search(self, name, domain, operator, limit)


@method("model")
def fields_get(self, allfields=None, attributes=None):
    return self.store.fields_get(self.model, allfields, attributes)


def _default_get(self, names):
    out = {}
    m = self.store.schema[self.model]
    for fname in names or []:
        f = m.fields.get(fname)
        if f is None:
            continue
        if f"default_{fname}" in self.call.context:
            out[fname] = self.call.context[f"default_{fname}"]
        elif f.default is not None:
            out[fname] = f.default(self.store) if callable(f.default) else f.default
        elif fname == "company_id" and m.company_rule == "strict" and self.call.company:
            out[fname] = self.call.company
    return out


@method("model", v(0, 18))
def default_get(self, fields_list):
    return _default_get(self, fields_list)


@method("model", v(19))  # noqa: F811
def default_get(self, fields):  # noqa: F811
    return _default_get(self, fields)


def _check_op(operation):
    if operation not in OPS:
        raise ValueError(f"Invalid access mode {operation!r}")


@method("model", v(0, 17))
def check_access_rights(self, operation, raise_exception=True):
    _check_op(operation)
    try:
        self.store.check_access(self.model, operation, self.call)
    except AccessError:
        if raise_exception:
            raise
        return False
    return True


@method("model", v(18))  # noqa: F811
def check_access_rights(self, operation, raise_exception=True):  # noqa: F811
    _check_op(operation)
    if raise_exception:
        self.store.check_access(self.model, operation, self.call)
        return None  # check_access() returns None
    return has_access(self, operation)


@method("multi", v(18))
def has_access(self, operation):
    _check_op(operation)
    try:
        self.store.check_access(self.model, operation, self.call)
    except AccessError:
        return False
    return True


def _set_active(self, value):
    self.store.write(self.model, self.store.existing(self.model, self.ids, self.call), {"active": value}, self.call)
    return None


@method("multi", lambda s, m: "active" in s.schema[m].fields)
def action_archive(self):
    return _set_active(self, False)


@method("multi", lambda s, m: "active" in s.schema[m].fields)
def action_unarchive(self):
    return _set_active(self, True)


# -- mail -----------------------------------------------------------------------------------------

@method("multi", qual="BaseModel")
def get_base_url(self):
    """odoo/models.py: web.base.url, on one record or none."""
    if len(self.ids) > 1:
        raise ValueError(f"Expected singleton or no record: {self.model}{tuple(self.ids)}")
    return self.store.base_url


@method("multi", lambda s, m: "access_token" in s.schema[m].fields, qual="PortalMixin")
def get_portal_url(self, suffix=None, report_type=None, download=None, query_string=None, anchor=None):
    """portal.mixin: the record's portal path with its access token, created (and stored) on the first call."""
    [rid] = self.store.existing(self.model, self.ids, self.call) or [None]
    if rid is None or len(self.ids) != 1:
        raise ValueError(f"Expected singleton: {self.model}{tuple(self.ids)}")
    rec = self.store.data[self.model][rid]
    if not rec.get("access_token"):
        self.store.write(self.model, [rid], {"access_token": str(uuid.uuid4())}, self.call)
    path = self.store.computes[(self.model, "access_url")](self.store, rid)
    return f"{path}{suffix or ''}?access_token={rec['access_token']}" + (f"&report_type={report_type}" if report_type else "")


@method("multi", lambda s, m: s.schema[m].thread, qual="MailThread")
def message_post(self, *, body="", subject=None, message_type="notification", email_from=None, author_id=None,
                 parent_id=False, subtype_xmlid=None, subtype_id=False, partner_ids=None, attachments=None,
                 attachment_ids=None, body_is_html=False, **kwargs):
    kw = dict(body=body, subject=subject, message_type=message_type, subtype_xmlid=subtype_xmlid,
              subtype_id=subtype_id, partner_ids=partner_ids, attachment_ids=attachment_ids, **kwargs)
    if self.store.major >= 17:
        kw["body_is_html"] = body_is_html
    if author_id:
        kw["author_id"] = author_id
    if email_from:
        kw["email_from"] = email_from
    return self.store.message_post(self.model, self.ids, self.call, **kw)


@method("multi", lambda s, m: s.schema[m].thread, qual="MailActivityMixin")
def activity_schedule(self, act_type_xmlid="", date_deadline=None, summary="", note="", **act_values):
    if self.call.context.get("mail_activity_automation_skip"):
        return False
    return RecordSet("mail.activity", self.store.activity_schedule(
        self.model, self.store.existing(self.model, self.ids, self.call), self.call, act_type_xmlid, date_deadline,
        summary, note, act_values))


@method("multi", on("mail.activity"), qual="MailActivity")
def action_feedback(self, feedback=False, attachment_ids=None):
    return self.store.action_feedback(self.ids, self.call, feedback, attachment_ids)


@method("multi", on("mail.activity"), qual="MailActivity")
def action_done(self):
    ids = self.ids if self.store.major < 19 else [i for i in self.ids if self.store.data["mail.activity"].get(i, {}).get("active", True)]
    return self.store.action_feedback(ids, self.call)


# -- accounting -----------------------------------------------------------------------------------

@method("multi", on("account.move"), qual="AccountMove")
def action_post(self):
    return self.store.action_post(self.ids, self.call)


@method("multi", on("account.move"), qual="AccountMove")
def button_draft(self):
    return self.store.button_draft(self.ids, self.call)


@method("multi", on("account.move"), qual="AccountMove")
def button_cancel(self):
    return self.store.button_cancel(self.ids, self.call)


@method("multi", on("account.move.line"), qual="AccountMoveLine")
def reconcile(self):
    return self.store.reconcile(self.ids, self.call)


@method("multi", on("account.move.line"), qual="AccountMoveLine")
def remove_move_reconcile(self):
    return self.store.remove_move_reconcile(self.store.existing(self.model, self.ids, self.call), self.call)


@method("multi", on("account.debit.note"), qual="AccountDebitNote")
def create_debit(self):
    return self.store.create_debit(self.ids, self.call)


def unknown_model(model: str) -> Exception:
    return not_found(f"the model {model!r} does not exist")
