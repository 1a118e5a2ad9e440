"""Journal entries of the emulated Odoo (mixin of the store): invoices with their payment-term lines,
posting, reset to draft, cancel, reconciliation and debit notes.

Checked in Odoo 17/19 `account/models/account_move.py` and `account_move_line.py`: draft invoices already
carry their receivable ("payment_term") lines, one per installment of the payment term; `action_post`
returns False, `button_draft`, `button_cancel` and `reconcile` return None; error texts below are Odoo's.
19 also refuses writing invoice_line_ids, line_ids, invoice_date, date, partner_id, invoice_payment_term_id
or currency_id on a posted move. `account_debit_note/wizard/account_debit_note.py` (17) for debit notes.
Lock dates (`_post`, `_get_accounting_date`, `_check_fiscalyear_lock_date` (17) / `_check_fiscal_lock_dates`
(19), `copy_data`): posting moves a date in a locked period to the first open day it may take, no later than
today, and refuses when that is still locked; a debit note's copy is dated the day after the lock date.
Tax lock dates and 19's lock exceptions are not emulated.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from adapters.odoo.emulator.errors import UserError
from adapters.odoo.emulator.orm import Call, add_days

INVOICES = ("out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt")
SALE = ("out_invoice", "out_refund", "out_receipt")
DRAFT_NAMES = {"out_invoice": "Draft Invoice", "out_refund": "Draft Credit Note", "in_invoice": "Draft Bill",
               "in_refund": "Draft Vendor Credit Note", "out_receipt": "Draft Sales Receipt",
               "in_receipt": "Draft Purchase Receipt", "entry": "Draft Entry"}
RECONCILE_PROTECTED = ("account_id", "date", "balance", "debit", "credit", "amount_currency", "currency_id", "partner_id")
POSTED_READONLY_19 = ("invoice_line_ids", "line_ids", "invoice_date", "date", "partner_id", "invoice_payment_term_id",
                      "currency_id", "fiscal_position_id", "invoice_cash_rounding_id")


def _r(x: float) -> float:
    return round(x + 0.0, 2) + 0.0


class AccountingMixin:
    # -- display ------------------------------------------------------------------------------------
    def move_display_name(self, mid: int) -> str:
        m = self.data["account.move"][mid]
        name = ""
        if m.get("state") == "draft":
            name = DRAFT_NAMES.get(m.get("move_type"), "Draft Entry") + " "
        if not m.get("name") or m.get("name") == "/":
            name += f"(* {mid})"
        else:
            name += m["name"]
        return name + (f" ({m['ref'][:50]})" if m.get("ref") else "")

    # -- helpers ------------------------------------------------------------------------------------
    def lines_of(self, mid: int) -> list[int]:
        return [i for i, r in sorted(self.data["account.move.line"].items()) if r.get("move_id") == mid]

    def account_type(self, account_id: Any) -> str | None:
        return self.data["account.account"].get(account_id, {}).get("account_type") if account_id else None

    def _company_accounts(self, company: int | None, kind: str) -> int | None:
        for aid, a in sorted(self.data["account.account"].items()):
            owners = a.get("company_ids") or ([a["company_id"]] if a.get("company_id") else [])
            if a.get("account_type") == kind and (not company or company in owners) and a.get("active", True) \
                    and not a.get("deprecated"):
                return aid
        return None

    def _first_journal(self, company: int | None, jtype: str) -> int | None:
        for jid, j in sorted(self.data["account.journal"].items(), key=lambda kv: (kv[1].get("sequence", 10), kv[0])):
            if j.get("type") == jtype and (not company or j.get("company_id") == company) and j.get("active", True):
                return jid
        return None

    def _set_balance(self, rec: dict, balance: float) -> None:
        balance = _r(balance)
        rec.update(balance=balance, debit=balance if balance > 0 else 0.0, credit=-balance if balance < 0 else 0.0)

    def _reconcilable(self, rec: dict) -> bool:
        acc = self.data["account.account"].get(rec.get("account_id"), {})
        return bool(acc.get("reconcile")) or acc.get("account_type") in ("asset_cash", "liability_credit_card")

    # -- account.move -------------------------------------------------------------------------------
    def prepare_account_move(self, vals: dict, call: Call) -> dict:
        if vals.get("state") == "posted":
            raise UserError("You cannot create a move already in the posted state. Please create a draft move and post it after.")
        mtype = vals.get("move_type") or call.context.get("default_move_type") or "entry"
        vals["move_type"] = mtype
        if not vals.get("journal_id"):
            jtype = "sale" if mtype in SALE else "purchase" if mtype in INVOICES else "general"
            vals["journal_id"] = self._first_journal(call.company, jtype) or False
        journal = self.data["account.journal"].get(vals.get("journal_id"), {})
        vals.setdefault("company_id", journal.get("company_id") or call.company)
        company = self.data["res.company"].get(vals["company_id"], {})
        if not vals.get("currency_id"):
            vals["currency_id"] = journal.get("currency_id") or company.get("currency_id") or False
        if not vals.get("date"):
            vals["date"] = vals.get("invoice_date") or self.today()
        vals.setdefault("name", "/")
        if vals.get("partner_id"):
            vals["commercial_partner_id"] = self._commercial(vals["partner_id"])
        if mtype in INVOICES:
            vals.setdefault("invoice_user_id", call.uid)
        return vals

    def created_account_move(self, mid: int, vals: dict, call: Call) -> None:
        self.sync_move(mid, call)

    def writing_account_move(self, ids: list[int], vals: dict, call: Call) -> dict:
        for mid in ids:
            m = self.data["account.move"][mid]
            posted = vals.get("state", m.get("state")) == "posted"
            if self.major >= 19 and posted and not call.context.get("skip_readonly_check"):
                bad = [k for k in vals if k in POSTED_READONLY_19]
                if bad:
                    raise UserError(f"You cannot modify the following readonly fields on a posted move: {', '.join(bad)}")
            if m.get("posted_before") and "journal_id" in vals and m.get("journal_id") != vals["journal_id"]:
                raise UserError("You cannot edit the journal of an account move if it has been posted once.")
        if "partner_id" in vals:
            vals["commercial_partner_id"] = self._commercial(vals["partner_id"]) if vals["partner_id"] else False
        if self.major >= 19 and "no_followup" in vals:
            flag = bool(vals.pop("no_followup"))
            for mid in ids:
                for lid in self.lines_of(mid):
                    if self.account_type(self.data["account.move.line"][lid].get("account_id")) in (
                            "asset_receivable", "liability_payable"):
                        self.data["account.move.line"][lid]["no_followup"] = flag
        return vals

    def written_account_move(self, ids: list[int], vals: dict, call: Call) -> None:
        for mid in ids:
            self.sync_move(mid, call)

    def unlinking_account_move(self, ids: list[int], call: Call) -> None:
        for mid in ids:
            m = self.data["account.move"][mid]
            if m.get("state") == "posted" or m.get("posted_before"):
                raise UserError("You cannot delete an entry which has been posted once.")

    # -- account.move.line --------------------------------------------------------------------------
    def prepare_account_move_line(self, vals: dict, call: Call) -> dict:
        move = self.data["account.move"].get(vals.get("move_id"), {})
        if "balance" in vals:
            b = float(vals.pop("balance") or 0)
            vals["debit"], vals["credit"] = (b, 0.0) if b > 0 else (0.0, -b)
        debit, credit = float(vals.get("debit") or 0), float(vals.get("credit") or 0)
        vals["debit"], vals["credit"], vals["balance"] = debit, credit, _r(debit - credit)
        vals.setdefault("amount_currency", vals["balance"])
        vals.setdefault("currency_id", move.get("currency_id") or False)
        if "partner_id" not in vals:
            vals["partner_id"] = move.get("commercial_partner_id") or move.get("partner_id") or False
        atype = self.account_type(vals.get("account_id"))
        if not vals.get("display_type"):
            vals["display_type"] = ("payment_term" if atype in ("asset_receivable", "liability_payable")
                                    and move.get("move_type") in INVOICES else "product")
        if atype in ("asset_receivable", "liability_payable") and not vals.get("date_maturity"):
            vals["date_maturity"] = move.get("invoice_date_due") or move.get("invoice_date") or move.get("date")
        if self.major >= 18 and "no_followup" not in vals:
            vals["no_followup"] = move.get("move_type") == "entry"
        return vals

    def created_account_move_line(self, lid: int, vals: dict, call: Call) -> None:
        rec = self.data["account.move.line"][lid]
        rec.setdefault("amount_residual", 0.0)
        if self._reconcilable(rec):
            rec["amount_residual"], rec["amount_residual_currency"] = rec["balance"], rec.get("amount_currency", rec["balance"])
        else:
            rec["amount_residual"], rec["amount_residual_currency"] = 0.0, 0.0
        if rec.get("price_unit") is not None and rec.get("display_type") == "product":
            self._product_line(lid)

    def writing_account_move_line(self, ids: list[int], vals: dict, call: Call) -> dict:
        for lid in ids:
            rec = self.data["account.move.line"][lid]
            state = self.data["account.move"].get(rec.get("move_id"), {}).get("state")
            if state == "posted" and "tax_ids" in vals:
                raise UserError("You cannot modify the taxes related to a posted journal item, you should reset the "
                                "journal entry to draft to do so.")
            if any(k in vals and vals[k] != rec.get(k) for k in RECONCILE_PROTECTED) and self._matched(lid):
                move = self.data["account.move"][rec["move_id"]]
                raise UserError("You cannot do this modification on a reconciled journal entry. You can just change some "
                                "non legal fields or you must unreconcile first.\n"
                                f"Journal Entry (id): {move.get('name')} ({rec['move_id']})")
        if "balance" in vals:
            b = float(vals.pop("balance") or 0)
            vals["debit"], vals["credit"] = (b, 0.0) if b > 0 else (0.0, -b)
        return vals

    def written_account_move_line(self, ids: list[int], vals: dict, call: Call) -> None:
        moves = set()
        for lid in ids:
            rec = self.data["account.move.line"][lid]
            if {"debit", "credit"} & set(vals):
                self._set_balance(rec, float(rec.get("debit") or 0) - float(rec.get("credit") or 0))
                self.recompute_residual(lid)
            if {"quantity", "price_unit", "discount"} & set(vals):
                self._product_line(lid)
            moves.add(rec["move_id"])
            if self.major >= 18 and "no_followup" in vals:  # _inverse_no_followup: all receivable lines of an invoice
                move = self.data["account.move"][rec["move_id"]]
                if move.get("move_type") in INVOICES:
                    for other in self.lines_of(rec["move_id"]):
                        o = self.data["account.move.line"][other]
                        if self.account_type(o.get("account_id")) in ("asset_receivable", "liability_payable"):
                            o["no_followup"] = bool(vals["no_followup"])
        for mid in moves:
            self.sync_move(mid, call, lines_changed=bool({"quantity", "price_unit", "discount", "debit", "credit"} & set(vals)))

    def unlinking_account_move_line(self, ids: list[int], call: Call) -> None:
        for lid in ids:
            mid = self.data["account.move.line"][lid].get("move_id")
            if self.data["account.move"].get(mid, {}).get("state") == "posted":
                raise UserError("You can't delete a posted journal item. Don’t play games with your accounting records; "
                                "reset the journal entry to draft before deleting it.")

    def _matched(self, lid: int) -> bool:
        return any(p.get("debit_move_id") == lid or p.get("credit_move_id") == lid
                   for p in self.data["account.partial.reconcile"].values())

    def _product_line(self, lid: int) -> None:
        rec = self.data["account.move.line"][lid]
        move = self.data["account.move"].get(rec.get("move_id"), {})
        if move.get("move_type") not in INVOICES:
            return
        qty = float(rec.get("quantity") if rec.get("quantity") is not None else 1.0)
        sub = _r(qty * float(rec.get("price_unit") or 0) * (1 - float(rec.get("discount") or 0) / 100))
        rec["price_subtotal"] = rec["price_total"] = sub
        sign = -1 if move.get("move_type") in ("out_invoice", "out_receipt", "in_refund") else 1
        self._set_balance(rec, sign * sub)
        rec["amount_currency"] = rec["balance"]
        if not rec.get("account_id"):
            prod = self.data["product.product"].get(rec.get("product_id"), {})
            journal = self.data["account.journal"].get(move.get("journal_id"), {})
            rec["account_id"] = prod.get("property_account_income_id") or journal.get("default_account_id") or \
                self._company_accounts(move.get("company_id"), "income") or False
        if not rec.get("name") and rec.get("product_id"):
            rec["name"] = self.data["product.product"].get(rec["product_id"], {}).get("name") or False

    # -- dynamic lines and amounts ------------------------------------------------------------------
    def sync_move(self, mid: int, call: Call, lines_changed: bool = True) -> None:
        m = self.data["account.move"][mid]
        lines = self.data["account.move.line"]
        if m.get("move_type") in INVOICES and m.get("state") == "draft":
            products = [i for i in self.lines_of(mid) if lines[i].get("display_type") == "product"]
            for lid in products:
                self._product_line(lid)
                lines[lid]["partner_id"] = m.get("commercial_partner_id") or False
            total = _r(-sum(lines[i]["balance"] for i in products))  # receivable side balance
            for lid in [i for i in self.lines_of(mid) if lines[i].get("display_type") == "payment_term"]:
                lines.pop(lid)
            base = m.get("invoice_date") or m.get("date") or self.today()
            term = self.data["account.payment.term"].get(m.get("invoice_payment_term_id"))
            parts: list[tuple[float, str]] = []
            if term:
                tlines = sorted((r for r in self.data["account.payment.term.line"].values()
                                 if r.get("payment_id") == m["invoice_payment_term_id"]), key=lambda r: r.get("nb_days") or 0)
                done = 0.0
                for n, tl in enumerate(tlines):
                    if n == len(tlines) - 1:
                        amount = _r(total - done)
                    elif tl.get("value") == "fixed":
                        amount = _r(float(tl.get("value_amount") or 0) * (1 if total >= 0 else -1))
                    else:
                        amount = _r(total * float(tl.get("value_amount") or 0) / 100)
                    done = _r(done + amount)
                    parts.append((amount, add_days(base, int(tl.get("nb_days") or 0))))
                if parts:
                    m["invoice_date_due"] = max(d for _, d in parts)
            if not parts and products:
                parts = [(total, m.get("invoice_date_due") or base)]
            if not term and not m.get("invoice_date_due"):
                m["invoice_date_due"] = base
            kind = "asset_receivable" if m["move_type"] in SALE else "liability_payable"
            account = self._company_accounts(m.get("company_id"), kind)
            # 17+: a one-line term with an early discount gives its line the last day and the discounted amount
            # (the untaxed and taxed amounts are one here: the emulator's invoices in tests carry no tax)
            early = term.get("early_discount") if term and len(parts) == 1 else False
            for amount, due in parts:
                self.create("account.move.line", [{
                    "move_id": mid, "name": m.get("payment_reference") or "", "display_type": "payment_term",
                    "account_id": account or False, "balance": amount, "date_maturity": due,
                    "partner_id": m.get("commercial_partner_id") or False,
                    **({"discount_date": add_days(base, int(term.get("discount_days") or 0)),
                        "discount_amount_currency": _r(amount * (1 - float(term.get("discount_percentage") or 0) / 100))}
                       if early else {})}], Call(call.uid, {}, call.companies, su=True), check=False)
        self.recompute_move(mid)

    def recompute_move(self, mid: int) -> None:
        m = self.data["account.move"][mid]
        lines = [self.data["account.move.line"][i] for i in self.lines_of(mid)]
        mtype = m.get("move_type")
        sign = -1 if mtype in ("out_refund", "in_invoice", "in_receipt") else 1
        terms = [ln for ln in lines if self.account_type(ln.get("account_id")) in ("asset_receivable", "liability_payable")]
        if mtype in INVOICES:
            untaxed = _r(sum(float(ln.get("price_subtotal") or 0) for ln in lines if ln.get("display_type") == "product"))
            tax = _r(abs(sum(ln["balance"] for ln in lines if ln.get("display_type") == "tax")))
            total = _r(untaxed + tax)
        else:
            untaxed = tax = 0.0
            total = _r(sum(ln["debit"] for ln in lines))
        residual = _r(abs(sum(float(ln.get("amount_residual") or 0) for ln in terms)))
        m.update(amount_untaxed=untaxed, amount_tax=tax, amount_total=total, amount_residual=residual,
                 amount_untaxed_signed=sign * untaxed, amount_total_signed=sign * total,
                 amount_residual_signed=sign * residual)
        state = "not_paid"
        if m.get("state") == "posted" and mtype in INVOICES and terms:
            if residual == 0:
                reversed_ = any(self.data["account.move"].get(
                    self.data["account.move.line"].get(p.get("credit_move_id" if sign > 0 else "debit_move_id"), {})
                    .get("move_id"), {}).get("reversed_entry_id") == mid
                    for p in self.data["account.partial.reconcile"].values()
                    if p.get("debit_move_id" if sign > 0 else "credit_move_id") in self.lines_of(mid))
                state = "reversed" if reversed_ else "paid"
            elif residual != total:
                state = "partial"
        m["payment_state"] = state

    # -- business methods ---------------------------------------------------------------------------
    def action_post(self, ids: list[int], call: Call) -> bool:
        moves = self.data["account.move"]
        for mid in self.existing("account.move", ids, call):
            m = moves[mid]
            if m.get("move_type") in INVOICES and not m.get("partner_id"):
                what = "Customer" if m["move_type"] in SALE else "Vendor"
                doc = {"out_invoice": "Customer Invoice", "out_refund": "Credit Note", "out_receipt": "Sales Receipt"}.get(
                    m["move_type"], "Vendor Bill")
                raise UserError(f"The field '{what}' is required, please complete it to validate the {doc}.")
            if m.get("move_type") in SALE and not m.get("invoice_date"):
                m["invoice_date"] = self.today()
                self.sync_move(mid, call)
        for mid in ids:
            m = moves[mid]
            if m.get("state") in ("posted", "cancel"):
                raise UserError(f"The entry {m.get('name')} (id {mid}) must be in draft.")
            lines = [self.data["account.move.line"][i] for i in self.lines_of(mid)]
            if not [ln for ln in lines if ln.get("display_type") not in ("line_section", "line_note")]:
                raise UserError("You need to add a line before posting.")
            debit, credit = _r(sum(ln["debit"] for ln in lines)), _r(sum(ln["credit"] for ln in lines))
            if debit != credit:
                journal = self.name_of("account.journal", m.get("journal_id"))
                raise UserError(f"The move ({self.move_display_name(mid)}) is not balanced. The total of debits equals "
                                f"{debit} and the total of credits equals {credit}. You might want to specify a default "
                                f'account on journal "{journal}" to automatically balance each move.')
        for mid in ids:
            m = moves[mid]
            if m.get("move_type") in INVOICES and m.get("invoice_date") and not (
                    m.get("debit_origin_id") and (m.get("date") or "") > m["invoice_date"]):
                m["date"] = m["invoice_date"]  # _compute_date; a debit note keeps the date its copy moved past a lock
            locks = self.violated_locks(m, m["date"], call)
            if locks:
                m["date"] = self._accounting_date(m, locks)
            if not m.get("name") or m["name"] == "/":
                m["name"] = self._next_name(m)
            m.update(state="posted", posted_before=True, write_date=self.now(), write_uid=call.uid)
            self.check_lock_dates(m, call)
            self.recompute_move(mid)
        return False

    # -- lock dates ---------------------------------------------------------------------------------
    def violated_locks(self, m: dict, day: str, call: Call) -> list[tuple[str, str]]:
        """(lock date, field) of each lock `day` falls on or before, for this move's journal and this user
        (17: an adviser, account.group_account_manager, is held by the fiscal year lock date only)."""
        company = self.data["res.company"].get(m.get("company_id"), {})
        jtype = self.data["account.journal"].get(m.get("journal_id"), {}).get("type")
        if self.major >= 18:
            names = ["fiscalyear_lock_date", "hard_lock_date", *(["sale_lock_date"] if jtype == "sale" else []),
                     *(["purchase_lock_date"] if jtype == "purchase" else [])]
            return sorted((company[f], f) for f in names if company.get(f) and day <= company[f])
        adviser = call.su or "account" in self.users.get(call.uid, {}).get("groups", ())
        names = ["fiscalyear_lock_date"] if adviser else ["period_lock_date", "fiscalyear_lock_date"]
        lock = max((company.get(f) or "" for f in names), default="")
        return [(lock, "user")] if lock and day <= lock else []

    def _accounting_date(self, m: dict, locks: list[tuple[str, str]]) -> str:
        """`_get_accounting_date`: the day after the last lock, kept within its sequence period, never after today."""
        day = date.fromisoformat(locks[-1][0]) + timedelta(days=1)
        today = date.fromisoformat(self.today())
        last = max((r.get("name") or "" for r in self.data["account.move"].values()
                    if r.get("journal_id") == m.get("journal_id") and r.get("state") == "posted"
                    and (r.get("name") or "/") != "/"), default="")
        reset = "month" if re.search(r"\d{4}/\d{2}/\d+$", last) else "year" if re.search(r"\d{4}/\d+$", last) else "never"
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if m.get("move_type") in SALE:
            if not last or reset == "month":
                return min(today, month_end).isoformat()
            return min(today, date(day.year, 12, 31)).isoformat() if reset == "year" else day.isoformat()
        if not last or reset == "month":
            return (month_end if (today.year, today.month) > (day.year, day.month) else max(day, today)).isoformat()
        if reset == "year":
            return (date(day.year, 12, 31) if today.year > day.year else max(day, today)).isoformat()
        return day.isoformat()

    def check_lock_dates(self, m: dict, call: Call) -> None:
        """Odoo's refusal to add or modify a posted entry dated on or before a lock date (its exact words)."""
        locks = self.violated_locks(m, m.get("date") or "", call)
        if not locks:
            return
        us = lambda d: f"{d[5:7]}/{d[8:10]}/{d[:4]}"  # noqa: E731 - format_date in en_US
        if self.major >= 18:
            labels = {f: self.schema["res.company"].fields[f].string for _, f in locks}
            items = [f"{labels[f]} ({us(d)})" for d, f in locks]
            listed = items[0] if len(items) == 1 else (
                f"{items[0]} and {items[1]}" if len(items) == 2 else ", ".join(items[:-1]) + f", and {items[-1]}")
            raise UserError(f"You cannot add/modify entries prior to and inclusive of: {listed}.")
        message = f"You cannot add/modify entries prior to and inclusive of the lock date {us(locks[-1][0])}."
        if not (call.su or "account" in self.users.get(call.uid, {}).get("groups", ())):
            message = message[:-1] + ". Check the company settings or ask someone with the 'Adviser' role"
        raise UserError(message)

    def _next_name(self, m: dict) -> str:
        journal = self.data["account.journal"].get(m.get("journal_id"), {})
        code = journal.get("code") or "MISC"
        day = m.get("date") or self.today()
        if m.get("move_type") in ("out_refund", "in_refund"):
            code = "R" + code
        if journal.get("type") == "general":
            prefix, width = f"{code}/{day[:4]}/{day[5:7]}/", 4
        else:
            prefix, width = f"{code}/{day[:4]}/", 5
        used = [int(n[len(prefix):]) for r in self.data["account.move"].values()
                if (n := r.get("name") or "").startswith(prefix) and re.fullmatch(r"\d+", n[len(prefix):])]
        return f"{prefix}{(max(used) + 1 if used else 1):0{width}d}"

    def button_draft(self, ids: list[int], call: Call) -> None:
        ids = self.existing("account.move", ids, call)
        if any(self.data["account.move"][i].get("state") not in ("cancel", "posted") for i in ids):
            raise UserError("Only posted/cancelled journal entries can be reset to draft.")
        for mid in ids:
            if self.data["account.move"][mid].get("state") == "posted":
                self.check_lock_dates(self.data["account.move"][mid], call)
        for mid in ids:
            self.remove_move_reconcile(self.lines_of(mid), call)
            self.data["account.move"][mid].update(state="draft", is_move_sent=False, write_date=self.now())
            self.recompute_move(mid)
        return None

    def button_cancel(self, ids: list[int], call: Call) -> None:
        ids = self.existing("account.move", ids, call)
        posted = [i for i in ids if self.data["account.move"][i].get("state") == "posted"]
        if posted:
            self.button_draft(posted, call)
        if any(self.data["account.move"][i].get("state") != "draft" for i in ids):
            raise UserError("Only draft journal entries can be cancelled.")
        for mid in ids:
            self.data["account.move"][mid].update(state="cancel", auto_post="no", write_date=self.now())
            self.recompute_move(mid)
        return None

    # -- reconciliation -----------------------------------------------------------------------------
    def recompute_residual(self, lid: int) -> None:
        rec = self.data["account.move.line"][lid]
        if not self._reconcilable(rec):
            rec["amount_residual"] = rec["amount_residual_currency"] = 0.0
            return
        parts = self.data["account.partial.reconcile"].values()
        res = float(rec["balance"]) - sum(p["amount"] for p in parts if p.get("debit_move_id") == lid) \
            + sum(p["amount"] for p in parts if p.get("credit_move_id") == lid)
        res_cur = float(rec.get("amount_currency", rec["balance"])) \
            - sum(p.get("debit_amount_currency", p["amount"]) for p in parts if p.get("debit_move_id") == lid) \
            + sum(p.get("credit_amount_currency", p["amount"]) for p in parts if p.get("credit_move_id") == lid)
        rec["amount_residual"], rec["amount_residual_currency"] = _r(res), _r(res_cur)
        rec["reconciled"] = _r(res) == 0 and self._matched(lid)

    def reconcile(self, ids: list[int], call: Call) -> None:
        lines = self.data["account.move.line"]
        ids = self.existing("account.move.line", ids, call)
        if not ids:
            return None
        for lid in ids:
            if self.data["account.move"][lines[lid]["move_id"]].get("state") != "posted":
                raise UserError("You can only reconcile posted entries.")
        accounts = {lines[i].get("account_id") for i in ids}
        if len(accounts) > 1:
            raise UserError("Entries are not from the same account: "
                            + ", ".join(self.name_of("account.account", a) for a in accounts))
        if not self._reconcilable(lines[ids[0]]):
            raise UserError(f"Account {self.name_of('account.account', ids[0] and lines[ids[0]]['account_id'])} does not "
                            "allow reconciliation. First change the configuration of this account to allow it.")
        key = lambda i: (lines[i].get("date_maturity") or lines[i].get("date") or "", i)  # noqa: E731
        debits = sorted((i for i in ids if lines[i]["amount_residual"] > 0), key=key)
        credits = sorted((i for i in ids if lines[i]["amount_residual"] < 0), key=key)
        while debits and credits:
            d, c = debits[0], credits[0]
            amount = _r(min(lines[d]["amount_residual"], -lines[c]["amount_residual"]))
            d_move = self.data["account.move"][lines[d]["move_id"]]
            c_move = self.data["account.move"][lines[c]["move_id"]]
            self.create("account.partial.reconcile", [{
                "debit_move_id": d, "credit_move_id": c, "amount": amount, "debit_amount_currency": amount,
                "credit_amount_currency": amount, "company_id": d_move.get("company_id"),
                "max_date": max(d_move.get("date") or "", c_move.get("date") or "")}],
                Call(call.uid, {}, call.companies, su=True), check=False)
            for lid in (d, c):
                self.recompute_residual(lid)
            if lines[d]["amount_residual"] == 0:
                debits.pop(0)
            if lines[c]["amount_residual"] == 0:
                credits.pop(0)
        if all(lines[i]["amount_residual"] == 0 for i in ids):
            fid = self.create("account.full.reconcile", [{}], Call(call.uid, {}, call.companies, su=True), check=False)[0]
            for lid in ids:
                lines[lid]["full_reconcile_id"] = fid
            for p in self.data["account.partial.reconcile"].values():
                if p.get("debit_move_id") in ids or p.get("credit_move_id") in ids:
                    p["full_reconcile_id"] = fid
        for mid in {lines[i]["move_id"] for i in ids}:
            self.recompute_move(mid)
        return None

    def remove_move_reconcile(self, ids: list[int], call: Call) -> None:
        lines = self.data["account.move.line"]
        parts = [pid for pid, p in self.data["account.partial.reconcile"].items()
                 if p.get("debit_move_id") in ids or p.get("credit_move_id") in ids]
        touched = set()
        for pid in parts:
            p = self.data["account.partial.reconcile"].pop(pid)
            touched |= {p["debit_move_id"], p["credit_move_id"]}
        for lid in touched:
            if lid in lines:
                lines[lid]["full_reconcile_id"] = False
                self.recompute_residual(lid)
                self.recompute_move(lines[lid]["move_id"])
        return None

    # -- account.debit.note (module account_debit_note) ---------------------------------------------
    def prepare_account_debit_note(self, vals: dict, call: Call) -> dict:
        ctx = call.context
        moves = ctx.get("active_ids", []) if ctx.get("active_model") == "account.move" else []
        recs = [self.data["account.move"].get(i, {}) for i in moves]
        if any(r.get("state") != "posted" for r in recs):
            raise UserError("You can only debit posted moves.")
        if any(r.get("debit_origin_id") for r in recs):
            raise UserError("You can't make a debit note for an invoice that is already linked to a debit note.")
        if any(r.get("move_type") not in ("out_invoice", "in_invoice", "out_refund", "in_refund") for r in recs):
            raise UserError("You can make a debit note only for a Customer Invoice, a Customer Credit Note, a Vendor Bill "
                            "or a Vendor Credit Note.")
        vals.setdefault("move_ids", [(6, 0, list(moves))])
        return vals

    def create_debit(self, ids: list[int], call: Call) -> dict:
        if len(ids) != 1:
            raise ValueError(f"Expected singleton: account.debit.note({', '.join(map(str, ids))})")
        wiz = self.data["account.debit.note"][self.existing("account.debit.note", ids, call)[0]]
        new_ids, mtype = [], None
        for mid in wiz.get("move_ids") or []:
            src = self.data["account.move"][mid]
            mtype = {"out_refund": "out_invoice", "in_refund": "in_invoice"}.get(src["move_type"], src["move_type"])
            vals = {k: src.get(k) for k in ("partner_id", "currency_id", "invoice_origin", "narration", "company_id")}
            vals.update(ref=f"{src.get('name')}, {wiz['reason']}" if wiz.get("reason") else src.get("name"),
                        date=wiz.get("date") or src.get("date"), invoice_date=wiz.get("date") or src.get("date"),
                        journal_id=wiz.get("journal_id") or src.get("journal_id"), invoice_payment_term_id=False,
                        debit_origin_id=mid, move_type=mtype)
            if wiz.get("copy_lines") and src["move_type"] not in ("in_refund", "out_refund"):
                vals["invoice_line_ids"] = [(0, 0, {k: self.data["account.move.line"][lid].get(k) for k in (
                    "name", "quantity", "price_unit", "account_id", "product_id", "discount")})
                    for lid in self.lines_of(mid) if self.data["account.move.line"][lid].get("display_type") == "product"]
            locks = self.violated_locks(src, vals["date"], call)
            if locks:  # copy_data: a copy dated in a locked period moves to the day after the lock date
                vals["date"] = (date.fromisoformat(locks[-1][0]) + timedelta(days=1)).isoformat()
            new = self.create("account.move", [{k: v for k, v in vals.items() if v is not None}], call)[0]
            link = f'<a href="#" data-oe-model="account.move" data-oe-id="{mid}">{escape_name(self.move_display_name(mid))}</a>'
            self.post_message("account.move", new, call, body=f"This debit note was created from: {link}", html_body=True)
            new_ids.append(new)
        action = {"name": "Debit Notes", "type": "ir.actions.act_window", "res_model": "account.move",
                  "context": {"default_move_type": mtype}}
        if len(new_ids) == 1:
            action.update(view_mode="form", res_id=new_ids[0])
        else:
            action.update(view_mode="tree,form" if self.major < 18 else "list,form", domain=[("id", "in", new_ids)])
        return action


def escape_name(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
