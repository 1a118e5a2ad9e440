"""The QuickBooks side of the bad-input corpus: a fresh emulated company (as tests/adapters/quickbooks/qbo_books.py
seeds it), good customers and invoices, bad ones planted the way a broken import leaves them, and what a run
changed, object by object, with the customer it concerns."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from adapters.quickbooks.auth import TokenFile, Tokens
from adapters.quickbooks.emulator import QuickBooksEmulator
from adapters.quickbooks.source import QuickBooksSource
from connector import runner
from connector.policy import Policy


@dataclass(frozen=True)
class Change:
    entity: str
    id: str
    obj: dict
    customers: frozenset[str]  # the customers it concerns


class QuickBooksBooks:
    def __init__(self, folder: Path):
        self.emu = QuickBooksEmulator(home_currency="EUR")
        url = self.emu.start()
        self.emu.seed(accounts=[{"Name": "Sales of services", "AccountType": "Income"}],
                      terms=[{"Name": "Net 30", "DueDays": 30}], items=[{"Name": "Consulting", "Type": "Service"}])
        tokens = folder / "qbo-tokens.json"
        TokenFile(tokens).save(Tokens(**self.emu.issue_tokens()))
        self.source = QuickBooksSource(self.emu.realm_id, token_file=tokens, base_url=url, environment="sandbox",
                                       discovery_url=self.emu.discovery_url,
                                       secrets={"QBO_CLIENT_ID": "emulator-client", "QBO_CLIENT_SECRET": "emulator-secret"})
        self.source.client.backoff = 0.01
        self.source.init()
        self.item = next(i["Id"] for i in self.emu.objects("Item") if i["Name"] == "Consulting")

    def close(self) -> None:
        self.source.close()
        self.emu.stop()

    # -- good books ---------------------------------------------------------------------------------
    def customer(self, name: str, *, email: bool = True, phone: bool = True, address: bool = True) -> str:
        body: dict = {"DisplayName": name, "CompanyName": name}
        if email:
            body["PrimaryEmailAddr"] = {"Address": f"ap@{name.split()[0].lower()}.example"}
        if phone:
            body["PrimaryPhone"] = {"FreeFormNumber": "+33 1 23 45 67 89"}
        if address:
            body["BillAddr"] = {"Line1": "1 rue de la Paix", "City": "Paris", "Country": "FR"}
        return self.emu.seed(customers=[body])["customers"][0]["Id"]

    def invoice(self, customer: str, issued: date, amount: str, due: date) -> dict:
        return self.emu.seed(invoices=[{
            "CustomerRef": {"value": customer}, "TxnDate": issued.isoformat(), "DueDate": due.isoformat(),
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal(amount), "Description": "Consulting",
                      "SalesItemLineDetail": {"ItemRef": {"value": self.item}, "Qty": 1, "UnitPrice": Decimal(amount)}}],
        }])["invoices"][0]

    # -- bad objects, straight into the company -------------------------------------------------------
    def plant(self, entity: str, oid: str, **values) -> None:
        with self.emu.store.lock:
            obj = self.emu.store.objects[entity][oid]
            for key, value in values.items():
                if value is None:
                    obj.pop(key, None)
                else:
                    obj[key] = value

    def remove(self, entity: str, oid: str) -> None:
        with self.emu.store.lock:
            del self.emu.store.objects[entity][oid]

    # -- a run and what it changed --------------------------------------------------------------------
    def snapshot(self) -> dict:
        with self.emu.store.lock:
            return {"objects": copy.deepcopy(self.emu.store.objects), "sent": list(self.emu.store.sent)}

    def run(self, policy: Policy, as_of: date) -> runner.RunResult:
        return runner.run(self.source, policy, as_of, dry_run=False)

    def changes(self, before: dict) -> list[Change]:
        now = self.snapshot()
        out = []
        for entity, objs in now["objects"].items():
            for oid, obj in objs.items():
                if before["objects"].get(entity, {}).get(oid) != obj:
                    out.append(Change(entity, oid, obj, self._customers(entity, obj)))
        invoices = now["objects"]["Invoice"]
        for invoice_id, _ in now["sent"][len(before["sent"]):]:
            out.append(Change("email", invoice_id, {}, self._customers("Invoice", invoices.get(invoice_id, {}))))
        return out

    @staticmethod
    def _customers(entity: str, obj: dict) -> frozenset[str]:
        if entity == "Customer":
            return frozenset({obj["Id"]})
        if entity == "Attachable":
            return frozenset(r["EntityRef"]["value"] for r in obj.get("AttachableRef") or []
                             if r.get("EntityRef", {}).get("type") == "Customer")
        ref = (obj.get("CustomerRef") or {}).get("value")
        return frozenset({ref} if ref else ())
