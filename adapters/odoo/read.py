"""Read a ledger out of Odoo: receivable lines per installment, their dated settlements, customers,
unapplied credits and the history Relance wrote (its markers in chatter messages).

Paged `search_read` with only the needed fields; related records are read in batches by id, never
one call per record. `read_rows` fetches the raw rows, `build_ledger` converts them (wire records to
canonical ones in exactly one function each); adapters.odoo.incremental keeps the rows up to date.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from adapters.odoo.client import OdooClient
from adapters.odoo.mapping import OdooMapping
from connector import postal
from connector.keys import PREFIX, parse
from connector.models import Credit, Customer, Ledger, Letterhead, Receivable, Rejection, Settlement

_BATCH = 1000
MARKER_LIKE = f"[{PREFIX}"


def m2o_id(value: Any) -> int | None:
    """Odoo reads a many2one as [id, display_name], as its id with load='' (PLAIN), or False."""
    if isinstance(value, (list, tuple)):
        return int(value[0]) if value else None
    return int(value) if value else None


# search_read's `load=''`: a many2one as its id, without the display name Odoo would compute for each of 10,000
# moves, partners and lines (Odoo's search_read docstring); the ledger needs only the currencies' codes.
PLAIN = {"load": ""}


def m2o_name(value: Any) -> str | None:
    return str(value[1]) if value else None


def money(value: Any) -> Decimal:
    """Odoo's floats (XML-RPC) or Decimals (JSON-2 parsed with parse_float=Decimal) as Decimal."""
    return value if isinstance(value, Decimal) else Decimal(repr(float(value or 0)))


def odoo_date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def chunks(ids: Iterable[int], size: int = _BATCH) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def read_by_ids(client: OdooClient, model: str, ids: Iterable[int], fields: list[str], **kw: Any) -> dict[int, dict]:
    """The records of these ids, a thousand per call, several calls at once."""
    pages = client.each(lambda batch: client.call(model, "search_read", domain=[("id", "in", batch)], fields=fields,
                                                  **kw), chunks(ids))
    return {row["id"]: row for page in pages for row in page}


def search_ids(client: OdooClient, model: str, domain: list, page: int = 50_000) -> list[int]:
    """Every id matching `domain`, paged by id (keyset) without reading a field: a page of 50,000 is a few hundred kB."""
    ids: list[int] = []
    while True:
        batch = client.call(model, "search", domain=[("id", ">", ids[-1] if ids else 0), *domain], limit=page,
                            order="id asc")
        ids.extend(batch)
        if len(batch) < page:
            return ids


def existing_fields(client: OdooClient, model: str, wanted: list[str]) -> list[str]:
    """The wanted fields this server's model has (fields move between versions: mobile, invoice_warn...)."""
    have = client.call(model, "fields_get", attributes=["type"])
    return [f for f in wanted if f in have]


# -- one conversion function per entity ---------------------------------------------------------------

def postal_address(row: dict, home: str | None = None, lang: str | None = None) -> tuple[str, ...]:
    """A partner's (or company's) address lines for a letter's window."""
    if not (row.get("street") or "").strip():
        return ()
    state = row.get("state_id")
    return postal.lines((row.get("street"), row.get("street2")), row.get("zip"), row.get("city"),
                        (m2o_name(state) or "") if row.get("country_code") in ("US", "CA", "AU") else None,
                        row.get("country_code") or None, home, lang)


