"""What Relance needs in Odoo, found by XML ID under our module and created only when missing.

`relance init` runs `ensure_all`; a normal run only resolves (and reports what is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.odoo.client import OdooClient
from adapters.odoo.errors import OdooAccessError, OdooError
from adapters.odoo.mapping import OdooMapping, XmlRef
from adapters.odoo.read import postal_address
from connector.models import Letterhead


@dataclass
class Company:
    """One company of the tenant, as it writes, signs and books what concerns its own invoices."""

    id: int
    name: str
    chart: str | None = None  # res.company.chart_template (Odoo 17+), e.g. fr, de_skr03, generic_coa
    journal: int | None = None  # its sale journal for penalty invoices
    accounts: dict[str, tuple[int, str]] = field(default_factory=dict)  # penalty kind -> (account id, code)
    letterhead: Letterhead | None = None  # what its letters print: address, registration and VAT numbers


@dataclass
class Resolved:
    activity_types: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)  # interest | indemnity | fee
    companies: dict[int, Company] = field(default_factory=dict)  # the first is the default
    excluded_tag: int | None = None
    hold_tag: int | None = None
    consumer_tag: int | None = None  # a partner who is a consumer whatever the books say (company or not)
    professional_tag: int | None = None  # a professional recorded as an individual (sole trader)
    journal: int | None = None
    missing: list[str] = field(default_factory=list)


def xmlid_lookup(client: OdooClient, xmlid: str) -> int | None:
    """Needs read access to ir.model.data, which Odoo grants to administrators only: refused once, not asked again
    by this client (a dozen setup records are looked up per run)."""
    if "ir.model.data" in client.refused:
        raise OdooAccessError("ir.model.data is readable by administrators only", model="ir.model.data",
                              method="search_read")
    module, _, name = xmlid.partition(".")
    try:
        rows = client.call("ir.model.data", "search_read", domain=[("module", "=", module), ("name", "=", name)],
                           fields=["res_id", "model"], limit=1)
    except OdooAccessError:
        client.refused.add("ir.model.data")
        raise
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


def ensure_all(client: OdooClient, mapping: OdooMapping, create: bool,
               companies: tuple[int, ...] = ()) -> tuple[Resolved, list[str]]:
    out, log = Resolved(), []
    type_fields = ("name", "category", "icon", "summary")
    if create and any("keep_done" in (ref.create or {}) for ref in mapping.activities.values()):
        if "keep_done" in client.call("mail.activity.type", "fields_get", attributes=["type"]):  # 17; 19 keeps all
            type_fields += ("keep_done",)
    for channel, ref in mapping.activities.items():
        values = dict(ref.create or {})
        if values:
            values.setdefault("category", "default")
            values = {k: v for k, v in values.items() if k in type_fields}
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
    ref = mapping.penalties.journal
    out.journal = xmlid_lookup(client, ref.xmlid) if ref.xmlid else None
    out.companies = _companies(client, mapping, companies, out.journal)
    if out.journal is None:  # the default company's, or the first sale journal the user sees
        first = next(iter(out.companies.values()), None)
        out.journal = first.journal if first else _sale_journal(client, mapping, None)
    for c in out.companies.values():
        if c.journal is None:
            out.missing.append(f"a sale journal of company {c.name} (res.company {c.id}) for penalty invoices "
                               "(penalties.journal in the Odoo mapping)")
        for kind in ("interest", "indemnity", "fee"):
            found = c.accounts.get(kind)
            log.append(f"{kind} lines of company {c.name}: " + (
                f"account {found[1]} (account.account {found[0]})" if found else
                "the product's income account" + (f" (no account for chart {c.chart!r} in the mapping)"
                                                  if c.chart else "")))
    if out.journal is None and not out.companies:
        out.missing.append("a sale journal for penalty invoices (penalties.journal in the Odoo mapping)")
    return out, log


LETTERHEAD_FIELDS = ("street", "street2", "zip", "city", "state_id", "country_id", "country_code", "phone", "email",
                     "vat", "company_registry", "siret", "partner_id")


def m2o(value: object) -> int | None:
    return value[0] if isinstance(value, (list, tuple)) and value else None


def to_letterhead(row: dict, lang: str | None) -> Letterhead:
    """A res.company as its letters print it; SIRET where l10n_fr has it, else the company registry number."""
    country = row.get("country_code") or None
    return Letterhead(
        id=str(row["id"]), name=row["name"], address=postal_address(row, None, lang), city=row.get("city") or None,
        country=country, phone=row.get("phone") or None, email=row.get("email") or None, vat=row.get("vat") or None,
        registry=row.get("siret") or row.get("company_registry") or None, lang=lang or None)


def _companies(client: OdooClient, mapping: OdooMapping, ids: tuple[int, ...], default_journal: int | None,
               ) -> dict[int, Company]:
    """The tenant's companies (those of relance.yaml, else every company the API user may use), each with its
    sale journal and, by its chart of accounts, the income account of each kind of penalty line."""
    if not ids:
        user = client.call("res.users", "read", ids=[client.uid], fields=["company_id", "company_ids"])[0]
        first = user["company_id"][0] if user.get("company_id") else None
        ids = tuple(sorted(set(user.get("company_ids") or ()), key=lambda c: (c != first, c)))
    has = client.call("res.company", "fields_get", attributes=["type"])
    fields = [f for f in ("name", "chart_template", *LETTERHEAD_FIELDS) if f in has]
    rows = {r["id"]: r for r in client.call("res.company", "read", ids=list(ids), fields=fields)}
    partners = {m2o(r.get("partner_id")) for r in rows.values()} - {None}
    langs = {p["id"]: p.get("lang") for p in client.call("res.partner", "read", ids=sorted(partners), fields=["lang"])}
    account_fields = client.call("account.account", "fields_get", attributes=["type"])
    named_in = None  # the company of the journal the mapping names by XML ID
    if default_journal:
        journal = client.call("account.journal", "read", ids=[default_journal], fields=["company_id"])
        named_in = journal[0]["company_id"][0] if journal and journal[0]["company_id"] else None
    out: dict[int, Company] = {}
    for cid in ids:
        row = rows.get(cid)
        if row is None:
            continue
        c = Company(id=cid, name=row["name"], chart=row.get("chart_template") or None,
                    letterhead=to_letterhead(row, langs.get(m2o(row.get("partner_id")))))
        ctx = {"allowed_company_ids": [cid]}
        c.journal = default_journal if named_in == cid else _sale_journal(client, mapping, cid)
        # 17 has one company per account, 19 shares an account between companies (company_ids)
        own = ("company_ids", "in", [cid]) if "company_ids" in account_fields else ("company_id", "=", cid)
        live = [("deprecated", "=", False)] if "deprecated" in account_fields else []
        for kind, prefix in mapping.penalties.accounts.get(c.chart or "", {}).items():
            found = client.call("account.account", "search_read", domain=[("code", "=like", f"{prefix}%"), own, *live],
                                fields=["id", "code"], limit=1, order="code, id", context=ctx)
            if found:
                c.accounts[kind] = (int(found[0]["id"]), found[0]["code"])
        out[cid] = c
    return out


def _service_product_values(client: OdooClient) -> dict:
    """`type` = 'service' up to 17; 18+ use type 'service' too but 17 also has detailed_type."""
    fields = client.call("product.product", "fields_get", attributes=["type", "selection"])
    if "detailed_type" in fields:
        return {"detailed_type": "service"}
    return {"type": "service"}


def _sale_journal(client: OdooClient, mapping: OdooMapping, company: int | None) -> int | None:
    """The first sale journal (of `company`, else any the user sees), with the mapping's code if it names one."""
    ref = mapping.penalties.journal
    domain = [("type", "=", "sale")] + ([("company_id", "=", company)] if company else []) + (
        [("code", "=", ref.code)] if ref.code else [])
    ctx = {"allowed_company_ids": [company]} if company else {}
    try:
        rows = client.call("account.journal", "search_read", domain=domain, fields=["id"], limit=1, order="sequence, id",
                           context=ctx)
    except OdooError:
        rows = client.call("account.journal", "search_read", domain=domain, fields=["id"], limit=1, context=ctx)
    return int(rows[0]["id"]) if rows else None
