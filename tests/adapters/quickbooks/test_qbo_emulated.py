"""End-to-end behaviour of the adapter against the emulator where a real company cannot be made to show
it on demand: 2,500 invoices paged, CDC with deletes and voids, a stale SyncToken, a 429, an expired
access token, a batch with a failed item, a crash between two writes, QuickBooks' own late fees."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from decimal import Decimal

import pytest

from adapters.quickbooks.client import request_id
from connector.runner import run
from connector.keys import PREFIX, parse
from connector.models import Operation
from connector.policy import load_policy
from tests.adapters.quickbooks.qbo_books import Books, Scoped, new_emulator

A = date(2026, 3, 2)


def _queries(emu, entity: str, include: str | None = None) -> list[str]:
    return [r["params"]["query"] for r in emu.requests if r["path"].endswith("/query")
            and f"from {entity}" in r["params"].get("query", "")
            and (include is None or r["params"].get("include") == include)]


def test_given_2500_open_invoices_when_fetched_then_three_pages_of_1000_read_them_all(source, emu):
    cust = emu.seed(customers=[{"DisplayName": "Many"}])["customers"][0]["Id"]
    item = emu.objects("Item")[0]["Id"]
    emu.seed(invoices=[{"CustomerRef": {"value": cust}, "TxnDate": "2026-01-10", "DueDate": "2026-02-09",
                        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": f"{100 + n}.25",
                                  "SalesItemLineDetail": {"ItemRef": {"value": item}}}]} for n in range(2500)])
    emu.requests.clear()
    led = source.fetch(A)
    assert len(led.receivables) == 2500 and len({r.id for r in led.receivables}) == 2500
    assert sum(r.amount for r in led.receivables) == sum(Decimal(f"{100 + n}.25") for n in range(2500))
    for include in ("invoiceLink", "enhancedAllCustomFields"):  # the links, then the newer custom fields
        pages = [q for q in _queries(emu, "Invoice", include) if "Balance > '0'" in q]
        assert [q.split("startposition ")[1] for q in pages] == ["1 maxresults 1000", "1001 maxresults 1000",
                                                                 "2001 maxresults 1000"]


def test_given_a_repeating_page_when_fetched_then_the_read_stops_with_an_error(source, emu):
    from adapters.quickbooks.errors import QuickBooksPagingError

    Books(source.client)  # noqa: B018 - the company has its service item
    cust = emu.seed(customers=[{"DisplayName": "Loop"}])["customers"][0]["Id"]
    item = emu.objects("Item")[0]["Id"]
    emu.seed(invoices=[{"CustomerRef": {"value": cust}, "TxnDate": "2026-01-10", "DueDate": "2026-02-09",
                        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "10",
                                  "SalesItemLineDetail": {"ItemRef": {"value": item}}}]} for _ in range(3)])
    source.mapping = source.mapping.model_copy(update={"receivables": source.mapping.receivables.model_copy(
        update={"page_size": 2})})
    source.reader.mapping = source.mapping

    def same_page(req):  # a server that ignores STARTPOSITION
        q = req["params"].get("query", "")
        if "from Invoice" in q and "startposition 3" in q:
            req["params"]["query"] = q.replace("startposition 3", "startposition 1")
            return 200, emu.handle("GET", req["path"], req["params"], b"",
                                   {"Authorization": "Bearer " + json.load(open(source.auth.store.path))["access_token"]})[1]
        return None

    emu.fault_hook = same_page
    with pytest.raises(QuickBooksPagingError, match="repeats an earlier page"):
        source.fetch(A)


def test_given_a_first_read_when_invoices_are_paid_deleted_and_voided_then_cdc_brings_the_changes(source, emu):
    b = Books(source.client)
    c = b.customer("Cdc")
    keep, gone, void = (b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10)) for _ in range(3))
    first = source.fetch(A)
    assert {keep["Id"], gone["Id"], void["Id"]} <= {r.id for r in first.receivables}
    b.pay(c, keep["Id"], "200.00", A - timedelta(days=1))
    emu.store.delete("Invoice", gone["Id"])
    emu.store.void_invoice(void["Id"])
    emu.requests.clear()
    second = source.fetch(A)
    assert source.reader.last_mode == "cdc"
    # no full read: the changes, then the changed invoices by Id for their newer custom fields (CDC takes no include)
    assert [r["path"].rsplit("/", 1)[1] for r in emu.requests] == ["cdc", "query"]
    assert [r["params"].get("include") for r in emu.requests] == [None, "enhancedAllCustomFields"]
    recs = {r.id: r for r in second.receivables}
    assert gone["Id"] not in recs and void["Id"] not in recs
    assert recs[keep["Id"]].open_amount == Decimal("300.00")
    assert [(s.date, s.amount) for s in recs[keep["Id"]].settlements] == [(A - timedelta(days=1), Decimal("200.00"))]


def test_given_cdc_fails_when_fetched_then_a_full_read_answers(source, emu):
    b = Books(source.client)
    c = b.customer("Fallback")
    inv = b.invoice(c, A - timedelta(days=40), "500.00", due=A - timedelta(days=10))
    source.fetch(A)
    emu.fault_hook = lambda req: (400, {"Fault": {"Error": [{"Message": "Request has invalid or unsupported property",
                                                           "Detail": "changedSince", "code": "2010", "element": ""}],
                                              "type": "ValidationFault"}}) if req["path"].endswith("/cdc") else None
    led = source.fetch(A)
    assert source.reader.last_mode == "full" and inv["Id"] in {r.id for r in led.receivables}


def _penalty_op(customer: str, invoice: dict, key: str) -> Operation:
    from connector.models import PenaltyLine

    line = PenaltyLine(kind="interest", receivable_id=invoice["Id"], invoice_number=invoice["DocNumber"],
                       amount=Decimal("12.34"), currency="EUR", period_start=A - timedelta(days=30), period_end=A,
                       description=f"Late-payment interest on {invoice['DocNumber']}")
    return Operation(key=key, kind="penalty", as_of=A, customer_id=customer, customer_name="X", target="invoice",
                     target_id=invoice["Id"], lines=(line,), currency="EUR", amount=Decimal("12.34"), reason="test")


def test_given_the_invoice_changed_meanwhile_when_a_line_is_added_then_stale_object_then_reapplied(source, emu):
    b = Books(source.client)
    c = b.customer("Stale")
    inv = b.invoice(c, A - timedelta(days=60), "1000.00", due=A - timedelta(days=30))
    state = {"done": False}

    def edit_first(req):  # someone saves the invoice in QuickBooks just before our update lands
        if req["method"] == "POST" and req["path"].endswith("/invoice") and not state["done"]:
            state["done"] = True
            cur = emu.store.get("Invoice", inv["Id"])
            emu.store.update("Invoice", {"Id": inv["Id"], "SyncToken": cur["SyncToken"], "sparse": True,
                                         "PrivateNote": "edited by the accountant"})
        return None

    emu.fault_hook = edit_first
    emu.requests.clear()
    ref = source.apply(_penalty_op(c, inv, "a" * 32))
    posts = [r for r in emu.requests if r["method"] == "POST" and r["path"].endswith("/invoice")]
    assert len(posts) == 2 and posts[0]["params"]["requestid"] != posts[1]["params"]["requestid"]
    final = emu.store.get("Invoice", inv["Id"])
    assert final["PrivateNote"] == "edited by the accountant"  # their edit kept
    assert sum(1 for ln in final["Line"] if PREFIX in str(ln.get("Description"))) == 1
    assert final["TotalAmt"] == Decimal("1012.34")
    # the penalty is named by what it wrote (its marker note is only how it is found again)
    assert ref.startswith(f"Penalty lines added to invoice {final.get('DocNumber') or final['Id']}: ")


def test_given_a_429_when_reading_then_the_client_waits_and_succeeds(source, emu):
    calls = {"n": 0}

    def throttle_once(req):
        if req["path"].endswith("/query") and calls["n"] == 0:
            calls["n"] += 1
            return 429, {"Fault": {"Error": [{"Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                                              "Detail": "The request limit was reached.", "code": "3001"}],
                                   "type": "SERVICE"}}
        return None

    emu.fault_hook = throttle_once
    source.fetch(A)
    assert calls["n"] == 1 and source.client.pacer.waited > 0


def test_given_the_emulator_paces_when_over_500_a_minute_then_429s_are_absorbed(qbo, emu):
    emu.per_minute = 5
    src = qbo.source()
    src.client.backoff = 0.01
    src.client.pacer.per_minute = 500  # the client does not know the emulator's stricter pace
    src.client.retries = 2
    src.client.throttle_window = 0.03  # a minute's worth of waiting, at test speed
    from adapters.quickbooks.errors import QuickBooksThrottled

    with pytest.raises(QuickBooksThrottled):
        for _ in range(10):
            src.client.query("select * from Term")
    assert any(True for _ in emu.requests)


def test_given_an_expired_access_token_when_reading_then_refresh_rotate_persist_and_succeed(qbo, emu):
    src = qbo.source()
    before = json.loads(open(qbo.token_file).read())
    emu.expire_access_tokens()
    src.fetch(A)
    after = json.loads(open(qbo.token_file).read())
    assert after["refresh_token"] == emu.current_refresh_token != before["refresh_token"]
    assert after["access_token"] != before["access_token"]
    assert stat.S_IMODE(os.stat(qbo.token_file).st_mode) == 0o600
    assert src.auth.refreshes == 1
    statuses = [r["path"] for r in emu.requests if r["path"].endswith("/tokens/bearer")]
    assert len(statuses) == 1


def _note_op(customer: str, key: str, channel: str = "call_task") -> Operation:
    return Operation(key=key, kind="action", as_of=A, customer_id=customer, customer_name="X", target="customer",
                     target_id=customer, channel=channel, level=2, level_name="call", template="call",
                     deadline=A + timedelta(days=2), items=(), currency="EUR", amount=Decimal("100"), reason="test")


def test_given_a_batch_with_one_bad_item_then_the_others_are_written_and_the_bad_one_reported(source, emu):
    b = Books(source.client)
    good1, good2, bad = b.customer("B1"), b.customer("B2"), b.customer("B3")
    emu.store.delete("Customer", bad)  # a note cannot be linked to it any more
    ops = [_note_op(good1, "1" * 32), _note_op(bad, "2" * 32), _note_op(good2, "3" * 32)]
    emu.requests.clear()
    out = source.apply_many(ops)
    assert out["1" * 32].startswith("Attachable ") and out["3" * 32].startswith("Attachable ")
    assert "Invalid Reference Id" in str(out["2" * 32]) and "2500" in str(out["2" * 32])
    writes = [r["path"].rsplit("/", 1)[1] for r in emu.requests if r["method"] == "POST"]
    assert writes == ["batch", "batch"]  # the marker queries, then the notes
    again = source.apply_many(ops[:1] + ops[2:])
    assert all("already written" in v for v in again.values())
    assert len([a for a in emu.objects("Attachable") if PREFIX in a["Note"]]) == 2


def _crash_company(target) -> list[str]:
    src = target.source()
    src.init()
    b = Books(src.client)
    for i in range(3):
        c = b.customer(f"Crash {i}", email=i != 1, phone=i != 2)
        b.invoice(c, A - timedelta(days=90), f"{900 + i}.00", due=A - timedelta(days=55))
    src.close()
    return b.customers


def _fresh(target):
    src = target.source()
    src.client.backoff, src.client.retries = 0.0, 1
    return src


@pytest.mark.parametrize("policy_name,currency", [("fr-b2b", "EUR"), ("us-flat-fee", "USD")])
def test_given_a_kill_after_any_write_when_run_again_then_nothing_missing_nothing_doubled(
        tmp_path, emulator_env, policy_name, currency):
    policy, day = load_policy(policy_name), A + timedelta(days=1)
    ref = new_emulator(tmp_path / "ref", home_currency=currency)
    customers = _crash_company(ref)
    mark = len(ref.emulator.requests)
    planned = run(Scoped(_fresh(ref), customers), policy, day, dry_run=False)
    assert planned.failed == [] and len(planned.done) >= 3
    kinds = {op.kind for op in planned.plan.operations}
    assert kinds == ({"action", "penalty"} if policy_name == "us-flat-fee" else {"action"})
    writes = sum(1 for r in ref.emulator.requests[mark:] if r["method"] == "POST")
    ref.emulator.stop()
    for k in range(1, writes + 1):  # kill right after the k-th write, then run again
        t = new_emulator(tmp_path / f"k{k}", home_currency=currency)
        emu = t.emulator
        customers = _crash_company(t)
        state = {"posts": 0, "dead": False}

        def killer(req, state=state, k=k):
            if state["dead"]:
                return "drop"
            if req["method"] == "POST":
                state["posts"] += 1
                if state["posts"] == k:
                    state["dead"] = True
                    return "lose"  # applied, and the process dies before it hears the answer
            return None

        emu.fault_hook = killer
        killed = run(Scoped(_fresh(t), customers), policy, day, dry_run=False)
        assert killed.unreachable, f"kill after write {k} did not stop the run"
        emu.fault_hook = None
        again = run(Scoped(_fresh(t), customers), policy, day, dry_run=False)
        assert again.failed == [], (k, [f.reason for f in again.failed])
        assert run(Scoped(_fresh(t), customers), policy, day).plan.operations == []
        history = {h.key for h in Scoped(_fresh(t), customers).fetch(day).history}
        assert {d.key for d in planned.done} <= history, f"an action went missing (kill after write {k})"
        by_key: dict[str, set[str]] = {}
        for a in emu.objects("Attachable"):
            for h in parse(a["Note"]):
                by_key.setdefault(h.key, set()).add(a["Id"])
        assert all(len(v) == 1 for v in by_key.values()), f"a note was written twice (kill after write {k})"
        assert len(emu.store.sent) == len(set(emu.store.sent)), f"an invoice emailed twice (kill after write {k})"
        for inv in emu.objects("Invoice"):
            descs = [ln.get("Description") for ln in inv["Line"] if PREFIX in str(ln.get("Description"))]
            assert len(descs) == len(set(descs)), f"a penalty line added twice (kill after write {k})"
        emu.stop()


def test_given_quickbooks_automatic_late_fee_on_an_invoice_then_it_counts_as_a_fee_and_check_warns(source, emu):
    fee_item = emu.seed(items=[{"Name": "Late fee", "Type": "Service"}])["items"][0]
    emu.seed(accounts=[{"Name": "Late fee income", "AccountType": "Other Income"}])
    b = Books(source.client)
    c = b.customer("Builtin")
    inv = b.invoice(c, A - timedelta(days=60), "1000.00", due=A - timedelta(days=30), extra_lines=[
        {"DetailType": "SalesItemLineDetail", "Amount": Decimal("25.00"), "Description": "Late fee",
         "SalesItemLineDetail": {"ItemRef": {"value": fee_item["Id"], "name": "Late fee"}}}])
    led = Scoped(source, [c]).fetch(A)
    rec = next(r for r in led.receivables if r.id == inv["Id"])
    assert rec.amount == rec.open_amount == Decimal("1000.00")  # the fee is a charge, not the debt
    fees = [h for h in led.history if h.penalty == "fee"]
    assert [(h.amount, h.receivable_ids, h.invoice_id) for h in fees] == [(Decimal("25.00"), (inv["Id"],), inv["Id"])]
    rows = {name: (ok, detail) for name, ok, detail in source.check()}
    assert rows["QuickBooks automatic late fees"][0] is False and "Late fee income" in rows["QuickBooks automatic late fees"][1]


def test_given_bad_invoices_then_each_is_rejected_with_a_reason_naming_it(source, emu):
    cust = emu.seed(customers=[{"DisplayName": "Broken"}])["customers"][0]["Id"]
    item = emu.objects("Item")[0]["Id"]
    made = emu.seed(invoices=[{"CustomerRef": {"value": cust}, "TxnDate": "2026-01-10", "DocNumber": "1037",
                               "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "10",
                                         "SalesItemLineDetail": {"ItemRef": {"value": item}}}]}])["invoices"][0]
    emu.store.objects["Invoice"][made["Id"]].pop("DueDate")  # QuickBooks always sets one; a broken record
    led = source.fetch(A)
    assert [(r.record, r.reason) for r in led.rejected] == [("Invoice 1037", "no DueDate")]


def test_given_a_lost_answer_to_a_create_when_retried_with_the_same_requestid_then_one_object(source, emu):
    lost = {"n": 0}

    def lose_first(req):
        if req["method"] == "POST" and req["path"].endswith("/customer") and lost["n"] == 0:
            lost["n"] = 1
            return "lose"
        return None

    emu.fault_hook = lose_first
    made = source.client.create("Customer", {"DisplayName": "Once"}, requestid=request_id("once"))
    assert [c["Id"] for c in emu.objects("Customer") if c["DisplayName"] == "Once"] == [made["Id"]]
    assert emu.replayed == 1