def to_customer(row: dict, excluded_tag: int | None, fixed_collector: int | None,
                debtor_tags: tuple[int | None, int | None] = (None, None), contact: dict | None = None,
                home: str | None = None) -> Customer:
    """A company is a professional, a person a consumer, unless the partner carries the professional tag (a sole
    trader recorded as an individual) or the consumer tag (`debtor_tags`: consumer, professional)."""
    tags = row.get("category_id") or []
    consumer_tag, professional_tag = debtor_tags
    if professional_tag and professional_tag in tags:
        kind = "company"
    elif consumer_tag and consumer_tag in tags:
        kind = "person"
    else:
        kind = "company" if row.get("is_company") else "person"
    return Customer(
        id=str(row["id"]), name=(row.get("name") or "").strip() or f"res.partner {row['id']}",
        kind=kind, lang=row.get("lang") or None,
        country=(m2o_name(row.get("country_id")) and row.get("country_code")) or None,
        has_email=bool((row.get("email") or "").strip()),
        has_phone=bool((row.get("phone") or "").strip() or (row.get("mobile") or "").strip()),
        has_address=bool((row.get("street") or "").strip() and (row.get("city") or "").strip()),
        excluded=excluded_tag in tags if excluded_tag else False,
        credit_limit=money(row["credit_limit"]) if row.get("use_partner_credit_limit") and row.get("credit_limit") else None,
        collector=str(fixed_collector or m2o_id(row.get("user_id")) or "") or None,
        tags=tuple(str(t) for t in tags),
        # a person is addressed by name; a company through its invoice contact, when it has one with a name
        contact=((contact or {}).get("name") or None) if row.get("is_company") else (row.get("name") or "").strip() or None,
        email=(row.get("email") or "").strip() or None,
        address=postal_address(row, home),
    )


def to_receivable(line: dict, move: dict, settlements: list[Settlement], company_currency: str,
                  exclusion_field: str, base_url: str | None = None) -> Receivable:
    currency = m2o_name(line.get("currency_id")) or company_currency
    foreign = currency != company_currency
    amount = money(line["amount_currency"] if foreign else line["balance"])
    open_amount = money(line["amount_residual_currency"] if foreign else line["amount_residual"])
    due = odoo_date(line.get("date_maturity"))
    if due is None:
        raise ValueError("no due date (date_maturity is empty)")
    issued = odoo_date(move.get("invoice_date")) or odoo_date(line.get("date")) or due
    customer = m2o_id(move.get("commercial_partner_id")) or m2o_id(line.get("partner_id"))
    if customer is None:
        raise ValueError("no customer (neither the invoice nor its line names a partner)")
    return Receivable(
        id=str(line["id"]), invoice_id=str(move["id"]), number=move.get("name") or f"account.move {move['id']}",
        customer_id=str(customer),
        issue_date=min(issued, due), due_date=due, amount=amount, open_amount=open_amount, currency=currency,
        disputed=bool(line.get(exclusion_field)), settlements=tuple(sorted(settlements, key=lambda s: s.date)),
        company_id=str(m2o_id(line.get("company_id")) or ""), is_penalty=MARKER_LIKE[1:] in (move.get("ref") or ""),
        pay_url=f"{base_url}/my/invoices/{move['id']}?access_token={move['access_token']}"
                if base_url and move.get("access_token") and move.get("id") else None,
        discount_date=odoo_date(line.get("discount_date")) if line.get("discount_amount_currency") else None,
        discount_amount=money(line["discount_amount_currency"]) if line.get("discount_amount_currency") else None,
    )


def to_credit(line: dict, move: dict, applied: list[dict], company_currency: str, customer: int) -> Credit:
    """An open credit line (a credit note's, a payment's): what is unapplied of it now, and its applications
    dated by their partial's max_date (the later of the two lines' dates, which Odoo's aged balance uses)."""
    currency = m2o_name(line.get("currency_id")) or company_currency
    foreign = currency != company_currency
    return Credit(customer_id=str(customer), currency=currency, ref=move.get("name"), id=str(line["id"]),
                  amount=-money(line["amount_residual_currency"] if foreign else line["amount_residual"]),
                  date=odoo_date(line.get("date")), due_date=odoo_date(line.get("date_maturity")),
                  company_id=str(m2o_id(line.get("company_id")) or ""),
                  settlements=tuple(sorted((Settlement(date=odoo_date(p["max_date"]), kind="other",
                                                       amount=money(p["credit_amount_currency" if foreign else "amount"]),
                                                       ref=f"account.partial.reconcile {p['id']}")
                                            for p in applied), key=lambda s: s.date)))


def to_settlement(partial: dict, foreign: bool, kind: str) -> Settlement:
    amount = money(partial["debit_amount_currency"] if foreign else partial["amount"])
    return Settlement(date=odoo_date(partial["max_date"]), amount=amount, kind=kind, ref=f"account.partial.reconcile {partial['id']}")


# -- the read -----------------------------------------------------------------------------------------

