"""Promises to pay and the reasons of disputes, as collectors record them in Odoo itself.

A promise is a "Relance: promise to pay" activity on the invoice or on the customer (connector/promises.py gives
the reading); activities are what collectors already schedule from the chatter, and Odoo reminds them on the day.
Done ones stay readable: 17 archives them when the type keeps done activities (`relance init` sets it), 19 always.
A dispute's reason is the latest internal note on the invoice that starts with one of the mapping's words.
"""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date

from adapters.odoo.client import OdooClient
from adapters.odoo.mapping import OdooMapping
from adapters.odoo.read import m2o_id, odoo_date, read_by_ids
from connector.models import Ledger, PaymentPlan
from connector.promises import Promise, PromiseError, Scope, parse_amount, plans

_TAGS = re.compile(r"<[^>]+>")
_FIELDS = ["res_model", "res_id", "date_deadline", "summary", "create_date", "active"]


def read_plans(client: OdooClient, type_id: int | None, ledger: Ledger, as_of: date) -> list[PaymentPlan]:
    """The plans of the customers read, from open and done promise activities made by `as_of`."""
    if not type_id:
        return []
    rows = client.search_read_all("mail.activity", [("activity_type_id", "=", type_id),
                                                    ("res_model", "in", ["account.move", "res.partner"])],
                                  _FIELDS, context={"active_test": False})
    scope = Scope(ledger)
    partners = [int(r["res_id"]) for r in rows
                if r["res_model"] == "res.partner" and str(r["res_id"]) not in scope.customers]
    commercial = {pid: m2o_id(row.get("commercial_partner_id")) for pid, row in
                  read_by_ids(client, "res.partner", partners, ["commercial_partner_id"],
                              context={"active_test": False}).items()} if partners else {}
    out = []
    for row in rows:
        made = odoo_date(row.get("create_date"))
        if made is None:
            continue
        model, res_id = row["res_model"], int(row["res_id"])
        if model == "account.move":
            if (on := scope.on_invoices([str(res_id)])) is None:
                continue
            customer, ids, cur, numbers = on
            where = f"promise to pay on {numbers} (mail.activity {row['id']})"
        else:
            customer = str(res_id) if str(res_id) in scope.customers else str(commercial.get(res_id) or "")
            if customer not in scope.customers:
                continue
            ids, cur = (), scope.currency.get(customer, "EUR")
            where = f"promise to pay on customer {customer} (mail.activity {row['id']})"
        amount, error = None, None
        try:
            amount = parse_amount(html.unescape(str(row.get("summary") or "")), cur)
        except PromiseError as exc:
            error = f"summary {exc}"
        out.append(Promise(customer_id=customer, record=where, group=f"{model} {res_id}", receivable_ids=ids,
                           made_on=made, due_date=odoo_date(row.get("date_deadline")), amount=amount, currency=cur,
                           error=error))
    return plans(out, as_of)


def read_dispute_reasons(client: OdooClient, mapping: OdooMapping, ledger: Ledger) -> None:
    """Each disputed item's reason and date, from the latest matching note on its invoice (one search)."""
    disputed = sorted({int(r.invoice_id) for r in ledger.receivables if r.disputed and r.invoice_id.isdigit()})
    words = mapping.disputes.note_prefixes
    if not disputed or not words:
        return
    pattern = re.compile(r"^\s*(?:%s)\s*:\s*(.+)" % "|".join(map(re.escape, words)), re.IGNORECASE | re.DOTALL)
    domain = [("model", "=", "account.move"), ("res_id", "in", disputed), ("message_type", "in", ["comment", "email"]),
              *["|"] * (len(words) - 1), *[("body", "ilike", w) for w in words]]
    found: dict[str, tuple[str, date]] = {}
    for msg in client.search_read_all("mail.message", domain, ["res_id", "body", "date"]):
        text = " ".join(html.unescape(_TAGS.sub(" ", str(msg.get("body") or ""))).split())
        m = pattern.match(text)
        day = odoo_date(msg.get("date"))
        if m and day and (str(msg["res_id"]) not in found or found[str(msg["res_id"])][1] <= day):
            found[str(msg["res_id"])] = (m.group(1).strip()[:300], day)
    if found:
        ledger.receivables = [dataclasses.replace(r, dispute_reason=found[r.invoice_id][0],
                                                  disputed_on=found[r.invoice_id][1])
                              if r.disputed and r.invoice_id in found else r for r in ledger.receivables]
