"""Contract suite of the Odoo adapter: the same tests against the emulator (CI) and a real Odoo
(ODOO_URL set). Data is created through the external API, then read and written back by Relance."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from adapters.odoo.source import OdooSource
from connector.runner import run
from connector.keys import PREFIX
from connector.policy import load_policy
from tests.adapters.odoo.books import Books, Scoped, weekdays
from tests.adapters.odoo.conftest import open_source

A = date(2026, 3, 2)  # a Monday; the shipped rate tables cover the whole scenario


@pytest.fixture(scope="module")
def source(odoo):
    src = open_source(odoo)
    yield src
    src.close()


@pytest.fixture(scope="module")
def init_log(odoo, source):
    admin = source
    if odoo.admin_login:
        admin = OdooSource(odoo.url, odoo.db, odoo.admin_login, odoo.admin_secret, protocol=odoo.protocol)
    first = admin.init()
    second = admin.init()
    return first, second


@pytest.fixture(scope="module")
def books(source, init_log):
    b = Books(source.client)
    b.full = b.partner("Contract Full")
    b.noemail = b.partner("Contract NoEmail", email=False)
    b.partial = b.partner("Contract Partial")
    b.disputed = b.partner("Contract Disputed")
    b.i1, b.i1_lines = b.invoice(b.full, A - timedelta(days=60), "1000.00", due=A - timedelta(days=30))
    b.i2, b.i2_lines = b.invoice(b.full, A - timedelta(days=10), "1000.00", installments=True)
    b.i3, b.i3_lines = b.invoice(b.noemail, A - timedelta(days=20), "400.00", due=A - timedelta(days=2))
    b.i4, b.i4_lines = b.invoice(b.partial, A - timedelta(days=50), "2000.00", due=A - timedelta(days=20))
    b.pay(b.partial, b.i4_lines[0], "800.00", A - timedelta(days=5))
    b.i5, b.i5_lines = b.invoice(b.disputed, A - timedelta(days=70), "500.00", due=A - timedelta(days=40))
    b.dispute(b.i5_lines[0])
    return b


def test_connect_reports_version_and_protocol(source, odoo):
    assert source.client.uid and source.client.server_version
    if odoo.protocol != "auto":
        assert source.client.protocol == odoo.protocol


def test_init_is_idempotent_and_finds_what_it_created(init_log):
    first, second = init_log
    assert not any(line.startswith("missing") for line in second)
    assert not any(line.startswith("created") for line in second)
    assert sum(line.startswith("found") for line in second) >= sum(line.startswith(("created", "found")) for line in first) - 0


def test_check_reports_rights_and_setup(source):
    results = {name: (ok, detail) for name, ok, detail in source.check()}
    assert results["connect"][0]
    assert results["setup objects"] == (True, "all found")
    assert results["read account.move.line"][0]


def test_fetch_reads_installments_settlements_flags_and_customers(source, books):
    led = Scoped(source, books.partners).fetch(A)
    recs = {r.id: r for r in led.receivables}
    inst = sorted((recs[str(i)] for i in books.i2_lines), key=lambda r: r.due_date)
    assert len(inst) == 2 and inst[0].invoice_id == inst[1].invoice_id == str(books.i2)
    assert [r.amount for r in inst] == [Decimal("300.00"), Decimal("700.00")]
    assert inst[1].due_date == A - timedelta(days=10) + timedelta(days=60)
    partial = recs[str(books.i4_lines[0])]
    assert partial.open_amount == Decimal("1200.00") and partial.amount == Decimal("2000.00")
    assert [(s.date, s.amount, s.kind) for s in partial.settlements] == [(A - timedelta(days=5), Decimal("800.00"), "payment")]
    assert recs[str(books.i5_lines[0])].disputed
    customers = {c.id: c for c in led.customers}
    assert customers[str(books.noemail)].has_email is False and customers[str(books.full)].has_email
    assert customers[str(books.full)].kind == "company" and customers[str(books.full)].lang == "en_US"
    assert all(r.currency == "EUR" for r in inst)


def _markers(client, partners, model="mail.message"):
    rows = client.call("mail.message", "search_read",
                       domain=[("body", "ilike", f"[{PREFIX}")], fields=["body", "model", "res_id"])
    return rows


def test_daily_runs_escalate_once_per_level_and_a_rerun_writes_nothing(source, books):
    policy = load_policy("fr-b2b")
    scoped = Scoped(source, books.partners)
    written = []
    last = None
    for day in weekdays(A, 45):
        result = run(scoped, policy, day, dry_run=False)
        assert result.failed == [], [f.reason for f in result.failed]
        written.extend(d.key for d in result.done)
        last = day
        # the collector approves, from Odoo, what waits for approval (the shipped policy's formal notices, holds and
        # hand-overs): "Mark as Done" on each "Relance: to approve" activity
        asked = source.client.call("mail.activity", "search_read", domain=[
            ("res_model", "=", "res.partner"), ("res_id", "in", books.partners),
            ("summary", "ilike", "Relance: to approve")], fields=["id"])
        if asked:
            source.client.call("mail.activity", "action_feedback", ids=[a["id"] for a in asked])
    assert len(written) == len(set(written)), "an operation was written twice"
    run(scoped, policy, last, dry_run=False)  # what the last approvals let go
    again = run(scoped, policy, last, dry_run=False)
    assert again.plan.operations == [] and again.done == []

    led = scoped.fetch(last)
    actions = [h for h in led.history if h.kind == "action"]
    per_customer = Counter((h.customer_id, h.level) for h in actions)
    assert all(n == 1 for n in per_customer.values()), per_customer
    full_levels = sorted(h.level for h in actions if h.customer_id == str(books.full))
    assert full_levels[:4] == [2, 3, 4, 5]  # call, email, letter, first formal notice (courtesy was skipped)
    disputed = str(books.i5_lines[0])
    assert not any(disputed in h.receivable_ids for h in actions)
    channels = {h.channel for h in actions if h.customer_id == str(books.noemail)}
    assert "email" not in channels  # no email on file: the policy's fallbacks

    client = source.client
    penalties = client.call("account.move", "search_read", domain=[("ref", "ilike", PREFIX), ("partner_id", "in", books.partners)],
                            fields=["ref", "state", "amount_total", "invoice_origin"])
    assert penalties, "the formal notice level should have triggered a penalty invoice"
    assert len({p["ref"] for p in penalties}) == len(penalties)
    assert all(p["state"] == "draft" for p in penalties)
    pen_hist = [h for h in led.history if h.kind == "penalty"]
    assert {h.penalty for h in pen_hist} >= {"interest", "indemnity"}
    assert sum(h.amount for h in pen_hist if h.penalty == "indemnity") == Decimal(40) * len(
        {p["invoice_origin"] for p in penalties})

    letters = client.call("ir.attachment", "search_read",
                          domain=[("res_model", "=", "res.partner"), ("res_id", "in", books.partners),
                                  ("mimetype", "=", "application/pdf")], fields=["name"])
    assert len(letters) == len({a["name"] for a in letters}) >= 1
    activities = client.call("mail.activity", "search_read",
                             domain=[("res_id", "in", books.partners), ("res_model", "=", "res.partner"),
                                     ("note", "ilike", PREFIX)], fields=["activity_type_id", "note"],
                             context={"active_test": False})
    assert activities and len(activities) == len({a["note"] for a in activities})


def test_interrupted_between_any_two_writes_then_rerun_completes_without_duplicates(source):
    books = Books(source.client)
    for i in range(3):
        p = books.partner(f"Crash {i}", email=i != 1)
        books.invoice(p, A - timedelta(days=80), f"{900 + i}.00", due=A - timedelta(days=45))
    scoped = Scoped(source, books.partners)
    policy = load_policy("fr-b2b")
    day = A + timedelta(days=1)
    planned = {op.key for op in run(scoped, policy, day).plan.operations}
    assert planned
    done: list[str] = []
    for _ in range(len(planned) + 1):  # stop right after each write, as a kill between two writes would
        writes = []
        result = run(scoped, policy, day, dry_run=False, should_stop=lambda: len(writes) >= 1,
                     on_progress=lambda i, n: writes.append(i))
        done.extend(d.key for d in result.done)
        if not result.plan.operations:
            break
    assert sorted(done) == sorted(planned)  # nothing missing, nothing doubled
    assert run(scoped, policy, day).plan.operations == []


def test_penalties_as_debit_notes_reference_the_late_invoice(odoo, source, init_log, tmp_path):
    import yaml

    from adapters.odoo.mapping import shipped_mapping_path

    data = yaml.safe_load(shipped_mapping_path().read_text())
    data["penalties"]["mode"] = "debit_note"
    mapping = tmp_path / "odoo-debit-notes.yaml"
    mapping.write_text(yaml.safe_dump(data))
    src = OdooSource(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol, mapping=str(mapping))
    books = Books(src.client if src.client.uid else source.client)
    partner = books.partner("Debit Note")
    move, lines = books.invoice(partner, A - timedelta(days=70), "3000.00", due=A - timedelta(days=40))
    books.pay(partner, lines[0], "3000.00", A - timedelta(days=2))  # paid 38 days late: final interest
    scoped = Scoped(src, books.partners)
    policy = load_policy("fr-b2b")  # charging an item paid late without a reminder is the policy's choice:
    policy = policy.with_penalties(paid_late_min_level=0)
    first = run(scoped, policy, A, dry_run=False)
    assert first.failed == [], [f.reason for f in first.failed]
    assert [d.key for d in first.done] and run(scoped, policy, A, dry_run=False).done == []
    notes = src.client.call("account.move", "search_read", domain=[("debit_origin_id", "=", move)],
                            fields=["ref", "state", "move_type", "invoice_line_ids", "amount_total"])
    assert len(notes) == 1 and notes[0]["move_type"] == "out_invoice" and notes[0]["state"] == "draft"
    assert PREFIX in notes[0]["ref"]
    labels = src.client.call("account.move.line", "read", ids=notes[0]["invoice_line_ids"], fields=["name", "price_unit"])
    kinds = sorted(ln["name"].split(" ")[0] for ln in labels)
    assert kinds == ["Fixed", "Late-payment"]
    # 3000 x 12.15 % x 38 / 365 (2026 H1) + 40 EUR
    expected = (Decimal("3000") * Decimal("0.1215") * 38 / 365).quantize(Decimal("0.01")) + 40
    assert Decimal(str(notes[0]["amount_total"])) == expected


def test_given_debtor_tags_then_a_tagged_individual_is_a_professional_and_a_tagged_company_a_consumer(
        source, init_log):
    """Penalties follow the debtor's kind: read from is_company, overridden by the tags `relance init` creates."""
    b = Books(source.client)
    person, trader, company, household = (b.partner("Debtor Person", company=False),
                                          b.partner("Debtor Trader", company=False),
                                          b.partner("Debtor Company"), b.partner("Debtor Household"))
    res = source._resolve()
    assert res.consumer_tag and res.professional_tag
    source.client.call("res.partner", "write", [trader], vals={"category_id": [(4, res.professional_tag)]})
    source.client.call("res.partner", "write", [household], vals={"category_id": [(4, res.consumer_tag)]})
    for p in b.partners:
        b.invoice(p, A - timedelta(days=40), "100.00", due=A - timedelta(days=10))
    kinds = {c.id: c.kind for c in Scoped(source, b.partners).fetch(A).customers}
    assert kinds == {str(person): "person", str(trader): "company", str(company): "company",
                     str(household): "person"}