LINE_FIELDS = ["move_id", "partner_id", "date", "date_maturity", "balance", "amount_currency", "amount_residual",
               "amount_residual_currency", "currency_id", "company_id", "reconciled",
               "discount_date", "discount_amount_currency"]  # an early-payment discount (Odoo 17+ payment terms)
# portal.mixin's access_token; the portal path is account.move's access_url, '/my/invoices/<id>' (Odoo 17 and 19
# account/models/account_move.py _compute_access_url), not read: a computed field costs the server per move
MOVE_FIELDS = ["name", "move_type", "invoice_date", "ref", "commercial_partner_id", "state", "access_token"]
PARTNER_FIELDS = ["name", "is_company", "lang", "country_id", "country_code", "email", "phone", "mobile", "street",
                  "street2", "zip", "city", "state_id", "user_id", "credit_limit", "use_partner_credit_limit",
                  "category_id"]
CONTACT_FIELDS = ["parent_id", "name", "email"]
PARTIAL_FIELDS = ["debit_move_id", "credit_move_id", "amount", "debit_amount_currency", "credit_amount_currency",
                  "max_date"]
PARTNER_CONTEXT = {"active_test": False}


@dataclass
class Rows:
    """The raw Odoo rows a ledger is built from, by id: what a full read fetches and an incremental
    read (adapters.odoo.incremental) keeps up to date."""

    line_fields: list[str]
    partner_fields: list[str]
    exclusion: str
    lines: dict[int, dict] = field(default_factory=dict)          # receivable lines of the domain
    moves: dict[int, dict] = field(default_factory=dict)          # their moves
    company_currency: dict[int, str] = field(default_factory=dict)
    partials: dict[int, list[dict]] = field(default_factory=dict)  # by debit (invoice) line id
    applied: dict[int, list[dict]] = field(default_factory=dict)   # by credit line id: where it was applied
    counterparts: dict[int, dict] = field(default_factory=dict)   # credit lines of those partials: move_id
    counter_moves: dict[int, dict] = field(default_factory=dict)  # their moves: move_type
    partners: dict[int, dict] = field(default_factory=dict)
    contacts: dict[int, dict] = field(default_factory=dict)       # by company partner: its invoice contact
    base_url: str | None = None                                   # web.base.url, for the portal links
    history: dict[int, list] = field(default_factory=dict)        # mail.message id -> the markers it holds
    currencies: dict[int, str] = field(default_factory=dict)      # res.currency id -> its code


def receivable_domain(mapping: OdooMapping, as_of: date) -> list:
    cfg = mapping.receivables
    since = (as_of - timedelta(days=cfg.paid_lookback_days)).isoformat()
    day = as_of.isoformat()  # reconciled after the as-of day: open on it, however old (connector/asof.py)
    return [("account_id.account_type", "=", cfg.account_type), ("parent_state", "=", "posted"),
            ("move_id.move_type", "in", [*cfg.invoice_types, *cfg.credit_types, "entry"]),
            "|", "|", "|", ("amount_residual", "!=", 0), ("date", ">=", since),
            ("matched_credit_ids.max_date", ">", day), ("matched_debit_ids.max_date", ">", day)]


def is_invoice_line(line: dict, rows: Rows, mapping: OdooMapping) -> bool:
    return money(line["balance"]) > 0 and rows.moves.get(m2o_id(line["move_id"]), {}).get(
        "move_type") in mapping.receivables.invoice_types


def customer_of(line: dict, move: dict) -> int | None:
    return m2o_id(move.get("commercial_partner_id")) or m2o_id(line.get("partner_id"))


def read_rows(client: OdooClient, mapping: OdooMapping, as_of: date) -> Rows:
    """The full read: every receivable line of the domain, then what hangs on them."""
    exclusion = mapping.receivables.exclusion_for(client.major)
    rows = Rows(line_fields=existing_fields(client, "account.move.line", [*LINE_FIELDS, exclusion]),
                partner_fields=existing_fields(client, "res.partner", PARTNER_FIELDS), exclusion=exclusion)
    page = mapping.receivables.page_size
    ids, rows.history = client.each(lambda read: read(), [  # the markers read while the lines are found
        lambda: search_ids(client, "account.move.line", receivable_domain(mapping, as_of)),
        lambda: read_markers(client, [], page=page)])
    rows.lines = read_by_ids(client, "account.move.line", ids, rows.line_fields, **PLAIN)  # pages read at once
    name_currencies(client, rows, rows.lines.values())
    read_related(client, mapping, rows, rows.lines)
    if mapping.email.portal_links:  # get_base_url on no record: web.base.url, which the API user may not read
        rows.base_url = str(client.call("account.move", "get_base_url", ids=[]) or "").rstrip("/") or None
    return rows


