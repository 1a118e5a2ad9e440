"""Read a ledger out of Odoo: receivable lines per installment, their dated settlements, customers,
unapplied credits and the history Relance wrote (its markers in chatter messages).

Paged `search_read` with only the needed fields; related records are read in batches by id, never
one call per record. Wire records are converted to canonical ones in exactly one function each.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from adapters.odoo.client import OdooClient
from adapters.odoo.mapping import OdooMapping
from connector.keys import PREFIX, parse
from connector.models import Credit, Customer, Ledger, Receivable, Rejection, Settlement

_BATCH = 1000
MARKER_LIKE = f"[{PREFIX}"


def m2o_id(value: Any) -> int | None:
    """Odoo reads a many2one as [id, display_name] or False."""
    return int(value[0]) if value else None


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
    out: dict[int, dict] = {}
    for batch in chunks(ids):
        for row in client.call(model, "search_read", domain=[("id", "in", batch)], fields=fields, **kw):
            out[row["id"]] = row
    return out


def existing_fields(client: OdooClient, model: str, wanted: list[str]) -> list[str]:
    """The wanted fields this server's model has (fields move between versions: mobile, invoice_warn...)."""
    have = client.call(model, "fields_get", attributes=["type"])
    return [f for f in wanted if f in have]


# -- one conversion function per entity ---------------------------------------------------------------

def to_customer(row: dict, excluded_tag: int | None, fixed_collector: int | None) -> Customer:
    tags = row.get("category_id") or []
    return Customer(
        id=str(row["id"]), name=(row.get("name") or "").strip() or f"res.partner {row['id']}",
        kind="company" if row.get("is_company") else "person", lang=row.get("lang") or None,
        country=(m2o_name(row.get("country_id")) and row.get("country_code")) or None,
        has_email=bool((row.get("email") or "").strip()),
        has_phone=bool((row.get("phone") or "").strip() or (row.get("mobile") or "").strip()),
        has_address=bool((row.get("street") or "").strip() and (row.get("city") or "").strip()),
        excluded=excluded_tag in tags if excluded_tag else False,
        credit_limit=money(row["credit_limit"]) if row.get("use_partner_credit_limit") and row.get("credit_limit") else None,
        collector=str(fixed_collector or m2o_id(row.get("user_id")) or "") or None,
        tags=tuple(str(t) for t in tags),
    )


def to_receivable(line: dict, move: dict, settlements: list[Settlement], company_currency: str,
                  exclusion_field: str) -> Receivable:
    currency = m2o_name(line.get("currency_id")) or company_currency
    foreign = currency != company_currency
    amount = money(line["amount_currency"] if foreign else line["balance"])
    open_amount = money(line["amount_residual_currency"] if foreign else line["amount_residual"])
    due = odoo_date(line.get("date_maturity"))
    if due is None:
        raise ValueError("no due date (date_maturity is empty)")
    issued = odoo_date(move.get("invoice_date")) or odoo_date(line.get("date")) or due
    return Receivable(
        id=str(line["id"]), invoice_id=str(move["id"]), number=move.get("name") or f"account.move {move['id']}",
        customer_id=str(m2o_id(move.get("commercial_partner_id")) or m2o_id(line.get("partner_id"))),
        issue_date=min(issued, due), due_date=due, amount=amount, open_amount=open_amount, currency=currency,
        disputed=bool(line.get(exclusion_field)), settlements=tuple(sorted(settlements, key=lambda s: s.date)),
        company_id=str(m2o_id(line.get("company_id")) or ""), is_penalty=MARKER_LIKE[1:] in (move.get("ref") or ""),
    )


def to_settlement(partial: dict, foreign: bool, kind: str) -> Settlement:
    amount = money(partial["debit_amount_currency"] if foreign else partial["amount"])
    return Settlement(date=odoo_date(partial["max_date"]), amount=amount, kind=kind, ref=f"account.partial.reconcile {partial['id']}")


# -- the read -----------------------------------------------------------------------------------------

LINE_FIELDS = ["move_id", "partner_id", "date", "date_maturity", "balance", "amount_currency", "amount_residual",
               "amount_residual_currency", "currency_id", "company_id", "reconciled"]
MOVE_FIELDS = ["name", "move_type", "invoice_date", "ref", "commercial_partner_id", "state"]
PARTNER_FIELDS = ["name", "is_company", "lang", "country_id", "country_code", "email", "phone", "mobile", "street",
                  "city", "user_id", "credit_limit", "use_partner_credit_limit", "category_id"]


