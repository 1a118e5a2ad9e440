"""The Odoo side of the bad-input corpus: a fresh emulated Odoo (17 over XML-RPC or 19 over JSON-2), good
books made through the API the way tests/adapters/odoo/books.py makes them, bad records planted the way a
broken import leaves them, and the list of what a run changed, record by record, with whom it concerns."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from adapters.odoo.emulator import OdooEmulator
from adapters.odoo.emulator.ledger import base_records
from adapters.odoo.source import OdooSource
from connector import runner
from connector.policy import Policy, load_policy

SECRET = "badinput-Secret-2718"
THREAD_MODELS = ("mail.message", "mail.activity", "ir.attachment")


def penalties_from_due(policy: Policy | None = None) -> Policy:
    """fr-b2b charging interest and indemnity from the due date (level 0), so a first run writes penalties."""
    policy = policy or load_policy("fr-b2b")
    return policy.with_penalties(from_level=0)


@dataclass(frozen=True)
class Change:
    model: str
    id: int
    record: dict
    partner: int | None  # the customer it concerns (None: no customer)


class OdooBooks:
    def __init__(self, version: str = "17.0", today: date | None = None):
        clock = (lambda: datetime.combine(today, datetime.min.time().replace(hour=9))) if today else None
        self.emu = OdooEmulator(version=version, db="badinput", modules=("account", "mail", "account_debit_note"),
                                clock=clock)
        self.emu.seed(base_records(version))
        self.emu.add_user(login="relance", password=SECRET, api_key=SECRET, groups=("account",), company_ids=(1,),
                          email="relance@relance-demo.example")
        self.url = self.emu.start()
        self.version = version
        self.source = OdooSource(self.url, "badinput", "relance", SECRET,
                                 protocol="json2" if version.startswith("19") else "xmlrpc")
        self.source.init()
        self.c = self.source.client
        self.income = self._one("account.account", [("account_type", "=", "income")])
        self.sale = self._one("account.journal", [("type", "=", "sale")])

    def config(self, folder: Path, env: str) -> Path:
        """A relance.yaml naming this emulated Odoo, its secret in the environment variable `env`."""
        json2 = self.version.startswith("19")
        path = folder / "relance.yaml"
        path.write_text(f"tenants:\n  - name: badinput\n    system: odoo\n    url: {self.url}\n    database: badinput\n"
                        f"    login: relance\n    {'api_key_env' if json2 else 'password_env'}: {env}\n"
                        f"    protocol: {'json2' if json2 else 'xmlrpc'}\n    policy: fr-b2b\n", encoding="utf-8")
        return path

    def posting(self) -> None:
        """Penalty invoices posted, not left in draft (mapping penalties.state: posted)."""
        m = self.source.mapping
        self.source.mapping = m.model_copy(update={"penalties": m.penalties.model_copy(update={"state": "posted"})})

    def close(self) -> None:
        self.source.close()
        self.emu.stop()

    def _one(self, model: str, domain: list) -> int:
        return int(self.c.call(model, "search_read", domain=domain, fields=["id"], limit=1)[0]["id"])

    # -- good books, through the API ----------------------------------------------------------------
    def partner(self, name: str, *, email: bool = True, phone: bool = True, address: bool = True) -> int:
        vals = {"name": name, "is_company": True, "lang": "en_US",
                "email": f"ap@{name.split()[0].lower()}.example" if email else False,
                "phone": "+33 1 23 45 67 89" if phone else False,
                "street": "1 rue de la Paix" if address else False, "city": "Paris" if address else False}
        return int(self.c.call("res.partner", "create", vals_list=[vals])[0])

    def invoice(self, partner: int, issued: date, amount: str, due: date) -> tuple[int, int]:
        """A posted customer invoice: (move id, receivable line id)."""
        move = self.c.call("account.move", "create", vals_list=[{
            "move_type": "out_invoice", "partner_id": partner, "invoice_date": issued.isoformat(),
            "invoice_date_due": due.isoformat(), "journal_id": self.sale,
            "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1, "price_unit": float(amount),
                                         "account_id": self.income, "tax_ids": [(6, 0, [])]})]}])[0]
        self.c.call("account.move", "action_post", ids=[move])
        return int(move), self.receivable_line(move)

    def receivable_line(self, move: int) -> int:
        return self._one("account.move.line", [("move_id", "=", move), ("account_id.account_type", "=", "asset_receivable")])

    def number(self, move: int) -> str:
        return self.emu.store.data["account.move"][move]["name"]

    # -- bad records, as a broken import leaves them (straight into the database) ---------------------
    def plant(self, model: str, rid: int, **values) -> None:
        with self.emu._lock:
            self.emu.store.data[model][rid].update(values)

    def set_company(self, **values) -> None:
        self.plant("res.company", 1, **values)

    # -- a run and what it changed --------------------------------------------------------------------
    def snapshot(self) -> dict:
        with self.emu._lock:
            return copy.deepcopy(self.emu.store.data)

    def run(self, policy: Policy, as_of: date) -> runner.RunResult:
        return runner.run(self.source, policy, as_of, dry_run=False)

    def changes(self, before: dict) -> list[Change]:
        data = self.snapshot()
        out = []
        for model, rows in data.items():
            for rid, rec in rows.items():
                if before.get(model, {}).get(rid) != rec:
                    out.append(Change(model, rid, rec, self._owner(data, model, rec, rid)))
        return out

    def _owner(self, data: dict, model: str, rec: dict, rid: int) -> int | None:
        if model in THREAD_MODELS:
            target, res_id = rec.get("res_model") or rec.get("model"), rec.get("res_id")
            if target == "res.partner":
                return res_id
            if target == "account.move":
                return data["account.move"].get(res_id, {}).get("commercial_partner_id")
            return None
        if model == "mail.mail":
            msg = data["mail.message"].get(rec.get("mail_message_id"), {})
            return self._owner(data, "mail.message", msg, rec.get("mail_message_id"))
        if model == "account.move":
            return rec.get("commercial_partner_id") or rec.get("partner_id")
        if model == "account.move.line":
            return data["account.move"].get(rec.get("move_id"), {}).get("commercial_partner_id")
        if model == "res.partner":
            return rid
        return None
