"""Promises to pay in QuickBooks: lines of a note (Attachable) on the invoice or the customer, in the syntax of
connector/promises.py ("Promise to pay: 1,500.00 EUR by 2026-07-15"). QuickBooks has no task or date field a
collector could use for this, and notes are where its users already write what a customer said; the note's
creation (MetaData.CreateTime) is the day the promise was made."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from connector.models import Ledger, PaymentPlan
from connector.promises import KEYWORDS, Promise, Scope, parse_note, plans


def _refs(att: dict) -> list[tuple[str, str]]:
    out = []
    for ref in att.get("AttachableRef") or []:
        entity = ref.get("EntityRef") or {}
        if entity.get("type") and entity.get("value") is not None:
            out.append((str(entity["type"]), str(entity["value"])))
    return out


def read_plans(notes: Iterable[dict], ledger: Ledger, as_of: date) -> list[PaymentPlan]:
    """The plans the notes hold for the customers read: a note linked to an invoice Relance follows covers that
    invoice; linked to the customer only, everything the customer owed that day. The promises of every note on
    the same record make one plan."""
    scope = Scope(ledger)
    out = []
    for att in notes:
        text = str(att.get("Note") or "")
        made = str((att.get("MetaData") or {}).get("CreateTime") or "")[:10]
        folded = text.casefold()
        if not made or not any(k in folded for k in KEYWORDS):
            continue
        refs = _refs(att)
        invoices = sorted(v for t, v in refs if t == "Invoice" and v in scope.invoices)
        if (on := scope.on_invoices(invoices)) is not None:
            customer, ids, cur, numbers = on
            where = f"promise to pay on {numbers} (Attachable {att.get('Id')})"
            group = "Invoice " + ",".join(invoices)
        else:
            customer = next((v for t, v in refs if t == "Customer" and v in scope.customers), None)
            if customer is None:
                continue
            ids, cur = (), scope.currency.get(customer, "USD")
            where = f"promise to pay on customer {customer} (Attachable {att.get('Id')})"
            group = f"Customer {customer}"
        for due, amount, error in parse_note(text, cur):
            out.append(Promise(customer_id=customer, record=where, group=group,
                               receivable_ids=ids, made_on=date.fromisoformat(made), due_date=due, amount=amount,
                               currency=cur, error=error))
    return plans(out, as_of)
