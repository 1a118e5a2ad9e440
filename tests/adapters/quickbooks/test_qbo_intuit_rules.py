"""Rules Intuit documents that the adapter and the emulator follow:
- CDC: "Server responses can handle a maximum of 1,000 objects" (all entities of one answer together:
  https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture,
  https://blogs.intuit.com/2023/08/24/building-smarter-with-intuit-stay-in-sync-with-cdc/);
- send: "The Invoice.BillEmail.Address parameter is updated to the address specified with the value of the sendTo
  query parameter, if specified" (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice);
- company-wide faults (403 code 3100 with Intuit's lower-case `fault` body, 120, 6190) stop the run (exit code 3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import responses

from adapters.quickbooks.errors import QuickBooksCompanyRefused, QuickBooksThrottled
from adapters.quickbooks.pacing import Pacer
from connector.errors import SourceUnavailable
from tests.adapters.quickbooks.qbo_books import Books
from tests.adapters.quickbooks.test_qbo_client_errors import client as make_client

A = date(2026, 3, 2)
BASE = "https://sandbox-quickbooks.api.intuit.com/v3/company/123"
# Intuit's 429, in XML whatever the Accept header, without Retry-After (ruckus/quickbooks-ruby
# spec/fixtures/too_many_requests_error.xml; tests/adapters/quickbooks/recordings/throttled_429.json)
THROTTLED_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<IntuitResponse '
                 'time="2016-12-07T15:27:09.527-08:00" xmlns="http://schema.intuit.com/finance/v3">\n  <Fault '
                 'type="SERVICE">\n    <Error code="3001">\n      <Message>message=ThrottleExceeded; errorCode=003001; '
                 'statusCode=429</Message>\n      <Detail>The request limit was reached.  Try again later</Detail>\n    '
                 '</Error>\n  </Fault>\n</IntuitResponse>\n')


# -- 1. CDC: 1,000 objects per answer ----------------------------------------------------------------------------
def test_given_600_invoices_and_400_payments_changed_when_fetched_then_a_full_read_answers(source, emu):
    b = Books(source.client)
    c = b.customer("Cap")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    source.fetch(A)
    real = source.client.cdc
    source.client.cdc = lambda entities, since: {**{e: [] for e in entities},  # 1,000 objects in all: some were cut
                                                 "Invoice": [dict(inv, Id=str(9000 + n)) for n in range(600)],
                                                 "Payment": [{"Id": str(n)} for n in range(400)]}
    led = source.fetch(A)
    source.client.cdc = real
    assert source.reader.last_mode == "full" and inv["Id"] in {r.id for r in led.receivables}


def test_given_more_than_1000_changes_over_two_entities_then_the_emulator_answers_1000_in_all(source, emu):
    emu.seed(customers=[{"DisplayName": f"C{n}"} for n in range(600)], terms=[{"Name": f"T{n}", "DueDays": n}
                                                                              for n in range(500)])
    changes = source.client.cdc(["Customer", "Term"], datetime.now(timezone.utc) - timedelta(hours=1))
    assert sum(len(rows) for rows in changes.values()) == 1000 and len(changes["Customer"]) == 600


# -- 2. send: the invoice's own BillEmail survives a reminder -------------------------------------------------------
def _reminder(customer: str, invoice: dict) -> SimpleNamespace:
    return SimpleNamespace(key="rk-1", customer_id=customer, target_id=invoice["Id"],
                           items=(SimpleNamespace(invoice_id=invoice["Id"], number=invoice["DocNumber"]),))


def test_given_an_invoice_specific_ap_address_when_a_reminder_is_sent_then_it_goes_there_and_stays(source, emu):
    b = Books(source.client)
    c = b.customer("Ap")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    emu.store.objects["Invoice"][inv["Id"]]["BillEmail"] = {"Address": "ap-invoices@client.example"}
    out = _writer(source)._send(_reminder(c, inv))
    assert emu.store.sent == [(inv["Id"], "ap-invoices@client.example")]
    assert emu.store.get("Invoice", inv["Id"])["BillEmail"]["Address"] == "ap-invoices@client.example"
    assert not [r for r in emu.requests if r["path"].endswith("/send") and r["params"].get("sendTo")]
    assert "ap-invoices@client.example" in out


def test_given_an_invoice_without_billemail_when_sent_then_the_customer_address_is_sent_to(source, emu):
    b = Books(source.client)
    c = b.customer("NoBill")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    emu.store.objects["Invoice"][inv["Id"]].pop("BillEmail", None)
    _writer(source)._send(_reminder(c, inv))
    address = emu.store.get("Customer", c)["PrimaryEmailAddr"]["Address"]
    assert emu.store.sent == [(inv["Id"], address)]
    assert emu.store.get("Invoice", inv["Id"])["BillEmail"]["Address"] == address  # Intuit's documented side effect


def _writer(source):
    from adapters.quickbooks.write import Writer

    return Writer(source.client, source.mapping, source._resolve(), source._letterhead(), source.library)


# -- 3. company-wide faults stop the run ----------------------------------------------------------------------------
# 403 3100, as Intuit answers it (lower-case `fault`; quoted in intuit/oauth-jsclient#2 and frappe/erpnext#29161)
FAULT_3100 = {"warnings": None, "intuitObject": None, "fault": {"error": [{
    "message": "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", "detail": None,
    "code": "3100", "element": None}], "type": "SERVICE"}, "report": None, "queryResponse": None,
    "batchItemResponse": [], "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
    "time": 1640612353707, "status": None, "cdcresponse": []}
# 120 on handling-common-errors (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors)
FAULT_120 = {"Fault": {"Error": [{"Message": "Authorization Failure",
                                  "Detail": "AuthorizationFailure: -11014-You do not have access to use QuickBooks Online.",
                                  "code": "120", "element": ""}], "type": "AuthorizationFault"},
             "time": "2017-09-29T09:17:31.892-07:00"}
FAULT_6190 = {"Fault": {"Error": [{"Message": "Invalid Company Status", "Detail": "Invalid Company Status",
                                   "code": "6190", "element": ""}], "type": "ValidationFault"},
              "time": "2017-09-29T09:17:31.892-07:00"}


@pytest.mark.parametrize("status,body,code", [(403, FAULT_3100, "3100"), (403, FAULT_120, "120"),
                                              (400, FAULT_6190, "6190")])
@responses.activate
def test_given_a_company_wide_fault_when_requested_then_source_unavailable_says_reconnect(status, body, code):
    client = make_client()
    responses.add(responses.GET, f"{BASE}/invoice/1", json=body, status=status)
    with pytest.raises(QuickBooksCompanyRefused) as exc:
        client.read("Invoice", "1")
    assert isinstance(exc.value, SourceUnavailable) and f"QuickBooks error {code}" in str(exc.value)
    assert "relance quickbooks connect" in str(exc.value)


def test_given_3100_from_the_emulator_when_the_run_writes_then_it_stops_after_the_first_fault(source, emu):
    b = Books(source.client)
    c = b.customer("Refused")
    invs = [b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10)) for _ in range(3)]
    calls = []

    def refuse(req):
        if req["path"].endswith("/send"):
            calls.append(req["path"])
            return 403, FAULT_3100
        return None

    emu.fault_hook = refuse
    with pytest.raises(SourceUnavailable, match="relance quickbooks connect"):
        for inv in invs:
            _writer(source)._send(_reminder(c, inv))
    assert len(calls) == 1


# -- 4. disputes in the legacy and the newer custom fields ------------------------------------------------------------
# The newer fields come back only with include=enhancedAllCustomFields, in the same CustomField array (DefinitionId,
# Name, Type, StringValue: https://developer.intuit.com/app/developer/qbo/docs/workflows/create-custom-fields and
# IPPCustomField in intuit/QuickBooks-V3-PHP-SDK); their DefinitionId is the field's legacyIDV2, not 1 to 3.
def _field(definition: str, value: str) -> dict:
    return {"DefinitionId": definition, "Name": "Disputed", "Type": "StringType", "StringValue": value}


@pytest.mark.parametrize("definition", ["1", "1000000007"])
@pytest.mark.parametrize("value,disputed,reason", [("yes", True, None), ("X", True, None), ("no", False, None),
                                                   ("Goods arrived damaged, credit asked", True,
                                                    "Goods arrived damaged, credit asked")])
def test_given_a_disputed_field_legacy_or_newer_when_fetched_then_disputed_with_its_reason(source, emu, definition,
                                                                                           value, disputed, reason):
    b = Books(source.client)
    c = b.customer("Dispute")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    emu.store.objects["Invoice"][inv["Id"]]["CustomField"] = [_field(definition, value)]
    rec = {r.id: r for r in source.fetch(A).receivables}[inv["Id"]]
    assert (rec.disputed, rec.dispute_reason, rec.disputed_on) == (disputed, reason, None)


def test_given_a_newer_dispute_field_set_after_the_first_read_then_the_cdc_read_sees_it(source, emu):
    b = Books(source.client)
    c = b.customer("Later")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    assert not {r.id: r for r in source.fetch(A).receivables}[inv["Id"]].disputed
    cur = emu.store.get("Invoice", inv["Id"])
    emu.store.update("Invoice", {"Id": inv["Id"], "SyncToken": cur["SyncToken"], "sparse": True,
                                 "CustomField": [_field("1000000007", "Price not as agreed")]})
    rec = {r.id: r for r in source.fetch(A).receivables}[inv["Id"]]
    assert source.reader.last_mode == "cdc" and (rec.disputed, rec.dispute_reason) == (True, "Price not as agreed")


# -- 5. the batch budget and a 429 without Retry-After -------------------------------------------------------------
def test_given_120_batch_requests_in_a_minute_then_the_next_batch_waits_and_other_requests_do_not():
    now, slept = [0.0], []
    pacer = Pacer(clock=lambda: now[0], sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    for _ in range(120):
        with pacer.slot(batch=True):
            now[0] += 0.1
    with pacer.slot():  # a query is not held by the batch budget
        pass
    assert slept == []
    with pacer.slot(batch=True):
        pass
    assert slept and abs(sum(slept) - (60 - 12.0)) < 1e-6  # until the first batch of the window is a minute old
    assert Pacer(batch_per_minute=40).batch_per_minute == 40  # the older figure, for a company still on it


@responses.activate
def test_given_429_without_retry_after_on_every_try_then_the_retries_span_a_minute():
    now, slept = [0.0], []
    client = make_client()
    client.retries, client.backoff = 4, 0.5  # the defaults; the pacer's clock moves by what it sleeps
    client.pacer = Pacer(clock=lambda: now[0], sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    responses.get(f"{BASE}/query", status=429, body=THROTTLED_XML, content_type="application/xml")
    with pytest.raises(QuickBooksThrottled):
        client.query("select * from Term")
    assert len(responses.calls) == 5 and sum(slept) >= 60  # was 0.5 + 1 + 2 + 4 = 7.5 s


# -- 6. a send whose answer was lost is not sent again -------------------------------------------------------------
def test_given_a_send_intuit_performed_but_answered_502_then_it_is_not_sent_twice(source, emu):
    b = Books(source.client)
    c = b.customer("Lost")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    emu.replay_sends = False  # nothing documents that Intuit replays /send by requestid
    seen = []

    def gateway_502(req):  # applied, then a gateway answers 502 in QuickBooks' stead
        if req["path"].endswith("/send"):
            seen.append(req["path"])
            return ("lose", 502, b"<html>Bad Gateway</html>") if len(seen) == 1 else None
        return None

    emu.fault_hook = gateway_502
    out = _writer(source)._send(_reminder(c, inv))
    assert len(emu.store.sent) == 1 and len(seen) == 1 and "emailed" in out


def test_given_a_send_answered_503_before_intuit_performed_it_then_it_is_sent_once_more(source, emu):
    b = Books(source.client)
    c = b.customer("Unsent")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    emu.replay_sends = False
    seen = []

    def refuse_first(req):
        if req["path"].endswith("/send"):
            seen.append(req["path"])
            return (503, b"<html>Service Unavailable</html>") if len(seen) == 1 else None
        return None

    emu.fault_hook = refuse_first
    _writer(source)._send(_reminder(c, inv))
    assert len(emu.store.sent) == 1 and len(seen) == 2


# -- 7. jobs that bill through their parent, and invoices' own BillEmail ------------------------------------------------
def test_given_a_job_billed_with_its_parent_then_it_has_the_parents_email_and_address_and_is_sent_there(source, emu):
    b = Books(source.client)
    parent = b.customer("Parent")
    job = source.client.create("Customer", {"DisplayName": f"Site 12 {b.run}", "Job": True,
                                            "BillWithParent": True, "ParentRef": {"value": parent}},
                               requestid=f"job-{b.run}")["Id"]  # a job as the sandbox holds one: no e-mail, no address
    inv = b.invoice(job, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    emu.store.objects["Invoice"][inv["Id"]].pop("BillEmail", None)
    cust = {x.id: x for x in source.fetch(A).customers}[job]
    address = emu.store.get("Customer", parent)["PrimaryEmailAddr"]["Address"]
    assert (cust.has_email, cust.email, cust.has_address) == (True, address, True)
    assert cust.address[0] == "1 rue de la Paix"
    _writer(source)._send(_reminder(job, inv))
    assert emu.store.sent == [(inv["Id"], address)]


def test_given_a_customer_without_email_whose_invoice_has_a_billemail_then_it_can_be_emailed(source, emu):
    b = Books(source.client)
    c = b.customer("OnlyInvoice", email=False)
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    emu.store.objects["Invoice"][inv["Id"]]["BillEmail"] = {"Address": "ap@client.example"}
    cust = {x.id: x for x in source.fetch(A).customers}[c]
    assert (cust.has_email, cust.email) == (True, "ap@client.example")


# -- 8. countries: USA, other alpha-3 codes, none --------------------------------------------------------------------
@pytest.mark.parametrize("country,code", [("USA", "US"), ("CHE", "CH"), ("MEX", "MX"), ("", "FR"), (None, "FR"),
                                          ("United States", "US")])
def test_given_a_country_as_intuit_writes_it_then_the_customer_has_its_alpha2_code(country, code):
    from adapters.quickbooks.customers import to_customer
    from adapters.quickbooks.mapping import load_mapping

    addr = {"Line1": "4581 Finch St.", "City": "Bayshore", "CountrySubDivisionCode": "CA", "PostalCode": "94326",
            **({"Country": country} if country is not None else {})}
    assert to_customer({"Id": "1", "DisplayName": "Amy", "BillAddr": addr}, load_mapping(), "FR").country == code
