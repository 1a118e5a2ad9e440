"""Read a ledger out of QuickBooks Online: open and recently paid invoices (with the customer's pay-now link
where QuickBooks has one), their customers, the payments and credit memos that date each settlement, sales
terms, and the history Relance wrote (its markers in Attachable notes), plus QuickBooks' own automatic late
fees counted as fees already charged.

A first read is a full paged query; later reads of the same source go through Change Data Capture
(`/cdc`, 30 days back at most; "Server responses can handle a maximum of 1,000 objects", all entities together:
https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture,
https://blogs.intuit.com/2023/08/24/building-smarter-with-intuit-stay-in-sync-with-cdc/)
and fall back to a full read when it cannot answer. The cursor of the next read is frozen before this
one starts, so what changes during a read is read again next time. Each vendor entity becomes a
canonical record in exactly one function.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from pydantic import ValidationError

from adapters.quickbooks.client import QuickBooksClient, money, qbo_date, quote, ref
from adapters.quickbooks.customers import MAX_LEVELS, letterhead, parents_wanted, payer, to_customer
from adapters.quickbooks.errors import QuickBooksError, QuickBooksPagingError
from adapters.quickbooks.mapping import QuickBooksMapping
from connector.keys import PREFIX, make_key, parse
from connector.models import Credit, HistoryEntry, Ledger, Letterhead, Receivable, Rejection, Settlement

log = logging.getLogger("relance.quickbooks")

CDC_ENTITIES = ("Invoice", "Payment", "CreditMemo", "Customer", "Attachable", "Term")
CDC_WINDOW = timedelta(days=29)  # Intuit keeps 30 days of changes; a day of margin for clocks and zones
CDC_LIMIT = 1000  # a CDC answer holds at most 1,000 objects in all (every entity counted): reaching it, some were cut
LAG = timedelta(minutes=2)  # the cursor is set this long before the read starts (commits landing late)
MARKER = f"[{PREFIX}"
_FALSE = {"", "no", "false", "0", "n", "non"}
_TRUE = {"yes", "true", "1", "y", "x", "oui", "ja", "si", "sí", "disputed"}  # disputed, with no reason beyond that
# Custom fields: the three legacy string fields come with every Invoice; QuickBooks' newer ones (Advanced, more types)
# only "with include=enhancedAllCustomFields" (https://developer.intuit.com/app/developer/qbo/docs/workflows/create-custom-fields),
# in the same CustomField array: DefinitionId, Name, Type and StringValue, BooleanValue, DateValue or NumberValue
# (IPPCustomField in intuit/QuickBooks-V3-PHP-SDK src/Data/IPPCustomField.php)
ENHANCED_FIELDS = "enhancedAllCustomFields"
# Invoice.InvoiceLink (minor version 36): "Include query param `include=invoiceLink` to get the link back on query
# response" (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice)
INVOICE_LINK = "invoiceLink"


def invoice_name(inv: dict) -> str:
    return f"Invoice {inv.get('DocNumber') or inv.get('Id')}"


# -- one conversion function per entity ---------------------------------------------------------------

def dispute(inv: dict, name: str) -> tuple[bool, str | None]:
    """(disputed, reason) from the invoice's custom field `name`: a BooleanValue, or a StringValue that is not
    no/false/0; the value is the reason when it is a real text, not yes/true/x. QuickBooks dates no custom field,
    so a dispute has no date here."""
    disputed, reason = False, None
    for cf in inv.get("CustomField") or []:
        if str(cf.get("Name") or "").strip().casefold() != name.strip().casefold():
            continue
        if isinstance(cf.get("BooleanValue"), bool):
            disputed = disputed or cf["BooleanValue"]
            continue
        value = str(cf.get("StringValue") or "").strip()
        if value.casefold() not in _FALSE:
            disputed = True
            reason = reason or (None if value.casefold() in _TRUE else value)
    return disputed, reason


def line_detail(line: dict) -> dict:
    return line.get("SalesItemLineDetail") or {}


def is_builtin_fee(line: dict, mapping: QuickBooksMapping) -> bool:
    """A line of QuickBooks' automatic late fees: its item carries one of the configured names."""
    names = {n.casefold() for n in mapping.late_fees.builtin.item_names}
    item = (line_detail(line).get("ItemRef") or {}).get("name") or ""
    return line.get("DetailType") == "SalesItemLineDetail" and item.casefold() in names