def _second_company(emu) -> None:
    """The emulator's database with a second French company (its own chart, journals and accounts), the API user
    allowed in both: what a group of companies in one Odoo database looks like."""
    from adapters.odoo.emulator.ledger import COMMERCIAL_DEBTS

    two, per_company = 2, "company_ids" if emu.major >= 18 else "company_id"

    def acc(aid, code, name, atype, reconcile):
        return {"id": aid, "code": code, "name": name, "account_type": atype, "reconcile": reconcile,
                per_company: [two] if emu.major >= 18 else two}

    emu.seed({
        "res.partner": [{"id": 90, "name": "Relance Demo Lyon", "is_company": True, "city": "Lyon"}],
        "res.company": [{"id": two, "name": "Relance Demo Lyon", "currency_id": 1, "partner_id": 90,
                         **({"chart_template": "fr"} if emu.major >= 17 else {})}],
        "account.account": [acc(101, "411100", "Clients", "asset_receivable", True),
                            acc(102, "706000", "Prestations de services", "income", False),
                            acc(103, "512001", "Banque", "asset_cash", False),
                            acc(104, "763100", "Revenus des créances commerciales", "income", False)],
        "account.journal": [{"id": 21, "name": "Factures clients Lyon", "code": "INV", "type": "sale",
                             "company_id": two, "default_account_id": 102, "sequence": 5},
                            {"id": 22, "name": "Opérations diverses Lyon", "code": "MISC", "type": "general",
                             "company_id": two, "sequence": 9}],
    })
    assert COMMERCIAL_DEBTS  # the first company's 763100, from base_records
    for user in emu.store.data["res.users"].values():
        if user.get("login") == "relance":
            user["company_ids"] = [1, two]


