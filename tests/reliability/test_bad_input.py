"""Issue #6 part 4, the bad-input corpus: every bad file or record gives a clear message naming the file and
key (or the record) and what is wrong, with the README's exit code (2 bad configuration, 1 an item failed),
or is skipped on its own with its reason; never a traceback, never a half-written item, and the other items
are still done.

Files (tests/reliability/corpus/) go through the real CLI; source records through a run against the Odoo
and QuickBooks emulators, where what the run changed is compared record by record with what was there.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal

import pytest

from connector import jurisdictions, rates
from connector.policy import load_policy
from connector.reports import Options, build, html
from connector.runner import plan_ledger
from tests.reliability.badinput_files import (
    CORPUS,
    KEY_ENV,
    KEY_VALUE,
    UNSET_ENV,
    Expect,
    assert_reported,
    cases,
    deployment,
    expectations,
    run_cli,
    run_process,
)
from tests.reliability.badinput_odoo import SECRET, OdooBooks, penalties_from_due
from tests.reliability.badinput_qbo import QuickBooksBooks


@pytest.fixture
def cli(capsys, monkeypatch):
    """cli(*argv) -> Outcome of `relance *argv` in this process, the tenants' secret in the environment."""
    monkeypatch.setenv(KEY_ENV, KEY_VALUE)
    monkeypatch.delenv(UNSET_ENV, raising=False)
    return lambda *argv: run_cli(capsys, *argv)


PENALTY = ("penalty", "--amount", "1000", "--due", "2025-01-31", "--as-of", "2025-03-31", "--jurisdiction", "fr-b2b")


# -- files: the deployment file, policies, mappings, rate tables, jurisdictions ----------------------------

@pytest.mark.parametrize("path", cases("relance"))
def test_given_a_bad_deployment_file_when_planning_then_exit_2_naming_file_and_key(cli, path):
    expect = expectations(path)
    assert_reported(cli("plan", "--config", str(path)), 2, expect.where or str(path), expect)


@pytest.mark.parametrize("path", cases("policies"))
def test_given_a_bad_policy_when_planning_then_exit_2_naming_file_and_key(cli, tmp_path, path):
    config = deployment(tmp_path, policy=str(path))
    assert_reported(cli("plan", "--config", str(config)), 2, str(path), expectations(path))


@pytest.mark.parametrize("path", cases("mappings/odoo"))
def test_given_a_bad_odoo_mapping_when_planning_then_exit_2_naming_file_and_key(cli, tmp_path, path):
    config = deployment(tmp_path, mapping=str(path))
    assert_reported(cli("plan", "--config", str(config)), 2, str(path), expectations(path))


@pytest.mark.parametrize("path", cases("mappings/quickbooks"))
def test_given_a_bad_quickbooks_mapping_when_planning_then_exit_2_naming_file_and_key(cli, tmp_path, path):
    config = deployment(tmp_path, system="quickbooks", mapping=str(path))
    assert_reported(cli("plan", "--config", str(config)), 2, str(path), expectations(path))


@pytest.fixture
def rate_dir(tmp_path, monkeypatch):
    """The shipped rate tables copied into a folder the engine reads instead (a packager's mistake)."""
    folder = tmp_path / "rates"
    shutil.copytree(rates.shipped_dir(), folder)
    monkeypatch.setattr(rates, "shipped_dir", lambda: folder)
    rates.table.cache_clear()
    yield folder
    rates.table.cache_clear()


@pytest.mark.parametrize("path", cases("rates"))
def test_given_a_bad_rate_table_when_computing_a_penalty_then_exit_2_naming_the_table(cli, rate_dir, path):
    shutil.copy(path, rate_dir / "ecb_mro.csv")
    assert_reported(cli(*PENALTY), 2, str(rate_dir / "ecb_mro.csv"), expectations(path))


@pytest.mark.parametrize("path", cases("jurisdictions"))
def test_given_a_bad_jurisdictions_file_when_computing_a_penalty_then_exit_2_naming_file_and_key(cli, monkeypatch, path):
    monkeypatch.setattr(jurisdictions, "_path", lambda: path)
    jurisdictions.all_jurisdictions.cache_clear()
    try:
        outcome = cli(*PENALTY)
    finally:
        jurisdictions.all_jurisdictions.cache_clear()
    assert_reported(outcome, 2, str(path), expectations(path))


