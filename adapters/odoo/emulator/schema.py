"""Models and fields the Odoo emulator serves, per Odoo version (16-19) and installed modules.

Field names, types and selections were checked against Odoo 17.0 and 19.0 sources; 16 is served as 17
and 18 as 19 except where noted (`blocked` -> `no_followup`, `company_id` -> `company_ids` on accounts,
`detailed_type` dropped, `groups_id` -> `group_ids` only from 19, `mobile` dropped in 19).
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any


@dataclass
class Field:
    name: str
    type: str
    string: str
    relation: str | None = None
    inverse: str | None = None            # one2many: field on the comodel
    required: bool = False
    readonly: bool = False
    selection: list[tuple[str, str]] | None = None
    related: str | None = None            # dotted path, read through
    compute: bool = False                 # value given by the emulator (orm.COMPUTES)
    store: bool = True
    default: Any = None                   # value or callable(env) -> value

    def describe(self) -> dict:
        out = {"type": self.type, "string": self.string, "required": self.required,
               "readonly": self.readonly or bool(self.compute and not self.store) or bool(self.related),
               "store": self.store and not self.related, "searchable": True,
               "sortable": self.store and not self.related and self.type not in ("one2many", "many2many"),
               "help": ""}
        if self.relation:
            out["relation"] = self.relation
        if self.inverse:
            out["relation_field"] = self.inverse
        if self.selection is not None:
            out["selection"] = [list(s) for s in self.selection]
        return out


@dataclass
class Model:
    name: str
    description: str
    fields: dict[str, Field] = dc_field(default_factory=dict)
    order: str = "id"
    rec_name: str | None = "name"
    thread: bool = False                  # mail.thread: message_post, message_ids
    company_rule: str | None = None       # None | "strict" (company_id in allowed) | "shared" (False or in)
    parent: str | None = None             # parent field for child_of / parent_of
    transient: bool = False
    owner_rule: str | None = None         # a many2one to res.users: other users' records are invisible (not to system)

    @property
    def active_field(self) -> str | None:
        return "active" if "active" in self.fields else None


def _f(kind: str):
    def make(name: str, string: str, relation: str | None = None, **kw) -> Field:
        if kind in ("many2one", "many2many"):
            return Field(name, kind, string, relation=relation, **kw)
        if kind == "one2many":
            return Field(name, kind, string, relation=relation, store=False, **kw)
        if kind == "selection":
            return Field(name, kind, string, selection=relation, **kw)  # type: ignore[arg-type]
        return Field(name, kind, string, **kw)
    return make


C, T, H, B, I, FL, MO, D, DT, BIN = (_f(k) for k in ("char", "text", "html", "boolean", "integer", "float", "monetary",
                                                   "date", "datetime", "binary"))
S, M2O, O2M, M2M = _f("selection"), _f("many2one"), _f("one2many"), _f("many2many")

MOVE_TYPES = [("entry", "Journal Entry"), ("out_invoice", "Customer Invoice"), ("out_refund", "Customer Credit Note"),
              ("in_invoice", "Vendor Bill"), ("in_refund", "Vendor Credit Note"), ("out_receipt", "Sales Receipt"),
              ("in_receipt", "Purchase Receipt")]
ACCOUNT_TYPES = [(k, k.replace("_", " ").title()) for k in (
    "asset_receivable", "asset_cash", "asset_current", "asset_non_current", "asset_prepayments", "asset_fixed",
    "liability_payable", "liability_credit_card", "liability_current", "liability_non_current", "equity",
    "equity_unaffected", "income", "income_other", "expense", "expense_depreciation", "expense_direct_cost",
    "expense_other", "off_balance")]
WARNING = [("no-message", "No Message"), ("warning", "Warning"), ("block", "Blocking Message")]


def _add(m: Model, *flds: Field) -> Model:
    for f in flds:
        m.fields[f.name] = f
    return m


def build_schema(major: int, modules: frozenset[str]) -> dict[str, Model]:
    """All models of an emulated database of Odoo `major` with `modules` installed."""
    v19 = major >= 19
    v18 = major >= 18
    models: dict[str, Model] = {}

    def model(name, description, *flds, **kw) -> Model:
        m = Model(name, description, **kw)
        _add(m, I("id", "ID", readonly=True), C("display_name", "Display Name", compute=True, store=False),
             DT("create_date", "Created on", readonly=True), DT("write_date", "Last Updated on", readonly=True),
             M2O("create_uid", "Created by", "res.users", readonly=True),
             M2O("write_uid", "Last Updated by", "res.users", readonly=True), *flds)
        models[name] = m
        return m

    thread_fields = lambda: (O2M("message_ids", "Messages", "mail.message", inverse="res_id", compute=True),  # noqa: E731
                             O2M("activity_ids", "Activities", "mail.activity", inverse="res_id", compute=True))

    users = model("res.users", "User",
                  C("login", "Login", required=True), C("name", "Name", required=True),
                  M2O("partner_id", "Related Partner", "res.partner", required=True),
                  M2O("company_id", "Company", "res.company", required=True),
                  M2M("company_ids", "Companies", "res.company"), B("active", "Active", default=True),
                  C("email", "Email", related="partner_id.email"), B("share", "Share User", compute=True),
                  C("lang", "Language", related="partner_id.lang"), order="name, login", rec_name="name")
    _add(users, M2M("group_ids" if v19 else "groups_id", "Groups", "res.groups"))
    model("res.groups", "Access Groups", C("name", "Name", required=True), C("full_name", "Group Name", compute=True))
    model("res.company", "Companies", C("name", "Company Name", required=True),
          M2O("currency_id", "Currency", "res.currency", required=True),
          M2O("country_id", "Country", "res.country"), M2O("partner_id", "Partner", "res.partner", required=True),
          C("email", "Email"), C("phone", "Phone"), C("vat", "Tax ID"), C("street", "Street"), C("zip", "Zip"),
          C("city", "City"), B("active", "Active", default=True),
          M2O("account_fiscal_country_id", "Fiscal Country", "res.country"), order="sequence, name")
    # base/models/res_company.py: street2, the country's code (related), the company registry (SIREN/SIRET in France)
    _add(models["res.company"], C("street2", "Street2"), C("country_code", "Country Code", related="country_id.code"),
         C("company_registry", "Company ID"))
    _add(models["res.company"], I("sequence", "Sequence", default=10))
    if major >= 17:  # account/models/company.py: the chart the company was set up with (a selection from 17 on)
        _add(models["res.company"], S("chart_template", "Chart Template", [
            ("generic_coa", "Generic Chart Template"), ("fr", "France"), ("de_skr03", "Germany SKR03"),
            ("de_skr04", "Germany SKR04"), ("es_common", "Spain - PGCE common"), ("uk", "United Kingdom")]))
    # account/models/company.py: 17 has period/fiscal year/tax lock dates; 18-19 fiscal year, tax, sale, purchase, hard.
    _add(models["res.company"], *(D(n, s) for n, s in (
        [("fiscalyear_lock_date", "Global Lock Date"), ("tax_lock_date", "Tax Return Lock Date"),
         ("sale_lock_date", "Sales Lock Date"), ("purchase_lock_date", "Purchase Lock date"),
         ("hard_lock_date", "Hard Lock Date")] if v18 else
        [("period_lock_date", "Journals Entries Lock Date"), ("fiscalyear_lock_date", "All Users Lock Date"),
         ("tax_lock_date", "Tax Return Lock Date")])))
    model("res.currency", "Currency", C("name", "Currency", required=True), C("full_name", "Name"),
          C("symbol", "Symbol", required=True), I("decimal_places", "Decimal Places", compute=True),
          FL("rounding", "Rounding Factor", default=0.01), B("active", "Active", default=True),
          S("position", "Symbol Position", [("after", "After Amount"), ("before", "Before Amount")], default="after"),
          order="active desc, name")
    # base/models/res_currency.py: `rate` is how many units of the currency one unit of the company's currency buys
    model("res.currency.rate", "Currency Rate", D("name", "Date", required=True),
          FL("rate", "Technical Rate", default=1.0), M2O("currency_id", "Currency", "res.currency", required=True),
          M2O("company_id", "Company", "res.company"), order="name desc", company_rule="shared")
    model("res.country", "Country", C("name", "Country Name", required=True), C("code", "Country Code"),
          M2O("currency_id", "Currency", "res.currency"), order="name")
    model("res.lang", "Languages", C("name", "Name", required=True), C("code", "Locale Code", required=True),
          C("iso_code", "ISO code"), B("active", "Active", default=False), order="active desc,name")

    partner = model(
        "res.partner", "Contact",
        C("name", "Name"), C("complete_name", "Complete Name", compute=True), B("is_company", "Is a Company", default=False),
        S("company_type", "Company Type", [("person", "Individual"), ("company", "Company")], compute=True),
        M2O("parent_id", "Related Company", "res.partner"), O2M("child_ids", "Contact", "res.partner", inverse="parent_id"),
        M2O("commercial_partner_id", "Commercial Entity", "res.partner", readonly=True),
        S("type", "Address Type", [("contact", "Contact"), ("invoice", "Invoice Address"), ("delivery", "Delivery Address"),
                                   ("other", "Other Address")], default="contact"),
        C("email", "Email"), C("phone", "Phone"), C("street", "Street"), C("street2", "Street2"), C("zip", "Zip"),
        C("city", "City"), M2O("country_id", "Country", "res.country"), C("country_code", "Country Code", related="country_id.code"),
        S("lang", "Language", None), M2M("category_id", "Tags", "res.partner.category"),
        M2O("user_id", "Salesperson", "res.users"), FL("credit_limit", "Credit Limit"),
        B("use_partner_credit_limit", "Partner Limit", compute=True),
        M2O("company_id", "Company", "res.company"), B("active", "Active", default=True), C("ref", "Reference"),
        C("vat", "Tax ID"), C("website", "Website Link"), H("comment", "Notes"), I("customer_rank", "Customer Rank"),
        I("supplier_rank", "Supplier Rank"), M2O("property_payment_term_id", "Customer Payment Terms", "account.payment.term"),
        *thread_fields(), order="complete_name ASC, id DESC", thread=True, company_rule="shared", parent="parent_id")
    if not v19:
        _add(partner, C("mobile", "Mobile"))
    if not v19:  # account on 17 (reference: checked on 17, absent on 19 with account only)
        _add(partner, S("invoice_warn", "Invoice", WARNING, default="no-message"), T("invoice_warn_msg", "Message for Invoice"))
    model("res.partner.category", "Partner Tags", C("name", "Name", required=True), I("color", "Color"),
          M2O("parent_id", "Category", "res.partner.category"),
          O2M("child_ids", "Child Tags", "res.partner.category", inverse="parent_id"),
          B("active", "Active", default=True), order="name", parent="parent_id")

    acc = model("account.account", "Account", C("code", "Code", required=True), C("name", "Account Name", required=True),
                S("account_type", "Type", ACCOUNT_TYPES, required=True), B("reconcile", "Allow Reconciliation"),
                M2O("currency_id", "Account Currency", "res.currency"), order="code, company_id" if not v18 else "code, placeholder_code")
    if v18:
        _add(acc, M2M("company_ids", "Companies", "res.company", required=True),
             C("placeholder_code", "Display code", compute=True, store=False))
    else:
        _add(acc, M2O("company_id", "Company", "res.company", required=True))
    _add(acc, B("active", "Active", default=True) if v19 else B("deprecated", "Deprecated", default=False))
    acc.company_rule = "strict"
    journal_types = [("sale", "Sales"), ("purchase", "Purchase"), ("cash", "Cash"), ("bank", "Bank")] + (
        [("credit", "Credit Card")] if v18 else []) + [("general", "Miscellaneous")]
    model("account.journal", "Journal", C("name", "Journal Name", required=True), C("code", "Short Code", required=True),
          S("type", "Type", journal_types, required=True), M2O("company_id", "Company", "res.company", required=True),
          B("active", "Active", default=True), M2O("default_account_id", "Default Account", "account.account"),
          I("sequence", "Sequence", default=10), M2O("currency_id", "Currency", "res.currency"),
          order="sequence, type, code", company_rule="strict")
    model("account.tax", "Tax", C("name", "Tax Name", required=True), FL("amount", "Amount"),
          S("type_tax_use", "Tax Type", [("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")], default="sale"),
          M2O("company_id", "Company", "res.company", required=True), B("active", "Active", default=True),
          order="sequence,id", company_rule="strict")
    _add(models["account.tax"], I("sequence", "Sequence", default=1))
    model("account.payment.term", "Payment Terms", C("name", "Payment Terms", required=True), B("active", "Active", default=True),
          H("note", "Description on the Invoice"), M2O("company_id", "Company", "res.company"),
          O2M("line_ids", "Terms", "account.payment.term.line", inverse="payment_id"), I("sequence", "Sequence", default=10),
          order="sequence, id", company_rule="shared")
    if major >= 17:  # account/models/account_payment_term.py: the early payment discount of a one-line term
        _add(models["account.payment.term"], B("early_discount", "Early Discount"),
             FL("discount_percentage", "Discount %", default=2.0), I("discount_days", "Discount Days", default=10),
             S("early_pay_discount_computation", "Cash Discount Tax Reduction",
               [("included", "On early payment"), ("excluded", "Never"), ("mixed", "Always (upon invoice)")],
               default="included"))
    model("account.payment.term.line", "Payment Terms Line",
          S("value", "Type", [("percent", "Percent"), ("fixed", "Fixed")], required=True, default="percent"),
          FL("value_amount", "Due"), I("nb_days", "Days"),
          M2O("payment_id", "Payment Terms", "account.payment.term", required=True), order="id", rec_name=None)

    move = model(
        "account.move", "Journal Entry",
        C("name", "Number", readonly=False), C("ref", "Reference"), D("date", "Date", required=True),
        S("state", "Status", [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")], required=True, default="draft",
          readonly=True),
        S("move_type", "Type", MOVE_TYPES, required=True, default="entry"),
        M2O("journal_id", "Journal", "account.journal", required=True), M2O("company_id", "Company", "res.company", readonly=True),
        M2O("currency_id", "Currency", "res.currency", required=True), M2O("company_currency_id", "Company Currency", "res.currency",
                                                                          related="company_id.currency_id"),
        M2O("partner_id", "Partner", "res.partner"), M2O("commercial_partner_id", "Commercial Entity", "res.partner", readonly=True),
        D("invoice_date", "Invoice/Bill Date"), D("invoice_date_due", "Due Date"),
        M2O("invoice_payment_term_id", "Payment Terms", "account.payment.term"), C("invoice_origin", "Origin"),
        C("payment_reference", "Payment Reference"), H("narration", "Terms and Conditions"),
        O2M("line_ids", "Journal Items", "account.move.line", inverse="move_id"),
        O2M("invoice_line_ids", "Invoice lines", "account.move.line", inverse="move_id"),
        MO("amount_untaxed", "Untaxed Amount", readonly=True), MO("amount_tax", "Tax", readonly=True),
        MO("amount_total", "Total", readonly=True), MO("amount_residual", "Amount Due", readonly=True),
        MO("amount_untaxed_signed", "Untaxed Amount Signed", readonly=True),
        MO("amount_total_signed", "Total Signed", readonly=True), MO("amount_residual_signed", "Amount Due Signed", readonly=True),
        S("payment_state", "Payment Status", [("not_paid", "Not Paid"), ("in_payment", "In Payment"), ("paid", "Paid"),
                                              ("partial", "Partially Paid"), ("reversed", "Reversed")]
          + ([("blocked", "Blocked")] if v19 else []) + [("invoicing_legacy", "Invoicing App Legacy")],
          readonly=True, default="not_paid"),
        M2O("reversed_entry_id", "Reversal of", "account.move"), B("posted_before", "Posted Before", readonly=True),
        B("is_move_sent", "Is Move Sent", readonly=True), M2O("invoice_user_id", "Salesperson", "res.users"),
        S("auto_post", "Auto-post", [("no", "No"), ("at_date", "At Date"), ("monthly", "Monthly"), ("quarterly", "Quarterly"),
                                     ("yearly", "Yearly")], default="no"),
        C("country_code", "Country Code", related="company_id.account_fiscal_country_id.code"),
        # portal.mixin: the invoice's portal path (computed: /my/invoices/<id> for an invoice) and its access token
        C("access_url", "Portal Access URL", compute=True, store=False), C("access_token", "Security Token"),
        *thread_fields(), order="date desc, name desc, id desc", thread=True, company_rule="strict")
    if v19:
        _add(move, B("no_followup", "No Follow-Up", compute=True, store=False))
    if "account_debit_note" in modules:
        _add(move, M2O("debit_origin_id", "Original Invoice Debited", "account.move", readonly=True),
             O2M("debit_note_ids", "Debit Notes", "account.move", inverse="debit_origin_id"))
    display_types = [("product", "Product"), ("cogs", "Cost of Goods Sold"), ("tax", "Tax"), ("discount", "Discount"),
                     ("rounding", "Rounding"), ("payment_term", "Payment Term"), ("line_section", "Section")] + (
        [("line_subsection", "Subsection")] if v19 else []) + [("line_note", "Note"), ("epd", "Early Payment Discount")]
    aml = model(
        "account.move.line", "Journal Item",
        M2O("move_id", "Journal Entry", "account.move", required=True), C("move_name", "Number", related="move_id.name"),
        C("name", "Label"), C("ref", "Reference", related="move_id.ref"), D("date", "Date", related="move_id.date"),
        S("parent_state", "Parent State", [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
          related="move_id.state"),
        M2O("journal_id", "Journal", "account.journal", related="move_id.journal_id"),
        M2O("company_id", "Company", "res.company", related="move_id.company_id"),
        M2O("company_currency_id", "Company Currency", "res.currency", related="move_id.company_id.currency_id"),
        S("move_type", "Type", MOVE_TYPES, related="move_id.move_type"),
        M2O("account_id", "Account", "account.account"),
        S("account_type", "Internal Type", ACCOUNT_TYPES, related="account_id.account_type"),
        M2O("partner_id", "Partner", "res.partner"), MO("debit", "Debit"), MO("credit", "Credit"), MO("balance", "Balance"),
        MO("amount_currency", "Amount in Currency"), M2O("currency_id", "Currency", "res.currency", required=True),
        MO("amount_residual", "Residual Amount", readonly=True), MO("amount_residual_currency", "Residual Amount in Currency",
                                                                    readonly=True),
        B("reconciled", "Reconciled", readonly=True),
        O2M("matched_debit_ids", "Matched Debits", "account.partial.reconcile", inverse="credit_move_id"),
        O2M("matched_credit_ids", "Matched Credits", "account.partial.reconcile", inverse="debit_move_id"),
        M2O("full_reconcile_id", "Matching", "account.full.reconcile", readonly=True),
        D("date_maturity", "Due Date"), S("display_type", "Display Type", display_types, required=True, default="product"),
        # 17+ early payment discount of the installment: the last day it holds, and the discounted amount to pay
        D("discount_date", "Discount Date"), MO("discount_amount_currency", "Discount amount in Currency"),
        M2O("product_id", "Product", "product.product"), FL("quantity", "Quantity", default=1.0), FL("price_unit", "Unit Price"),
        FL("discount", "Discount (%)"), MO("price_subtotal", "Subtotal", readonly=True), MO("price_total", "Total", readonly=True),
        M2M("tax_ids", "Taxes", "account.tax"), I("sequence", "Sequence", default=10),
        order="date desc, move_name desc, id", company_rule="strict")
    _add(aml, B("no_followup", "No Follow-Up") if v18 else B("blocked", "No Follow-up", default=False))
    model("account.partial.reconcile", "Partial Reconcile",
          M2O("debit_move_id", "Debit Move", "account.move.line", required=True),
          M2O("credit_move_id", "Credit Move", "account.move.line", required=True),
          M2O("full_reconcile_id", "Full Reconcile", "account.full.reconcile"),
          M2O("debit_currency_id", "Debit Currency", "res.currency", related="debit_move_id.currency_id"),
          M2O("credit_currency_id", "Credit Currency", "res.currency", related="credit_move_id.currency_id"),
          MO("amount", "Amount"), MO("debit_amount_currency", "Debit Amount Currency"),
          MO("credit_amount_currency", "Credit Amount Currency"), M2O("company_id", "Company", "res.company"),
          D("max_date", "Max Date of Matched Lines", readonly=True), order="id", rec_name=None, company_rule="strict")
    model("account.full.reconcile", "Full Reconcile", C("name", "Number", compute=True),
          O2M("partial_reconcile_ids", "Reconciliation Parts", "account.partial.reconcile", inverse="full_reconcile_id"),
          O2M("reconciled_line_ids", "Matched Journal Items", "account.move.line", inverse="full_reconcile_id"), rec_name=None)
    pay_states = ([("draft", "Draft"), ("in_process", "In Process"), ("paid", "Paid"), ("canceled", "Canceled"),
                   ("rejected", "Rejected")] if v18 else [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")])
    model("account.payment", "Payments", C("name", "Number"), M2O("partner_id", "Customer/Vendor", "res.partner"),
          MO("amount", "Amount"), D("date", "Date", default=lambda env: env.today()),
          S("payment_type", "Payment Type", [("outbound", "Send"), ("inbound", "Receive")], default="inbound", required=True),
          S("partner_type", "Partner Type", [("customer", "Customer"), ("supplier", "Vendor")], default="customer"),
          S("state", "Status", pay_states, default="draft"), M2O("move_id", "Journal Entry", "account.move"),
          M2O("journal_id", "Journal", "account.journal"), M2O("company_id", "Company", "res.company"),
          M2O("currency_id", "Currency", "res.currency"), C("memo" if v18 else "ref", "Memo"),
          order="date desc, name desc", thread=True, company_rule="strict")

    product = model(
        "product.product", "Product", C("name", "Name", required=True), C("default_code", "Internal Reference"),
        S("type", "Product Type", [("consu", "Goods" if v18 else "Consumable"), ("service", "Service")]
          + ([("combo", "Combo")] if v18 else []), default="consu", required=v18),
        FL("list_price", "Sales Price", default=1.0), FL("lst_price", "Sales Price", compute=True),
        FL("standard_price", "Cost"), B("sale_ok", "Sales" if v19 else "Can be Sold", default=True),
        B("purchase_ok", "Purchase", default=True),
        M2O("property_account_income_id", "Income Account", "account.account"),
        M2M("taxes_id", "Sales Taxes", "account.tax"), B("active", "Active", default=True),
        M2O("company_id", "Company", "res.company"), T("description_sale", "Sales Description"),
        order="default_code, name, id", company_rule="shared")
    if not v18:
        _add(product, S("detailed_type", "Product Type", [("consu", "Consumable"), ("service", "Service")],
                        default="consu", required=True))

    model("ir.model", "Models", C("model", "Model", required=True), C("name", "Model Description", required=True),
          B("transient", "Transient Model"), order="model", rec_name="name")
    model("ir.model.data", "Model Data", C("name", "External Identifier", required=True),
          C("module", "Module", required=True, default=""), C("model", "Model Name", required=True),
          I("res_id", "Record ID"), B("noupdate", "Non Updatable", default=False),
          C("complete_name", "Complete ID", compute=True), order="module, model, name", rec_name="complete_name")
    # base/models/res_users.py ResUsersApikeys: the key itself is stored hashed (not a field); 19 adds
    # expiration_date (required for non-system users, at most their groups' api_key_duration, 90 days for
    # base.group_user). Rule "Users can read and delete their own keys": [('user_id', '=', user.id)];
    # base.group_system sees all; group_user has read access only (keys are made in the HTTP-only wizard).
    apikeys = model("res.users.apikeys", "Users API Keys", C("name", "Description", required=True, readonly=True),
                    M2O("user_id", "User", "res.users", required=True, readonly=True),
                    C("scope", "Scope", readonly=True), owner_rule="user_id")
    if v19:
        _add(apikeys, DT("expiration_date", "Expiration Date", readonly=True))
    model("ir.attachment", "Attachment", C("name", "Name", required=True), T("description", "Description"),
          C("res_model", "Resource Model"), I("res_id", "Resource ID"), C("res_field", "Resource Field"),
          S("type", "Type", [("url", "URL"), ("binary", "File")], default="binary", required=True),
          C("url", "Url"), BIN("datas", "File Content (base64)"), C("mimetype", "Mime Type"),
          I("file_size", "File Size", readonly=True), C("checksum", "Checksum/SHA1", readonly=True),
          B("public", "Is public document"), M2O("company_id", "Company", "res.company"),
          order="id desc", company_rule="shared")
    atype = model(
        "mail.activity.type", "Activity Type", C("name", "Name", required=True), C("summary", "Default Summary"),
        I("sequence", "Sequence", default=10), B("active", "Active", default=True), I("delay_count", "Schedule"),
        S("delay_unit", "Delay units", [("days", "days"), ("weeks", "weeks"), ("months", "months")], default="days"),
        S("delay_from", "Delay Type", [("current_date", "after completion date"), ("previous_activity", "after previous activity deadline")],
          default="previous_activity"),
        C("icon", "Icon"), S("decoration_type", "Decoration Type", [("warning", "Alert"), ("danger", "Error")]),
        S("res_model", "Model", None), S("chaining_type", "Chaining Type", [("suggest", "Suggest Next Activity"),
                                                                          ("trigger", "Trigger Next Activity")], default="suggest"),
        S("category", "Action", [("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall")],
          default="default"),
        M2O("default_user_id", "Default User", "res.users"), H("default_note", "Default Note"),
        order="sequence, id")
    if not v19:
        _add(atype, B("keep_done", "Keep Done"))
    act = model(
        "mail.activity", "Activity", M2O("res_model_id", "Document Model", "ir.model", required=not v19),
        C("res_model", "Related Document Model", readonly=True), I("res_id", "Related Document ID"),
        C("res_name", "Document Name", compute=True),
        M2O("activity_type_id", "Activity Type", "mail.activity.type"),
        S("activity_category", "Action", [("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall")],
          related="activity_type_id.category"),
        C("icon", "Icon", related="activity_type_id.icon"), C("summary", "Summary"), H("note", "Note"),
        D("date_deadline", "Due Date", required=True, default=lambda env: env.today()), D("date_done", "Done Date", readonly=True),
        B("automated", "Automated activity", readonly=True), M2O("user_id", "Assigned to", "res.users"),
        M2O("request_partner_id", "Requesting Partner", "res.partner"),
        S("state", "State", [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")] + (
            [("done", "Done")] if not v19 else []), compute=True, store=False),
        B("active", "Active", default=True), order="date_deadline ASC, id ASC", rec_name="summary")
    if v19:
        _add(act, T("feedback", "Feedback"))
    model("mail.message.subtype", "Message subtypes", C("name", "Message Type", required=True),
          T("description", "Description"), B("internal", "Internal Only"), B("default", "Default", default=True),
          I("sequence", "Sequence", default=1), C("res_model", "Model"), order="sequence, id")
    model("mail.message", "Message", C("subject", "Subject"), DT("date", "Date", default=lambda env: env.now()),
          H("body", "Contents", default=""), C("model", "Related Document Model"), I("res_id", "Related Document ID"),
          C("record_name", "Message Record Name"),
          S("message_type", "Type", [("email", "Incoming Email"), ("comment", "Comment"), ("email_outgoing", "Outgoing Email"),
                                     ("notification", "System notification"), ("auto_comment", "Automated Targeted Notification")]
            + ([("out_of_office", "Out-of-office Message")] if v19 else []) + [("user_notification", "User Specific Notification")],
            required=True, default="comment"),
          M2O("subtype_id", "Subtype", "mail.message.subtype"), M2O("author_id", "Author", "res.partner"),
          C("email_from", "From"), M2M("partner_ids", "Recipients", "res.partner"),
          M2M("attachment_ids", "Attachments", "ir.attachment"), M2O("parent_id", "Parent Message", "mail.message"),
          M2O("mail_activity_type_id", "Mail Activity Type", "mail.activity.type"),
          B("is_internal", "Employee Only"), C("reply_to", "Reply-To"), order="id desc", rec_name="record_name")
    model("mail.mail", "Outgoing Mails", M2O("mail_message_id", "Message", "mail.message", required=True),
          C("subject", "Subject", related="mail_message_id.subject"), H("body_html", "Text Contents"),
          T("email_to", "To"), C("email_cc", "Cc"), C("email_from", "From", related="mail_message_id.email_from"),
          M2M("recipient_ids", "To (Partners)", "res.partner"),
          S("state", "Status", [("outgoing", "Outgoing"), ("sent", "Sent"), ("received", "Received"), ("exception", "Delivery Failed"),
                                ("cancel", "Cancelled")], default="outgoing"),
          B("auto_delete", "Auto Delete", default=True), C("model", "Related Document Model", related="mail_message_id.model"),
          I("res_id", "Related Document ID", related="mail_message_id.res_id"), T("failure_reason", "Failure Reason"),
          order="id desc", rec_name="subject")
    # portal (installed with account): the Share action's wizard; reading its link gives the record an access token
    model("portal.share", "Portal Sharing", C("res_model", "Related Document Model", required=True),
          I("res_id", "Related Document ID", required=True), M2M("partner_ids", "Recipients", "res.partner", required=True),
          T("note", "Note"), C("share_link", "Link", compute=True, store=False), rec_name=None, transient=True)
    if "account_debit_note" in modules:
        model("account.debit.note", "Add Debit Note wizard",
              M2M("move_ids", "Move", "account.move"), D("date", "Debit Note Date", required=True,
                                                            default=lambda env: env.today()),
              C("reason", "Reason"), M2O("journal_id", "Use Specific Journal", "account.journal"),
              B("copy_lines", "Copy Lines"), C("move_type", "Move Type", compute=True), rec_name=None, transient=True)
    return models


DESCRIPTIONS = {name: m.description for name, m in build_schema(19, frozenset({"account_debit_note"})).items()}
