"""Odoo's own open receivable lines on a day, for `relance report --check-ledger` (Source.open_items).

Read apart from adapters.odoo.read, the way Odoo's aged receivable reads them (Odoo 17 account_reports,
account_aged_partner_balance.py, `_aged_partner_report_custom_engine_common`): every posted line of a
receivable account dated on or before the day, whatever its journal entry's type, open by its balance less
the partials on its debit side plus those on its credit side whose `max_date` is on or before the day.

The as-of subtlety: `amount_residual` is what is open today. For today that is the answer. For an earlier
day, each partial dated after it (max_date, the later of its two lines' dates) is taken back: added to its
debit line's residual and subtracted from its credit line's; the lines dated after the day are not read.
A line in a foreign currency is counted in it (amount_residual_currency, the partials' *_amount_currency), as
Relance reports it; the others in their company's currency.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from adapters.odoo.client import OdooClient
from adapters.odoo.mapping import OdooMapping
from adapters.odoo.read import chunks, m2o_id, m2o_name, money, read_by_ids
from connector.money import round_money
from connector.protocol import OpenItem

LINE_FIELDS = ["move_id", "company_id", "currency_id", "amount_residual", "amount_residual_currency"]
PARTIAL_FIELDS = ["debit_move_id", "credit_move_id", "amount", "debit_amount_currency", "credit_amount_currency"]


def open_items(client: OdooClient, mapping: OdooMapping, as_of: date, page: int = 2000) -> list[OpenItem]:
    day = as_of.isoformat()
    receivable = [("account_id.account_type", "=", mapping.receivables.account_type), ("parent_state", "=", "posted"),
                  ("date", "<=", day)]
    lines = {ln["id"]: ln for ln in client.search_read_all(
        "account.move.line", [*receivable, ("amount_residual", "!=", 0)], LINE_FIELDS, page=page)}
    later = client.search_read_all("account.partial.reconcile", [("max_date", ">", day)], PARTIAL_FIELDS, page=page)
    back: dict[int, list[tuple[int, dict]]] = defaultdict(list)  # line id -> (+1 debit side / -1 credit side, partial)
    for p in later:
        back[m2o_id(p["debit_move_id"])].append((1, p))
        back[m2o_id(p["credit_move_id"])].append((-1, p))
    for batch in chunks(back.keys() - lines.keys()):  # reconciled now, maybe open then: only the receivable ones
        for ln in client.call("account.move.line", "search_read", domain=[("id", "in", batch), *receivable],
                              fields=LINE_FIELDS):
            lines[ln["id"]] = ln
    homes = {cid: m2o_name(c["currency_id"]) for cid, c in read_by_ids(
        client, "res.company", {m2o_id(ln["company_id"]) for ln in lines.values()}, ["currency_id"]).items()}
    out = []
    for lid, ln in sorted(lines.items()):
        home = homes.get(m2o_id(ln["company_id"])) or ""
        currency = m2o_name(ln.get("currency_id")) or home
        foreign = currency != home
        amount = money(ln["amount_residual_currency"] if foreign else ln["amount_residual"])
        for sign, p in back.get(lid, ()):
            field = ("debit_amount_currency" if sign > 0 else "credit_amount_currency") if foreign else "amount"
            amount += sign * money(p[field])
        if amount != 0:
            out.append(OpenItem(key=str(lid), record=f"account.move.line {lid}", currency=currency,
                                amount=round_money(amount, currency),
                                company_id=str(m2o_id(ln["company_id"]) or ""), label=m2o_name(ln["move_id"]) or ""))
    return out
