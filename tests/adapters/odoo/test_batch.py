"""Batched writes of the Odoo adapter (adapters/odoo/batch.py): on the emulators or a real Odoo (ODOO_URL set),
a first run costs one message_post per e-mail and a few calls for everything else; on the emulators, a batch
Odoo refuses for one item is split and only that item fails, a batch whose answer is lost is found and not
written twice, and e-mails go `writes.inflight` at a time."""

from __future__ import annotations

import html
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

from adapters.odoo.mapping import OdooMapping
from connector.policy import Policy, load_policy
from connector.runner import run
from tests.adapters.odoo.books import Books, Scoped
from tests.adapters.odoo.conftest import open_source

A = date(2026, 3, 3)  # a Tuesday
ONE_LEVEL = {"name": "bench", "jurisdiction": "fr-b2b", "currency": "EUR", "contact": {"max_per_7_days": 5},
             "segments": [{"name": "all", "levels": [{"name": "reminder", "offset": 1, "channel": "email",
                                                       "template": "reminder", "tone": "firm",
                                                       "fallback": ["letter", "call_task"]}]}],
             "penalties": {"interest": False, "indemnity": False}}


def one_level() -> Policy:
    return Policy.model_validate(ONE_LEVEL)


@pytest.fixture(scope="module")
def source(odoo):
    src = open_source(odoo, init=True)
    yield src
    src.close()


def customers(books: Books, n: int) -> None:
    """n customers of each channel: with an e-mail address, with only a postal address, with only a phone."""
    for i in range(n):
        for kind, kw in (("mail", {}), ("post", {"email": False}), ("phone", {"email": False, "address": False})):
            p = books.partner(f"Batch {kind} {i}", **kw)
            books.invoice(p, A - timedelta(days=40), f"{300 + i}.00", due=A - timedelta(days=10))


def test_a_first_run_costs_one_message_post_per_email_and_a_few_calls_for_all_the_rest(source):
    books = Books(source.client)
    customers(books, 4)
    scoped = Scoped(source, books.partners)
    planned = run(scoped, one_level(), A).plan.operations
    channels = Counter(op.channel for op in planned)
    assert channels == {"email": 4, "letter": 4, "call_task": 4}, channels
    before = Counter(source.client.methods)
    result = source._writer_().apply_many(planned)
    counts = source.client.methods - before  # the calls of the writes
    assert all(isinstance(v, str) for v in result.values()), [v for v in result.values() if not isinstance(v, str)]
    posts = sum(n for k, n in counts.items() if k.endswith(".message_post"))
    assert posts == 4, counts  # one per e-mail, none for the notes of the letters and calls
    others = sum(counts.values()) - posts
    # what a write per operation paid (3 to 5 calls each: 36 to 60 here) is paid per batch: a search per kind of
    # record, a create per kind, a share; on a real Odoo, a few more to learn the type of Odoo's own Call activity
    assert others <= 20, counts
    assert counts["mail.activity.create"] <= 2 and counts["mail.message.create"] <= 1, counts  # every note in one
    after = run(scoped, one_level(), A)
    assert after.plan.operations == [] and after.done == []


def test_every_operation_ends_with_its_marker_note_and_every_email_is_sent_with_its_token(source):
    books = Books(source.client)
    customers(books, 1)
    scoped = Scoped(source, books.partners)
    done = run(scoped, one_level(), A, dry_run=False)
    assert len(done.done) == 3 and not done.failed, done.failed
    c = source.client
    msgs = c.call("mail.message", "search_read", domain=[("model", "=", "res.partner"), ("res_id", "in", books.partners),
                                                        ("body", "ilike", "relance:")],
                  fields=["res_id", "body", "subject", "message_type", "subtype_id"])
    notes = [m for m in msgs if "[relance:" in html.unescape(m["body"])]
    assert sorted(m["res_id"] for m in notes) == sorted(books.partners)  # one marker note per customer
    assert all(m["subtype_id"] and m["subtype_id"][1] == "Note" for m in notes)
    (mail,) = [m for m in msgs if m not in notes]  # the e-mail, to the customer with an address
    assert mail["res_id"] == books.partners[0] and mail["subject"] and "Ref. relance:" in html.unescape(mail["body"])
    acts = c.call("mail.activity", "search_read", domain=[("res_model", "=", "res.partner"),
                                                         ("res_id", "in", books.partners[1:])], fields=["res_id", "note"])
    assert sorted(a["res_id"] for a in acts) == sorted(books.partners[1:])
    pdf = c.call("ir.attachment", "search_read", domain=[("res_model", "=", "res.partner"),
                                                        ("res_id", "=", books.partners[1])], fields=["name", "mimetype"])
    assert [a["mimetype"] for a in pdf] == ["application/pdf"]


def test_given_a_run_stopped_after_an_email_before_its_note_then_the_next_writes_the_note_not_the_email(source):
    books = Books(source.client)
    books.invoice(books.partner("Orphan"), A - timedelta(days=40), "410.00", due=A - timedelta(days=10))
    scoped = Scoped(source, books.partners)
    (op,) = run(scoped, one_level(), A).plan.operations
    writer = source._writer_()
    writer._emails([writer._item(op)], {})  # the e-mail alone, as a run killed before the batch's notes leaves it
    result = source.apply_many([op])
    assert isinstance(result[op.key], str), result
    msgs = source.client.call("mail.message", "search_read", fields=["body", "message_type"], domain=[
        ("model", "=", "res.partner"), ("res_id", "=", books.partners[0]), ("body", "ilike", op.key)])
    assert len(msgs) == 2 and sum("[relance:" in html.unescape(m["body"]) for m in msgs) == 1  # one e-mail, one note
    assert run(scoped, one_level(), A).plan.operations == []


