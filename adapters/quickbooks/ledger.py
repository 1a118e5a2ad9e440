"""QuickBooks' own open receivable documents on a day, for `relance report --check-ledger` (Source.open_items).

Read apart from adapters.quickbooks.read, with queries of their own: what an A/R aging adds up is the open
invoices (Invoice.Balance) less the credits not yet applied (CreditMemo.RemainingCredit, Payment.UnappliedAmt,
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment and .../creditmemo).
Those fields are today's. For an earlier day a payment's line is taken back when the documents it joins were
not all there yet: an invoice is open by what payments dated after the day applied to it, and a payment or a
credit memo was unapplied by what it paid of invoices dated after the day (or through a payment dated after
it). The credit memos' part of a payment pays its invoices first, as adapters.quickbooks.read counts it.
QuickBooks has one company per realm and one currency per document (CurrencyRef, else the home currency).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from adapters.quickbooks.client import QuickBooksClient, money, qbo_date, quote, ref
from connector.money import round_money
from connector.protocol import OpenItem


def open_items(client: QuickBooksClient, as_of: date, page: int = 1000) -> list[OpenItem]:
    # a document without CurrencyRef is in the home currency (Preferences.CurrencyPrefs.HomeCurrency)
    home_currency = ref((client.preferences().get("CurrencyPrefs") or {}).get("HomeCurrency")) or "USD"
    day = quote(as_of.isoformat())
    invoices = {str(r["Id"]): r for r in client.query_all("Invoice", f"Balance > '0' and TxnDate <= {day}",
                                                           page_size=page)}
    memos = {str(r["Id"]): r for r in client.query_all("CreditMemo", f"TxnDate <= {day}", page_size=page)}
    payments = client.query_all("Payment", "", page_size=page)
    back: dict[str, Decimal] = defaultdict(Decimal)  # "Invoice 1" / "CreditMemo 2" / "Payment 3" -> taken back
    linked = {str(ln.get("TxnId")) for p in payments for line in p.get("Line") or []
              for ln in line.get("LinkedTxn") or [] if ln.get("TxnType") == "Invoice"}
    paid = {str(r["Id"]): r for r in client.query_ids("Invoice", sorted(linked - invoices.keys()))}  # paid since?
    everyone = {**paid, **invoices}
    dates = {i: qbo_date(r.get("TxnDate")) for i, r in everyone.items()}
    for p in payments:
        paid_on = qbo_date(p.get("TxnDate"))
        lines = [(ln.get("TxnType"), str(ln.get("TxnId")), money(line.get("Amount")))
                 for line in p.get("Line") or [] for ln in line.get("LinkedTxn") or []]
        credit = [(tid, a) for kind, tid, a in lines if kind == "CreditMemo" and a > 0]
        for kind, tid, amount in lines:
            if kind != "Invoice" or amount <= 0:
                continue
            issued = dates.get(tid) or as_of
            if paid_on is not None and paid_on > as_of and issued <= as_of:
                back[f"Invoice {tid}"] += amount  # paid after the day
            cash = amount
            while credit and cash > 0:  # the memos' part first
                memo, left = credit[0]
                used = min(left, cash)
                cash -= used
                credit[0] = (memo, left - used)
                if credit[0][1] <= 0:
                    credit.pop(0)
                memo_on = qbo_date((memos.get(memo) or {}).get("TxnDate")) or as_of
                if memo_on <= as_of and max(issued, paid_on or as_of) > as_of:
                    back[f"CreditMemo {memo}"] += used
            if cash > 0 and paid_on is not None and paid_on <= as_of < issued:
                back[f"Payment {p.get('Id')}"] += cash  # it paid an invoice that did not exist yet
    out = []
    for iid in sorted(set(invoices) | {k.split(" ", 1)[1] for k in back if k.startswith("Invoice ")}):
        inv = everyone.get(iid)
        amount = (money(inv.get("Balance")) if inv else Decimal(0)) + back.get(f"Invoice {iid}", Decimal(0))
        if amount:
            currency = ref((inv or {}).get("CurrencyRef")) or home_currency
            out.append(OpenItem(key=iid, record=f"Invoice {iid}", company_id="", amount=round_money(amount, currency),
                                currency=currency,
                                label=str((inv or {}).get("DocNumber") or iid)))
    for entity, rows, field in (("CreditMemo", memos.values(), "RemainingCredit"),
                                ("Payment", [p for p in payments if (qbo_date(p.get("TxnDate")) or as_of) <= as_of],
                                 "UnappliedAmt")):
        for row in rows:
            key = f"{entity} {row.get('Id')}"
            amount = money(row.get(field)) + back.get(key, Decimal(0))
            if amount:
                currency = ref(row.get("CurrencyRef")) or home_currency
                out.append(OpenItem(key=key, record=key, company_id="", amount=round_money(-amount, currency),
                                    currency=currency,
                                    label=f"{entity} {row.get('DocNumber') or row.get('PaymentRefNum') or row.get('Id')}"))
    return out
