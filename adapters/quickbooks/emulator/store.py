"""The emulated company's objects and QuickBooks' rules on them: ids, SyncTokens, totals and balances,
payments applied to invoices, reference checks, and the faults QuickBooks answers when a rule is broken."""

from __future__ import annotations

import copy
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

ENTITIES = ("Invoice", "Customer", "Payment", "CreditMemo", "Item", "Term", "Attachable", "Account")
NAME_LISTS = ("Customer", "Item", "Term", "Account")  # queries return active ones unless Active is filtered
NOTE_MAX = 2000
# Intuit writes MetaData times and an answer's `time` in Pacific time ("2020-09-29T05:58:07-07:00" in the sandbox
# recordings of minimul/qbo_api spec/vcr/create/invoice.yml), whatever the company's own zone
PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific(moment: datetime, timespec: str = "seconds") -> str:
    return moment.astimezone(PACIFIC).isoformat(timespec=timespec)


class Fault(Exception):
    """A QuickBooks fault: HTTP status and the body Intuit documents."""

    def __init__(self, status: int, code: str, message: str, detail: str = "", ftype: str = "ValidationFault",
                 element: str | None = None):
        """`element` only where Intuit names one: its recordings carry none for 6240, 2010 or 500, "Id" for 2030
        (minimul/qbo_api spec/vcr/error/validation.yml, 400_json.yml, 500.yml)."""
        super().__init__(message)
        self.status = status
        error = {"Message": message, "Detail": detail or message, "code": code}
        if element is not None:
            error["element"] = element
        self.body = {"Fault": {"Error": [error], "type": ftype}}


def D(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value if value not in (None, "") else 0))