# -- emulator only: faults ---------------------------------------------------------------------------------
@pytest.fixture
def emulated(odoo):
    if odoo.emulator is None:
        pytest.skip("needs the emulator's hooks (faults, timing)")
    yield odoo.emulator
    odoo.emulator.fault_hook = odoo.emulator.write_hook = None


def test_given_odoo_refuses_one_item_of_a_batch_then_it_alone_fails_and_the_others_are_written(source, emulated):
    books = Books(source.client)
    for i in range(5):
        books.partner(f"Split {i}", email=False, address=False)
        books.invoice(books.partners[-1], A - timedelta(days=40), "250.00", due=A - timedelta(days=10))
    scoped = Scoped(source, books.partners)
    ops = run(scoped, one_level(), A).plan.operations
    assert [op.channel for op in ops] == ["call_task"] * 5
    ops[2] = replace(ops[2], collector="999999")  # assigned to a user that does not exist
    before = Counter(source.client.methods)
    result = source.apply_many(ops)
    counts = source.client.methods - before
    refused = ops[2].key
    assert isinstance(result[refused], Exception) and "mail_activity_user_id_fkey" in str(result[refused])
    assert all(isinstance(result[op.key], str) for op in ops if op.key != refused), result
    assert counts["mail.activity.create"] >= 3  # all five, then halves, down to the refused one
    again = run(scoped, one_level(), A).plan.operations
    assert [op.key for op in again] == [refused]  # the others are done; their activities exist once
    acts = source.client.call("mail.activity", "search_read", domain=[("res_id", "in", books.partners)], fields=["res_id"])
    assert sorted(a["res_id"] for a in acts) == sorted(p for i, p in enumerate(books.partners) if i != 2)


@pytest.mark.parametrize("model", ["mail.activity", "mail.message"])
def test_given_the_answer_to_a_batch_create_is_lost_then_what_it_made_is_found_and_not_made_again(
        source, emulated, model):
    books = Books(source.client)
    customers(books, 2)
    scoped = Scoped(source, books.partners)
    lost = []

    def drop(protocol, m, method, phase):
        if phase == "committed" and m == model and method == "create" and not lost:
            lost.append(1)
            return "drop"

    emulated.write_hook = drop
    first = run(scoped, one_level(), A, dry_run=False)
    assert lost and not first.failed, [f.reason for f in first.failed]
    assert run(scoped, one_level(), A).plan.operations == []
    rows = source.client.call(model, "search_read", fields=["id"], context={"active_test": False}, domain=[
        ("res_model" if model == "mail.activity" else "model", "=", "res.partner"), ("res_id", "in", books.partners),
        ("note" if model == "mail.activity" else "body", "ilike", "relance:")])
    expected = 4 if model == "mail.activity" else 8  # the calls' and letters' tasks; the e-mails and every marker
    assert len(rows) == expected


@pytest.mark.parametrize("inflight", [1, 3])
def test_emails_go_inflight_at_a_time(odoo, emulated, inflight):
    src = open_source(odoo)
    src.mapping = OdooMapping.model_validate({**src.mapping.model_dump(), "writes": {"batch_size": 50, "inflight": inflight}})
    books = Books(src.client)
    for i in range(6):
        books.invoice(books.partner(f"Inflight {inflight} {i}"), A - timedelta(days=40), "120.00", due=A - timedelta(days=10))
    busy, peak, lock = [0], [0], threading.Lock()

    def slow(protocol, model, method):
        if method != "message_post":
            return
        with lock:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        time.sleep(0.1)  # the server's time to post and queue the mail
        with lock:
            busy[0] -= 1

    emulated.fault_hook = slow
    result = run(Scoped(src, books.partners), one_level(), A, dry_run=False)
    assert len(result.done) == 6 and not result.failed
    assert peak[0] == inflight
    src.close()


def test_the_shipped_mapping_batches_and_keeps_several_calls_in_flight():
    from adapters.odoo.mapping import load_mapping

    writes = load_mapping().writes
    assert writes.batch_size > 1 and writes.inflight > 1
    with pytest.raises(ValueError):
        OdooMapping.model_validate({**load_mapping().model_dump(), "writes": {"inflight": 0}})
    assert load_policy("fr-b2b")  # the policies the runs above stand beside


def test_a_429_with_retry_after_holds_back_every_call_in_flight_then_all_are_written_once(odoo, emulated):
    from adapters.odoo.emulator.errors import HTTPFault

    src = open_source(odoo)
    src.mapping = OdooMapping.model_validate({**src.mapping.model_dump(), "writes": {"batch_size": 50, "inflight": 3}})
    books = Books(src.client)
    for i in range(6):
        books.invoice(books.partner(f"Throttled {i}"), A - timedelta(days=40), "90.00", due=A - timedelta(days=10))
    refused, started, lock = [], [], threading.Lock()

    def throttle(protocol, model, method):
        if method != "message_post":
            return
        with lock:
            if not refused:
                refused.append(time.monotonic())
                raise HTTPFault(429, "<h1>Too Many Requests</h1>", headers={"Retry-After": "1"})
            started.append(time.monotonic())
        time.sleep(0.05)

    emulated.fault_hook = throttle
    result = run(Scoped(src, books.partners), one_level(), A, dry_run=False)
    assert len(result.done) == 6 and not result.failed
    later = [t for t in started if t > refused[0] + 0.9]
    assert len(later) >= len(started) - 2  # only the calls already on the wire went before the pause
    posts = src.client.call("mail.message", "search_read", fields=["res_id"], domain=[
        ("model", "=", "res.partner"), ("res_id", "in", books.partners), ("message_type", "=", "comment"),
        ("body", "ilike", "Ref. relance:")])
    assert sorted(p["res_id"] for p in posts) == sorted(books.partners)  # one e-mail each
    src.close()