def read_ledger(client: OdooClient, mapping: OdooMapping, as_of: date, *, excluded_tag: int | None,
                fixed_collector: int | None) -> Ledger:
    led = Ledger()
    cfg = mapping.receivables
    exclusion = cfg.exclusion_for(client.major)
    line_fields = existing_fields(client, "account.move.line", [*LINE_FIELDS, exclusion])
    since = (as_of - timedelta(days=cfg.paid_lookback_days)).isoformat()
    domain = [("account_id.account_type", "=", cfg.account_type), ("parent_state", "=", "posted"),
              ("move_id.move_type", "in", [*cfg.invoice_types, *cfg.credit_types, "entry"]),
              "|", ("amount_residual", "!=", 0), ("date", ">=", since)]
    lines = client.search_read_all("account.move.line", domain, line_fields, page=cfg.page_size)
    moves = read_by_ids(client, "account.move", (m2o_id(ln["move_id"]) for ln in lines), MOVE_FIELDS)
    companies = read_by_ids(client, "res.company", (m2o_id(ln["company_id"]) for ln in lines if ln.get("company_id")),
                            ["currency_id"])
    company_currency = {cid: m2o_name(c["currency_id"]) for cid, c in companies.items()}

    debit_lines = [ln for ln in lines if money(ln["balance"]) > 0
                   and moves.get(m2o_id(ln["move_id"]), {}).get("move_type") in cfg.invoice_types]
    credit_lines = [ln for ln in lines if money(ln["balance"]) < 0 and money(ln["amount_residual"]) != 0]

    partials: dict[int, list[dict]] = defaultdict(list)
    for batch in chunks(ln["id"] for ln in debit_lines):
        for p in client.call("account.partial.reconcile", "search_read", domain=[("debit_move_id", "in", batch)],
                             fields=["debit_move_id", "credit_move_id", "amount", "debit_amount_currency", "max_date"]):
            partials[m2o_id(p["debit_move_id"])].append(p)
    counterpart = read_by_ids(client, "account.move.line",
                              (m2o_id(p["credit_move_id"]) for ps in partials.values() for p in ps), ["move_id"])
    counter_moves = read_by_ids(client, "account.move", {m2o_id(c["move_id"]) for c in counterpart.values()},
                                ["move_type"])

    for ln in debit_lines:
        move = moves[m2o_id(ln["move_id"])]
        cur = company_currency.get(m2o_id(ln.get("company_id")), "EUR")
        foreign = (m2o_name(ln.get("currency_id")) or cur) != cur
        where = f"account.move.line {ln['id']} ({move.get('name') or 'no number'})"
        try:
            settlements = []
            for p in partials.get(ln["id"], []):
                cline = counterpart.get(m2o_id(p["credit_move_id"]), {})
                ctype = counter_moves.get(m2o_id(cline.get("move_id")), {}).get("move_type")
                settlements.append(to_settlement(p, foreign, "credit_note" if ctype in cfg.credit_types else "payment"))
            led.receivables.append(to_receivable(ln, move, settlements, cur, exclusion))
        except (ValidationError, ValueError, TypeError, KeyError) as exc:
            led.rejected.append(Rejection(record=where, reason=_reason(exc)))

    for ln in credit_lines:
        move = moves.get(m2o_id(ln["move_id"]), {})
        cur = company_currency.get(m2o_id(ln.get("company_id")), "EUR")
        foreign = (m2o_name(ln.get("currency_id")) or cur) != cur
        partner = m2o_id(move.get("commercial_partner_id")) or m2o_id(ln.get("partner_id"))
        if partner:
            amount = -money(ln["amount_residual_currency"] if foreign else ln["amount_residual"])
            led.credits.append(Credit(customer_id=str(partner), amount=amount, currency=m2o_name(ln.get("currency_id")) or cur,
                                      ref=move.get("name")))

    partner_ids = {int(r.customer_id) for r in led.receivables if r.customer_id.isdigit()}
    fields = existing_fields(client, "res.partner", PARTNER_FIELDS)
    for pid, row in read_by_ids(client, "res.partner", partner_ids, fields, context={"active_test": False}).items():
        try:
            led.customers.append(to_customer(row, excluded_tag, fixed_collector))
        except (ValidationError, ValueError) as exc:
            led.rejected.append(Rejection(record=f"res.partner {pid}", reason=_reason(exc)))

    led.history.extend(read_history(client, page=cfg.page_size))
    return led


def read_history(client: OdooClient, page: int = 2000) -> list:
    """Every marker Relance left in chatter messages of customers and invoices."""
    rows = client.search_read_all(
        "mail.message", [("model", "in", ["res.partner", "account.move"]), ("body", "ilike", MARKER_LIKE)],
        ["body", "model", "res_id"], page=page)
    out = []
    for row in rows:
        out.extend(parse(html.unescape(str(row.get("body") or "")), source_ref=f"mail.message {row['id']}"))
    return out


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg'].removeprefix('Value error, ')}"
                         for e in exc.errors(include_url=False))
    return str(exc)
