"""What Relance needs in QuickBooks: the service items of its penalty lines, found by name and created
only by `relance init`; and the detection of QuickBooks' own automatic late fees.

QuickBooks has no API switch for its automatic late fees (Account and settings > Sales > Late fees); when
they are turned on QuickBooks creates an "Other Income" account named "Late fee income" (Intuit help:
"Apply late fees to overdue invoices automatically in QuickBooks Online"), which is what `check` looks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.quickbooks.client import QuickBooksClient, quote, request_id
from adapters.quickbooks.errors import QuickBooksValidationError
from adapters.quickbooks.mapping import QuickBooksMapping

KINDS = ("interest", "indemnity", "fee")


@dataclass
class Resolved:
    items: dict[str, dict] = field(default_factory=dict)  # kind -> {"value": Id, "name": Name}
    missing: list[str] = field(default_factory=list)


def _find_item(client: QuickBooksClient, name: str) -> dict | None:
    rows = client.query(f"select * from Item where Name = {quote(name)} and Active in (true, false)").get("Item", [])
    return rows[0] if rows else None


def _income_account(client: QuickBooksClient, mapping: QuickBooksMapping) -> dict | None:
    name = mapping.late_fees.income_account
    cond = f"Name = {quote(name)}" if name else "AccountType = 'Income'"
    rows = client.query(f"select * from Account where {cond} maxresults 1").get("Account", [])
    return rows[0] if rows else None


def ensure_all(client: QuickBooksClient, mapping: QuickBooksMapping, create: bool) -> tuple[Resolved, list[str]]:
    out, log = Resolved(), []
    account = None
    for kind in KINDS:
        ref = mapping.late_fees.item(kind)
        found = _find_item(client, ref.name)
        if found is None and create:
            if account is None:
                account = _income_account(client, mapping)
            if account is None:
                out.missing.append(f"an income account for the {kind} item (mapping late_fees.income_account)")
                continue
            body = {"Name": ref.name, "Type": "Service", "IncomeAccountRef": {"value": account["Id"]},
                    "Description": ref.description or ref.name, "Taxable": False}
            try:
                found = client.create("Item", body, requestid=request_id("init-item", client.realm_id, ref.name))
                log.append(f"created {kind} item {ref.name!r} (Item {found['Id']})")
            except QuickBooksValidationError:  # 6240 duplicate name: made meanwhile, or inactive
                found = _find_item(client, ref.name)
                if found is None:
                    raise
        elif found is not None:
            log.append(f"found {kind} item {ref.name!r} (Item {found['Id']})")
        if found is None:
            out.missing.append(f"{kind} item {ref.name!r} (mapping late_fees.{kind}_item): run `relance init`")
            continue
        if found.get("Active") is False:
            out.missing.append(f"{kind} item {ref.name!r} is inactive in QuickBooks: make it active again")
            continue
        out.items[kind] = {"value": str(found["Id"]), "name": found.get("Name", ref.name)}
    return out, log


def builtin_late_fees(client: QuickBooksClient, mapping: QuickBooksMapping) -> tuple[bool, str]:
    """(found, what was found) about QuickBooks' automatic late fees."""
    signs = []
    prefs = client.preferences()
    for path, value in _walk(prefs):
        if "latefee" in path.replace("_", "").lower() and value not in (None, False, "", "false", "0"):
            signs.append(f"Preferences {path} = {value}")
    name = mapping.late_fees.builtin.account_name
    rows = client.query(f"select * from Account where Name = {quote(name)}").get("Account", [])
    if rows:
        signs.append(f"account {name!r} exists (QuickBooks creates it when automatic late fees are turned on)")
    return bool(signs), "; ".join(signs)


def _walk(value, path: str = ""):
    if isinstance(value, dict):
        if "Name" in value and "Value" in value:  # OtherPrefs NameValue pairs
            yield f"{path}.{value['Name']}", value["Value"]
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, path)
    else:
        yield path, value
