"""Test data made through Odoo's external API, the way an accountant's books hold it: posted
invoices (one receivable line per installment), payments reconciled against them, a disputed line."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta

from adapters.odoo.client import OdooClient
from connector.models import Ledger
from connector.protocol import Source

_seq = itertools.count(1)


class Books:
    def __init__(self, client: OdooClient):
        self.c = client
        self.run_id = uuid.uuid4().hex[:6]
        # in a database of several companies, the books of the client's first allowed company (else the user's)
        company = (client.context.get("allowed_company_ids") or [None])[0]
        if company is None:
            company = client.call("res.users", "read", ids=[client.uid], fields=["company_id"])[0]["company_id"][0]
        self.company = company
        fields = client.call("account.account", "fields_get", attributes=["type"])
        own = [("company_ids", "in", [company])] if "company_ids" in fields else [("company_id", "=", company)]
        self.income = self._one("account.account", [("account_type", "=", "income"), *own])
        self.bank = self._one("account.account", [("account_type", "in", ["asset_cash", "asset_current"]), *own])
        self.misc = self._one("account.journal", [("type", "=", "general"), ("company_id", "=", company)])
        self.sale = self._one("account.journal", [("type", "=", "sale"), ("company_id", "=", company)])
        # Odoo's default term account.account_payment_term_advance_60days, by name: its XML ID needs admin rights
        self.installments = self._one("account.payment.term", [("name", "=", "30% Now, Balance 60 Days")])
        self.partners: list[int] = []

    def _one(self, model: str, domain: list) -> int:
        rows = self.c.call(model, "search_read", domain=domain, fields=["id"], limit=1)
        assert rows, f"no {model} matching {domain} in this database"
        return int(rows[0]["id"])

    def partner(self, name: str, *, email: bool = True, address: bool = True, phone: bool = True,
                company: bool = True, lang: str = "en_US") -> int:
        vals = {"name": f"{name} {self.run_id}", "is_company": company, "lang": lang,
                "email": f"ap-{next(_seq)}-{self.run_id}@example.com" if email else False,
                "phone": "+33 1 23 45 67 89" if phone else False,
                "street": "1 rue de la Paix" if address else False, "city": "Paris" if address else False}
        pid = self.c.call("res.partner", "create", vals_list=[vals])[0]
        self.partners.append(pid)
        return pid

    def invoice(self, partner: int, invoice_date: date, amount: str, *, due: date | None = None,
                installments: bool = False, currency: int | None = None, term: int | None = None) -> tuple[int, list[int]]:
        vals = {"move_type": "out_invoice", "partner_id": partner, "invoice_date": invoice_date.isoformat(),
                "journal_id": self.sale, **({"currency_id": currency} if currency else {}),
                "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1, "price_unit": float(amount),
                                             "account_id": self.income, "tax_ids": [(6, 0, [])]})]}
        if installments or term:
            vals["invoice_payment_term_id"] = term or self.installments
        elif due:
            vals["invoice_date_due"] = due.isoformat()
        move = self.c.call("account.move", "create", vals_list=[vals])[0]
        self.c.call("account.move", "action_post", ids=[move])
        lines = self.c.call("account.move.line", "search_read",
                            domain=[("move_id", "=", move), ("account_id.account_type", "=", "asset_receivable")],
                            fields=["id", "date_maturity"], order="date_maturity asc, id asc")
        return move, [ln["id"] for ln in lines]

    def refund(self, partner: int, day: date, amount: str) -> tuple[int, int]:
        """A posted credit note left unapplied: (move, its receivable line)."""
        move = self.c.call("account.move", "create", vals_list=[{
            "move_type": "out_refund", "partner_id": partner, "invoice_date": day.isoformat(), "journal_id": self.sale,
            "invoice_line_ids": [(0, 0, {"name": "Credit", "quantity": 1, "price_unit": float(amount),
                                         "account_id": self.income, "tax_ids": [(6, 0, [])]})]}])[0]
        self.c.call("account.move", "action_post", ids=[move])
        line = self.c.call("account.move.line", "search_read", fields=["id"], domain=[
            ("move_id", "=", move), ("account_id.account_type", "=", "asset_receivable")])[0]["id"]
        return move, line

    def payment(self, partner: int, amount: str, day: date, like: int) -> tuple[int, int]:
        """A bank payment posted as an entry on the receivable account of line `like`, not reconciled: (move, line)."""
        account = self.c.call("account.move.line", "read", ids=[like], fields=["account_id"])[0]["account_id"][0]
        move = self.c.call("account.move", "create", vals_list=[{
            "move_type": "entry", "date": day.isoformat(), "journal_id": self.misc, "ref": f"Payment {self.run_id}",
            "line_ids": [(0, 0, {"account_id": account, "partner_id": partner, "name": "Payment",
                                 "debit": 0.0, "credit": float(amount)}),
                         (0, 0, {"account_id": self.bank, "name": "Payment", "debit": float(amount), "credit": 0.0})],
        }])[0]
        self.c.call("account.move", "action_post", ids=[move])
        line = self.c.call("account.move.line", "search_read", domain=[("move_id", "=", move), ("account_id", "=", account)],
                           fields=["id"])[0]["id"]
        return move, line

    def pay(self, partner: int, line: int, amount: str, day: date) -> int:
        """A bank payment posted as an entry and reconciled against the invoice's receivable line."""
        move, pay_line = self.payment(partner, amount, day, like=line)
        self.c.call("account.move.line", "reconcile", ids=[line, pay_line])
        return move

    def dispute(self, line: int) -> None:
        field = "blocked" if self.c.major <= 17 else "no_followup"
        self.c.call("account.move.line", "write", ids=[line], vals={field: True})


class Scoped(Source):
    """A Source that only sees the partners a test created (a real database holds other data too)."""

    def __init__(self, source, partners: list[int]):
        self.source, self.ids = source, {str(p) for p in partners}

    def fetch(self, as_of: date) -> Ledger:
        led = self.source.fetch(as_of)
        return Ledger(customers=[c for c in led.customers if c.id in self.ids],
                      receivables=[r for r in led.receivables if r.customer_id in self.ids],
                      history=[h for h in led.history if h.customer_id in self.ids],
                      plans=[p for p in led.plans if p.customer_id in self.ids], credits=[c for c in led.credits if c.customer_id in self.ids],
                      rejected=led.rejected, exchange_rates=led.exchange_rates, companies=led.companies,
                      approvals=led.approvals)

    def apply(self, op):
        return self.source.apply(op)

    @property
    def batch_size(self) -> int:  # the source's batches, so that the contract suites write as a run does
        return self.source.batch_size

    def batchable(self, op) -> bool:
        return self.source.batchable(op)

    def apply_many(self, ops):
        return self.source.apply_many(ops)


def weekdays(start: date, days: int):
    for i in range(days):
        d = start + timedelta(days=i)
        if d.weekday() < 5:
            yield d
