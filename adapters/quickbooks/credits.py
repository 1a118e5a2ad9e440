"""When each unapplied credit of QuickBooks was applied: what a replay of an earlier day needs (connector/asof.py).

QuickBooks keeps what is left of a credit (a CreditMemo's RemainingCredit, a Payment's UnappliedAmt) but no
dated history of it. A credit memo is applied by a Payment whose lines link it and the invoices it pays
(https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-credit-memos); a payment is applied by
its own lines linking invoices. Such an application is dated, as Odoo dates a reconciliation, by the later of
the documents it joins: before that day the credit was unapplied by that much more.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from adapters.quickbooks.client import money, qbo_date, ref
from connector.models import Credit, Settlement


def applications(objects: dict[str, dict[str, dict]]) -> dict[str, list[Settlement]]:
    """Credit id ("CreditMemo 12", "Payment 40") -> its applications, dated by their latest document."""
    invoices, memos = objects.get("Invoice", {}), objects.get("CreditMemo", {})
    out: dict[str, list[Settlement]] = defaultdict(list)
    for payment in objects.get("Payment", {}).values():
        paid_on = qbo_date(payment.get("TxnDate"))
        if paid_on is None:
            continue  # refused with its reason by read.build_ledger
        lines = [(linked.get("TxnType"), str(linked.get("TxnId")), money(line.get("Amount")))
                 for line in payment.get("Line") or [] for linked in line.get("LinkedTxn") or []]
        # the credit memos' part pays the invoices first, as read.to_settlements counts it; the rest is cash
        credit = sum((a for kind, _, a in lines if kind == "CreditMemo" and a > 0), Decimal(0))
        latest = paid_on
        for kind, tid, amount in lines:
            if kind != "Invoice" or amount <= 0:
                continue
            day = _date_of(invoices.get(tid), paid_on)
            latest = max(latest, day)
            from_credit = min(credit, amount)
            credit -= from_credit
            if amount > from_credit:
                out[f"Payment {payment.get('Id')}"].append(Settlement(date=day, amount=amount - from_credit,
                                                                      kind="other", ref=f"Invoice {tid}"))
        for kind, tid, amount in lines:
            if kind == "CreditMemo" and amount > 0:
                out[f"CreditMemo {tid}"].append(Settlement(date=max(latest, _date_of(memos.get(tid), paid_on)),
                                                           amount=amount, kind="other", ref=f"Payment {payment.get('Id')}"))
    return out


def _date_of(row: dict | None, default: date) -> date:
    return (qbo_date(row.get("TxnDate")) if row else None) or default


def dated(credits: list[Credit], objects: dict[str, dict[str, dict]], home_currency: str) -> list[Credit]:
    """The credits with their applications; and the credit memos and payments applied in full since their own
    date (nothing left now, something on an earlier day), with an amount of 0."""
    found = applications(objects)
    out = [c.model_copy(update={"settlements": tuple(sorted(found[c.id], key=lambda s: s.date))}) if c.id in found
           else c for c in credits]
    have = {c.id for c in credits}
    for entity in ("CreditMemo", "Payment"):
        for row in objects.get(entity, {}).values():
            key, day, customer = f"{entity} {row.get('Id')}", qbo_date(row.get("TxnDate")), ref(row.get("CustomerRef"))
            later = [s for s in found.get(key, ()) if day and s.date > day]
            if key in have or not later or not customer:
                continue
            out.append(Credit(customer_id=customer, amount=Decimal(0), date=day, id=key,
                              currency=ref(row.get("CurrencyRef")) or home_currency,
                              ref=f"{entity} {row.get('DocNumber') or row.get('PaymentRefNum') or row.get('Id')}",
                              settlements=tuple(sorted(later, key=lambda s: s.date))))
    return out