def test_given_a_secrets_file_readable_by_others_then_exit_2_and_no_secret_printed(cli, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"{KEY_ENV}={KEY_VALUE}\n", encoding="utf-8")
    secrets.chmod(0o644)
    config = deployment(tmp_path)
    config.write_text(f"secrets_file: secrets.env\n{config.read_text()}", encoding="utf-8")
    expect = Expect((f"secrets_file: {secrets} has mode 0644; it must be 0600", f"chmod 600 {secrets}"), ())
    assert_reported(cli("plan", "--config", str(config)), 2, str(config), expect)


def test_given_an_unknown_jurisdiction_on_the_command_line_then_exit_2_naming_the_option(cli):
    outcome = cli("penalty", "--amount", "1000", "--due", "2025-01-31", "--jurisdiction", "fr-b2x")
    assert_reported(outcome, 2, "--jurisdiction", Expect(("unknown jurisdiction 'fr-b2x' (known: de-b2b",), ()))


def test_given_an_unknown_currency_on_the_command_line_then_exit_2_naming_the_option(cli):
    outcome = cli(*PENALTY, "--currency", "EURO")
    assert_reported(outcome, 2, "--currency", Expect(("unknown currency 'EURO'",), ()))


def test_given_a_day_after_the_rate_table_when_computing_a_penalty_then_exit_1_naming_table_and_day(cli):
    covered = rates.table("ecb_mro").covered_until
    half_year = rates.half_year_end(covered) + timedelta(days=1)  # the first half-year the table does not cover
    outcome = cli("penalty", "--amount", "1000", "--due", str(covered - timedelta(days=20)), "--as-of",
                  str(half_year + timedelta(days=30)), "--jurisdiction", "fr-b2b")
    expect = Expect((f"is known for {half_year}", f"table ecb_mro ends on {covered}", "relance rates update"), ())
    assert_reported(outcome, 1, "ecb_mro.csv", expect)
    assert "interest:" not in outcome.out  # no total computed with a missing rate


@pytest.mark.parametrize("name", ["relance/malformed-yaml.yaml", "relance/inline-api-key.yaml",
                                  "policies/levels-out-of-order.yaml"])
def test_given_a_bad_file_when_run_as_a_process_then_one_line_on_stderr_and_no_traceback(tmp_path, name):
    path = CORPUS / name
    config = path if name.startswith("relance/") else deployment(tmp_path, policy=str(path))
    outcome = run_process("plan", "--config", str(config), cwd=tmp_path)
    assert_reported(outcome, 2, str(path), expectations(path))
    assert outcome.out == "" and len(outcome.err.strip().splitlines()) == 1, outcome.err


# -- source records in Odoo: one bad record among good ones ------------------------------------------------

AS_OF = date(2026, 3, 10)  # a Tuesday, no French public holiday


@pytest.fixture
def odoo():
    """make(version, today=None) -> OdooBooks on a fresh emulator, stopped after the test."""
    made: list[OdooBooks] = []

    def make(version: str = "17.0", today: date | None = None) -> OdooBooks:
        made.append(OdooBooks(version, today))
        return made[-1]

    yield make
    for books in made:
        books.close()


def good_customer(b: OdooBooks, name: str = "Goodco Industries") -> tuple[int, int]:
    """A customer with every contact datum and an invoice 27 days overdue: (partner, invoice)."""
    partner = b.partner(name)
    move, _ = b.invoice(partner, date(2026, 1, 12), "1200.00", date(2026, 2, 11))
    return partner, move


def bad_invoice(b: OdooBooks, **line_values) -> tuple[int, int, int]:
    partner = b.partner("Badco Trading")
    move, line = b.invoice(partner, date(2026, 1, 14), "800.00", date(2026, 2, 13))
    if line_values:
        b.plant("account.move.line", line, **line_values)
    return partner, move, line


def _no_due_date(b):
    return bad_invoice(b, date_maturity=False), "no due date (date_maturity is empty)"


def _negative_amount(b):
    return bad_invoice(b, balance=-800.0, debit=0.0, credit=800.0, amount_currency=-800.0, amount_residual=-800.0,
                       amount_residual_currency=-800.0), "negative amount -800.0 on a customer invoice"


def _zero_amount(b):
    return bad_invoice(b, balance=0.0, debit=0.0, amount_currency=0.0, amount_residual=0.0,
                       amount_residual_currency=0.0), "zero amount: nothing to collect"


def _unknown_currency(b):
    zzz = b.c.call("res.currency", "create", vals_list=[{"name": "ZZZ", "symbol": "Z"}])[0]
    return bad_invoice(b, currency_id=zzz), "unknown currency 'ZZZ'"


def _open_exceeds_amount(b):
    return (bad_invoice(b, amount_residual=1600.0, amount_residual_currency=1600.0),
            "open amount 1600.0 exceeds the original amount 800.0")


