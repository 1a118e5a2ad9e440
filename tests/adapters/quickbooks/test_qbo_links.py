"""What a reminder shows the customer, as the QuickBooks adapter reads it: the invoice's pay-now link (Intuit's
Invoice.InvoiceLink), the customer's contact, e-mail and postal lines, and the letterhead from CompanyInfo; then the
link in the text of a reminder the writer leaves in QuickBooks, end to end through the emulator.

Intuit's Invoice entity, InvoiceLink (minor version 36): "Sharable link for the invoice sent to external customers. The
link is generated only for invoices with online payment enabled and having a valid customer email address. Include
query param `include=invoiceLink` to get the link back on query response."
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice). Its CDC page documents no
`include` (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from adapters.quickbooks.client import DEFAULT_MINOR_VERSION, QuickBooksClient, request_id
from adapters.quickbooks.mapping import load_mapping
from adapters.quickbooks.read import letterhead, to_customer
from connector.models import Letterhead
from connector.policy import Escalation, load_policy
from connector.runner import run
from tests.adapters.quickbooks.qbo_books import Books, Scoped

A = date(2026, 3, 2)
# Intuit's links, as QuickBooks hands them out (e.g. ...scs-v1-<96 hex>?locale=en_US&cta=v3invoicelink)
LINK = re.compile(r"https://connect\.intuit\.com/portal/app/CommerceNetwork/view/scs-v1-[0-9a-f]{96}"
                  r"\?locale=en_US&cta=v3invoicelink")


def _invoice_queries(emu) -> list[dict]:
    return [r["params"] for r in emu.requests
            if r["path"].endswith("/query") and "from Invoice" in r["params"].get("query", "")]


def _set(source, invoice_id: str, **fields) -> dict:
    """A sparse update of the invoice, as an accountant ticking or unticking its online-payment boxes."""
    cur = source.client.read("Invoice", invoice_id)
    return source.client.update("Invoice", {"Id": invoice_id, "SyncToken": cur["SyncToken"], **fields},
                                requestid=request_id("test-set", invoice_id, cur["SyncToken"]))


# -- the link on the receivable ------------------------------------------------------------------------

def test_given_invoices_with_and_without_a_link_then_only_the_payable_one_carries_it_as_pay_url(source, emu):
    b = Books(source.client)
    mailed, unmailed = b.customer("Payable"), b.customer("Unmailed", email=False)
    online = b.invoice(mailed, A - timedelta(days=40), "500.00", due=A - timedelta(days=10), online=True)
    offline = b.invoice(mailed, A - timedelta(days=40), "300.00", due=A - timedelta(days=10))
    no_email = b.invoice(unmailed, A - timedelta(days=40), "200.00", due=A - timedelta(days=10), online=True)
    emu.requests.clear()
    recs = {r.id: r for r in Scoped(source, b.customers).fetch(A).receivables}
    assert LINK.fullmatch(recs[online["Id"]].pay_url)
    assert recs[online["Id"]].pay_url == emu.invoice_link(emu.store.get("Invoice", online["Id"]))
    assert recs[offline["Id"]].pay_url is None  # online payment not allowed on the invoice
    assert recs[no_email["Id"]].pay_url is None  # no customer e-mail address
    queries = _invoice_queries(emu)  # asked for on every Invoice query, at a minor version that has the field
    links = [q for q in queries if q.get("include") == "invoiceLink"]  # the others ask for the newer custom fields
    assert links and all(int(q["minorversion"]) >= 36 for q in links)
    assert len(links) * 2 == len(queries) and all(q.get("include") in ("invoiceLink", "enhancedAllCustomFields")
                                                  for q in queries)


def test_the_emulator_answers_invoice_link_only_when_asked_allowed_and_mailable_as_intuit_documents(source, emu):
    b = Books(source.client)
    mailed, unmailed = b.customer("Shape"), b.customer("Shape unmailed", email=False)
    card = b.invoice(mailed, A - timedelta(days=40), "100.00", due=A - timedelta(days=10), online=True)
    ach = b.invoice(mailed, A - timedelta(days=40), "110.00", due=A - timedelta(days=10))
    _set(source, ach["Id"], AllowOnlineACHPayment=True)  # bank transfer alone is online payment too
    offline = b.invoice(mailed, A - timedelta(days=40), "120.00", due=A - timedelta(days=10))
    no_email = b.invoice(unmailed, A - timedelta(days=40), "130.00", due=A - timedelta(days=10), online=True)

    def linked(include: str | None = "invoiceLink") -> dict[str, str]:
        rows = source.client.query_all("Invoice", "", include=include)
        assert {r["Id"] for r in rows} >= {card["Id"], ach["Id"], offline["Id"], no_email["Id"]}
        return {r["Id"]: r["InvoiceLink"] for r in rows if "InvoiceLink" in r}  # no key at all when there is none

    assert linked(None) == {}  # not asked for
    links = linked()
    assert set(links) == {card["Id"], ach["Id"]} and all(LINK.fullmatch(v) for v in links.values())
    assert links[card["Id"]] != links[ach["Id"]]
    # one link per invoice, on a read too; never stored on the object
    assert source.client.read("Invoice", card["Id"], include="invoiceLink")["InvoiceLink"] == links[card["Id"]]
    assert "InvoiceLink" not in source.client.read("Invoice", card["Id"])
    assert "InvoiceLink" not in emu.store.get("Invoice", card["Id"])
    # a company that takes no online payments (Preferences.SalesFormsPrefs.ETransactionPaymentEnabled false)
    emu.preferences["SalesFormsPrefs"]["ETransactionPaymentEnabled"] = False
    assert linked() == {}
    emu.preferences["SalesFormsPrefs"]["ETransactionPaymentEnabled"] = True
    # a request at a minor version before the field existed
    source.client.minor_version = 35
    assert linked() == {}
    source.client.minor_version = DEFAULT_MINOR_VERSION
    # Change Data Capture: Intuit documents no include there
    changes = source.client.cdc(["Invoice"], datetime.now(timezone.utc) - timedelta(hours=1))
    assert {r["Id"] for r in changes["Invoice"]} >= {card["Id"], ach["Id"]}
    assert all("InvoiceLink" not in r for r in changes["Invoice"])


def test_the_client_never_sends_a_minor_version_before_invoice_link():
    def minor(asked):
        client = QuickBooksClient("1", auth=None, minor_version=asked)
        client.session.close()
        return client.minor_version

    assert minor(None) == DEFAULT_MINOR_VERSION >= 36
    assert (minor(30), minor(36), minor(65)) == (36, 36, 65)


def test_given_a_cdc_read_then_links_are_kept_fetched_for_new_payable_invoices_and_dropped_when_payment_is_off(
        source, emu):
    b = Books(source.client)
    c = b.customer("Cdc link")
    kept = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10), online=True)
    switched = b.invoice(c, A - timedelta(days=40), "600.00", due=A - timedelta(days=10), online=True)
    first = {r.id: r for r in source.fetch(A).receivables}
    assert source.reader.last_mode == "full" and first[kept["Id"]].pay_url and first[switched["Id"]].pay_url
    b.pay(c, kept["Id"], "100.00", A - timedelta(days=1))  # a changed invoice: CDC brings it back without its link
    _set(source, switched["Id"], AllowOnlineCreditCardPayment=False, AllowOnlineACHPayment=False)
    new = b.invoice(c, A - timedelta(days=20), "700.00", due=A - timedelta(days=5), online=True)
    emu.requests.clear()
    second = {r.id: r for r in source.fetch(A).receivables}
    assert source.reader.last_mode == "cdc"
    assert second[kept["Id"]].pay_url == first[kept["Id"]].pay_url
    assert second[kept["Id"]].open_amount == 400
    assert second[switched["Id"]].pay_url is None  # online payment turned off: the old link is not given out
    assert second[new["Id"]].pay_url == emu.invoice_link(emu.store.get("Invoice", new["Id"]))
    # the new invoice alone is queried again, by Id, for its link (the changed ones too, for their custom fields)
    assert [r["path"].rsplit("/", 1)[1] for r in emu.requests] == ["cdc", "query", "query"]
    (query,) = [q for q in _invoice_queries(emu) if q.get("include") == "invoiceLink"]
    assert query["include"] == "invoiceLink" and f"'{new['Id']}'" in query["query"]
    assert f"'{kept['Id']}'" not in query["query"] and f"'{switched['Id']}'" not in query["query"]


# -- the customer and the letterhead ---------------------------------------------------------------------

# Intuit's "Create a customer" example (Customer entity page,
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer), as QuickBooks keeps it.
KING = {"Id": "67", "FullyQualifiedName": "King Groceries", "PrimaryEmailAddr": {"Address": "jdrew@myemail.com"},
        "DisplayName": "King's Groceries", "Suffix": "Jr", "Title": "Mr", "MiddleName": "B",
        "Notes": "Here are other details.", "FamilyName": "King", "PrimaryPhone": {"FreeFormNumber": "(555) 555-5555"},
        "CompanyName": "King Groceries", "GivenName": "James", "Active": True,
        "BillAddr": {"CountrySubDivisionCode": "CA", "City": "Mountain View", "PostalCode": "94042",
                     "Line1": "123 Main Street", "Country": "USA", "Id": "112"}}
PARIS = {"Id": "113", "Line1": "10 rue de la Paix", "Line2": "Bâtiment B", "City": "Paris", "PostalCode": "75002",
         "Country": "FR"}


def test_to_customer_gives_the_contact_by_name_the_email_and_us_address_lines_from_bill_addr():
    c = to_customer(KING, load_mapping(), "US")
    assert (c.contact, c.email, c.has_email, c.has_address) == ("James King", "jdrew@myemail.com", True, True)
    assert c.country == "US"  # "USA": Intuit writes countries as ISO alpha-3 codes or in full
    assert c.address == ("123 Main Street", "Mountain View, CA 94042")  # US style, no country line at home
    abroad = to_customer(KING, load_mapping(), "FR").address
    assert abroad == ("123 Main Street", "Mountain View, CA 94042", "UNITED STATES")
    assert to_customer({**KING, "GivenName": "", "FamilyName": " "}, load_mapping(), "US").contact is None


@pytest.mark.parametrize("country", ["FR", "FRA", "France"])
def test_a_french_bill_addr_is_written_postcode_first_and_names_france_only_from_abroad(country):
    row = {**KING, "BillAddr": {**PARIS, "Country": country}}
    home = to_customer(row, load_mapping(), "FR")
    assert home.country == "FR"
    assert home.address == ("10 rue de la Paix", "Bâtiment B", "75002 Paris")
    assert to_customer(row, load_mapping(), "US").address == ("10 rue de la Paix", "Bâtiment B", "75002 Paris", "FRANCE")


def test_a_bill_addr_without_country_is_taken_to_be_in_the_companys_country():
    addr = {"Line1": "4581 Finch St.", "City": "Bayshore", "CountrySubDivisionCode": "CA", "PostalCode": "94326"}
    assert to_customer({**KING, "BillAddr": addr}, load_mapping(), "US").address == ("4581 Finch St.", "Bayshore, CA 94326")
    assert to_customer({**KING, "BillAddr": {}}, load_mapping(), "US").address == ()


# Intuit's "Read companyinfo" answer (CompanyInfo entity page,
# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/most-commonly-used/companyinfo), NameValue shortened.
LARRYS = {
    "SyncToken": "4", "domain": "QBO",
    "LegalAddr": {"City": "Mountain View", "Country": "US", "Line1": "2500 Garcia Ave", "PostalCode": "94043",
                  "CountrySubDivisionCode": "CA", "Id": "1"},
    "SupportedLanguages": "en", "CompanyName": "Larry's Bakery", "Country": "US",
    "CompanyAddr": {"City": "Mountain View", "Country": "US", "Line1": "2500 Garcia Ave", "PostalCode": "94043",
                    "CountrySubDivisionCode": "CA", "Id": "1"},
    "sparse": False, "Id": "1", "WebAddr": {}, "FiscalYearStartMonth": "January",
    "CustomerCommunicationAddr": {"City": "Mountain View", "Country": "US", "Line1": "2500 Garcia Ave",
                                  "PostalCode": "94043", "CountrySubDivisionCode": "CA", "Id": "1"},
    "PrimaryPhone": {"FreeFormNumber": "(650)944-4444"}, "LegalName": "Larry's Bakery", "CompanyStartDate": "2015-06-05",
    "EmployerId": "123456789", "Email": {"Address": "donotreply@intuit.com"},
    "NameValue": [{"Name": "SubscriptionStatus", "Value": "PAID"}, {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"}],
    "MetaData": {"CreateTime": "2015-06-05T13:55:54-07:00", "LastUpdatedTime": "2015-07-06T08:51:50-07:00"},
}


def test_letterhead_from_intuits_companyinfo_answer():
    assert letterhead(LARRYS) == Letterhead(
        name="Larry's Bakery", address=("2500 Garcia Ave", "Mountain View, CA 94043", "UNITED STATES"),
        city="Mountain View", country="US", phone="(650)944-4444", email="donotreply@intuit.com", lang="en_US")


def test_letterhead_prefers_the_address_customers_write_to_and_falls_back_to_the_legal_name():
    info = {**LARRYS, "CompanyName": "", "LegalName": "Larry's Bakery LLC", "Country": "FR",
            "CustomerCommunicationAddr": {"Line1": "8 avenue de l'Opéra", "City": "Paris", "PostalCode": "75001",
                                          "Country": "FR"}}
    head = letterhead(info)
    assert (head.name, head.address, head.city, head.lang) == (
        "Larry's Bakery LLC", ("8 avenue de l'Opéra", "75001 Paris", "FRANCE"), "Paris", "fr_FR")
    bare = letterhead({"CompanyName": "Bare", "Country": "GB"})
    assert (bare.address, bare.phone, bare.email, bare.lang) == ((), None, None, "en_GB")


def test_the_emulator_answers_companyinfo_shaped_as_intuits(source, emu):
    emu.company_info.update({k: v for k, v in LARRYS.items() if k not in ("Id", "SyncToken")})
    info = source.client.request("GET", f"companyinfo/{source.realm_id}")["CompanyInfo"]
    assert letterhead(info) == letterhead(LARRYS)


# -- end to end: the link in a reminder QuickBooks keeps ---------------------------------------------------

def test_given_a_payable_invoice_then_the_reminder_letter_left_in_quickbooks_carries_its_link(source, emu):
    b = Books(source.client)
    payable, plain = b.customer("Linked letter"), b.customer("Plain letter")
    linked = b.invoice(payable, A - timedelta(days=56), "1000.00", due=A - timedelta(days=26), online=True)
    b.invoice(plain, A - timedelta(days=56), "800.00", due=A - timedelta(days=26))
    url = emu.invoice_link(emu.store.get("Invoice", linked["Id"]))
    assert url and LINK.fullmatch(url)
    # fr-b2b, straight to the level 26 days late calls for: a letter (a task and a note: QuickBooks posts nothing)
    policy = load_policy("fr-b2b").model_copy(update={"escalation": Escalation.JUMP})
    result = run(Scoped(source, b.customers), policy, A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    ops = {op.customer_id: op for op in result.plan.operations}
    assert {op.channel for op in ops.values()} == {"letter"}
    assert [i.pay_url for i in ops[payable].items] == [url] and [i.pay_url for i in ops[plain].items] == [None]
    (note,) = b.notes_of(payable)
    assert url in note["Note"] and linked["DocNumber"] in note["Note"]
    (other,) = b.notes_of(plain)
    assert "connect.intuit.com" not in other["Note"]