def is_relance_line(line: dict) -> bool:
    return MARKER[1:] in str(line.get("Description") or "")


def to_receivable(inv: dict, settlements: list[Settlement], terms: dict[str, dict], mapping: QuickBooksMapping,
                  home_currency: str) -> Receivable | None:
    """None for a voided invoice (QuickBooks keeps it with zero amounts and "Voided" in its private note)."""
    lines = inv.get("Line") or []
    penalty = MARKER[1:] in str(inv.get("PrivateNote") or "")  # a separate penalty invoice of ours
    added = sum((money(ln.get("Amount")) for ln in lines
                 if is_builtin_fee(ln, mapping) or (is_relance_line(ln) and not penalty)),
                Decimal(0))  # fees on the invoice are charges, not the debt that late interest runs on
    total = money(inv.get("TotalAmt"))
    if total < 0:
        raise ValueError(f"negative total {total}: an invoice must be owed to us (a credit memo entered as an invoice?)")
    if total == 0:
        if str(inv.get("PrivateNote") or "").startswith("Voided"):
            return None
        raise ValueError("zero total: nothing to collect")
    amount = total - added
    if amount <= 0:
        raise ValueError("only late-fee lines, no amount of its own")
    open_amount = min(max(money(inv.get("Balance")) - added, Decimal(0)), amount)  # fees are paid first
    issued = qbo_date(inv.get("TxnDate"))
    if issued is None:
        raise ValueError("no TxnDate")
    term = terms.get(ref(inv.get("SalesTermRef")) or "")
    due = qbo_date(inv.get("DueDate"))
    if due is None and term and mapping.terms.derive_due_date and term.get("DueDays") is not None:
        due = issued + timedelta(days=int(term["DueDays"]))
    if due is None:
        raise ValueError("no DueDate")
    customer = ref(inv.get("CustomerRef"))
    if not customer:
        raise ValueError("no CustomerRef")
    disputed, reason = dispute(inv, mapping.custom_fields.disputed) if mapping.custom_fields.disputed else (False, None)
    rate = mapping.terms.contract_rates.get(str(term.get("Name"))) if term else None
    return Receivable(
        id=str(inv["Id"]), invoice_id=str(inv["Id"]), number=str(inv.get("DocNumber") or inv["Id"]),
        customer_id=customer, issue_date=min(issued, due), due_date=due, amount=amount, open_amount=open_amount,
        currency=ref(inv.get("CurrencyRef")) or home_currency, disputed=disputed, dispute_reason=reason,
        settlements=tuple(sorted(settlements, key=lambda s: s.date)),
        is_penalty=penalty, contract_rate=rate,  # InvoiceLink: https://connect.intuit.com/portal/app/CommerceNetwork/...
        pay_url=link if (link := str(inv.get("InvoiceLink") or "")).startswith("https://") else None,
    )


def to_settlements(payment: dict) -> dict[str, list[Settlement]]:
    """Invoice Id -> the dated amounts this Payment applied to it. A credit memo is applied through a
    Payment whose lines link the invoice and the credit memo: that part counts as a credit note."""
    day = qbo_date(payment.get("TxnDate"))
    if day is None:
        raise ValueError("no TxnDate")
    credit = Decimal(0)
    applied: list[tuple[str, Decimal]] = []
    for line in payment.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            kind, amount = linked.get("TxnType"), money(line.get("Amount"))
            if kind == "CreditMemo":
                credit += amount
            elif kind == "Invoice" and amount > 0:
                applied.append((str(linked.get("TxnId")), amount))
    out: dict[str, list[Settlement]] = defaultdict(list)
    for invoice_id, amount in applied:
        from_credit = min(credit, amount)
        credit -= from_credit
        ref_text = f"Payment {payment.get('Id')}"
        if from_credit > 0:
            out[invoice_id].append(Settlement(date=day, amount=from_credit, kind="credit_note", ref=ref_text))
        if amount - from_credit > 0:
            out[invoice_id].append(Settlement(date=day, amount=amount - from_credit, kind="payment", ref=ref_text))
    return out