def _no_customer(b):
    partner, move, line = bad_invoice(b, partner_id=False)
    b.plant("account.move", move, partner_id=False, commercial_partner_id=False)
    return (partner, move, line), "no customer (neither the invoice nor its line names a partner)"


@pytest.mark.parametrize(("plant", "version"), [
    (_no_due_date, "17.0"), (_negative_amount, "19.0"), (_zero_amount, "17.0"), (_unknown_currency, "19.0"),
    (_open_exceeds_amount, "17.0"), (_no_customer, "19.0")],
    ids=["no-due-date", "negative-amount", "zero-amount", "unknown-currency", "open-exceeds-amount", "no-customer"])
def test_given_a_bad_odoo_invoice_among_good_ones_when_run_then_it_alone_is_skipped_with_its_reason(odoo, plant, version):
    b = odoo(version)
    good, _ = good_customer(b)
    (bad, move, line), reason = plant(b)
    before = b.snapshot()
    result = b.run(penalties_from_due(), AS_OF)
    assert not result.failed and result.exit_code == 0
    record = f"account.move.line {line} ({b.number(move)})"  # its id and its number
    reasons = [s.reason for s in result.skipped if s.record == record]
    assert len(reasons) == 1 and reason in reasons[0], result.skipped
    assert not [s for s in result.skipped if s.record != record and s.customer_id != str(good)], result.skipped
    assert {d.customer_id for d in result.done} == {str(good)}
    assert {c.partner for c in b.changes(before)} == {good}  # nothing written for the bad one, nor anywhere else


def test_given_a_customer_without_contact_data_when_run_then_a_task_to_obtain_it_and_no_email(odoo):
    b = odoo("19.0")
    good, _ = good_customer(b)
    mute = b.partner("Mute Holdings", email=False, phone=False, address=False)
    b.invoice(mute, date(2026, 1, 14), "800.00", date(2026, 2, 13))  # overdue: a call is due
    b.invoice(mute, date(2026, 3, 2), "300.00", date(2026, 3, 12))  # due in 2 days: a courtesy email is due
    before = b.snapshot()
    result = b.run(load_policy("fr-b2b"), AS_OF)
    assert result.exit_code == 0 and not result.failed
    assert [s.reason for s in result.skipped if s.customer_id == str(mute)] == [
        "no email address on file for a courtesy reminder"]
    [task] = [op for op in result.plan.operations if op.customer_id == str(mute)]
    assert task.channel == "call_task" and "no phone number nor fallback contact data on file: task to obtain it" in task.reason
    changes = b.changes(before)
    assert {c.partner for c in changes} == {good, mute}
    assert [c.model for c in changes if c.partner == mute and c.model in ("mail.activity", "mail.mail")] == ["mail.activity"]
    assert {d.customer_id for d in result.done} == {str(good), str(mute)}


NASTY = '<script>alert("relance")</script> & <img src=x onerror=alert(1)> Ltd'
HTML_FIELDS = {"mail.message": "body", "mail.mail": "body_html", "mail.activity": "note"}


@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_given_html_in_a_customer_name_when_run_and_reported_then_every_html_written_escapes_it(
        odoo, cli, tmp_path, monkeypatch, version):
    b = odoo(version)
    nasty = b.partner(NASTY)
    b.invoice(nasty, date(2026, 1, 14), "800.00", date(2026, 2, 13))  # a call task, penalties
    b.invoice(nasty, date(2026, 3, 2), "300.00", date(2026, 3, 12))  # a courtesy email
    before = b.snapshot()
    result = b.run(penalties_from_due(), AS_OF)
    assert result.exit_code == 0 and {d.what.split()[0] for d in result.done} == {"email", "call_task", "penalty"}
    html = [c.record.get(HTML_FIELDS[c.model]) or "" for c in b.changes(before) if c.model in HTML_FIELDS]
    assert any("&lt;script&gt;alert(" in h for h in html)  # the name is there, escaped
    assert not [h for h in html if "<script" in h or "<img" in h]

    monkeypatch.setenv("RELANCE_BADINPUT_ODOO", SECRET)
    page = tmp_path / "report.html"
    outcome = cli("report", "--config", str(b.config(tmp_path, "RELANCE_BADINPUT_ODOO")), "--as-of", str(AS_OF),
                  "--html", str(page))
    assert outcome.code == 0, outcome.text
    text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in text and "<script" not in text and "<img" not in text


