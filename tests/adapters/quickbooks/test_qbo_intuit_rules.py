"""Three rules Intuit documents that the adapter and the emulator follow:
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

from adapters.quickbooks.errors import QuickBooksCompanyRefused
from connector.errors import SourceUnavailable
from tests.adapters.quickbooks.qbo_books import Books
from tests.adapters.quickbooks.test_qbo_client_errors import client as make_client

A = date(2026, 3, 2)
BASE = "https://sandbox-quickbooks.api.intuit.com/v3/company/123"


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