def to_credits(row: dict, entity: str, home_currency: str) -> Credit | None:
    """What remains of a credit memo (RemainingCredit) or a payment (UnappliedAmt) for its customer."""
    left = money(row.get("RemainingCredit" if entity == "CreditMemo" else "UnappliedAmt"))
    customer = ref(row.get("CustomerRef"))
    if left <= 0 or not customer:
        return None
    return Credit(customer_id=customer, amount=left, currency=ref(row.get("CurrencyRef")) or home_currency,
                  ref=f"{entity} {row.get('DocNumber') or row.get('PaymentRefNum') or row.get('Id')}", id=f"{entity} {row.get('Id')}", date=qbo_date(row.get("TxnDate")))


def builtin_fee_history(inv: dict, mapping: QuickBooksMapping, home_currency: str) -> list[HistoryEntry]:
    """QuickBooks' automatic late-fee lines, as fees already charged on that invoice."""
    out = []
    customer = ref(inv.get("CustomerRef")) or ""
    day = qbo_date((inv.get("MetaData") or {}).get("LastUpdatedTime")) or qbo_date(inv.get("DueDate"))
    for line in inv.get("Line") or []:
        if is_builtin_fee(line, mapping) and day:
            out.append(HistoryEntry(
                key=make_key("qbo-builtin-fee", inv["Id"], line.get("Id") or line.get("LineNum")), kind="penalty",
                date=day, customer_id=customer, receivable_ids=(str(inv["Id"]),), penalty="fee",
                amount=money(line.get("Amount")), currency=ref(inv.get("CurrencyRef")) or home_currency,
                source_ref=f"{invoice_name(inv)} line {line.get('Id')}", invoice_id=str(inv["Id"])))
    return out


def note_history(att: dict) -> list[HistoryEntry]:
    return parse(str(att.get("Note") or ""), source_ref=f"Attachable {att.get('Id')}")


# -- the read -----------------------------------------------------------------------------------------

@dataclass
class Snapshot:
    """Raw QuickBooks objects by entity and Id, kept between reads of one source for CDC."""

    objects: dict[str, dict[str, dict]] = field(default_factory=lambda: {e: {} for e in CDC_ENTITIES})
    cursor: datetime | None = None
    home_currency: str = "USD"
    home_country: str | None = None  # CompanyInfo.Country
    company: Letterhead | None = None  # who signs (CompanyInfo)

    def put(self, entity: str, rows: list[dict]) -> None:
        bucket = self.objects.setdefault(entity, {})
        for row in rows:
            if str(row.get("status", "")).lower() in ("deleted", "voided"):
                bucket.pop(str(row.get("Id")), None)
            else:
                bucket[str(row["Id"])] = row


