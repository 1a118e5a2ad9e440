"""The demo on QuickBooks Online: the French SME of the demo ledger (`adapters.demo.ledger.demo_records`, the one
source of the story) translated into QuickBooks entities and loaded into the bundled emulator.

How the Odoo ledger becomes QuickBooks' (field names from Intuit's Accounting API reference, entities
Customer, Term, Invoice, Payment, CreditMemo):
- a customer -> Customer: DisplayName, CompanyName (a company) or GivenName/FamilyName (a person),
  PrimaryEmailAddr, PrimaryPhone and BillAddr when Odoo has them, CurrencyRef, and Notes holding the mapping's
  `#no-followup` for the customer Odoo tags "No follow-up". QuickBooks gives a customer one currency for good,
  so a foreign customer billed in dollars and in euros gets a second profile "<name> (EUR)" (what Intuit's
  multicurrency help says to do); QuickBooks' API has no customer credit limit, so Odoo's is dropped.
- an invoice -> Invoice: TxnDate, DueDate, SalesTermRef (Due on receipt, Net 30/45/60), CurrencyRef and
  ExchangeRate (home-currency units per unit), one SalesItemLineDetail line, BillEmail, and the custom field
  `custom_fields.disputed` of mappings/quickbooks.yaml ("Disputed") where Odoo excludes the line from follow-up.
- installments: a QuickBooks invoice has one DueDate and the API no payment schedule, so an Odoo invoice in
  installments becomes one invoice per installment, numbered `INV/2026/00042-1`, `-2`, each with its share of the
  amount, its own due date and term, and a customer memo naming the installment: each is chased from its own
  due date, as Odoo's receivable lines are.
- a payment reconciled with an invoice -> Payment whose line links the invoice (LinkedTxn, TxnType Invoice),
  dated as Odoo's reconciliation: partial payments keep their dates.
- a credit note reconciled with an invoice -> CreditMemo plus the zero Payment linking it to the invoice (how
  QuickBooks applies a credit); the credit note left unapplied stays a CreditMemo with its RemainingCredit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from adapters.demo.ledger import demo_records
from adapters.quickbooks.mapping import load_mapping

HOME = "EUR"
INCOME_ACCOUNT = "Prestations de services"
ITEM = "Prestations et fournitures"
TERMS = {0: "Due on receipt", 30: "Net 30", 45: "Net 45", 60: "Net 60"}


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def setup_objects(emulator) -> dict[str, str]:
    """The income account, sales terms and service item the demo invoices use (created once per emulator);
    multicurrency and custom transaction numbers turned on, as in a French company billing in dollars."""
    prefs = emulator.preferences
    prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = True
    prefs["SalesFormsPrefs"]["CustomTxnNumbers"] = True
    by_name = {(e, str(o.get("Name"))): o["Id"] for e in ("Account", "Term", "Item") for o in emulator.objects(e)}
    if ("Item", ITEM) in by_name:
        return {"item": by_name[("Item", ITEM)], **{f"term:{d}": by_name[("Term", n)] for d, n in TERMS.items()}}
    made = emulator.seed(accounts=[{"Name": INCOME_ACCOUNT, "AccountType": "Income", "AccountSubType": "ServiceFeeIncome"}],
                         terms=[{"Name": name, "Type": "STANDARD", "DueDays": days} for days, name in TERMS.items()])
    account = made["accounts"][0]["Id"]
    item = emulator.seed(items=[{"Name": ITEM, "Type": "Service", "IncomeAccountRef": {"value": account}}])["items"][0]
    return {"item": item["Id"], **{f"term:{t['DueDays']}": t["Id"] for t in made["terms"]}}


def load_demo(emulator, as_of: date, seed: int = 2026, suffix: str = "") -> dict[str, int]:
    """Load the demo story of (as_of, seed) into `emulator`; `suffix` is appended to customer names so that
    several stories can share one company (the bench). Returns how many objects of each kind were made."""
    rows = demo_records(as_of, seed)
    ids = setup_objects(emulator)
    mapping = load_mapping()
    disputed_field = mapping.custom_fields.disputed
    country = {r["id"]: r["code"] for r in rows["res.country"]}
    currency = {r["id"]: r["name"] for r in rows["res.currency"]}
    receivable = {a["id"] for a in rows["account.account"] if a.get("account_type") == "asset_receivable"}
    moves = {m["id"]: m for m in rows["account.move"]}
    lines_of: dict[int, list[dict]] = defaultdict(list)
    for ln in rows["account.move.line"]:
        lines_of[ln["move_id"]].append(ln)
    blocked = next(f for f in ("blocked", "no_followup") if f in rows["account.move.line"][0])
    no_chase = {c["id"] for c in rows["res.partner.category"] if "follow-up" in c["name"]}

    def rate(ln: dict) -> Decimal | None:
        """Home-currency units per unit of the line's currency (QuickBooks' ExchangeRate)."""
        if currency[ln["currency_id"]] == HOME or not ln["amount_currency"]:
            return None
        return (Decimal(str(ln["balance"])) / Decimal(str(ln["amount_currency"]))).quantize(Decimal("0.000001"))

    def money_fields(ln: dict) -> dict:
        cur = currency[ln["currency_id"]]
        out: dict = {"CurrencyRef": {"value": cur}}
        if rate(ln) is not None:
            out["ExchangeRate"] = rate(ln)
        return out

    # -- customers: one profile per (partner, currency) it is billed in --------------------------
    partners = {p["id"]: p for p in rows["res.partner"] if p.get("customer_rank")}
    billed: dict[int, set[str]] = defaultdict(set)
    for m in moves.values():
        if m["partner_id"] in partners:
            billed[m["partner_id"]].add(currency[m["currency_id"]])
    bodies, keys = [], []
    for pid, p in partners.items():
        foreign = country.get(p.get("country_id")) in ("GB", "US")
        own = "USD" if foreign else HOME
        for cur in sorted(billed[pid] | {own}, key=lambda c: c != own):
            name = p["name"] + ("" if cur == own else f" ({cur})") + suffix
            body: dict = {"DisplayName": name, "CurrencyRef": {"value": cur}}
            if p.get("is_company"):
                body["CompanyName"] = name
            else:
                body["GivenName"], _, body["FamilyName"] = p["name"].partition(" ")
            if p.get("email"):
                body["PrimaryEmailAddr"] = {"Address": p["email"]}
            if p.get("phone"):
                body["PrimaryPhone"] = {"FreeFormNumber": p["phone"]}
            if p.get("street"):
                body["BillAddr"] = {k: v for k, v in (("Line1", p["street"]), ("City", p.get("city")),
                                                      ("PostalCode", p.get("zip")),
                                                      ("Country", country.get(p.get("country_id")))) if v}
            tags = set(p.get("category_id") or ())
            if tags & no_chase and mapping.customers.excluded_marker:
                body["Notes"] = f"{mapping.customers.excluded_marker} (asked not to be chased)"
            bodies.append(body)
            keys.append((pid, cur))
    made = emulator.seed(customers=bodies)["customers"]
    customer = {k: c["Id"] for k, c in zip(keys, made)}
    email = {k: (b.get("PrimaryEmailAddr") or {}).get("Address") for k, b in zip(keys, bodies)}

    # -- invoices: one per receivable line (an installment is an invoice of its own) -------------
    bodies, of_line = [], []
    for m in (m for m in moves.values() if m["move_type"] == "out_invoice"):
        debits = sorted((ln for ln in lines_of[m["id"]] if ln["account_id"] in receivable), key=lambda ln: ln["date_maturity"])
        cur = currency[m["currency_id"]]
        who = (m["partner_id"], cur)
        for k, ln in enumerate(debits, 1):
            issued, due = date.fromisoformat(m["invoice_date"]), date.fromisoformat(ln["date_maturity"])
            amount = _money(ln["amount_currency"])
            body = {"CustomerRef": {"value": customer[who]}, "DocNumber": m["name"] + (f"-{k}" if len(debits) > 1 else ""),
                    "TxnDate": issued.isoformat(), "DueDate": due.isoformat(), **money_fields(ln),
                    "Line": [{"DetailType": "SalesItemLineDetail", "Amount": amount, "Description": "Prestations et fournitures",
                              "SalesItemLineDetail": {"ItemRef": {"value": ids["item"], "name": ITEM}, "Qty": 1,
                                                      "UnitPrice": amount}}]}
            term = ids.get(f"term:{(due - issued).days}")
            if term:
                body["SalesTermRef"] = {"value": term}
            if len(debits) > 1:
                body["CustomerMemo"] = {"value": f"Installment {k} of {len(debits)} of invoice {m['name']} "
                                                 f"({_money(m['amount_total'])} {cur})"}
            if email[who]:
                body["BillEmail"] = {"Address": email[who]}
            if ln.get(blocked) and disputed_field:
                body["CustomField"] = [{"DefinitionId": "1", "Name": disputed_field, "Type": "StringType",
                                        "StringValue": "Yes"}]
            bodies.append(body)
            of_line.append(ln["id"])
    invoice = {lid: inv["Id"] for lid, inv in zip(of_line, emulator.seed(invoices=bodies)["invoices"])}

    # -- credit memos, then the payments that apply them and the cash ----------------------------
    refunds = [m for m in moves.values() if m["move_type"] == "out_refund"]
    bodies = []
    for m in refunds:
        ln = next(ln for ln in lines_of[m["id"]] if ln["account_id"] in receivable)
        amount = _money(-ln["amount_currency"])
        bodies.append({"CustomerRef": {"value": customer[(m["partner_id"], currency[m["currency_id"]])]},
                       "DocNumber": m["name"], "TxnDate": m["date"], **money_fields(ln),
                       "Line": [{"DetailType": "SalesItemLineDetail", "Amount": amount, "Description": "Avoir",
                                 "SalesItemLineDetail": {"ItemRef": {"value": ids["item"], "name": ITEM}, "Qty": 1,
                                                         "UnitPrice": amount}}]})
    memo = {m["id"]: cm["Id"] for m, cm in zip(refunds, emulator.seed(credit_memos=bodies)["credit_memos"])}
    line_move = {ln["id"]: ln["move_id"] for ln in rows["account.move.line"]}
    line = {ln["id"]: ln for ln in rows["account.move.line"]}
    bodies = []
    for pr in rows["account.partial.reconcile"]:
        debit, credit_move = line[pr["debit_move_id"]], moves[line_move[pr["credit_move_id"]]]
        amount = _money(pr["debit_amount_currency"])
        who = customer[(credit_move["partner_id"], currency[credit_move["currency_id"]])]
        applied = [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice[debit["id"]], "TxnType": "Invoice"}]}]
        if credit_move["move_type"] == "out_refund":  # a credit applied: a zero payment links memo and invoice
            applied.append({"Amount": amount, "LinkedTxn": [{"TxnId": memo[credit_move["id"]], "TxnType": "CreditMemo"}]})
        bodies.append({"CustomerRef": {"value": who}, "TxnDate": pr["max_date"], **money_fields(debit),
                       "TotalAmt": Decimal(0) if credit_move["move_type"] == "out_refund" else amount,
                       "Line": applied})
    payments = emulator.seed(payments=bodies)["payments"]
    return {"customers": len(customer), "invoices": len(invoice), "credit_memos": len(memo), "payments": len(payments)}


def written(emulator) -> dict[str, int]:
    """What Relance's writes left in the emulated company: notes with a marker, invoices carrying late-fee
    lines, separate penalty invoices, invoices emailed."""
    from adapters.quickbooks.read import MARKER, is_relance_line

    invoices = emulator.objects("Invoice")
    return {"notes": sum(MARKER in str(a.get("Note") or "") for a in emulator.objects("Attachable")),
            "fee_lines": sum(any(is_relance_line(ln) for ln in i.get("Line") or []) and MARKER[1:] not in str(i.get("PrivateNote") or "")
                             for i in invoices),
            "penalty_invoices": sum(MARKER[1:] in str(i.get("PrivateNote") or "") for i in invoices),
            "sent": len(emulator.store.sent)}
