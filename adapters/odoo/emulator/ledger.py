"""A minimal coherent Odoo database for the emulator: one French company in EUR with its chart basics,
journals, payment terms, activity types, mail subtypes and the XML IDs Odoo gives them.

    emu.seed(base_records("17.0"))

XML IDs are Odoo's (account.account_payment_term_advance_60days, mail.mail_activity_data_call, mail.mt_note...);
ids follow a fresh Odoo database where it matters (EUR = 1, USD = 2, France = 75, admin user 2 / partner 3).
"""

from __future__ import annotations

from adapters.odoo.emulator.schema import build_schema

COMPANY = 1
EUR, USD, GBP = 1, 2, 3
FRANCE = 75
RECEIVABLE, INCOME, BANK, PAYABLE, VAT, TRANSFER, COMMERCIAL_DEBTS = 1, 2, 3, 4, 5, 6, 7


def _module_of(model: str) -> str:
    head = model.split(".")[0]
    return {"res": "base", "ir": "base"}.get(head, head)


def base_records(version: str, modules: frozenset[str] | tuple[str, ...] = ("account", "mail")) -> dict[str, list[dict]]:
    major = int(str(version).split(".")[0])
    schema = build_schema(major, frozenset(modules))
    xmlids: list[tuple[str, str, int]] = []

    def xid(xmlid: str, model: str, res_id: int) -> None:
        xmlids.append((xmlid, model, res_id))

    def acc(aid: int, code: str, name: str, atype: str, reconcile: bool) -> dict:
        rec = {"id": aid, "code": code, "name": name, "account_type": atype, "reconcile": reconcile}
        rec["company_ids" if major >= 18 else "company_id"] = [COMPANY] if major >= 18 else COMPANY
        return rec

    out: dict[str, list[dict]] = {
        "res.currency": [
            {"id": EUR, "name": "EUR", "full_name": "Euro", "symbol": "€", "rounding": 0.01, "active": True},
            {"id": USD, "name": "USD", "full_name": "United States dollar", "symbol": "$", "rounding": 0.01,
             "active": True, "position": "before"},
            {"id": GBP, "name": "GBP", "full_name": "Pound sterling", "symbol": "£", "rounding": 0.01, "active": True,
             "position": "before"}],
        "res.country": [{"id": FRANCE, "name": "France", "code": "FR", "currency_id": EUR},
                        {"id": 21, "name": "Belgium", "code": "BE", "currency_id": EUR},
                        {"id": 231, "name": "United Kingdom", "code": "GB", "currency_id": GBP},
                        {"id": 233, "name": "United States", "code": "US", "currency_id": USD}],
        "res.lang": [{"id": 1, "name": "English (US)", "code": "en_US", "iso_code": "en", "active": True},
                     {"id": 2, "name": "French / Français", "code": "fr_FR", "iso_code": "fr", "active": True}],
        "res.partner": [
            {"id": 1, "name": "Relance Demo SAS", "is_company": True, "email": "compta@relance-demo.example",
             "street": "10 rue de Rivoli", "zip": "75001", "city": "Paris", "country_id": FRANCE, "lang": "fr_FR",
             "company_id": COMPANY},
            {"id": 2, "name": "OdooBot", "email": "odoobot@example.com", "active": False},
            {"id": 3, "name": "Administrator", "email": "admin@relance-demo.example", "lang": "en_US",
             "company_id": COMPANY}],
        "res.company": [{"id": COMPANY, "name": "Relance Demo SAS", "currency_id": EUR, "country_id": FRANCE,
                         "partner_id": 1, "account_fiscal_country_id": FRANCE, "email": "compta@relance-demo.example",
                         "street": "10 rue de Rivoli", "zip": "75001", "city": "Paris", "vat": "FR12345678901",
                         "phone": "+33 1 40 20 50 50", "company_registry": "123 456 789 00012"}],
        "res.groups": [{"id": 1, "name": "Internal User"}, {"id": 2, "name": "Settings"},
                       {"id": 3, "name": "Billing"}, {"id": 4, "name": "Billing Administrator"}],
        "res.users": [
            {"id": 1, "login": "__system__", "name": "OdooBot", "partner_id": 2, "company_id": COMPANY,
             "company_ids": [COMPANY], "active": False},
            {"id": 2, "login": "admin", "name": "Administrator", "partner_id": 3, "company_id": COMPANY,
             "company_ids": [COMPANY]}],
        "account.account": [
            acc(RECEIVABLE, "411100", "Clients - Ventes de biens ou de prestations de services", "asset_receivable", True),
            acc(INCOME, "706000", "Prestations de services", "income", False),
            acc(BANK, "512001", "Banque", "asset_cash", False),
            acc(PAYABLE, "401100", "Fournisseurs - Achats de biens et prestations de services", "liability_payable", True),
            acc(VAT, "445710", "TVA collectée", "liability_current", False),
            acc(TRANSFER, "580001", "Virements internes", "asset_current", True),
            acc(COMMERCIAL_DEBTS, "763100", "Revenus des créances commerciales", "income", False)],
        "account.journal": [
            {"id": 1, "name": "Customer Invoices", "code": "INV", "type": "sale", "company_id": COMPANY,
             "default_account_id": INCOME, "sequence": 5},
            {"id": 2, "name": "Vendor Bills", "code": "BILL", "type": "purchase", "company_id": COMPANY, "sequence": 6},
            {"id": 3, "name": "Miscellaneous Operations", "code": "MISC", "type": "general", "company_id": COMPANY,
             "sequence": 9},
            {"id": 4, "name": "Bank", "code": "BNK1", "type": "bank", "company_id": COMPANY,
             "default_account_id": BANK, "sequence": 10}],
        "account.tax": [{"id": 1, "name": "20%", "amount": 20.0, "type_tax_use": "sale", "company_id": COMPANY}],
        "account.payment.term": [
            {"id": 1, "name": "Immediate Payment", "note": "<p>Payment terms: Immediate Payment</p>"},
            {"id": 2, "name": "30 Days", "note": "<p>Payment terms: 30 Days</p>"},
            {"id": 3, "name": "30% Now, Balance 60 Days", "note": "<p>Payment terms: 30% Now, Balance 60 Days</p>"}],
        "account.payment.term.line": [
            {"id": 1, "payment_id": 1, "value": "percent", "value_amount": 100.0, "nb_days": 0},
            {"id": 2, "payment_id": 2, "value": "percent", "value_amount": 100.0, "nb_days": 30},
            {"id": 3, "payment_id": 3, "value": "percent", "value_amount": 30.0, "nb_days": 0},
            {"id": 4, "payment_id": 3, "value": "percent", "value_amount": 70.0, "nb_days": 60}],
        "product.product": [{"id": 1, "name": "Consulting", "default_code": "CONSULT", "type": "service",
                             "list_price": 100.0, "property_account_income_id": INCOME, "taxes_id": [1]}],
        "mail.message.subtype": [
            {"id": 1, "name": "Discussions", "internal": False, "sequence": 0},
            {"id": 2, "name": "Note", "internal": True, "sequence": 100},
            {"id": 3, "name": "Activities", "internal": True, "sequence": 90}],
        "mail.activity.type": [
            {"id": 1, "name": "Email", "icon": "fa-envelope", "sequence": 3},
            {"id": 2, "name": "Call", "icon": "fa-phone", "category": "phonecall", "delay_count": 2, "sequence": 6},
            {"id": 3, "name": "Meeting", "icon": "fa-users", "sequence": 9},
            {"id": 4, "name": "To-Do", "icon": "fa-check" if major >= 19 else "fa-tasks", "delay_count": 5,
             "sequence": 2 if major >= 19 else 12},
            {"id": 5, "name": "Document" if major >= 19 else "Upload Document", "icon": "fa-upload", "delay_count": 5,
             "sequence": 25, "category": "upload_file"}],
    }
    if major >= 17:
        out["res.company"][0]["chart_template"] = "fr"  # l10n_fr's chart, as its accounts (411100, 706000, 763100)
    if major < 18:
        out["product.product"][0]["detailed_type"] = "service"
    if major >= 19:
        for t in out["mail.activity.type"]:
            t["summary"] = t["name"]
    for xmlid, model, res_id in [
            ("base.main_company", "res.company", COMPANY), ("base.main_partner", "res.partner", 1),
            ("base.partner_root", "res.partner", 2), ("base.partner_admin", "res.partner", 3),
            ("base.user_root", "res.users", 1), ("base.user_admin", "res.users", 2),
            ("base.EUR", "res.currency", EUR), ("base.USD", "res.currency", USD), ("base.GBP", "res.currency", GBP),
            ("base.fr", "res.country", FRANCE), ("base.be", "res.country", 21), ("base.uk", "res.country", 231),
            ("base.us", "res.country", 233), ("base.lang_en", "res.lang", 1), ("base.lang_fr", "res.lang", 2),
            ("base.group_user", "res.groups", 1), ("base.group_system", "res.groups", 2),
            ("account.group_account_invoice", "res.groups", 3), ("account.group_account_manager", "res.groups", 4),
            ("account.account_payment_term_immediate", "account.payment.term", 1),
            ("account.account_payment_term_30days", "account.payment.term", 2),
            ("account.account_payment_term_advance_60days", "account.payment.term", 3),
            ("mail.mt_comment", "mail.message.subtype", 1), ("mail.mt_note", "mail.message.subtype", 2),
            ("mail.mt_activities", "mail.message.subtype", 3),
            ("mail.mail_activity_data_email", "mail.activity.type", 1),
            ("mail.mail_activity_data_call", "mail.activity.type", 2),
            ("mail.mail_activity_data_meeting", "mail.activity.type", 3),
            ("mail.mail_activity_data_todo", "mail.activity.type", 4),
            ("mail.mail_activity_data_upload_document", "mail.activity.type", 5)]:
        xid(xmlid, model, res_id)
    out["ir.model"] = []
    for n, (model, m) in enumerate(sorted(schema.items()), start=1):
        out["ir.model"].append({"id": n, "model": model, "name": m.description, "transient": m.transient})
        xid(f"{_module_of(model)}.model_{model.replace('.', '_')}", "ir.model", n)
    out["ir.model.data"] = [{"id": n, "module": x.split(".")[0], "name": x.split(".", 1)[1], "model": model,
                             "res_id": res_id, "noupdate": model in ("mail.activity.type", "account.payment.term")}
                            for n, (x, model, res_id) in enumerate(xmlids, start=1)]
    return out