class Reader:
    def __init__(self, client: QuickBooksClient, mapping: QuickBooksMapping):
        self.client, self.mapping = client, mapping
        self.snapshot: Snapshot | None = None
        self.last_mode = ""

    def fetch(self, as_of: date, *, now: datetime | None = None) -> Ledger:
        started = (now or datetime.now(timezone.utc)) - LAG
        snap = self.snapshot
        if snap and snap.cursor and started - snap.cursor < CDC_WINDOW:
            try:
                self._incremental(snap)
                self.last_mode = "cdc"
            except (_TooMany, QuickBooksError) as exc:
                if isinstance(exc, QuickBooksPagingError):
                    raise
                log.info("QuickBooks CDC cannot serve this read (%s): full read", exc)
                snap = None
        else:
            snap = None
        if snap is None:
            snap = self._full(as_of)
            self.last_mode = "full"
        snap.cursor = started
        self.snapshot = snap
        return build_ledger(snap, self.mapping, as_of)

    def _full(self, as_of: date) -> Snapshot:
        c, cfg = self.client, self.mapping.receivables
        currency, company = self._home()
        snap = Snapshot(home_currency=currency, home_country=company.country if company else None, company=company)
        since = as_of - timedelta(days=cfg.paid_lookback_days)
        # `<= '0'`: a negative invoice (a broken import) is read, as CDC would bring it, and reported, not ignored
        wheres = ("Balance > '0'", f"TxnDate >= {quote(since.isoformat())} and Balance <= '0'")
        for where in wheres:
            snap.put("Invoice", c.query_all("Invoice", where, page_size=cfg.page_size, include=INVOICE_LINK))
        if self._enhanced():  # the same invoices again, for their newer custom fields (one `include` a request)
            for where in wheres:
                _merge_fields(snap.objects["Invoice"], c.query_all("Invoice", where, page_size=cfg.page_size,
                                                                   include=ENHANCED_FIELDS))
        oldest = min((qbo_date(i.get("TxnDate")) or since for i in snap.objects["Invoice"].values()), default=since)
        window = quote(min(oldest, since).isoformat())
        snap.put("Payment", c.query_all("Payment", f"TxnDate >= {window}", page_size=cfg.page_size))
        snap.put("CreditMemo", c.query_all("CreditMemo", f"TxnDate >= {window}", page_size=cfg.page_size))
        snap.put("Term", c.query_all("Term", "Active in (true, false)", page_size=cfg.page_size))
        snap.put("Attachable", c.query_all("Attachable", "", page_size=cfg.page_size))
        self._customers(snap)
        return snap

    def _incremental(self, snap: Snapshot) -> None:
        changes = self.client.cdc(list(CDC_ENTITIES), snap.cursor)
        if (total := sum(len(rows) for rows in changes.values())) >= CDC_LIMIT:
            raise _TooMany(f"the answer holds {total} changed objects, the {CDC_LIMIT} a CDC response holds at most")
        self._links(snap, changes.get("Invoice", []))
        if self._enhanced():  # CDC takes no `include`: changed invoices are read again for their newer custom fields
            live = {str(r["Id"]): r for r in changes.get("Invoice", [])
                    if str(r.get("status", "")).lower() not in ("deleted", "voided")}
            _merge_fields(live, self.client.query_ids("Invoice", list(live), include=ENHANCED_FIELDS))
        for entity, rows in changes.items():
            snap.put(entity, rows)
        self._customers(snap)

    def _links(self, snap: Snapshot, rows: list[dict]) -> None:
        """A CDC answer carries no InvoiceLink (Intuit documents `include` for queries; its CDC page names only
        `entities` and `changedSince`): a changed invoice keeps the link of the last read unless online payment was
        turned off (AllowOnlineCreditCardPayment and AllowOnlineACHPayment false); an open one allowing it without a
        link yet (new since, or just turned on) is queried again by Id for its link."""
        wanted = []
        for row in rows:
            flags = [row[k] for k in ("AllowOnlineCreditCardPayment", "AllowOnlineACHPayment") if k in row]
            if "InvoiceLink" in row or str(row.get("status", "")).lower() in ("deleted", "voided") or (
                    flags and True not in flags):
                continue  # deleted or voided, already linked, or no online payment any more
            if old := snap.objects["Invoice"].get(str(row["Id"]), {}).get("InvoiceLink"):
                row["InvoiceLink"] = old
            elif True in flags and money(row.get("Balance")) > 0:
                wanted.append(str(row["Id"]))
        fresh = self.client.query_ids("Invoice", wanted, include=INVOICE_LINK)
        links = {str(r["Id"]): r["InvoiceLink"] for r in fresh if r.get("InvoiceLink")}
        for row in rows:
            if link := links.get(str(row.get("Id"))):
                row["InvoiceLink"] = link

    def _enhanced(self) -> bool:
        return bool(self.mapping.custom_fields.disputed and self.mapping.custom_fields.enhanced)

    def _customers(self, snap: Snapshot) -> None:
        """The invoices' customers, and the parents the jobs among them bill through (a level at a time)."""
        customers = snap.objects["Customer"]
        wanted = {ref(i.get("CustomerRef")) for i in snap.objects["Invoice"].values()} - {None}
        for _ in range(MAX_LEVELS + 1):
            missing = sorted(wanted - set(customers))
            if missing:
                snap.put("Customer", self.client.query_ids("Customer", missing, extra="Active in (true, false)"))
            wanted = parents_wanted(customers[c] for c in wanted if c in customers) - set(customers)
            if not wanted:
                return

    def _home(self) -> tuple[str, Letterhead | None]:
        """The home currency (Preferences) and the company that signs (CompanyInfo; its country needs no line)."""
        if self.snapshot:
            return self.snapshot.home_currency, self.snapshot.company
        prefs = self.client.preferences()
        info = self.client.request("GET", f"companyinfo/{self.client.realm_id}", where="CompanyInfo")["CompanyInfo"]
        return ref((prefs.get("CurrencyPrefs") or {}).get("HomeCurrency")) or "USD", letterhead(info)


