"""The emulator's record store and generic ORM methods (search, read, create, write, unlink, fields_get...).

Values are stored raw: many2one as an id or False, many2many as a list of ids, dates as 'YYYY-MM-DD',
datetimes as 'YYYY-MM-DD HH:MM:SS'; one2many, related and computed fields are derived when read.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable

import adapters.odoo.emulator.domain as dom
from adapters.odoo.emulator.errors import (
    AccessError,
    MissingError,
    UserError,
    ValidationError,
)
from adapters.odoo.emulator.schema import Model, build_schema

_ORDER_RE = re.compile(r"^\s*([a-z0-9_]+(\.[a-z0-9_]+)?)(\s+(asc|desc))?(\s+nulls\s+(first|last))?\s*$", re.I)
OPS = ("read", "write", "create", "unlink")


@dataclass
class Call:
    """Who calls and with which context (the env of one RPC call)."""

    uid: int
    context: dict = field(default_factory=dict)
    companies: list[int] = field(default_factory=list)   # allowed, current first
    su: bool = False

    @property
    def company(self) -> int | None:
        return self.companies[0] if self.companies else None


class Store:
    def __init__(self, major: int, modules: frozenset[str], clock: Callable[[], datetime] | None = None):
        self.major, self.modules = major, modules
        self.schema: dict[str, Model] = build_schema(major, modules)
        self.data: dict[str, dict[int, dict]] = {m: {} for m in self.schema}
        self.seq: dict[str, int] = {m: 0 for m in self.schema}
        self.clock = clock or datetime.now
        self.computes: dict[tuple[str, str], Callable[[Store, int], Any]] = {}
        self.base_url = "http://localhost:8069"  # web.base.url: the server's own address once it listens
        self.display: dict[str, Callable[[Store, int], str]] = {}
        self.users: dict[int, dict] = {}            # uid -> {login, password, api_keys, access}

    # -- time -------------------------------------------------------------------------------------
    def now(self) -> str:
        return self.clock().strftime("%Y-%m-%d %H:%M:%S")

    def today(self) -> str:
        return self.clock().strftime("%Y-%m-%d")

    # -- raw access (used by the domain evaluator and business code) --------------------------------
    def all_ids(self, model: str) -> list[int]:
        return sorted(self.data[model])

    def rec(self, model: str, rid: int) -> dict:
        return self.data[model][rid]

    def value(self, model: str, rid: int, fname: str) -> Any:
        m = self.schema[model]
        f = m.fields[fname]
        rec = self.data[model].get(rid)
        if rec is None:
            return False
        if fname == "id":
            return rid
        if (model, fname) in self.computes:
            return self.computes[(model, fname)](self, rid)
        if fname == "display_name":
            return self.name_of(model, rid)
        if f.related:
            cur_model, cur = model, rid
            parts = f.related.split(".")
            for part in parts[:-1]:
                nxt = self.value(cur_model, cur, part)
                if not nxt:
                    return [] if f.type in ("one2many", "many2many") else False
                cur_model, cur = self.schema[cur_model].fields[part].relation, nxt
            return self.value(cur_model, cur, parts[-1])
        if f.type == "one2many":
            return [i for i, r in sorted(self.data[f.relation].items()) if r.get(f.inverse) == rid]
        v = rec.get(fname)
        if f.type == "many2many":
            return list(v or [])
        return v

    def name_of(self, model: str, rid: int) -> str:
        if rid not in self.data[model]:
            return ""
        if model in self.display:
            return self.display[model](self, rid)
        m = self.schema[model]
        if m.rec_name and m.rec_name in m.fields:
            v = self.value(model, rid, m.rec_name)
            return v if isinstance(v, str) else ""
        return f"{model},{rid}"

    # -- records and rules --------------------------------------------------------------------------
    def _company_visible(self, m: Model, rid: int, call: Call) -> bool:
        if m.owner_rule and not call.su and "system" not in self.users.get(call.uid, {}).get("groups", ()):
            if self.value(m.name, rid, m.owner_rule) != call.uid:
                return False
        if call.su or not m.company_rule:
            return True
        allowed = set(call.companies)
        if "company_ids" in m.fields and "company_id" not in m.fields:
            cids = self.value(m.name, rid, "company_ids")
            return not cids and m.company_rule == "shared" or bool(set(cids) & allowed)
        cid = self.value(m.name, rid, "company_id")
        if not cid:
            return m.company_rule == "shared" or m.name in ("account.move.line",)
        return cid in allowed

    def check_access(self, model: str, op: str, call: Call) -> None:
        if call.su:
            return
        user = self.users.get(call.uid, {})
        allowed = user.get("access", {}).get(model)
        if allowed is None or op in allowed:
            return
        kind = self.schema[model].description
        verb = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}[op]
        group = "Accounting/Billing" if model != "ir.model" else (
            "Access Rights" if self.major >= 19 else "Administration/Access Rights")  # as the real ones answer
        raise AccessError(f"You are not allowed to {verb} '{kind}' ({model}) records.\n\n"
                          f"This operation is allowed for the following groups:\n\t- {group}\n\n"
                          "Contact your administrator to request access if necessary.")

    def missing_error(self, model: str, ids: list[int], call: Call) -> MissingError:
        return MissingError("Record does not exist or has been deleted.\n"
                            f"(Record: {model}({', '.join(map(str, ids))},), User: {call.uid})")

    def existing(self, model: str, ids: list[int], call: Call) -> list[int]:
        missing = [i for i in ids if i not in self.data[model]]
        if missing:
            raise self.missing_error(model, missing, call)
        m = self.schema[model]
        hidden = [i for i in ids if not self._company_visible(m, i, call)]
        if hidden:
            raise AccessError(f"Due to security restrictions, you are not allowed to access '{m.description}' ({model}) "
                              f"records.\n\nRecords: {', '.join(self.name_of(model, i) for i in hidden)} (id={hidden[0]})\n"
                              "Contact your administrator to request access if necessary.")
        return list(ids)

    # -- search -----------------------------------------------------------------------------------
    def search(self, model: str, domain: Any, call: Call, offset: int = 0, limit: int | None = None,
               order: str | None = None, check: bool = True) -> list[int]:
        if check:
            self.check_access(model, "read", call)
        m = self.schema[model]
        tree = dom.parse(list(domain or []))
        dom.validate(self, model, tree)
        dom.new_search()
        active_test = call.context.get("active_test", True)
        filter_active = bool(m.active_field and active_test and "active" not in dom.top_level_fields(domain))
        ids = [i for i in self.all_ids(model)
               if (not filter_active or self.data[model][i].get("active", True))
               and self._company_visible(m, i, call) and dom.match(self, model, i, tree)]
        ids = self.sort(model, ids, order or m.order)
        ids = ids[int(offset or 0):]
        return ids[:int(limit)] if limit else ids

    def sort(self, model: str, ids: list[int], order: str) -> list[int]:
        m = self.schema[model]
        keys = []
        for part in [p for p in (order or "id").split(",") if p.strip()]:
            match = _ORDER_RE.match(part)
            if not match:
                raise ValueError(f"Invalid order {order!r}") if self.major >= 18 else UserError(
                    f'Invalid "order" specified ({part.strip()}). A valid "order" specification is a comma-separated '
                    "list of valid field names (optionally followed by asc/desc for the direction)")
            fname, desc = match.group(1), (match.group(4) or "asc").lower() == "desc"
            if fname.split(".")[0] not in m.fields:
                raise ValueError(f"Invalid field {fname.split('.')[0]!r} on model {model!r}")
            if fname not in m.fields:
                continue
            keys.append((fname, desc))
        for fname, desc in reversed(keys):
            f = m.fields[fname]

            def key(i, fname=fname, f=f):
                v = self.value(model, i, fname)
                if f.type == "many2one":
                    v = self.name_of(f.relation, v).lower() if v else None
                elif f.type in ("one2many", "many2many"):
                    v = None
                elif isinstance(v, str):
                    v = v.lower() if f.type != "selection" else v
                elif v is False and f.type != "boolean":
                    v = None
                return (v is None, v if v is not None else 0) if not desc else (v is not None, v if v is not None else 0)
            try:
                ids = sorted(ids, key=key, reverse=desc)
            except TypeError:
                ids = sorted(ids, key=lambda i: str(key(i)), reverse=desc)
        return ids

    # -- read -------------------------------------------------------------------------------------
    def check_fields(self, model: str, fnames: list[str]) -> None:
        for fname in fnames:
            if fname not in self.schema[model].fields:
                raise ValueError(f"Invalid field {fname!r} on {model!r}" if self.major >= 19
                                 else f"Invalid field {fname!r} on model {model!r}")

    def read(self, model: str, ids: list[int], fields: list[str] | None, call: Call, check: bool = True,
             load: str | None = "_classic_read") -> list[dict]:
        """`load` other than '_classic_read' (Odoo's `load=''`) gives a many2one as its id, without display name."""
        if check:
            self.check_access(model, "read", call)
        m = self.schema[model]
        if fields:
            fnames = [f for f in fields if f != "id"]
        else:
            fnames = [f for f in m.fields if f != "id" and (m.fields[f].type != "binary" or f == "datas")]
        self.check_fields(model, fnames)
        out = []
        for rid in ids:
            if rid not in self.data[model]:
                continue  # read() of a missing id: skipped (17 _read_format, 19 likewise)
            self.existing(model, [rid], call)
            row = {"id": rid}
            for fname in fnames:
                row[fname] = self.export(model, rid, fname)
                if load != "_classic_read" and isinstance(row[fname], list) and m.fields[fname].type == "many2one":
                    row[fname] = row[fname][0]
            out.append(row)
        return out

    def export(self, model: str, rid: int, fname: str) -> Any:
        f = self.schema[model].fields[fname]
        v = self.value(model, rid, fname)
        t = f.type
        if t == "many2one":
            return [v, self.name_of(f.relation, v)] if v and v in self.data[f.relation] else False
        if t in ("one2many", "many2many"):
            return list(v or [])
        if t in ("float", "monetary"):
            return float(v or 0.0)
        if t == "integer":
            return int(v or 0)
        if t == "boolean":
            return bool(v)
        return v if v not in (None, "") or t in ("html",) and v == "" else False

    # -- write helpers ----------------------------------------------------------------------------
    def convert(self, model: str, fname: str, value: Any) -> Any:
        f = self.schema[model].fields[fname]
        t = f.type
        if value is None or value is False:
            return False if t in ("many2one", "boolean", "char", "text", "html", "selection", "date", "datetime",
                                  "binary") else ([] if t == "many2many" else None)
        if t == "many2one":
            if isinstance(value, (list, tuple)):
                value = value[0]
            return int(value) or False
        if t in ("float", "monetary"):
            return float(value)
        if t == "integer":
            return int(value)
        if t == "boolean":
            return bool(value)
        if t == "date":
            return str(value)[:10]
        if t == "datetime":
            s = str(value).replace("T", " ")
            return s[:19] if len(s) > 10 else s + " 00:00:00"
        if t == "selection" and f.selection is not None and value not in [k for k, _ in f.selection]:
            raise ValueError(f"Wrong value for {model}.{fname}: {value!r}")
        if t in ("char", "text", "html", "selection"):
            return str(value)
        return value

    def apply_m2m(self, current: list[int], commands: Any) -> list[int]:
        ids = list(current)
        for cmd in commands or []:
            if isinstance(cmd, int):
                if cmd not in ids:
                    ids.append(cmd)
                continue
            code = cmd[0]
            if code == 6:
                ids = list(cmd[2] or [])
            elif code == 5:
                ids = []
            elif code in (3, 2):
                ids = [i for i in ids if i != cmd[1]]
            elif code == 4 and cmd[1] not in ids:
                ids.append(cmd[1])
        return ids

    def new_id(self, model: str) -> int:
        self.seq[model] = max(self.seq[model], max(self.data[model], default=0)) + 1
        return self.seq[model]

    def insert(self, model: str, vals: dict, call: Call) -> int:
        """Create one record from converted-or-raw values, with defaults; x2many commands handled."""
        m = self.schema[model]
        ctx = call.context
        rid = int(vals.pop("id", 0) or 0) or self.new_id(model)
        rec: dict = {}
        for fname, f in m.fields.items():
            if fname in vals or f.related or f.type == "one2many" or fname == "id":
                continue
            if f"default_{fname}" in ctx:
                rec[fname] = self.convert(model, fname, ctx[f"default_{fname}"])
            elif f.default is not None:
                rec[fname] = f.default(self) if callable(f.default) else copy.deepcopy(f.default)
            elif fname == "company_id" and f.type == "many2one" and m.company_rule == "strict" and call.company:
                rec[fname] = call.company
            elif fname == "company_ids" and call.company:
                rec[fname] = [call.company]
        now = self.now()
        rec.update(create_date=now, write_date=now, create_uid=call.uid, write_uid=call.uid)
        self.data[model][rid] = rec
        o2m = {}
        for fname, value in vals.items():
            f = m.fields[fname]
            if f.type == "one2many":
                o2m[fname] = value
            elif f.type == "many2many":
                rec[fname] = self.apply_m2m([], value)
            elif not f.related:
                rec[fname] = self.convert(model, fname, value)
        for fname, value in o2m.items():
            self.apply_o2m(model, rid, fname, value, call)
        return rid

    def apply_o2m(self, model: str, rid: int, fname: str, commands: Any, call: Call) -> None:
        f = self.schema[model].fields[fname]
        rel, inv = f.relation, f.inverse
        inv_required = self.schema[rel].fields[inv].required
        for cmd in commands or []:
            if isinstance(cmd, int):
                cmd = (4, cmd, 0)
            code = cmd[0]
            if code == 0:
                self.create(rel, [{**(cmd[2] or {}), inv: rid}], call, check=False)
            elif code == 1:
                self.write(rel, [cmd[1]], cmd[2] or {}, call, check=False)
            elif code == 2 or (code == 3 and inv_required):
                self.unlink(rel, [cmd[1]], call, check=False)
            elif code == 3:
                self.data[rel][cmd[1]][inv] = False
            elif code == 4:
                self.data[rel][cmd[1]][inv] = rid
            elif code in (5, 6):
                keep = set(cmd[2] or []) if code == 6 else set()
                for other in self.value(model, rid, fname):
                    if other not in keep:
                        if inv_required:
                            self.unlink(rel, [other], call, check=False)
                        else:
                            self.data[rel][other][inv] = False
                for other in keep:
                    self.data[rel][other][inv] = rid

    def check_references(self, model: str, vals: dict) -> None:
        """PostgreSQL's foreign keys: a many2one to a record that does not exist fails the whole call, which Odoo
        answers as odoo/service/model.py's _as_validation_error words it."""
        m = self.schema[model]
        for fname, value in vals.items():
            f = m.fields.get(fname)
            if f is None or f.type != "many2one" or not isinstance(value, int) or isinstance(value, bool) or not value:
                continue
            if f.relation in self.schema and value not in self.data[f.relation]:
                raise ValidationError("The operation cannot be completed: another model requires the record being "
                                      f"deleted. If possible, archive it instead.\n\nModel: {m.description} ({model})\n"
                                      f"Constraint: {model.replace('.', '_')}_{fname}_fkey\n")

    def required_error(self, model: str, fname: str) -> ValidationError:
        m = self.schema[model]
        f = m.fields[fname]
        if self.major >= 18:
            return ValidationError(
                f"The operation cannot be completed: Missing required value for the field '{f.string}' ({fname}).\n"
                f"Model: '{m.description}' ({model})\n- create/update: a mandatory field is not set\n"
                "- delete: another model requires the record being deleted, you can archive it instead\n")
        return ValidationError(
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {m.description} ({model})\nField: {f.string} ({fname})\n")

    def check_vals(self, model: str, vals: dict, write: bool = False) -> None:
        fields = self.schema[model].fields
        for key in vals:
            if key not in fields:
                if write and model in ("account.move", "account.move.line"):
                    raise KeyError(key)  # account's write() reads self._fields[fname] first
                if self.major >= 19:
                    raise ValueError(f"Invalid field {key!r} in {model!r}")
                raise ValueError(f"Invalid field {key!r} on model {model!r}")

    # -- generic ORM methods; a subclass adds prepare_/created_/writing_/written_/unlinking_<model> hooks --
    def create(self, model: str, vals_list: list[dict], call: Call, check: bool = True) -> list[int]:
        if check:
            self.check_access(model, "create", call)
        ids = []
        for vals in vals_list:
            if not isinstance(vals, dict):
                raise TypeError(f"'{type(vals).__name__}' object is not a mapping")
            vals = dict(vals)
            self.check_vals(model, vals)
            if check:
                self.check_references(model, vals)
            prepare = getattr(self, "prepare_" + model.replace(".", "_"), None)
            if prepare:
                vals = prepare(vals, call)
            rid = self.insert(model, vals, call)
            rec = self.data[model][rid]
            for fname, f in self.schema[model].fields.items():
                if f.required and not f.related and f.type not in ("one2many", "boolean") and rec.get(fname) in (None, False, []):
                    del self.data[model][rid]
                    raise self.required_error(model, fname)
            after = getattr(self, "created_" + model.replace(".", "_"), None)
            if after:
                after(rid, vals, call)
            ids.append(rid)
        return ids

    def write(self, model: str, ids: list[int], vals: dict, call: Call, check: bool = True) -> bool:
        if check:
            self.check_access(model, "write", call)
        self.check_vals(model, vals, write=True)
        ids = self.existing(model, list(ids), call)
        before = getattr(self, "writing_" + model.replace(".", "_"), None)
        if before:
            vals = before(ids, dict(vals), call)
        m = self.schema[model]
        for rid in ids:
            rec = self.data[model][rid]
            for fname, value in vals.items():
                f = m.fields[fname]
                if fname in ("id", "create_date", "create_uid", "write_date", "write_uid") or f.related:
                    continue
                if f.type == "one2many":
                    self.apply_o2m(model, rid, fname, value, call)
                elif f.type == "many2many":
                    rec[fname] = self.apply_m2m(rec.get(fname) or [], value)
                else:
                    rec[fname] = self.convert(model, fname, value)
                    if f.required and rec[fname] in (None, False) and f.type != "boolean":
                        raise self.required_error(model, fname)
            rec["write_date"], rec["write_uid"] = self.now(), call.uid
        after = getattr(self, "written_" + model.replace(".", "_"), None)
        if after:
            after(ids, vals, call)
        return True

    def unlink(self, model: str, ids: list[int], call: Call, check: bool = True) -> bool:
        if check:
            self.check_access(model, "unlink", call)
        ids = [i for i in ids if i in self.data[model]]
        before = getattr(self, "unlinking_" + model.replace(".", "_"), None)
        if before:
            before(ids, call)
        refs = [(o.name, f) for o in self.schema.values() for f in o.fields.values()
                if f.type == "many2one" and f.relation == model and not f.related]
        for rid in ids:
            self.data[model].pop(rid, None)
            for oname, f in refs:  # ondelete: cascade where the many2one is required, else set null
                for orid, orec in list(self.data[oname].items()):
                    if orec.get(f.name) == rid:
                        if f.required:
                            self.unlink(oname, [orid], call, check=False)
                        else:
                            orec[f.name] = False
        return True

    def fields_get(self, model: str, allfields: list[str] | None = None, attributes: list[str] | None = None) -> dict:
        out = {}
        for fname, f in self.schema[model].fields.items():
            if allfields and fname not in allfields:
                continue
            desc = f.describe()
            if f.type == "selection" and f.selection is None:
                desc["selection"] = self.dynamic_selection(model, fname)
            desc["name"] = fname
            out[fname] = {k: v for k, v in desc.items() if not attributes or k in attributes}
        return out

    def dynamic_selection(self, model: str, fname: str) -> list[list[str]]:
        if fname == "lang":
            return [[r["code"], r["name"]] for r in self.data["res.lang"].values() if r.get("active")]
        return [[m, d.description] for m, d in sorted(self.schema.items())]


def b64_size(datas: Any) -> tuple[int, str]:
    try:
        raw = base64.b64decode(datas or b"")
    except (ValueError, TypeError):
        raw = b""
    return len(raw), hashlib.sha1(raw).hexdigest()


def add_days(day: str, n: int) -> str:
    return (date.fromisoformat(day[:10]) + timedelta(days=n)).isoformat()