def _lock(b: OdooBooks, day: date) -> None:
    b.set_company(fiscalyear_lock_date=day.isoformat())  # 17 "All Users Lock Date", 19 "Global Lock Date"


@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_given_invoices_in_a_locked_period_when_penalised_then_the_penalty_invoices_land_in_the_open_period(
        odoo, version):
    b = odoo(version, today=AS_OF)
    b.posting()
    good, _ = good_customer(b)
    late, invoice, _ = bad_invoice(b)  # January: both invoices are in the closed period
    _lock(b, date(2026, 2, 28))
    before = b.snapshot()
    result = b.run(penalties_from_due(), AS_OF)
    assert result.exit_code == 0 and not result.failed and not result.skipped
    assert sum(d.what.startswith("penalty") for d in result.done) == 2
    changes = b.changes(before)
    made = [c.record for c in changes if c.model == "account.move"]
    assert len(made) == 2 and all(m["state"] == "posted" and m["date"] == str(AS_OF) for m in made)
    locked = [c for c in changes if c.model in ("account.move", "account.move.line")
              and (before[c.model].get(c.id) or {}).get("date", "9999") <= "2026-02-28"]
    assert not locked  # nothing dated in the locked period was touched
    assert {c.partner for c in changes} == {good, late}


LOCK_MESSAGE = {"17.0": "You cannot add/modify entries prior to and inclusive of the lock date 03/31/2026.",
                "19.0": "You cannot add/modify entries prior to and inclusive of: Global Lock Date (03/31/2026)."}


@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_given_the_current_period_locked_when_penalties_are_posted_then_each_fails_alone_and_no_draft_is_left(
        odoo, version):
    b = odoo(version, today=AS_OF)
    b.posting()
    good, good_invoice = good_customer(b)
    late, invoice, _ = bad_invoice(b)
    _lock(b, date(2026, 3, 31))  # the month closed early: Odoo cannot move the penalty to a later open day
    before = b.snapshot()
    result = b.run(penalties_from_due(), AS_OF)
    assert result.exit_code == 1
    failed = {f.record: f.reason for f in result.failed}
    assert sorted(failed) == sorted(f"penalty {op.amount} EUR on {b.number(m)}" for m in (good_invoice, invoice)
                                    for op in result.plan.operations if op.kind == "penalty" and op.target_id == str(m))
    assert all(LOCK_MESSAGE[version] in reason for reason in failed.values()), failed
    assert {d.what.split()[0] for d in result.done} == {"call_task"} and len(result.done) == 2  # the others are done
    changes = b.changes(before)
    assert not [c for c in changes if c.model in ("account.move", "account.move.line")]  # no draft left behind
    notes = [c.record["body"] for c in changes if c.model == "mail.message" and c.record.get("model") == "account.move"]
    assert not notes  # no penalty marker: the next run plans the penalties again


def test_given_a_run_past_the_rate_tables_when_penalised_then_interest_is_an_item_error_naming_invoice_and_period(odoo):
    covered = rates.covered_until(["ecb_mro"])
    missing = rates.half_year_end(covered) + timedelta(days=1)  # the half-year whose rate is not known yet
    as_of = missing + timedelta(days=62)
    b = odoo("17.0")
    good = b.partner("Goodco Industries")
    move, _ = b.invoice(good, missing - timedelta(days=40), "1200.00", missing - timedelta(days=10))
    result = b.run(penalties_from_due(), as_of)
    assert result.exit_code == 1
    assert [(f.record, f.customer_id) for f in result.failed] == [(f"invoice {b.number(move)}", str(good))]
    assert f"is known for {missing}" in result.failed[0].reason and "ecb_mro.csv" in result.failed[0].reason
    assert "relance rates update" in result.failed[0].reason
    # never a silent zero or a stale rate for interest, and no lone indemnity either: the invoice's charges wait,
    # whole, for the rate (an indemnity now and the interest later would be two penalty invoices)
    assert [op for op in result.plan.operations if op.kind == "penalty"] == []


# -- source records in QuickBooks ---------------------------------------------------------------------------

@pytest.fixture
def qbo(tmp_path):
    books = QuickBooksBooks(tmp_path)
    yield books
    books.close()


def qbo_bad_invoice(q: QuickBooksBooks, **values) -> tuple[str, dict]:
    customer = q.customer("Badco Trading")
    inv = q.invoice(customer, date(2026, 1, 14), "800.00", date(2026, 2, 13))
    if values:
        q.plant("Invoice", inv["Id"], **values)
    return customer, inv


def _qbo_no_due_date(q):
    customer, inv = qbo_bad_invoice(q, DueDate=None)
    return customer, [(f"Invoice {inv['DocNumber']}", "no DueDate")]