class _TooMany(Exception):
    pass


def _merge_fields(invoices: dict[str, dict], fresh: list[dict]) -> None:
    """The CustomField arrays of an `include=enhancedAllCustomFields` answer (every field, legacy ones too) put on
    the invoices read without it."""
    for row in fresh:
        if (inv := invoices.get(str(row.get("Id")))) is not None:
            inv["CustomField"] = row.get("CustomField") or []


def build_ledger(snap: Snapshot, mapping: QuickBooksMapping, as_of: date) -> Ledger:
    led = Ledger(companies=[snap.company] if snap.company else [])
    home = snap.home_currency
    settlements: dict[str, list[Settlement]] = defaultdict(list)
    for entity in ("Payment",):
        for row in snap.objects.get(entity, {}).values():
            try:
                for invoice_id, items in to_settlements(row).items():
                    settlements[invoice_id].extend(items)
                credit = to_credits(row, entity, home)
            except (ValidationError, ValueError, TypeError) as exc:
                led.rejected.append(Rejection(record=f"Payment {row.get('Id')}", reason=_reason(exc)))
                continue
            if credit:
                led.credits.append(credit)
    for row in snap.objects.get("CreditMemo", {}).values():
        try:
            credit = to_credits(row, "CreditMemo", home)
        except (ValidationError, ValueError, TypeError) as exc:
            led.rejected.append(Rejection(record=f"CreditMemo {row.get('DocNumber') or row.get('Id')}", reason=_reason(exc)))
            continue
        if credit:
            led.credits.append(credit)
    terms = snap.objects.get("Term", {})
    since = as_of - timedelta(days=mapping.receivables.paid_lookback_days)
    for inv in snap.objects.get("Invoice", {}).values():
        if money(inv.get("Balance")) <= 0 and (qbo_date(inv.get("TxnDate")) or since) < since:
            continue  # paid before the lookback window (CDC brought it back after an edit)
        try:
            rec = to_receivable(inv, settlements.get(str(inv["Id"]), []), terms, mapping, home)
            led.history.extend(builtin_fee_history(inv, mapping, home))
        except (ValidationError, ValueError, TypeError, KeyError) as exc:
            led.rejected.append(Rejection(record=invoice_name(inv), reason=_reason(exc)))
            continue
        if rec is not None:
            led.receivables.append(rec)
    wanted = {r.customer_id for r in led.receivables}
    customers = snap.objects.get("Customer", {})
    bill_emails: dict[str, list[str]] = defaultdict(list)  # where QuickBooks sends each open invoice
    for r in led.receivables:
        inv = snap.objects["Invoice"].get(r.invoice_id) or {}
        if r.open_amount > 0 and (address := ((inv.get("BillEmail") or {}).get("Address") or "").strip()):
            bill_emails[r.customer_id].append(address)
    for cid in sorted(wanted):
        row = customers.get(cid)
        if row is None:
            led.rejected.append(Rejection(record=f"Customer {cid}", reason="not found in QuickBooks (deleted or merged)"))
            continue
        try:
            led.customers.append(to_customer(row, mapping, snap.home_country, parent=payer(row, customers),
                                             bill_emails=bill_emails.get(cid, ())))
        except (ValidationError, ValueError, TypeError, KeyError) as exc:
            led.rejected.append(Rejection(record=f"Customer {row.get('DisplayName') or cid}", reason=_reason(exc)))
    for att in snap.objects.get("Attachable", {}).values():
        if MARKER in str(att.get("Note") or ""):
            led.history.extend(note_history(att))
    return led


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: " * bool(e["loc"]) + e["msg"].removeprefix("Value error, ")
                         for e in exc.errors(include_url=False))
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]}"
    return str(exc)