class Store:
    def __init__(self, home_currency: str = "USD", clock=lambda: datetime.now(timezone.utc)):
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict]] = {e: {} for e in ENTITIES}
        self.deleted: list[tuple[str, str, datetime]] = []
        self.home_currency, self.clock = home_currency, clock
        self._next = 1
        self._doc = 1000
        self.sent: list[tuple[str, str]] = []
        self._writes = threading.local()  # changes made by the current thread (the emulator's write hook)

    def _wrote(self) -> None:
        self._writes.n = getattr(self._writes, "n", 0) + 1

    def thread_writes(self) -> int:
        """How many changes the calling thread made so far: a request that moved it wrote."""
        return getattr(self._writes, "n", 0)

    # -- helpers ----------------------------------------------------------------------------------
    def now(self) -> str:
        return pacific(self.clock())

    def _id(self) -> str:
        self._next += 1
        return str(self._next)

    def get(self, entity: str, entity_id: str) -> dict:
        obj = self.objects.get(entity, {}).get(str(entity_id))
        if obj is None:
            raise Fault(400, "610", "Object Not Found",
                        f"Object Not Found : Something you're trying to use has been made inactive. Check the fields "
                        f"with accounts, customers, items, vendors or employees. ({entity} {entity_id})")
        return obj

    def _exists(self, entity: str, value: Any, element: str) -> None:
        if str((value or {}).get("value") if isinstance(value, dict) else value) not in self.objects[entity]:
            raise Fault(400, "2500", "Invalid Reference Id",
                        f"Invalid Reference Id : {entity} assigned to this transaction has been deleted.", element=element)

    def _touch(self, obj: dict, created: bool = False) -> None:
        meta = obj.setdefault("MetaData", {})
        if created:
            meta["CreateTime"] = self.now()
        meta["LastUpdatedTime"] = self.now()

    # -- create / update / delete ----------------------------------------------------------------
    def create(self, entity: str, body: dict) -> dict:
        if entity not in self.objects:
            raise Fault(400, "4000", "Unsupported Operation", f"Operation create is not supported for {entity}")
        with self.lock:
            obj = copy.deepcopy(body)
            obj.pop("sparse", None)
            obj["Id"] = self._id()
            obj["SyncToken"] = "0"
            obj["domain"] = "QBO"
            getattr(self, f"_check_{entity.lower()}", lambda o, new: None)(obj, True)
            self._touch(obj, created=True)
            self.objects[entity][obj["Id"]] = obj
            getattr(self, f"_after_{entity.lower()}", lambda o: None)(obj)
            self._wrote()
            return copy.deepcopy(obj)

    def update(self, entity: str, body: dict) -> dict:
        with self.lock:
            old = self.get(entity, str(body.get("Id")))
            if str(body.get("SyncToken")) != old["SyncToken"]:
                raise Fault(400, "5010", "Stale Object Error",
                            "Stale Object Error : You and Relance were working on this at the same time. Relance "
                            "finished before you did, so your work was not saved.")
            if body.get("sparse"):
                obj = copy.deepcopy(old)
                for k, v in body.items():
                    if k not in ("Id", "SyncToken", "sparse", "MetaData", "domain"):
                        obj[k] = copy.deepcopy(v)
            else:
                obj = {**copy.deepcopy(body), "Id": old["Id"], "MetaData": old.get("MetaData", {}), "domain": "QBO"}
            obj["SyncToken"] = str(int(old["SyncToken"]) + 1)
            paid = D(old.get("TotalAmt")) - D(old.get("Balance")) if entity == "Invoice" else None
            getattr(self, f"_check_{entity.lower()}", lambda o, new: None)(obj, False)
            if paid is not None:
                obj["Balance"] = max(D(obj["TotalAmt"]) - paid, Decimal(0))
            self._touch(obj)
            self.objects[entity][obj["Id"]] = obj
            self._wrote()
            return copy.deepcopy(obj)

    def delete(self, entity: str, entity_id: str) -> dict:
        with self.lock:
            obj = self.get(entity, entity_id)
            del self.objects[entity][str(entity_id)]
            self.deleted.append((entity, str(entity_id), self.clock()))
            self._wrote()
            return {"Id": obj["Id"], "status": "Deleted", "domain": "QBO"}

    def void_invoice(self, entity_id: str) -> dict:
        """QuickBooks keeps a voided invoice with zero amounts and 'Voided' in its private note."""
        with self.lock:
            obj = self.get("Invoice", entity_id)
            for line in obj.get("Line", []):
                line["Amount"] = Decimal("0")
                if "SalesItemLineDetail" in line:
                    line["SalesItemLineDetail"]["UnitPrice"] = Decimal("0")
            obj["TotalAmt"] = obj["Balance"] = Decimal("0")
            obj["PrivateNote"] = "Voided"
            obj["SyncToken"] = str(int(obj["SyncToken"]) + 1)
            self._touch(obj)
            self._wrote()
            return copy.deepcopy(obj)

    def send(self, invoice_id: str, send_to: str | None) -> dict:
        with self.lock:
            inv = self.get("Invoice", invoice_id)
            to = send_to or (inv.get("BillEmail") or {}).get("Address")
            if not to:
                raise Fault(400, "6000", "A business validation error has occurred while processing your request",
                            "Business Validation Error: Missing email address on the invoice", element="BillEmail")
            if send_to:  # "The Invoice.BillEmail.Address parameter is updated to the address specified with the
                # value of the sendTo query parameter, if specified" ("Send an invoice" on
                # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice)
                inv["BillEmail"] = {**(inv.get("BillEmail") or {}), "Address": send_to}
            inv["EmailStatus"] = "EmailSent"
            inv["DeliveryInfo"] = {"DeliveryType": "Email", "DeliveryTime": self.now()}
            inv["SyncToken"] = str(int(inv["SyncToken"]) + 1)
            self._touch(inv)
            self.sent.append((str(invoice_id), to))
            self._wrote()
            return copy.deepcopy(inv)

    # -- rules per entity -------------------------------------------------------------------------
    def _customer_currency(self, obj: dict) -> None:
        """A customer has one currency for good; QuickBooks refuses a transaction in another one (a business
        validation error, code 6000, in Intuit's list of error codes; the detail's wording is the emulator's)."""
        customer = self.objects["Customer"].get(str((obj.get("CustomerRef") or {}).get("value")))
        if customer is None:
            return
        theirs = (customer.get("CurrencyRef") or {}).get("value") or self.home_currency
        txn = (obj.get("CurrencyRef") or {}).get("value") or self.home_currency
        if txn != theirs:
            raise Fault(400, "6000", "A business validation error has occurred while processing your request",
                        f"Business Validation Error: The currency of the transaction ({txn}) must match the currency "
                        f"of the customer {customer.get('DisplayName')} ({theirs}).", element="CurrencyRef")

    def _check_invoice(self, obj: dict, new: bool) -> None:
        self._exists("Customer", obj.get("CustomerRef"), "CustomerRef")
        self._customer_currency(obj)
        lines = [ln for ln in obj.get("Line") or [] if ln.get("DetailType") != "SubTotalLineDetail"]
        if not lines:
            raise Fault(400, "6000", "A business validation error has occurred while processing your request",
                        "Business Validation Error: You must fill out at least one split line.", element="Line")
        total = Decimal(0)
        for n, line in enumerate(lines, 1):
            detail = line.get("SalesItemLineDetail")
            if detail is not None:
                self._exists("Item", detail.get("ItemRef"), "Line.SalesItemLineDetail.ItemRef")
                if line.get("Amount") is None:
                    line["Amount"] = D(detail.get("Qty", 1)) * D(detail.get("UnitPrice"))
            line.setdefault("Id", str(n))
            line["LineNum"] = n
            total += D(line.get("Amount"))
        lines.append({"Amount": total, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
        obj["Line"] = lines
        obj["TotalAmt"] = total
        if new:
            obj["Balance"] = total
            obj.setdefault("TxnDate", self.clock().date().isoformat())
            if not obj.get("DocNumber"):
                self._doc += 1
                obj["DocNumber"] = str(self._doc)
            if not obj.get("DueDate"):
                term = self.objects["Term"].get(str((obj.get("SalesTermRef") or {}).get("value")))
                days = int(term.get("DueDays", 0)) if term else 0
                obj["DueDate"] = (date.fromisoformat(obj["TxnDate"]) + timedelta(days=days)).isoformat()
            obj.setdefault("CurrencyRef", {"value": self.home_currency})
            obj.setdefault("EmailStatus", "NotSet")
            # a real invoice always carries both arrays, empty or not (minimul/qbo_api spec/vcr/create/invoice.yml)
            obj.setdefault("CustomField", [])
            obj.setdefault("LinkedTxn", [])
        if len(str(obj.get("PrivateNote") or "")) > 4000:
            raise Fault(400, "2050", "String length is either shorter or longer than supported by specification",
                        "Max:4000 supported", element="PrivateNote")

    def _check_payment(self, obj: dict, new: bool) -> None:
        self._exists("Customer", obj.get("CustomerRef"), "CustomerRef")
        self._customer_currency(obj)
        obj.setdefault("TxnDate", self.clock().date().isoformat())
        obj.setdefault("CurrencyRef", {"value": self.home_currency})
        obj["TotalAmt"] = D(obj.get("TotalAmt"))

    def _after_payment(self, obj: dict) -> None:
        applied = Decimal(0)
        for line in obj.get("Line") or []:
            amount = D(line.get("Amount"))
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == "Invoice":
                    inv = self.get("Invoice", linked["TxnId"])
                    inv["Balance"] = max(D(inv["Balance"]) - amount, Decimal(0))
                    inv.setdefault("LinkedTxn", []).append({"TxnId": obj["Id"], "TxnType": "Payment"})
                    inv["SyncToken"] = str(int(inv["SyncToken"]) + 1)
                    self._touch(inv)
                    applied += amount
                elif linked.get("TxnType") == "CreditMemo":
                    cm = self.get("CreditMemo", linked["TxnId"])
                    cm["RemainingCredit"] = max(D(cm["RemainingCredit"]) - amount, Decimal(0))
                    self._touch(cm)
                    applied -= amount
        obj["UnappliedAmt"] = max(D(obj["TotalAmt"]) - applied, Decimal(0))

    def _check_creditmemo(self, obj: dict, new: bool) -> None:
        self._exists("Customer", obj.get("CustomerRef"), "CustomerRef")
        self._customer_currency(obj)
        total = sum((D(ln.get("Amount")) for ln in obj.get("Line") or []), Decimal(0))
        obj["TotalAmt"] = total
        if new:
            obj["RemainingCredit"] = obj["Balance"] = total
            obj.setdefault("TxnDate", self.clock().date().isoformat())
            obj.setdefault("CurrencyRef", {"value": self.home_currency})

    def _check_attachable(self, obj: dict, new: bool) -> None:
        if len(str(obj.get("Note") or "")) > NOTE_MAX:
            raise Fault(400, "2050", "String length is either shorter or longer than supported by specification",
                        f"Min:0 Max:{NOTE_MAX} supported. Supplied length:{len(obj['Note'])}", element="Note")
        for r in obj.get("AttachableRef") or []:
            ent = (r.get("EntityRef") or {})
            if ent.get("type") in self.objects:
                self._exists(ent["type"], ent.get("value"), "AttachableRef.EntityRef")

    def _check_item(self, obj: dict, new: bool) -> None:
        self._unique("Item", obj, "Name")
        obj.setdefault("Active", True)
        obj.setdefault("FullyQualifiedName", obj.get("Name"))

    def _check_customer(self, obj: dict, new: bool) -> None:
        self._unique("Customer", obj, "DisplayName")
        if new:
            obj.setdefault("CurrencyRef", {"value": self.home_currency})
        obj.setdefault("Active", True)
        obj.setdefault("Balance", Decimal(0))

    def _check_term(self, obj: dict, new: bool) -> None:
        obj.setdefault("Active", True)

    def _check_account(self, obj: dict, new: bool) -> None:
        obj.setdefault("Active", True)

    def _unique(self, entity: str, obj: dict, field: str) -> None:
        name = str(obj.get(field) or "").casefold()
        if not name:
            raise Fault(400, "2020", "Required param missing, need to supply the required value for the API",
                        f"Required parameter {field} is missing in the request", element=field)
        for other in self.objects[entity].values():
            if other["Id"] != obj.get("Id") and str(other.get(field) or "").casefold() == name:
                raise Fault(400, "6240", "Duplicate Name Exists Error",
                            f"The name supplied already exists. : Another {entity.lower()} is already using this name.")