def _qbo_negative_total(q):
    customer, inv = qbo_bad_invoice(q, TotalAmt=Decimal("-800.00"), Balance=Decimal("-800.00"))
    return customer, [(f"Invoice {inv['DocNumber']}", "negative total -800.00")]


def _qbo_zero_total(q):
    customer, inv = qbo_bad_invoice(q, TotalAmt=Decimal(0), Balance=Decimal(0))
    return customer, [(f"Invoice {inv['DocNumber']}", "zero total: nothing to collect")]


def _qbo_unknown_currency(q):
    customer, inv = qbo_bad_invoice(q, CurrencyRef={"value": "XYZ"})
    return customer, [(f"Invoice {inv['DocNumber']}", "unknown currency 'XYZ'")]


def _qbo_customer_gone(q):
    customer, inv = qbo_bad_invoice(q)
    q.remove("Customer", customer)
    return customer, [(f"Customer {customer}", "not found in QuickBooks (deleted or merged)"),
                      (f"invoice {inv['DocNumber']}", f"customer {customer} was not read")]


@pytest.mark.parametrize("plant", [_qbo_no_due_date, _qbo_negative_total, _qbo_zero_total, _qbo_unknown_currency,
                                   _qbo_customer_gone],
                         ids=["no-due-date", "negative-total", "zero-total", "unknown-currency", "customer-gone"])
def test_given_a_bad_quickbooks_invoice_among_good_ones_when_run_then_it_alone_is_skipped_with_its_reason(qbo, plant):
    good = qbo.customer("Goodco Industries")
    qbo.invoice(good, date(2026, 1, 12), "1200.00", date(2026, 2, 11))
    bad, expected = plant(qbo)
    before = qbo.snapshot()
    result = qbo.run(penalties_from_due(), AS_OF)
    assert result.exit_code == 0 and not result.failed
    found = [(s.record, s.reason) for s in result.skipped if s.customer_id != good]
    assert len(found) == len(expected) and all(r == rec and why in reason for (r, reason), (rec, why)
                                               in zip(found, expected)), result.skipped
    assert {d.customer_id for d in result.done} == {good} and len(result.done) == 2  # its call task and penalty
    assert {c for ch in qbo.changes(before) for c in ch.customers} == {good}


def test_given_a_quickbooks_customer_without_contact_data_when_run_then_a_task_note_and_no_email(qbo):
    good = qbo.customer("Goodco Industries")
    qbo.invoice(good, date(2026, 2, 27), "1200.00", date(2026, 3, 12))  # courtesy email due
    mute = qbo.customer("Mute Holdings", email=False, phone=False, address=False)
    qbo.invoice(mute, date(2026, 1, 14), "800.00", date(2026, 2, 13))
    qbo.invoice(mute, date(2026, 3, 2), "300.00", date(2026, 3, 12))
    before = qbo.snapshot()
    result = qbo.run(load_policy("fr-b2b"), AS_OF)
    assert result.exit_code == 0 and not result.failed
    assert [s.reason for s in result.skipped if s.customer_id == mute] == ["no email address on file for a courtesy reminder"]
    [task] = [op for op in result.plan.operations if op.customer_id == mute]
    assert task.channel == "call_task" and task.key in {d.key for d in result.done}
    changes = qbo.changes(before)
    assert [c.id for c in changes if c.entity == "email"] and all(c.customers == {good} for c in changes if c.entity == "email")
    notes = [c.obj["Note"] for c in changes if c.entity == "Attachable" and mute in c.customers]
    assert len(notes) == 1 and "task to obtain it" in notes[0]


def test_given_html_in_a_quickbooks_customer_name_when_run_and_reported_then_the_report_escapes_it(qbo, tmp_path):
    nasty = qbo.customer(NASTY)
    qbo.invoice(nasty, date(2026, 1, 14), "800.00", date(2026, 2, 13))
    result = qbo.run(penalties_from_due(), AS_OF)
    assert result.exit_code == 0 and len(result.done) == 2
    notes = [a["Note"] for a in qbo.emu.objects("Attachable")]
    assert any(NASTY in n for n in notes)  # plain text in QuickBooks: the name as written, nothing to escape

    ledger = qbo.source.fetch(AS_OF)
    rec, plan = plan_ledger(ledger, load_policy("fr-b2b"), AS_OF)
    page = html.page([build("books", ledger, rec, plan, "EUR", Options())])
    assert "&lt;script&gt;alert(" in page and "<script" not in page and "<img" not in page
