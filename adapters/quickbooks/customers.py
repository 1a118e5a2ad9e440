"""QuickBooks customers, jobs and addresses as Relance reads them: a Customer (or a job that bills through its
parent) as a canonical Customer, a PhysicalAddress as the lines of a letter's window, CompanyInfo as the letterhead.

A job (sub-customer) is a Customer with `Job` true and a `ParentRef`; with `BillWithParent` true it "is billed with
its parent" (Customer on https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer),
and in real companies such a job often has no e-mail or address of its own (the sandbox's "Jack Doe", customer 64,
in minimul/qbo_api spec/vcr/all/customers.yml): its e-mail, phone and address are then those of the customer that
pays. An invoice's own BillEmail is where QuickBooks sends it, so a customer whose invoices carry one can be e-mailed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from adapters.quickbooks.client import country_code, ref
from adapters.quickbooks.mapping import QuickBooksMapping
from connector import postal
from connector.models import Customer, Letterhead

MAX_LEVELS = 5  # QuickBooks nests sub-customers five levels deep at most (Customer.Level 0..4)


def postal_address(addr: dict, home: str | None = None) -> tuple[str, ...]:
    """A QuickBooks PhysicalAddress (Line1..Line5, City, CountrySubDivisionCode, PostalCode, Country) as the lines of a
    letter's window, the country last unless it is `home` (the company's, assumed when Country is empty); a country
    held in words Relance cannot name is kept as written."""
    if not addr or not (addr.get("Line1") or "").strip():
        return ()
    country = str(addr.get("Country") or "").strip()
    code = country_code(country) if country else ((home or "").upper() or None)
    out = postal.lines([addr.get(f"Line{n}") for n in range(1, 6)], addr.get("PostalCode"), addr.get("City"),
                       addr.get("CountrySubDivisionCode"), code, home)
    if country and not code and country.casefold() not in {x.casefold() for x in out}:
        out = (*out, country.upper())
    return out


def letterhead(info: dict) -> Letterhead:
    """CompanyInfo as a letter's head prints it: the name customers know (CompanyName), the address customers write
    to (CustomerCommunicationAddr, else CompanyAddr); QuickBooks keeps no language for the company, so its
    country decides which of the shipped languages its staff read. Intuit returns these addresses' Country as
    ISO alpha-3 ("USA") since 2025-10-31 (https://blogs.intuit.com/2025/08/13/upcoming-changes-to-the-accounting-api)."""
    addr = info.get("CustomerCommunicationAddr") or info.get("CompanyAddr") or {}
    country = country_code(info.get("Country")) or country_code(addr.get("Country"))
    return Letterhead(
        name=str(info.get("CompanyName") or info.get("LegalName") or ""), address=postal_address(addr),
        city=(addr.get("City") or None), country=country,
        phone=(info.get("PrimaryPhone") or {}).get("FreeFormNumber") or None,
        email=(info.get("Email") or {}).get("Address") or None,
        lang={"FR": "fr_FR", "DE": "de_DE", "ES": "es_ES", "GB": "en_GB", "CA": "en_CA", "AU": "en_AU"}.get(country or "",
                                                                                                       "en_US"))


def payer(row: dict, customers: Mapping[str, dict]) -> dict | None:
    """The customer a job bills through (following ParentRef while BillWithParent is true), None for a customer
    billed on its own or whose parent is not at hand."""
    seen, cur, out = set(), row, None
    for _ in range(MAX_LEVELS):
        parent = ref(cur.get("ParentRef"))
        if cur.get("BillWithParent") is not True or not parent or parent in seen or parent not in customers:
            break
        seen.add(parent)
        cur = out = customers[parent]
    return out


def parents_wanted(rows: Iterable[dict]) -> set[str]:
    """Ids of the parents the reader must fetch so that these jobs' payers are known."""
    return {p for r in rows if r.get("BillWithParent") is True and (p := ref(r.get("ParentRef")))}


def _email(row: dict | None) -> str | None:
    return (((row or {}).get("PrimaryEmailAddr") or {}).get("Address") or "").strip() or None


def _phone(row: dict | None) -> str | None:
    row = row or {}
    return ((row.get("PrimaryPhone") or {}).get("FreeFormNumber") or (row.get("Mobile") or {}).get("FreeFormNumber")
            or "").strip() or None


def to_customer(row: dict, mapping: QuickBooksMapping, home: str | None = None, *, parent: dict | None = None,
                bill_emails: Iterable[str] = ()) -> Customer:
    """`home`: the company's country (CompanyInfo.Country); a letter to a customer there carries no country line,
    and an address without a Country is taken to be there. `parent`: the customer a job bills through (`payer`),
    whose e-mail, phone and address stand in for the job's missing ones. `bill_emails`: the BillEmail addresses
    of the customer's open invoices, where QuickBooks sends those invoices."""
    cfg = mapping.customers
    notes = str(row.get("Notes") or "")
    own = row.get("BillAddr") or {}
    addr = own if (own.get("Line1") or "").strip() else ((parent or {}).get("BillAddr") or own)
    name = (row.get("DisplayName") or row.get("CompanyName") or "").strip()
    if cfg.professional_marker and cfg.professional_marker in notes:
        kind = "company"
    elif cfg.consumer_marker and cfg.consumer_marker in notes:
        kind = "person"
    else:
        kind = "company" if (row.get("CompanyName") or (parent or {}).get("CompanyName") or "").strip() else "person"
    email = _email(row) or _email(parent) or next((e.strip() for e in bill_emails if e and e.strip()), None)
    country = str(addr.get("Country") or "").strip()
    return Customer(
        id=str(row["Id"]), name=name or f"Customer {row['Id']}", kind=kind, lang=cfg.lang,
        country=country_code(country) if country else ((home or "").upper() or None),
        has_email=email is not None, has_phone=(_phone(row) or _phone(parent)) is not None,
        has_address=bool((addr.get("Line1") or "").strip() and (addr.get("City") or "").strip()),
        excluded=bool((cfg.excluded_marker and cfg.excluded_marker in notes)
                      or (cfg.inactive_excluded and row.get("Active") is False)),
        contact=" ".join(x.strip() for x in (row.get("GivenName"), row.get("FamilyName")) if x and x.strip()) or None,
        email=email, address=postal_address(addr, home),
    )
