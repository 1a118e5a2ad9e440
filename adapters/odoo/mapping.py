"""`mappings/odoo.yaml` as validated pydantic models: every model, field, product and type the adapter uses."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field

from connector.models import Frozen
from connector.yamlfile import load_model


# An activity type per task channel, "approval": "Relance: to approve" (review before sending), and "promise":
# "Relance: promise to pay", which collectors schedule themselves (connector/promises.py says how it reads).
ActivityKey = Literal["call_task", "letter", "registered_letter", "agency_handoff", "approval", "promise"]


class XmlRef(Frozen):
    """A record found by XML ID; `create` holds the values `relance init` uses when it is missing."""

    xmlid: str | None = None
    name: str | None = None
    code: str | None = None
    create: dict[str, str | bool] | None = None


class Receivables(Frozen):
    account_type: str = "asset_receivable"
    invoice_types: tuple[str, ...] = ("out_invoice",)
    credit_types: tuple[str, ...] = ("out_refund",)
    paid_lookback_days: int = Field(default=400, ge=0)
    exclusion_field: dict[str, str] = {"16": "blocked", "17": "blocked", "18": "no_followup", "19": "no_followup"}
    page_size: int = Field(default=2000, ge=1, le=10000)

    def exclusion_for(self, major: int) -> str:
        known = sorted(int(k) for k in self.exclusion_field)
        best = max((k for k in known if k <= major), default=known[0])
        return self.exclusion_field[str(best)]


class Customers(Frozen):
    excluded_tag: XmlRef = XmlRef(xmlid="relance.tag_no_followup", name="No follow-up (Relance)")
    # Penalties follow the debtor's kind: a company is a professional, an individual a consumer; these tags
    # say otherwise (a sole trader recorded as an individual is a professional).
    consumer_tag: XmlRef = XmlRef(xmlid="relance.tag_consumer", name="Consumer (Relance)")
    professional_tag: XmlRef = XmlRef(xmlid="relance.tag_professional", name="Professional (Relance)")
    collector: Literal["salesperson", "fixed"] = "salesperson"
    collector_login: str | None = None


class Email(Frozen):
    subtype: str = "mail.mt_comment"
    # Each invoice's customer-portal link (its access token) in reminders and letters: view, download and pay it
    # online where a payment provider is set up. An invoice without a token gets one, as Odoo's own sending does.
    portal_links: bool = True


class Writes(Frozen):
    # Operations written per batch (one create for each kind of record), and the calls in flight at once per
    # tenant (e-mails: one message_post each). 1 writes one call at a time.
    batch_size: int = Field(default=100, ge=1, le=1000)
    inflight: int = Field(default=4, ge=1, le=32)


class Penalties(Frozen):
    mode: Literal["invoice", "debit_note"] = "invoice"
    state: Literal["draft", "posted"] = "draft"
    journal: XmlRef = XmlRef()
    interest_product: XmlRef
    indemnity_product: XmlRef
    fee_product: XmlRef
    # chart (res.company.chart_template) -> penalty kind -> the code its income account starts with
    accounts: dict[str, dict[Literal["interest", "indemnity", "fee"], str]] = {}


class CreditHold(Frozen):
    tag: XmlRef
    block_field: str | None = "invoice_warn"
    notify_customer: bool = True  # e-mail the customer the hold notice (template hold_notice) as the hold is set
    block_value: str = "block"


class Disputes(Frozen):
    # A line's exclusion flag marks the item disputed; the reason is the latest internal note on its invoice that
    # starts with one of these words and a colon ("Litige : livraison incomplète"), its date the dispute's.
    note_prefixes: tuple[str, ...] = ("Litige", "Contestation", "Dispute", "Reklamation", "Disputa")


class Letters(Frozen):
    attach_pdf: bool = True


class OdooMapping(Frozen):
    module: str = Field(default="relance", pattern=r"^[a-z_][a-z0-9_]*$")
    receivables: Receivables = Receivables()
    customers: Customers = Customers()
    activities: dict[ActivityKey, XmlRef]
    email: Email = Email()
    note_subtype: str = "mail.mt_note"
    penalties: Penalties
    credit_hold: CreditHold
    disputes: Disputes = Disputes()
    letters: Letters = Letters()
    writes: Writes = Writes()


def shipped_mapping_path() -> Path:
    return Path(str(resources.files("mappings") / "odoo.yaml"))


def load_mapping(path: str | Path | None = None) -> OdooMapping:
    return load_model(path or shipped_mapping_path(), OdooMapping)