def name_currencies(client: OdooClient, rows: Rows, lines: Iterable[dict]) -> None:
    """The currency of lines read PLAIN as [id, code], as a classic read gives it, the codes read once."""
    lines = list(lines)
    ids = {ln["currency_id"] for ln in lines if isinstance(ln.get("currency_id"), int)} - rows.currencies.keys()
    if ids:
        rows.currencies.update({cid: str(c["name"]) for cid, c in read_by_ids(
            client, "res.currency", ids, ["name"], context={"active_test": False}).items()})
    for ln in lines:
        cid = ln.get("currency_id")
        if isinstance(cid, int) and not isinstance(cid, bool):
            ln["currency_id"] = [cid, rows.currencies.get(cid, "")]


def read_related(client: OdooClient, mapping: OdooMapping, rows: Rows, line_ids: Iterable[int]) -> None:
    """Into `rows`: the moves, companies, partials (replaced), counterparts and customers of these lines,
    each read in batches and only where `rows` does not hold it yet (partials always)."""
    lines = [rows.lines[i] for i in line_ids]
    rows.moves.update(read_by_ids(client, "account.move",
                                  {m2o_id(ln["move_id"]) for ln in lines} - rows.moves.keys(), MOVE_FIELDS, **PLAIN))
    companies = {m2o_id(ln["company_id"]) for ln in lines if ln.get("company_id")} - rows.company_currency.keys()
    rows.company_currency.update({cid: m2o_name(c["currency_id"]) for cid, c in
                                  read_by_ids(client, "res.company", companies, ["currency_id"]).items()})
    debit_ids = [ln["id"] for ln in lines if is_invoice_line(ln, rows, mapping)]
    rows.partials.update(_partials(client, "debit_move_id", debit_ids))
    rows.applied.update(_partials(client, "credit_move_id", [ln["id"] for ln in lines if money(ln["balance"]) < 0]))
    credit_ids = {m2o_id(p["credit_move_id"]) for lid in debit_ids for p in rows.partials[lid]}
    rows.counterparts.update(read_by_ids(client, "account.move.line", credit_ids - rows.counterparts.keys(), ["move_id"],
                                         **PLAIN))
    counter_moves = {m2o_id(rows.counterparts[c]["move_id"]) for c in credit_ids if c in rows.counterparts}
    rows.counter_moves.update(read_by_ids(client, "account.move", counter_moves - rows.counter_moves.keys(), ["move_type"]))
    customers = {customer_of(rows.lines[lid], rows.moves.get(m2o_id(rows.lines[lid]["move_id"]), {})) for lid in debit_ids}
    new = read_by_ids(client, "res.partner", customers - {None} - rows.partners.keys(), rows.partner_fields,
                      context=PARTNER_CONTEXT)
    rows.partners.update(new)
    read_contacts(client, rows, [pid for pid, p in new.items() if p.get("is_company")])


def _partials(client: OdooClient, side: str, line_ids: list[int]) -> dict[int, list[dict]]:
    """The reconciliations of each line on `side` (debit_move_id: an invoice's settlements; credit_move_id: where
    a credit was applied), an empty list for a line with none."""
    out: dict[int, list[dict]] = {lid: [] for lid in line_ids}
    pages = client.each(lambda batch: client.call("account.partial.reconcile", "search_read", fields=PARTIAL_FIELDS,
                                                  domain=[(side, "in", batch)], **PLAIN), chunks(line_ids))
    for p in (p for page in pages for p in page):
        out[m2o_id(p[side])].append(p)
    return out


def read_contacts(client: OdooClient, rows: Rows, companies: list[int]) -> None:
    """The invoice contact (child address of type invoice) of each company partner: whom a reminder greets."""
    for batch in chunks(companies):
        found = client.call("res.partner", "search_read", domain=[("parent_id", "in", batch), ("type", "=", "invoice")],
                            fields=CONTACT_FIELDS, order="id")
        for c in found:
            rows.contacts.setdefault(m2o_id(c["parent_id"]), c)