def test_given_two_companies_then_each_penalty_is_booked_and_each_reminder_signed_by_its_invoices_company(
        odoo, init_log):
    from adapters.odoo.client import OdooClient

    admin = OdooClient(odoo.url, odoo.db, odoo.admin_login or odoo.login, odoo.admin_secret or odoo.secret,
                       protocol=odoo.protocol)
    admin.connect()
    if odoo.emulator is not None:
        _second_company(odoo.emulator)
    probe = OdooClient(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol)
    probe.connect()
    user = probe.call("res.users", "read", ids=[probe.uid], fields=["company_ids"])[0]
    companies = tuple(sorted(user["company_ids"]))[:2]
    if len(companies) < 2:
        pytest.skip("the API user has one company in this database: run against one with two (e.g. ODOO_DB=relancefr)")
    names = {c["id"]: c["name"] for c in probe.call("res.company", "read", ids=list(companies), fields=["name"])}
    src = OdooSource(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol, companies=companies)
    if odoo.admin_login:
        OdooSource(odoo.url, odoo.db, odoo.admin_login, odoo.admin_secret, protocol=odoo.protocol,
                   companies=companies).init()
    else:
        src.init()
    partner, late = None, {}
    for cid in companies:
        client = OdooClient(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol,
                            context={"allowed_company_ids": [cid]})
        client.connect()
        books = Books(client)
        partner = partner or books.partner("Two Companies")
        books.partners = [partner]
        move, lines = books.invoice(partner, A - timedelta(days=70), "1000.00", due=A - timedelta(days=40))
        books.pay(partner, lines[0], "1000.00", A - timedelta(days=2))  # paid 38 days late
        books.invoice(partner, A - timedelta(days=28), "500.00", due=A + timedelta(days=2))  # a courtesy reminder
        late[cid] = move
    policy = load_policy("fr-b2b")  # charging items paid late without a reminder: the policy's choice
    policy = policy.with_penalties(paid_late_min_level=0)
    result = run(Scoped(src, [partner]), policy, A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    assert any(d.what.startswith("penalty") for d in result.done) and any(d.what.startswith("email") for d in result.done)
    for cid, move in late.items():
        [pen] = admin.call("account.move", "search_read", domain=[("invoice_origin", "=", _number(admin, move)),
                                                                  ("partner_id", "=", partner),
                                                                  ("ref", "ilike", PREFIX)],
                           fields=["company_id", "journal_id", "invoice_line_ids"], context={"allowed_company_ids": list(companies)})
        assert pen["company_id"][0] == cid
        journal = admin.call("account.journal", "read", ids=[pen["journal_id"][0]], fields=["company_id", "type"])[0]
        assert (journal["company_id"][0], journal["type"]) == (cid, "sale")
        lines = admin.call("account.move.line", "read", ids=pen["invoice_line_ids"], fields=["account_id"],
                           context={"allowed_company_ids": list(companies)})
        codes = {admin.call("account.account", "read", ids=[ln["account_id"][0]], fields=["code"],
                            context={"allowed_company_ids": [cid]})[0]["code"] for ln in lines}
        assert codes == {"763100"}  # PCG 7631, Revenus des créances commerciales: not a sales account
    # one reminder per company, each signed by its company and listing only that company's invoice
    bodies = [m["body"] for m in admin.call("mail.message", "search_read",
                                            domain=[("model", "=", "res.partner"), ("res_id", "=", partner),
                                                    ("message_type", "=", "comment")], fields=["body"])
              if "Ref. relance:" in (m["body"] or "")]
    assert len(bodies) == 2
    for cid in companies:
        assert sum(names[cid] in b for b in bodies) == 1


def _number(client, move: int) -> str:
    return client.call("account.move", "read", ids=[move], fields=["name"])[0]["name"]


def test_given_a_usd_invoice_in_a_eur_company_then_its_penalties_are_in_usd_the_40_eur_at_odoos_rate(
        odoo, source, init_log):
    from adapters.odoo.client import OdooClient

    admin = OdooClient(odoo.url, odoo.db, odoo.admin_login or odoo.login, odoo.admin_secret or odoo.secret,
                       protocol=odoo.protocol)
    admin.connect()
    company = admin.call("res.users", "read", ids=[source.client.uid], fields=["company_id"])[0]["company_id"][0]
    home = admin.call("res.company", "read", ids=[company], fields=["currency_id"])[0]["currency_id"][1]
    if home != "EUR":
        pytest.skip(f"the API user's company keeps its books in {home}, not EUR")
    [usd] = admin.call("res.currency", "search_read", domain=[("name", "=", "USD")], fields=["id"],
                       context={"active_test": False})
    admin.call("res.currency", "write", ids=[usd["id"]], vals={"active": True})
    due = A - timedelta(days=40)
    day = (due + timedelta(days=1)).isoformat()  # the indemnity is due the day after the due date
    domain = [("currency_id", "=", usd["id"]), ("name", "=", day), ("company_id", "=", company)]
    found = admin.call("res.currency.rate", "search_read", domain=domain, fields=["id"])
    if found:
        admin.call("res.currency.rate", "write", ids=[found[0]["id"]], vals={"rate": 1.1234})
    else:
        admin.call("res.currency.rate", "create", vals_list=[{"name": day, "rate": 1.1234, "currency_id": usd["id"],
                                                               "company_id": company}])
    books = Books(source.client)
    partner = books.partner("Dollar Customer")
    books.invoice(partner, A - timedelta(days=70), "1000.00", due=due, currency=usd["id"])
    policy = load_policy("fr-b2b")  # charged from the due date, as L441-10 allows, to see the charge today
    policy = policy.with_penalties(from_level=0)
    fresh = OdooSource(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol)  # reads today's rates
    result = run(Scoped(fresh, [partner]), policy, A, dry_run=False)
    assert result.failed == [], [f.reason for f in result.failed]
    [pen] = admin.call("account.move", "search_read", domain=[("partner_id", "=", partner), ("ref", "ilike", PREFIX)],
                       fields=["currency_id", "invoice_line_ids"])
    assert pen["currency_id"][1] == "USD"
    lines = admin.call("account.move.line", "read", ids=pen["invoice_line_ids"], fields=["name", "price_unit"])
    [indemnity] = [ln for ln in lines if ln["name"].startswith("Fixed recovery indemnity")]
    assert Decimal(str(indemnity["price_unit"])) == Decimal("44.94")  # 40 EUR x 1.1234
    assert f"40 EUR at 1.1234 on {day}" in indemnity["name"]
