"""The demo ledger: a French SME's receivables, as rows of the Odoo emulator (the QuickBooks demo converts them).

`demo_records` is deterministic for a given (as_of, seed): about forty customers and three hundred
posted invoices in every state a credit controller meets — not due, due soon, overdue from 1 to 200
days, partly paid, in installments, disputed, credited, in US dollars, paid late.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

_COMPANIES = [
    "Boulangerie Martin", "Transports Lefèvre SARL", "Atelier Dubois", "Garage Moreau & Fils", "Imprimerie Laurent",
    "Cabinet Girard Architectes", "Menuiserie Bonnet", "Fromagerie Mercier", "Agence Blanc Communication",
    "Pharmacie Rousseau", "Hôtel du Lac Annecy", "Bâtiment Fournier SAS", "Vignobles Lambert", "Électricité Fontaine",
    "Librairie Chevalier", "Clinique Vétérinaire Robin", "Laboratoires Gautier", "Restaurant Le Petit Zinc",
    "Plomberie Perrin", "Ébénisterie Morel", "Groupe Mathieu Logistique", "Serrurerie Clément", "Sud Ouest Textiles",
    "Brasserie des Halles", "Conseil Roux & Associés", "Boucherie Nicolas", "Paysages Henry", "Optique Faure",
    "Northwind Trading Ltd", "Atlantic Export Inc", "Fabrikam Europe BV", "Contoso Retail LLC", "Studio Lemoine",
]
_PERSONS = ["Claire Petit", "Julien Garnier", "Sophie Marchand", "Thomas Dupuis", "Emma Leroy", "Lucas Caron"]
_CITIES = ["Paris", "Lyon", "Bordeaux", "Nantes", "Lille", "Toulouse", "Rennes", "Annecy", "Marseille", "Dijon"]
# Days past due of the open invoices placed on purpose, so every level of every segment is reached.
_OVERDUE_SPREAD = [1, 2, 4, 6, 8, 11, 15, 16, 20, 26, 31, 35, 38, 41, 45, 48, 52, 55, 62, 75, 90, 120, 150, 200]


class _Books:
    """Accumulates emulator rows with ids after those of the base records."""

    def __init__(self, base: dict[str, list[dict]]):
        self.rows: dict[str, list[dict]] = {m: [dict(r) for r in v] for m, v in base.items()}
        self._next: dict[str, int] = {m: max((r["id"] for r in v), default=0) + 1 for m, v in base.items()}
        self._by_id: dict[tuple[str, int], dict] = {}

    def add(self, model_name: str, /, **values) -> int:
        rid = self._next.get(model_name, 1)
        self._next[model_name] = rid + 1
        row = {"id": rid, **values}
        self.rows.setdefault(model_name, []).append(row)
        self._by_id[(model_name, rid)] = row
        return rid

    def get(self, model: str, rid: int) -> dict:
        return self._by_id[(model, rid)]

    def find(self, model: str, **where) -> dict:
        for row in self.rows.get(model, []):
            if all(row.get(k) == v for k, v in where.items()):
                return row
        raise LookupError(f"base records have no {model} with {where}")


_CONTACTS = ["Claire Martin", "Julien Lefèvre", "Sophie Nguyen", "Thomas Moreau", "Amélie Girard", "Karim Benali",
             "Łucja Nowak", "Hélène Dubois"]


def _amount(rng: random.Random, lo: float, hi: float) -> float:
    return round(rng.uniform(lo, hi) / 5) * 5 + rng.choice((0, 0, 0.5, 0.9, 0.99, 0.4))


def demo_records(as_of: date, seed: int = 2026, version: str = "17.0") -> dict[str, list[dict]]:
    from adapters.odoo.emulator.ledger import base_records

    rng = random.Random(seed)
    b = _Books(base_records(version))
    company = b.rows["res.company"][0]["id"]
    eur = b.find("res.currency", name="EUR")["id"]
    usd = b.find("res.currency", name="USD")["id"]
    receivable = b.find("account.account", account_type="asset_receivable")["id"]
    income = b.find("account.account", account_type="income")["id"]
    bank_account = next(r["id"] for r in b.rows["account.account"] if r.get("account_type") in ("asset_cash", "asset_current"))
    sale = b.find("account.journal", type="sale")["id"]
    bank = b.find("account.journal", type="bank")["id"]
    blocked_field = "blocked" if int(version.split(".")[0]) <= 17 else "no_followup"
    usd_rate = 1.08  # USD per EUR on every demo date: the rate itself is not what the demo shows
    b.add("res.currency.rate", name=date(as_of.year - 3, 1, 1).isoformat(), rate=usd_rate, currency_id=usd,
          company_id=company)

    country = {r["code"]: r["id"] for r in b.rows.get("res.country", [])}
    no_chase = b.add("res.partner.category", name="No follow-up (Relance)")
    b.add("ir.model.data", module="relance", name="tag_no_followup", model="res.partner.category", res_id=no_chase,
          noupdate=True)
    key_account = b.add("res.partner.category", name="Key account")

    # -- customers: a payment habit each, some without email / address / phone ---------------------------
    customers = []
    names = [(n, True) for n in _COMPANIES] + [(n, False) for n in _PERSONS]
    for i, (name, is_company) in enumerate(names):
        foreign = name.endswith(("Ltd", "Inc", "BV", "LLC"))
        habit = rng.choices(["reliable", "standard", "chronic"], weights=(4, 5, 2))[0]
        slug = name.lower().replace(" ", "-").replace("&", "and").replace("é", "e").replace("è", "e").replace("ô", "o").replace("â", "a").replace("É", "e")
        email = "" if i % 9 == 4 else f"compta@{slug[:24]}.example" if is_company else f"{slug}@mail.example"
        address = i % 11 != 7
        tags = [no_chase] if i == 5 else [key_account] if i % 10 == 0 else []
        pid = b.add("res.partner", name=name, is_company=is_company, company_type="company" if is_company else "person",
                    lang="en_US" if foreign or i % 17 == 3 else "fr_FR", email=email or False,
                    phone=False if i % 8 == 6 else f"+33 1 {40 + i:02d} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                    street=f"{rng.randint(1, 120)} rue {rng.choice(['de la République', 'Victor Hugo', 'des Lilas', 'Pasteur'])}" if address else False,
                    city=("London" if foreign else rng.choice(_CITIES)) if address else False,
                    zip=f"{rng.randint(10, 95)}{rng.randint(0, 999):03d}" if address and not foreign else False,
                    country_id=(country.get("GB" if name.endswith("Ltd") else "US") if foreign else country.get("FR")) or False,
                    category_id=tags, customer_rank=1, active=True,
                    credit_limit=20000.0 if i % 7 == 2 else 0.0, use_partner_credit_limit=i % 7 == 2)
        b.rows["res.partner"][-1]["commercial_partner_id"] = pid
        if is_company and i % 2 == 0:  # an invoice contact, whom reminders greet by name
            b.add("res.partner", name=_CONTACTS[i // 2 % len(_CONTACTS)], parent_id=pid, type="invoice",
                  commercial_partner_id=pid, is_company=False, email=email or False, active=True)
        customers.append({"id": pid, "habit": habit, "foreign": foreign, "company": is_company})

    def move(kind: str, partner: int, day: date, journal: int, currency: int, prefix: str, **extra) -> int:
        return b.add("account.move", name=prefix, move_type=kind, state="posted", partner_id=partner,
                     commercial_partner_id=partner, date=day.isoformat(), journal_id=journal, currency_id=currency,
                     company_id=company, ref=False, **extra)

    def line(move_id: int, partner: int, day: date, account: int, balance: float, currency: int, amount_currency: float,
             label: str | bool = False, **extra) -> int:
        # date, company and state of a line are Odoo's related fields of its move: not given here
        values = dict(move_id=move_id, partner_id=partner, account_id=account, name=label,
                      display_type="payment_term" if account == receivable else "product",
                      debit=max(balance, 0.0), credit=max(-balance, 0.0), balance=balance, currency_id=currency,
                      amount_currency=amount_currency, amount_residual=0.0, amount_residual_currency=0.0,
                      reconciled=False, date_maturity=False, **{blocked_field: False})
        values.update(extra)
        return b.add("account.move.line", **values)

    def settle(debit_line: int, partner: int, day: date, eur_amount: float, cur: int, cur_amount: float, refund: bool) -> None:
        """A payment (bank entry) or a credit note reconciled, wholly or in part, against one receivable line."""
        if refund:
            m = move("out_refund", partner, day, sale, cur, "RINV", invoice_date=day.isoformat(),
                     invoice_date_due=day.isoformat(), amount_total=cur_amount, amount_residual=0.0, payment_state="paid")
            line(m, partner, day, income, eur_amount, cur, cur_amount, label="Credit note")
        else:
            m = move("entry", partner, day, bank, cur, "BNK1")
            line(m, partner, day, bank_account, eur_amount, cur, cur_amount, label="Customer payment")
        credit = line(m, partner, day, receivable, -eur_amount, cur, -cur_amount, reconciled=True, date_maturity=day.isoformat())
        b.add("account.partial.reconcile", debit_move_id=debit_line, credit_move_id=credit, amount=eur_amount,
              debit_amount_currency=cur_amount, credit_amount_currency=cur_amount, max_date=day.isoformat(),
              company_id=company)

    def invoice(c: dict, issued: date, terms: list[tuple[int, float]], total: float, *, usd_invoice: bool = False,
                paid: list[tuple[int, date, float, bool]] = (), disputed: bool = False) -> None:
        """`terms`: (days after issue, share); `paid`: (installment index, date, share of it, is a credit note)."""
        cur, rate = (usd, usd_rate) if usd_invoice else (eur, 1.0)
        dues = [issued + timedelta(days=d) for d, _ in terms]
        m = move("out_invoice", c["id"], issued, sale, cur, "INV", invoice_date=issued.isoformat(),
                 invoice_date_due=max(dues).isoformat(), amount_total=total, invoice_origin=False,
                 payment_reference=False)
        line(m, c["id"], issued, income, -round(total / rate, 2), cur, -total, label="Prestations et fournitures")
        residual_total = 0.0
        for k, ((_, share), due) in enumerate(zip(terms, dues)):
            cur_amt = round(total * share, 2) if k < len(terms) - 1 else round(total - sum(round(total * s, 2) for _, s in terms[:-1]), 2)
            eur_amt = round(cur_amt / rate, 2)
            ln = line(m, c["id"], issued, receivable, eur_amt, cur, cur_amt, date_maturity=due.isoformat(),
                      **{blocked_field: disputed})
            left_cur, left_eur = cur_amt, eur_amt
            for idx, day, part, refund in paid:
                if idx != k or day > as_of or left_cur <= 0:
                    continue
                pay_cur = left_cur if part >= 1 else round(cur_amt * part, 2)
                pay_eur = left_eur if part >= 1 else round(pay_cur / rate, 2)
                settle(ln, c["id"], day, pay_eur, cur, pay_cur, refund)
                left_cur, left_eur = round(left_cur - pay_cur, 2), round(left_eur - pay_eur, 2)
            b.get("account.move.line", ln).update(amount_residual=left_eur, amount_residual_currency=left_cur, reconciled=left_cur <= 0)
            residual_total += left_cur
        state = "paid" if residual_total <= 0 else "partial" if residual_total < total else "not_paid"
        b.get("account.move", m).update(amount_residual=round(residual_total, 2), payment_state=state)

    def delay(habit: str) -> int:
        return {"reliable": rng.randint(-6, 3), "standard": rng.randint(-2, 35), "chronic": rng.randint(20, 80)}[habit]

    start = as_of - timedelta(days=240)
    chased = [c for c in customers if c["id"] != customers[5]["id"]]
    # Ordinary business: invoices paid according to each customer's habit (some still open).
    for _ in range(200):
        c = rng.choice(customers)
        issued = start + timedelta(days=rng.randint(0, 235))
        term = 0 if not c["company"] else rng.choice((30, 30, 45, 60))
        due = issued + timedelta(days=term)
        amount = _amount(rng, 120, 9000 if c["company"] else 900)
        pay_day = due + timedelta(days=delay(c["habit"]))
        partial = rng.random() < 0.1
        paid = []
        if pay_day <= as_of:
            paid = [(0, pay_day, 0.4, False)] if partial else [(0, pay_day, 1, False)]
        invoice(c, issued, [(term, 1.0)], amount, usd_invoice=c["foreign"] and rng.random() < 0.7, paid=paid)

    # Every level of every segment: open invoices this many days past due.
    for days in _OVERDUE_SPREAD:
        for c in rng.sample(chased, 2):
            due = as_of - timedelta(days=days)
            term = 30 if c["company"] else 0
            invoice(c, due - timedelta(days=term), [(term, 1.0)], _amount(rng, 200, 6000))
    # Not yet due and due soon (courtesy reminders), one due today.
    for ahead in (0, 1, 2, 3, 3, 5, 7, 10, 15, 21, 28):
        c = rng.choice(chased)
        due = as_of + timedelta(days=ahead)
        invoice(c, due - timedelta(days=30), [(30, 1.0)], _amount(rng, 300, 5000))
    # Partly paid, overdue: one or two partial payments with their dates.
    for _ in range(14):
        c = rng.choice(chased)
        issued = as_of - timedelta(days=rng.randint(50, 200))
        due = issued + timedelta(days=30)
        first = due + timedelta(days=rng.randint(-5, 15))
        paid = [(0, first, 0.3, False)] + ([(0, first + timedelta(days=rng.randint(5, 15)), 0.25, False)] if rng.random() < 0.5 else [])
        invoice(c, issued, [(30, 1.0)], _amount(rng, 2000, 15000), paid=paid)
    # Installments: 30 % at 30 days, the balance at 60, on one move (first paid, second open or paid late).
    for n in range(12):
        c = rng.choice([c for c in chased if c["company"]])
        issued = as_of - timedelta(days=rng.randint(20, 150))
        first_due = issued + timedelta(days=30)
        paid = [(0, first_due + timedelta(days=rng.randint(0, 10)), 1, False)]
        if n % 3 == 0:
            paid.append((1, issued + timedelta(days=60 + rng.randint(5, 20)), 1, False))
        invoice(c, issued, [(30, 0.3), (60, 0.7)], _amount(rng, 3000, 24000), paid=paid)
    # Disputed: the line is excluded from follow-up in Odoo.
    for _ in range(7):
        c = rng.choice(chased)
        issued = as_of - timedelta(days=rng.randint(45, 150))
        invoice(c, issued, [(30, 1.0)], _amount(rng, 500, 8000), disputed=True)
    # Credited: a credit note reconciled against the invoice (in full, or in part with the rest open).
    for n in range(8):
        c = rng.choice(chased)
        issued = as_of - timedelta(days=rng.randint(40, 180))
        part = 1 if n % 2 == 0 else 0.5
        invoice(c, issued, [(30, 1.0)], _amount(rng, 400, 4000), paid=[(0, issued + timedelta(days=rng.randint(10, 40)), part, True)])
    # Foreign currency: US dollar invoices of the export customers, open and overdue.
    for c in [c for c in customers if c["foreign"]]:
        for days in (12, 47, 95):
            due = as_of - timedelta(days=days + rng.randint(0, 3))
            invoice(c, due - timedelta(days=30), [(30, 1.0)], _amount(rng, 1500, 12000), usd_invoice=True)
    # Paid late, fully: the final interest invoice of the French B2B rules.
    for _ in range(16):
        c = rng.choice(chased)
        issued = as_of - timedelta(days=rng.randint(60, 230))
        due = issued + timedelta(days=30)
        pay_day = min(as_of - timedelta(days=1), due + timedelta(days=rng.randint(10, 90)))
        invoice(c, issued, [(30, 1.0)], _amount(rng, 1000, 20000), paid=[(0, pay_day, 1, False)])
    # An unapplied credit note: the customer holds a credit.
    c = customers[3]
    day = as_of - timedelta(days=20)
    m = move("out_refund", c["id"], day, sale, eur, "RINV", invoice_date=day.isoformat(), invoice_date_due=day.isoformat(),
             amount_total=350.0, amount_residual=350.0, payment_state="not_paid")
    line(m, c["id"], day, income, 350.0, eur, 350.0, label="Avoir commercial")
    line(m, c["id"], day, receivable, -350.0, eur, -350.0, amount_residual=-350.0, amount_residual_currency=-350.0,
         date_maturity=day.isoformat())
    _number(b.rows["account.move"], {r["id"] for r in base_records(version).get("account.move", [])})
    return b.rows


def _number(moves: list[dict], keep: set[int]) -> None:
    """Number each journal's moves in date order (INV/2026/00001...), as Odoo's sequences do."""
    counters: dict[tuple[str, int], int] = {}
    for m in sorted((m for m in moves if m["id"] not in keep), key=lambda m: (m["name"], m["date"], m["id"])):
        prefix, year = m["name"], int(m["date"][:4])
        counters[(prefix, year)] = counters.get((prefix, year), 0) + 1
        m["name"] = f"{prefix}/{year}/{counters[(prefix, year)]:05d}"
