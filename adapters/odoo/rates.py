"""The exchange rates a run needs, from Odoo's res.currency.rate: those of the currencies the lines are in and of
the currencies the law sets a fixed indemnity in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from adapters.odoo.client import OdooClient
from adapters.odoo.read import PLAIN, Rows, m2o_id, m2o_name, money
from connector.models import ExchangeRate

# Currencies a fixed indemnity is set in by law (D441-5: EUR; the UK Act: GBP): their rates are read too.
LAW_CURRENCIES = ("EUR", "GBP")


def read_rates(client: OdooClient, rows: Rows) -> list[ExchangeRate]:
    """The companies' exchange rates for the currencies of the lines read and those the law sets amounts in.
    Odoo's res.currency.rate says how many units of the currency one unit of the company's currency buys, per
    company (a rate with no company holds for all); the latest dated on or before a day is in force that day."""
    homes = {cid: cur for cid, cur in rows.company_currency.items() if cur}
    codes = {m2o_name(ln.get("currency_id")) for ln in rows.lines.values()} | set(LAW_CURRENCIES)
    codes -= {None, *homes.values()}
    if not homes or not codes:
        return []
    currencies = {c["id"]: c["name"] for c in client.call("res.currency", "search_read",
                                                          domain=[("name", "in", sorted(codes))], fields=["name"],
                                                          context={"active_test": False})}
    if not currencies:
        return []
    found: dict[tuple[str, str, date], tuple[bool, Decimal]] = {}
    for row in client.search_read_all("res.currency.rate", [("currency_id", "in", sorted(currencies))],
                                      ["name", "rate", "currency_id", "company_id"], **PLAIN):
        company, code = m2o_id(row.get("company_id")), currencies.get(m2o_id(row["currency_id"]))
        rate = money(row.get("rate") or 0)
        if not code or rate <= 0:
            continue
        for cid, home in homes.items():
            if company in (None, cid):
                key = (home, code, date.fromisoformat(str(row["name"])[:10]))
                if company == cid or key not in found:  # a company's own rate wins over a shared one
                    found[key] = (company == cid, rate)
    return [ExchangeRate(base=b, currency=c, date=d, rate=r) for (b, c, d), (_, r) in sorted(found.items())]
