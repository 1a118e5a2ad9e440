"""`mappings/quickbooks.yaml` as validated pydantic models: late-fee items, terms, custom fields, late-fee
style, email and note settings of the QuickBooks Online adapter."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from connector.models import Frozen
from connector.yamlfile import load_model


class ItemRef(Frozen):
    """A service item found by its exact name; `relance init` creates it when missing."""

    name: str = Field(min_length=1, max_length=100)
    description: str | None = None

    @field_validator("name")
    @classmethod
    def _no_colon(cls, v: str) -> str:
        if ":" in v or "'" in v:  # ':' separates sub-items in QuickBooks; a quote would break the query text
            raise ValueError("an item name may not contain ':' or a quote")
        return v


class Receivables(Frozen):
    paid_lookback_days: int = Field(default=400, ge=0)
    page_size: int = Field(default=1000, ge=1, le=1000)  # QuickBooks returns at most 1,000 rows a page


class Customers(Frozen):
    # A customer whose Notes contain this text gets no follow-up (QuickBooks has no tags on customers).
    excluded_marker: str | None = "#no-followup"
    # Penalties follow the debtor: a customer with a company name is a professional, one without a consumer;
    # these markers in the customer's Notes say otherwise (a sole trader without a company name).
    consumer_marker: str | None = "#consumer"
    professional_marker: str | None = "#professional"
    lang: str | None = None  # QuickBooks keeps no language per customer: the templates' language for all
    inactive_excluded: bool = True


class CustomFields(Frozen):
    """Names of invoice custom fields (the three of Account and settings > Sales > Custom fields)."""

    disputed: str | None = "Disputed"  # a non-empty value other than no/false/0 marks the invoice disputed
    # QuickBooks' newer custom fields come back only with include=enhancedAllCustomFields: a second read of invoices
    enhanced: bool = True


class Terms(Frozen):
    derive_due_date: bool = True  # an invoice without DueDate: TxnDate + the term's DueDays
    contract_rates: dict[str, Decimal] = {}  # term name -> contractual annual rate in percent


class Builtin(Frozen):
    """QuickBooks' own automatic late fees: a line with this item name, income account created by QuickBooks."""

    item_names: tuple[str, ...] = ("Late fee",)
    account_name: str = "Late fee income"


class LateFees(Frozen):
    style: Literal["line", "invoice"] = "line"
    fallback_to_invoice: bool = True  # a paid (closed) invoice gets a separate invoice instead of a new line
    interest_item: ItemRef = ItemRef(name="Late-payment interest (Relance)")
    indemnity_item: ItemRef = ItemRef(name="Fixed recovery indemnity (Relance)")
    fee_item: ItemRef = ItemRef(name="Late fee (Relance)")
    income_account: str | None = None  # for the items `init` creates; null: the first Income account
    tax_code: str | None = None  # TaxCodeRef of penalty lines (e.g. NON in the US); null: QuickBooks' default
    due_days: int = Field(default=0, ge=0)  # separate penalty invoices fall due this many days after issue
    search_days: int = Field(default=120, ge=1)  # how far back a separate penalty invoice is looked for
    builtin: Builtin = Builtin()

    def item(self, kind: str) -> ItemRef:
        return {"interest": self.interest_item, "indemnity": self.indemnity_item, "fee": self.fee_item}[kind]


class Email(Frozen):
    # for an invoice without its own BillEmail (one with it is sent there): null, the customer's billing email;
    # or a fixed address (tests, a shared inbox)
    send_to: str | None = None
    max_invoices: int = Field(default=10, ge=1)  # invoices sent by one reminder


class Notes(Frozen):
    max_length: int = Field(default=2000, ge=200, le=4000)  # Attachable.Note holds at most 2,000 characters


class QuickBooksMapping(Frozen):
    receivables: Receivables = Receivables()
    customers: Customers = Customers()
    custom_fields: CustomFields = CustomFields()
    terms: Terms = Terms()
    late_fees: LateFees = LateFees()
    email: Email = Email()
    notes: Notes = Notes()
    # Intuit's batch page now says 10 payloads a batch and 40 batch requests a minute; 30 is the old maximum.
    batch_size: int = Field(default=10, ge=1, le=30)
    # batch requests a minute: 120 per company in production since 2025-10-31 (Intuit's blog of 2025-08-13,
    # https://blogs.intuit.com/2025/08/13/upcoming-changes-to-the-accounting-api); 40 on the older batch page
    batch_per_minute: int = Field(default=120, ge=1)


def shipped_mapping_path() -> Path:
    return Path(str(resources.files("mappings") / "quickbooks.yaml"))


def load_mapping(path: str | Path | None = None) -> QuickBooksMapping:
    return load_model(path or shipped_mapping_path(), QuickBooksMapping)