def read_markers(client: OdooClient, domain: list, page: int = 2000) -> dict[int, list]:
    """The markers Relance left in chatter messages of customers and invoices, by message id."""
    rows = client.search_read_all(
        "mail.message", [("model", "in", ["res.partner", "account.move"]), ("body", "ilike", MARKER_LIKE), *domain],
        ["body", "model", "res_id"], page=page)
    return {row["id"]: parse(html.unescape(str(row.get("body") or "")), source_ref=f"mail.message {row['id']}")
            for row in rows}


# -- rows to ledger: the one conversion both reads share ---------------------------------------------

def build_ledger(rows: Rows, mapping: OdooMapping, *, excluded_tag: int | None, fixed_collector: int | None,
                 debtor_tags: tuple[int | None, int | None] = (None, None),
                 companies: Sequence[Letterhead] = ()) -> Ledger:
    led = Ledger(companies=list(companies))
    home = companies[0].country if companies else None
    credit_types = mapping.receivables.credit_types
    for lid in sorted(rows.lines):
        ln = rows.lines[lid]
        move = rows.moves.get(m2o_id(ln["move_id"]), {})
        cur = rows.company_currency.get(m2o_id(ln.get("company_id")), "EUR")
        foreign = (m2o_name(ln.get("currency_id")) or cur) != cur
        where = f"account.move.line {ln['id']} ({move.get('name') or 'no number'})"
        if move.get("move_type") in mapping.receivables.invoice_types and money(ln["balance"]) <= 0:
            led.rejected.append(Rejection(record=where, reason=not_owed(money(ln["balance"]))))  # never silently dropped
        if is_invoice_line(ln, rows, mapping):
            try:
                settlements = []
                for p in rows.partials.get(ln["id"], []):
                    cline = rows.counterparts.get(m2o_id(p["credit_move_id"]), {})
                    ctype = rows.counter_moves.get(m2o_id(cline.get("move_id")), {}).get("move_type")
                    settlements.append(to_settlement(p, foreign, "credit_note" if ctype in credit_types else "payment"))
                led.receivables.append(to_receivable(ln, move, settlements, cur, rows.exclusion, rows.base_url))
            except (ValidationError, ValueError, TypeError, KeyError) as exc:
                led.rejected.append(Rejection(record=where, reason=_reason(exc)))
        elif money(ln["balance"]) < 0 and (money(ln["amount_residual"]) != 0 or rows.applied.get(lid)) and (
                partner := customer_of(ln, move)):  # applied in full since: still open on an earlier day
            try:
                led.credits.append(to_credit(ln, move, rows.applied.get(lid, []), cur, partner))
            except (ValidationError, ValueError, TypeError, KeyError) as exc:
                led.rejected.append(Rejection(record=where, reason=_reason(exc)))

    partner_ids = {int(r.customer_id) for r in led.receivables if r.customer_id.isdigit()}
    for pid in sorted(partner_ids & rows.partners.keys()):
        try:
            led.customers.append(to_customer(rows.partners[pid], excluded_tag, fixed_collector, debtor_tags,
                                             rows.contacts.get(pid), home))
        except (ValidationError, ValueError) as exc:
            led.rejected.append(Rejection(record=f"res.partner {pid}", reason=_reason(exc)))

    # a marker read twice (a note copied or quoted into another message) is one entry
    seen: set[tuple] = set()
    for _, entries in sorted(rows.history.items()):
        for entry in entries:
            ident = (entry.key, entry.kind, entry.penalty, entry.receivable_ids, entry.period_end)
            if ident not in seen:
                seen.add(ident)
                led.history.append(entry)
    return led


def not_owed(balance: Decimal) -> str:
    """Why a customer invoice's receivable line is not followed up although it was read."""
    if balance == 0:
        return "zero amount: nothing to collect"
    return (f"negative amount {balance} on a customer invoice (a credit note entered as an invoice?): not followed "
            f"up; what is open of it counts as an unapplied credit of the customer")


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: " * bool(e["loc"]) + e["msg"].removeprefix("Value error, ")
                         for e in exc.errors(include_url=False))
    return str(exc)
