"""Test data made through the QuickBooks API, as a company's books hold it: customers, invoices with a
service line, payments applied to invoices, credit memos applied through a zero payment."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from adapters.quickbooks.auth import TokenFile, Tokens
from adapters.quickbooks.client import QuickBooksClient, quote, request_id
from connector.protocol import Source

_seq = itertools.count(1)


class Books:
    def __init__(self, client: QuickBooksClient):
        self.c = client
        self.run = uuid.uuid4().hex[:6]
        items = client.query("select * from Item where Type = 'Service' maxresults 1").get("Item", [])
        assert items, "no service item in this company"
        self.item = items[0]["Id"]
        self.customers: list[str] = []

    def _create(self, entity: str, body: dict) -> dict:
        return self.c.create(entity, body, requestid=request_id("books", self.run, next(_seq)))

    def customer(self, name: str, *, email: bool = True, phone: bool = True, notes: str = "",
                 currency: str | None = None) -> str:
        body = {"DisplayName": f"{name} {self.run}", "CompanyName": f"{name} {self.run}", "Notes": notes,
                "BillAddr": {"Line1": "1 rue de la Paix", "City": "Paris", "Country": "FR"},
                **({"CurrencyRef": {"value": currency}} if currency else {})}
        if email:
            body["PrimaryEmailAddr"] = {"Address": f"ap-{next(_seq)}-{self.run}@example.com"}
        if phone:
            body["PrimaryPhone"] = {"FreeFormNumber": "+33 1 23 45 67 89"}
        cid = self._create("Customer", body)["Id"]
        self.customers.append(cid)
        return cid

    def invoice(self, customer: str, issued: date, amount: str, *, due: date | None = None, disputed: bool = False,
                extra_lines: list[dict] = (), currency: str | None = None, online: bool = False) -> dict:
        """`online`: the invoice may be paid online (Intuit's AllowOnlineCreditCardPayment and AllowOnlineACHPayment,
        the "Credit card" and "Bank transfer" boxes), which QuickBooks needs to give it an InvoiceLink."""
        body = {"CustomerRef": {"value": customer}, "TxnDate": issued.isoformat(),
                **({"AllowOnlineCreditCardPayment": True, "AllowOnlineACHPayment": True} if online else {}),
                **({"CurrencyRef": {"value": currency}} if currency else {}),
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal(amount), "Description": "Consulting",
                          "SalesItemLineDetail": {"ItemRef": {"value": self.item}, "Qty": 1,
                                                  "UnitPrice": Decimal(amount)}}, *extra_lines]}
        if due:
            body["DueDate"] = due.isoformat()
        if disputed:
            body["CustomField"] = [{"DefinitionId": "1", "Name": "Disputed", "Type": "StringType", "StringValue": "yes"}]
        return self._create("Invoice", body)

    def pay(self, customer: str, invoice: str, amount: str, day: date) -> dict:
        return self._create("Payment", {"CustomerRef": {"value": customer}, "TotalAmt": Decimal(amount),
                                        "TxnDate": day.isoformat(),
                                        "Line": [{"Amount": Decimal(amount),
                                                  "LinkedTxn": [{"TxnId": invoice, "TxnType": "Invoice"}]}]})

    def credit(self, customer: str, invoice: str, amount: str, day: date) -> dict:
        memo = self._create("CreditMemo", {"CustomerRef": {"value": customer}, "TxnDate": day.isoformat(),
                                           "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal(amount),
                                                     "SalesItemLineDetail": {"ItemRef": {"value": self.item}}}]})
        self._create("Payment", {"CustomerRef": {"value": customer}, "TotalAmt": Decimal(0), "TxnDate": day.isoformat(),
                                 "Line": [{"Amount": Decimal(amount), "LinkedTxn": [{"TxnId": invoice, "TxnType": "Invoice"}]},
                                          {"Amount": Decimal(amount), "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]}]})
        return memo

    def notes_of(self, customer: str) -> list[dict]:
        return self.c.query_all("Attachable", f"AttachableRef.EntityRef.Type = 'Customer' and "
                                              f"AttachableRef.EntityRef.value = {quote(customer)}", order_by="")


class Scoped(Source):
    """A Source that only sees the customers a test created (a sandbox holds other data too)."""

    def __init__(self, source, customers: list[str]):
        self.source, self.ids = source, set(customers)

    def fetch(self, as_of):
        from connector.models import Ledger

        led = self.source.fetch(as_of)
        return Ledger(customers=[c for c in led.customers if c.id in self.ids],
                      receivables=[r for r in led.receivables if r.customer_id in self.ids],
                      history=[h for h in led.history if h.customer_id in self.ids],
                      plans=led.plans, credits=[c for c in led.credits if c.customer_id in self.ids],
                      rejected=[], exchange_rates=led.exchange_rates, companies=led.companies,
                      approvals=led.approvals)

    def apply(self, op):
        return self.source.apply(op)


@dataclass
class Target:
    name: str
    realm_id: str
    token_file: str
    base_url: str | None = None
    discovery_url: str | None = None
    emulator: object | None = None

    def source(self, **kw):
        from adapters.quickbooks.source import QuickBooksSource

        return QuickBooksSource(self.realm_id, token_file=self.token_file, base_url=self.base_url,
                                discovery_url=self.discovery_url, environment="sandbox", **kw)



def new_emulator(tmp_path, **kw) -> Target:
    from adapters.quickbooks.emulator import QuickBooksEmulator

    emu = QuickBooksEmulator(**kw)
    url = emu.start()
    emu.seed(accounts=[{"Name": "Sales of services", "AccountType": "Income"}],
             terms=[{"Name": "Net 30", "DueDays": 30}], items=[{"Name": "Consulting", "Type": "Service"}])
    token_file = tmp_path / "qbo-tokens.json"
    TokenFile(token_file).save(Tokens(**emu.issue_tokens()))
    return Target(name="emulator", realm_id=emu.realm_id, token_file=str(token_file), base_url=url,
                  discovery_url=emu.discovery_url, emulator=emu)
