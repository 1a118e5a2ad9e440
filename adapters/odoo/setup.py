"""What Relance needs in Odoo, found by XML ID under our module and created only when missing.

`relance init` runs `ensure_all`; a normal run only resolves (and reports what is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.odoo.client import OdooClient
from adapters.odoo.errors import OdooAccessError, OdooError
from adapters.odoo.mapping import OdooMapping, XmlRef


@dataclass
class Resolved:
    activity_types: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)  # interest | indemnity | fee
    excluded_tag: int | None = None
    hold_tag: int | None = None
    consumer_tag: int | None = None  # a partner who is a consumer whatever the books say (company or not)
    professional_tag: int | None = None  # a professional recorded as an individual (sole trader)
    journal: int | None = None
    missing: list[str] = field(default_factory=list)


def xmlid_lookup(client: OdooClient, xmlid: str) -> int | None:
    """Needs read access to ir.model.data, which Odoo grants to administrators only."""
    module, _, name = xmlid.partition(".")
    rows = client.call("ir.model.data", "search_read", domain=[("module", "=", module), ("name", "=", name)],
                       fields=["res_id", "model"], limit=1)
    return int(rows[0]["res_id"]) if rows else None


def _natural_lookup(client: OdooClient, model: str, values: dict) -> int | None:
    """Without admin rights, find a setup record by what identifies it: a product's internal
    reference, or the name of a tag or an activity type."""
    key = "default_code" if "default_code" in values else "name"
    if not values.get(key):
        return None
    rows = client.call(model, "search_read", domain=[(key, "=", values[key])], fields=["id"], limit=1)
    return int(rows[0]["id"]) if rows else None


def _bind(client: OdooClient, xmlid: str, model: str, res_id: int) -> None:
    module, _, name = xmlid.partition(".")
    client.call("ir.model.data", "create", vals_list=[{"module": module, "name": name, "model": model,
                                                       "res_id": res_id, "noupdate": True}])


def _ensure(client: OdooClient, ref: XmlRef, model: str, values: dict, create: bool, what: str,
            out: Resolved, log: list[str]) -> int | None:
    """Find by XML ID; with `create`, make the record and its XML ID (the XML ID last, so a crash in
    between leaves an orphan found again by name rather than a dangling XML ID)."""
    if not ref.xmlid:
        return None
    try:
        found = xmlid_lookup(client, ref.xmlid)
    except OdooAccessError:
        if create:
            raise OdooAccessError("`relance init` creates XML IDs and needs an administrator's credentials "
                                  "(Settings / Administration rights); daily runs need only the API user") from None
        if not values and not ref.name:  # one of Odoo's own records: Odoo resolves its XML ID when used
            log.append(f"{what}: {ref.xmlid}, resolved by Odoo when used")
            return None
        found = _natural_lookup(client, model, values or {"name": ref.name})
        if found:
            log.append(f"found {what} by {'reference' if 'default_code' in (values or {}) else 'name'} ({model} {found})")
            return found
        out.missing.append(f"{what} ({ref.xmlid}): run `relance init` with an administrator")
        return None
    if found:
        log.append(f"found {what} ({ref.xmlid} = {model} {found})")
        return found
    if not create or not values:
        out.missing.append(f"{what} ({ref.xmlid}): run `relance init`")
        return None
    res_id = _natural_lookup(client, model, values) or client.call(model, "create", vals_list=[values])[0]
    _bind(client, ref.xmlid, model, res_id)
    log.append(f"created {what} ({ref.xmlid} = {model} {res_id})")
    return res_id


def ensure_all(client: OdooClient, mapping: OdooMapping, create: bool) -> tuple[Resolved, list[str]]:
    out, log = Resolved(), []
    for channel, ref in mapping.activities.items():
        values = dict(ref.create or {})
        if values:
            values.setdefault("category", "default")
            values = {k: v for k, v in values.items() if k in ("name", "category", "icon", "summary")}
        type_id = _ensure(client, ref, "mail.activity.type", values, create, f"activity type for {channel}", out, log)
        if type_id:
            out.activity_types[channel] = type_id
    pen = mapping.penalties
    for kind, ref in (("interest", pen.interest_product), ("indemnity", pen.indemnity_product), ("fee", pen.fee_product)):
        values = dict(ref.create or {})
        if values:
            values.update(_service_product_values(client))
            values["taxes_id"] = [(6, 0, [])]  # penalties bear no VAT
            values["sale_ok"] = True
            values["list_price"] = 0.0
        pid = _ensure(client, ref, "product.product", values, create, f"{kind} product", out, log)
        if pid:
            out.products[kind] = pid
    for attr, ref, what in (("excluded_tag", mapping.customers.excluded_tag, "no-follow-up tag"),
                            ("hold_tag", mapping.credit_hold.tag, "credit-hold tag"),
                            ("consumer_tag", mapping.customers.consumer_tag, "consumer tag"),
                            ("professional_tag", mapping.customers.professional_tag, "professional tag")):
        setattr(out, attr, _ensure(client, ref, "res.partner.category", {"name": ref.name or ref.xmlid}, create,
                                   what, out, log))
    out.journal = _journal(client, mapping)
    if out.journal is None:
        out.missing.append("a sale journal for penalty invoices (penalties.journal in the Odoo mapping)")
    return out, log


def _service_product_values(client: OdooClient) -> dict:
    """`type` = 'service' up to 17; 18+ use type 'service' too but 17 also has detailed_type."""
    fields = client.call("product.product", "fields_get", attributes=["type", "selection"])
    if "detailed_type" in fields:
        return {"detailed_type": "service"}
    return {"type": "service"}


def _journal(client: OdooClient, mapping: OdooMapping) -> int | None:
    ref = mapping.penalties.journal
    if ref.xmlid:
        return xmlid_lookup(client, ref.xmlid)
    domain = [("type", "=", "sale")] + ([("code", "=", ref.code)] if ref.code else [])
    try:
        rows = client.call("account.journal", "search_read", domain=domain, fields=["id"], limit=1, order="sequence, id")
    except OdooError:
        rows = client.call("account.journal", "search_read", domain=domain, fields=["id"], limit=1)
    return int(rows[0]["id"]) if rows else None
