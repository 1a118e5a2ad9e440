"""The Odoo emulator over real HTTP: XML-RPC (17, 19) and JSON-2 (19), with Odoo's semantics and errors."""

from __future__ import annotations

import xmlrpc.client

import pytest
import requests

from adapters.odoo.emulator import (
    AccessError,
    DropConnection,
    HTTPFault,
    OdooEmulator,
)
from adapters.odoo.emulator.ledger import FRANCE, INCOME, RECEIVABLE, base_records

DB = "emu"


class Rpc:
    """execute_kw over XML-RPC, or POST /json/2 with a Bearer key: same call shape for both."""

    def __init__(self, emu: OdooEmulator, url: str, protocol: str, secret: str = "pw", key: str = "key-123"):
        self.emu, self.url, self.protocol, self.secret, self.key = emu, url, protocol, secret, key
        self.common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.object = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=False)
        self.uid = self.common.authenticate(DB, "relance", "pw", {})

    def __call__(self, model: str, method: str, *args, ids=None, **kwargs):
        if self.protocol == "json2":
            body = dict(kwargs)
            if ids is not None:
                body["ids"] = ids
            r = requests.post(f"{self.url}/json/2/{model}/{method}", json=body, timeout=10,
                              headers={"Authorization": f"Bearer {self.key}", "X-Odoo-Database": DB})
            if r.status_code != 200:
                raise Json2Error(r.status_code, r.json())
            return r.json()
        if method == "create":
            args = (kwargs.pop("vals_list"),) if "vals_list" in kwargs else args
        elif ids is not None:
            args = (ids, *args)
        return self.object.execute_kw(DB, self.uid, self.secret, model, method, list(args), kwargs)

    def create(self, model: str, vals: dict) -> int:
        return self(model, "create", vals_list=[vals])[0]


class Json2Error(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(f"{status} {body.get('name')}: {body.get('message')}")
        self.status, self.body = status, body


def _emu(version: str, **kw) -> OdooEmulator:
    modules = kw.pop("modules", ("account", "mail"))
    emu = OdooEmulator(version=version, db=DB, modules=modules)
    emu.seed(base_records(version, modules=modules))
    emu.add_user(login="relance", password="pw", api_key="key-123", groups=("account",), company_ids=(1,))
    return emu


@pytest.fixture(params=["17.0-xmlrpc", "19.0-json2", "19.0-xmlrpc"])
def rpc(request):
    version, protocol = request.param.split("-")
    emu = _emu(version, modules=("account", "mail", "account_debit_note"))
    url = emu.start()
    yield Rpc(emu, url, protocol)
    emu.stop()


@pytest.fixture
def v17():
    emu = _emu("17.0")
    url = emu.start()
    yield Rpc(emu, url, "xmlrpc")
    emu.stop()


@pytest.fixture
def v19():
    emu = _emu("19.0")
    url = emu.start()
    yield Rpc(emu, url, "json2")
    emu.stop()


def _invoice(rpc: Rpc, partner: int, amount: float, day: str = "2026-01-10", **extra) -> int:
    vals = {"move_type": "out_invoice", "partner_id": partner, "invoice_date": day,
            "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 1, "price_unit": amount,
                                         "account_id": INCOME, "tax_ids": [(6, 0, [])]})], **extra}
    return rpc.create("account.move", vals)


def _post(rpc: Rpc, move: int) -> None:
    assert rpc("account.move", "action_post", ids=[move]) is False  # Odoo's action_post returns False


# -- protocol --------------------------------------------------------------------------------------

def test_version_and_authenticate(v17, v19):
    info = v17.common.version()
    assert info["server_version"] == "17.0" and info["server_version_info"] == [17, 0, 0, "final", 0, ""]
    assert info["server_serie"] == "17.0" and info["protocol_version"] == 1
    assert v17.common.authenticate(DB, "relance", "pw", {}) == v17.uid
    assert v17.common.authenticate(DB, "relance", "key-123", {}) == v17.uid  # an API key works as password
    assert v17.common.authenticate(DB, "relance", "wrong", {}) is False
    assert v17.common.authenticate(DB, "nobody", "pw", {}) is False
    with pytest.raises(xmlrpc.client.Fault) as bad_db:
        v17.common.authenticate("other", "relance", "pw", {})
    assert bad_db.value.faultCode == 1 and 'database "other" does not exist' in bad_db.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as denied:
        v17.object.execute_kw(DB, v17.uid, "wrong", "res.partner", "search", [[]], {})
    assert (denied.value.faultCode, denied.value.faultString) == (3, "Access Denied")
    assert v17.object.execute_kw(DB, v17.uid, "key-123", "res.partner", "search_count", [[]], {}) > 0
    assert requests.get(f"{v19.url}/web/version", timeout=5).json() == {
        "version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}
    assert requests.get(f"{v17.url}/web/version", timeout=5).status_code == 404
    assert requests.post(f"{v17.url}/json/2/res.partner/search", json={"domain": []}, timeout=5).status_code == 404
    assert v19.common.version()["server_version"] == "19.0"  # XML-RPC still served by 19


def test_json2_statuses_and_error_bodies(v19):
    url, hdr = v19.url, {"Authorization": "Bearer key-123"}
    post = lambda path, body, h=hdr: requests.post(f"{url}/json/2/{path}", json=body, headers=h, timeout=5)  # noqa: E731
    r = post("res.partner/search", {"domain": []}, {})
    assert r.status_code == 401 and r.json()["name"] == "werkzeug.exceptions.Unauthorized"
    r = post("res.partner/search", {"domain": []}, {"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["message"] == "Invalid apikey"
    r = post("res.partner/search", {"domain": []}, {"Authorization": "Bearer pw"})
    assert r.status_code == 401  # JSON-2 takes API keys only, not passwords
    assert post("res.partner/search", {"domain": []}).status_code == 200  # X-Odoo-Database optional with one db
    r = post("no.model/search", {"domain": []})
    assert r.status_code == 404 and r.json()["message"] == "the model 'no.model' does not exist"
    r = post("res.partner/nope", {})
    assert r.status_code == 404 and r.json()["message"] == "The method 'res.partner.nope' does not exist"
    r = post("res.partner/_private", {})
    assert r.status_code == 403 and r.json()["name"] == "odoo.exceptions.AccessError"
    r = post("res.partner/search", {"ids": [1], "domain": []})
    assert r.status_code == 422 and r.json()["message"] == "cannot call res.partner.search with ids"
    r = post("res.partner/search", {"domain": [], "bogus": 1})
    assert r.status_code == 422 and r.json()["message"] == "got an unexpected keyword argument 'bogus'"
    r = post("res.partner/search", {})
    assert r.status_code == 422 and r.json()["message"] == "missing a required argument: 'domain'"
    r = post("account.move/search", {"domain": [["bad_field", "=", 1]]})
    body = r.json()
    assert r.status_code == 500 and body["name"] == "builtins.ValueError"
    assert body["message"] == "Invalid field account.move.bad_field in condition ('bad_field', '=', 1)"
    assert body["arguments"] == [body["message"]] and body["context"] == {} and body["debug"].startswith("Traceback")
    r = post("account.move/action_post", {"ids": [999]})
    assert r.status_code == 404 and r.json()["name"] == "odoo.exceptions.MissingError"


def test_unknown_field_errors_per_version(v17, v19):
    with pytest.raises(xmlrpc.client.Fault) as f17:
        v17("account.move", "search", [("bad_field", "=", 1)])
    assert f17.value.faultCode == 1
    assert f17.value.faultString.strip().splitlines()[-1] == \
        "ValueError: Invalid field account.move.bad_field in leaf ('bad_field', '=', 1)"
    with pytest.raises(xmlrpc.client.Fault) as path:
        v17("account.move.line", "search", [("move_id.nope", "=", 1)])
    assert "Invalid field account.move.nope in leaf ('nope', '=', 1)" in path.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as read:
        v17("res.partner", "search_read", [], fields=["nope"])
    assert "ValueError: Invalid field 'nope' on model 'res.partner'" in read.value.faultString
    with pytest.raises(Json2Error) as f19:
        v19("res.partner", "search_read", domain=[], fields=["nope"])
    assert f19.value.status == 500 and f19.value.body["message"] == "Invalid field 'nope' on 'res.partner'"
    with pytest.raises(xmlrpc.client.Fault) as unknown_model:
        v17("no.model", "search", [])
    assert (unknown_model.value.faultCode, unknown_model.value.faultString) == (2, "Object no.model doesn't exist")
    with pytest.raises(xmlrpc.client.Fault) as unknown_method:
        v17("res.partner", "nope")
    assert "The method 'nope' does not exist on the model 'res.partner'" in unknown_method.value.faultString


# -- domains ---------------------------------------------------------------------------------------

@pytest.fixture
def people(rpc):
    tag_vip = rpc.create("res.partner.category", {"name": "VIP"})
    tag_sub = rpc.create("res.partner.category", {"name": "VIP Gold", "parent_id": tag_vip})
    acme = rpc.create("res.partner", {"name": "ACME", "is_company": True, "email": "ap@acme.example", "city": "Paris",
                                      "country_id": FRANCE, "credit_limit": 5000.0, "category_id": [(6, 0, [tag_sub])]})
    jane = rpc.create("res.partner", {"name": "Jane Doe", "parent_id": acme, "email": "jane@acme.example"})
    bob = rpc.create("res.partner", {"name": "bob_smith", "city": "Lyon", "credit_limit": 100.0})
    old = rpc.create("res.partner", {"name": "Old Corp", "is_company": True, "active": False})
    return dict(vip=tag_vip, sub=tag_sub, acme=acme, jane=jane, bob=bob, old=old)


def _ids(rpc, domain, model="res.partner", **kw):
    mine = [("name", "in", ["ACME", "Jane Doe", "bob_smith", "Old Corp"])]
    return set(rpc(model, "search", domain=mine + list(domain), **kw) if rpc.protocol == "json2"
               else rpc(model, "search", mine + list(domain), **kw))


def test_domain_operators(rpc, people):
    p = people
    assert _ids(rpc, [("city", "=", "Paris")]) == {p["acme"]}
    assert _ids(rpc, [("city", "!=", "Paris")]) == {p["jane"], p["bob"]}  # != also matches unset
    assert _ids(rpc, [("city", "=", False)]) == {p["jane"]}
    assert _ids(rpc, [("city", "!=", False)]) == {p["acme"], p["bob"]}
    assert _ids(rpc, [("credit_limit", ">", 100)]) == {p["acme"]}
    assert _ids(rpc, [("credit_limit", ">=", 100)]) == {p["acme"], p["bob"]}
    assert _ids(rpc, [("credit_limit", "<", 5000)]) == {p["bob"]}  # unset (jane) never matches <
    assert _ids(rpc, [("credit_limit", "<=", 5000), ("credit_limit", "!=", False)]) == {p["acme"], p["bob"]}
    assert _ids(rpc, [("city", "in", ["Paris", "Lyon"])]) == {p["acme"], p["bob"]}
    assert _ids(rpc, [("city", "in", ["Paris", False])]) == {p["acme"], p["jane"]}
    assert _ids(rpc, [("city", "not in", ["Paris"])]) == {p["jane"], p["bob"]}
    assert _ids(rpc, [("name", "like", "ACM")]) == {p["acme"]}
    assert _ids(rpc, [("name", "like", "acm")]) == set()
    assert _ids(rpc, [("name", "ilike", "acm")]) == {p["acme"]}
    assert _ids(rpc, [("name", "not ilike", "acm")]) == {p["jane"], p["bob"]}
    assert _ids(rpc, [("name", "not like", "Doe")]) == {p["acme"], p["bob"]}
    assert _ids(rpc, [("name", "=like", "bob%")]) == {p["bob"]}
    assert _ids(rpc, [("name", "=like", "b_b%")]) == {p["bob"]}
    assert _ids(rpc, [("name", "=ilike", "ACME")]) == {p["acme"]}
    assert _ids(rpc, [("city", "=?", False)]) == {p["acme"], p["jane"], p["bob"]}
    assert _ids(rpc, [("city", "=?", "Lyon")]) == {p["bob"]}
    assert _ids(rpc, ["|", ("city", "=", "Lyon"), ("is_company", "=", True)]) == {p["acme"], p["bob"]}
    assert _ids(rpc, ["!", ("is_company", "=", True)]) == {p["jane"], p["bob"]}
    assert _ids(rpc, ["&", ("is_company", "=", False), "!", ("city", "=", "Lyon")]) == {p["jane"]}
    assert _ids(rpc, [(1, "=", 1)]) == {p["acme"], p["jane"], p["bob"]}
    assert _ids(rpc, [(0, "=", 1)]) == set()
    # many2one / x2many / dotted paths
    assert _ids(rpc, [("parent_id", "=", p["acme"])]) == {p["jane"]}
    assert _ids(rpc, [("parent_id", "=", False)]) == {p["acme"], p["bob"]}
    assert _ids(rpc, [("parent_id", "!=", p["acme"])]) == {p["acme"], p["bob"]}
    assert _ids(rpc, [("parent_id", "ilike", "acm")]) == {p["jane"]}  # compared with display names
    assert _ids(rpc, [("parent_id.city", "=", "Paris")]) == {p["jane"]}
    assert _ids(rpc, [("parent_id.city", "!=", "Lyon")]) == {p["jane"]}  # "any" semantics: unset parent never matches
    assert _ids(rpc, [("commercial_partner_id", "=", p["acme"])]) == {p["acme"], p["jane"]}
    assert _ids(rpc, [("country_id.code", "=", "FR")]) == {p["acme"]}
    assert _ids(rpc, [("category_id", "in", [p["sub"]])]) == {p["acme"]}
    assert _ids(rpc, [("category_id", "=", False)]) == {p["jane"], p["bob"]}
    assert _ids(rpc, [("category_id", "not in", [p["sub"]])]) == {p["jane"], p["bob"]}
    assert _ids(rpc, [("category_id.name", "=", "VIP Gold")]) == {p["acme"]}
    assert _ids(rpc, [("category_id", "child_of", p["vip"])]) == {p["acme"]}
    assert _ids(rpc, [("id", "child_of", p["acme"])]) == {p["acme"], p["jane"]}
    assert _ids(rpc, [("id", "parent_of", p["jane"])]) == {p["acme"], p["jane"]}
    assert _ids(rpc, [("child_ids", "any", [("name", "=", "Jane Doe")])]) == {p["acme"]}
    assert _ids(rpc, [("child_ids.email", "ilike", "jane@")]) == {p["acme"]}


def test_active_test(rpc, people):
    assert people["old"] not in _ids(rpc, [])
    assert _ids(rpc, [("active", "=", False)]) == {people["old"]}  # a domain on active disables the filter
    both = _ids(rpc, [("active", "in", [True, False])])
    assert people["old"] in both and people["acme"] in both
    assert people["old"] in _ids(rpc, [], context={"active_test": False})


def test_search_read_paging_order_and_rendering(rpc, people):
    domain = [("name", "in", ["ACME", "Jane Doe", "bob_smith"])]
    rows = rpc("res.partner", "search_read", domain=domain, fields=["name", "parent_id", "category_id", "credit_limit",
                                                                   "is_company", "city"], order="name desc, id")
    assert [r["name"] for r in rows] == ["Jane Doe", "bob_smith", "ACME"]  # case-insensitive as PostgreSQL's collation
    jane = rows[0]
    assert jane["parent_id"] == [people["acme"], "ACME"] and jane["category_id"] == [] and jane["city"] is False
    assert rows[2]["category_id"] == [people["sub"]] and rows[2]["credit_limit"] == 5000.0
    assert rows[1]["parent_id"] is False and isinstance(rows[1]["credit_limit"], float)
    page = rpc("res.partner", "search_read", domain=domain, fields=["id"], order="id asc", offset=1, limit=1)
    assert page == [{"id": sorted([people["acme"], people["jane"], people["bob"]])[1]}]
    assert rpc("res.partner", "search_count", domain=domain) == 3
    names = rpc("res.partner", "read", ids=[people["jane"], 999999], fields=["display_name"])
    assert names == [{"id": people["jane"], "display_name": "ACME, Jane Doe"}]  # a missing id is skipped


def test_x2many_commands(rpc):
    t = [rpc.create("res.partner.category", {"name": f"T{i}"}) for i in range(4)]
    pid = rpc.create("res.partner", {"name": "Tags", "category_id": [(6, 0, [t[0], t[1]])]})
    read = lambda: rpc("res.partner", "read", ids=[pid], fields=["category_id", "child_ids"])[0]  # noqa: E731
    assert read()["category_id"] == [t[0], t[1]]
    rpc("res.partner", "write", ids=[pid], vals={"category_id": [(4, t[2]), (3, t[0])]})
    assert sorted(read()["category_id"]) == [t[1], t[2]]
    rpc("res.partner", "write", ids=[pid], vals={"category_id": [(5,), (0, 0, {"name": "New tag"})]})
    tags = read()["category_id"]
    assert len(tags) == 0 or all(tag not in t for tag in tags)
    rpc("res.partner", "write", ids=[pid], vals={"child_ids": [(0, 0, {"name": "Child A"}), (0, 0, {"name": "Child B"})]})
    kids = read()["child_ids"]
    assert len(kids) == 2
    rpc("res.partner", "write", ids=[pid], vals={"child_ids": [(1, kids[0], {"email": "a@x.example"}), (2, kids[1])]})
    assert read()["child_ids"] == [kids[0]]
    assert rpc("res.partner", "read", ids=[kids[0]], fields=["email", "commercial_partner_id"])[0] == {
        "id": kids[0], "email": "a@x.example", "commercial_partner_id": [pid, "Tags"]}
    assert rpc("res.partner", "search", domain=[("id", "=", kids[1])]) == [] if rpc.protocol == "json2" else \
        rpc("res.partner", "search", [("id", "=", kids[1])]) == []


# -- errors, rights and transactions ---------------------------------------------------------------

def test_access_error_fault_and_status(v17, v19):
    for rpc in (v17, v19):
        rpc.emu.set_access("relance", "res.partner", {"read"})
        assert rpc("res.partner", "search_count", domain=[]) if rpc.protocol == "json2" else \
            rpc("res.partner", "search_count", [])
    with pytest.raises(xmlrpc.client.Fault) as f:
        v17("res.partner", "create", vals_list=[{"name": "X"}])
    assert f.value.faultCode == 4
    assert f.value.faultString.startswith("You are not allowed to create 'Contact' (res.partner) records.")
    assert v17("res.partner", "check_access_rights", "write", raise_exception=False) is False
    assert v17("res.partner", "check_access_rights", "read") is True
    with pytest.raises(Json2Error) as j:
        v19("res.partner", "write", ids=[1], vals={"name": "X"})
    assert j.value.status == 403 and j.value.body["name"] == "odoo.exceptions.AccessError"
    assert j.value.body["message"].startswith("You are not allowed to modify 'Contact' (res.partner) records.")
    assert v19("res.partner", "has_access", operation="write") is False
    assert v19("res.partner", "check_access_rights", operation="read") is None  # 19: returns check_access() -> None
    with pytest.raises(Json2Error) as private:
        v19("res.partner", "check_access", operation="read")
    assert private.value.status == 403
    with pytest.raises(xmlrpc.client.Fault) as missing:
        v17("res.partner", "has_access", "read")  # 17 has no has_access
    assert missing.value.faultCode == 1


def test_none_result_is_committed_then_faults_over_xmlrpc_but_null_over_json2(v17, v19):
    for rpc in (v17, v19):
        partner = rpc.create("res.partner", {"name": "Null Co", "is_company": True})
        move = _invoice(rpc, partner, 100.0)
        _post(rpc, move)
        if rpc.protocol == "xmlrpc":
            with pytest.raises(xmlrpc.client.Fault) as f:
                rpc("account.move", "button_draft", ids=[move])
            assert f.value.faultCode == 1
            assert f.value.faultString.strip().endswith("TypeError: cannot marshal None unless allow_none is enabled")
        else:
            assert rpc("account.move", "button_draft", ids=[move]) is None
        assert rpc("account.move", "read", ids=[move], fields=["state"])[0]["state"] == "draft"  # committed


def test_errors_roll_back_the_whole_call(v17):
    before = len(v17.emu.records("res.partner"))
    with pytest.raises(xmlrpc.client.Fault) as f:
        v17("res.partner", "create", vals_list=[{"name": "Fine"}, {"name": "Bad", "nope": 1}])
    assert "Invalid field 'nope' on model 'res.partner'" in f.value.faultString
    assert len(v17.emu.records("res.partner")) == before
    with pytest.raises(xmlrpc.client.Fault) as req:
        v17("mail.activity", "create", vals_list=[{"res_model": "res.partner", "res_id": 1, "summary": "x"}])
    assert req.value.faultCode == 2 and "Field: Document Model (res_model_id)" in req.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as sel:
        v17("account.move", "create", vals_list=[{"move_type": "weird"}])
    assert "Wrong value for account.move.move_type: 'weird'" in sel.value.faultString


def test_fault_hook(v17, v19):
    v17.emu.fault_hook = lambda proto, model, method: (_ for _ in ()).throw(HTTPFault(503, "busy")) \
        if method == "search_count" else None
    r = requests.post(f"{v17.url}/xmlrpc/2/object", timeout=5, data=xmlrpc.client.dumps(
        (DB, v17.uid, "pw", "res.partner", "search_count", [[]], {}), "execute_kw"))
    assert (r.status_code, r.text) == (503, "busy")

    def drop_after(proto, model, method):
        if method == "create":
            raise DropConnection(after=True)
    v19.emu.fault_hook = drop_after
    with pytest.raises(requests.exceptions.ConnectionError):
        v19.create("res.partner", {"name": "Lost answer"})
    v19.emu.fault_hook = None
    assert v19("res.partner", "search", domain=[("name", "=", "Lost answer")])  # committed before the drop

    def deny(proto, model, method):
        raise AccessError("injected")
    v19.emu.fault_hook = deny
    with pytest.raises(Json2Error) as j:
        v19("res.partner", "search", domain=[])
    assert j.value.status == 403 and j.value.body["message"] == "injected"
    assert ("json2", "res.partner", "search") in v19.emu.calls


def test_allowed_company_ids(v17):
    emu = v17.emu
    emu.seed({"res.company": [{"id": 2, "name": "Sister Ltd", "currency_id": 3, "partner_id": 1}],
              "account.journal": [{"id": 20, "name": "Sister Sales", "code": "SIS", "type": "sale", "company_id": 2},
                                  {"id": 21, "name": "Sister Misc", "code": "SMISC", "type": "general", "company_id": 2}]})
    assert v17("account.journal", "search", [("type", "=", "sale")]) == [1]  # user only in company 1
    with pytest.raises(xmlrpc.client.Fault) as f:
        v17("account.journal", "search", [], context={"allowed_company_ids": [2]})
    assert f.value.faultCode == 4 and f.value.faultString == "Access to unauthorized or invalid companies."
    emu.store.data["res.users"][v17.uid]["company_ids"] = [1, 2]
    assert set(v17("account.journal", "search", [("type", "=", "sale")])) == {1, 20}  # default: all user companies
    assert v17("account.journal", "search", [("type", "=", "sale")], context={"allowed_company_ids": [2]}) == [20]
    pid = v17("res.partner", "create", {"name": "Shared"})
    assert v17("res.partner", "search", [("id", "=", pid)], context={"allowed_company_ids": [2]}) == [pid]
    move = v17("account.move", "create", {"move_type": "entry"}, context={"allowed_company_ids": [2, 1]})
    assert emu.records("account.move")[-1]["company_id"] == 2 and emu.records("account.move")[-1]["id"] == move


# -- business methods ------------------------------------------------------------------------------

def test_action_post_creates_receivable_lines_and_numbers(rpc):
    partner = rpc.create("res.partner", {"name": "Post Co", "is_company": True})
    move = _invoice(rpc, partner, 1000.0, invoice_payment_term_id=3)
    draft = rpc("account.move", "read", ids=[move], fields=["name", "state", "display_name", "amount_total"])[0]
    assert draft["state"] == "draft" and draft["display_name"] == f"Draft Invoice (* {move})"
    _post(rpc, move)
    m = rpc("account.move", "read", ids=[move], fields=["name", "state", "amount_total", "amount_residual",
                                                          "payment_state", "invoice_date_due", "commercial_partner_id"])[0]
    assert m["name"] == "INV/2026/00001" and m["state"] == "posted" and m["payment_state"] == "not_paid"
    assert (m["amount_total"], m["amount_residual"], m["invoice_date_due"]) == (1000.0, 1000.0, "2026-03-11")
    lines = rpc("account.move.line", "search_read", domain=[("move_id", "=", move),
                                                            ("account_id.account_type", "=", "asset_receivable")],
                fields=["date_maturity", "debit", "amount_residual", "parent_state", "account_id", "move_id"],
                order="date_maturity asc, id asc")
    assert [(ln["date_maturity"], ln["debit"], ln["amount_residual"]) for ln in lines] == [
        ("2026-01-10", 300.0, 300.0), ("2026-03-11", 700.0, 700.0)]
    assert lines[0]["parent_state"] == "posted" and lines[0]["account_id"][0] == RECEIVABLE
    assert lines[0]["move_id"] == [move, "INV/2026/00001"]
    with pytest.raises((xmlrpc.client.Fault, Json2Error)) as again:
        _post(rpc, move)
    assert "must be in draft" in str(again.value)


def test_reconcile_partial_payment(rpc):
    partner = rpc.create("res.partner", {"name": "Payer", "is_company": True})
    move = _invoice(rpc, partner, 2000.0, invoice_date_due="2026-02-10")
    _post(rpc, move)
    inv_line = rpc("account.move.line", "search", domain=[("move_id", "=", move), ("account_id", "=", RECEIVABLE)]) \
        if rpc.protocol == "json2" else rpc("account.move.line", "search", [("move_id", "=", move), ("account_id", "=", RECEIVABLE)])
    pay = rpc.create("account.move", {"move_type": "entry", "date": "2026-02-20", "line_ids": [
        (0, 0, {"account_id": RECEIVABLE, "partner_id": partner, "credit": 800.0}),
        (0, 0, {"account_id": 3, "debit": 800.0})]})
    _post(rpc, pay)
    pay_line = [ln["id"] for ln in rpc.emu.records("account.move.line") if ln["move_id"] == pay and ln["account_id"] == RECEIVABLE]
    result = rpc("account.move.line", "reconcile", ids=inv_line + pay_line) if rpc.protocol == "json2" else None
    if rpc.protocol == "xmlrpc":
        with pytest.raises(xmlrpc.client.Fault, match="cannot marshal None"):
            rpc("account.move.line", "reconcile", ids=inv_line + pay_line)
    assert result is None
    line = rpc("account.move.line", "read", ids=inv_line, fields=["amount_residual", "reconciled", "matched_credit_ids"])[0]
    assert line["amount_residual"] == 1200.0 and line["reconciled"] is False and len(line["matched_credit_ids"]) == 1
    part = rpc("account.partial.reconcile", "read", ids=line["matched_credit_ids"], fields=["amount", "max_date",
                                                                                              "debit_move_id"])[0]
    assert (part["amount"], part["max_date"], part["debit_move_id"][0]) == (800.0, "2026-02-20", inv_line[0])
    m = rpc("account.move", "read", ids=[move], fields=["amount_residual", "payment_state"])[0]
    assert m == {"id": move, "amount_residual": 1200.0, "payment_state": "partial"}
    domain = [("matched_credit_ids.max_date", ">=", "2026-02-01"), ("move_id.move_type", "=", "out_invoice")]
    assert (rpc("account.move.line", "search", domain=domain) if rpc.protocol == "json2"
            else rpc("account.move.line", "search", domain)) == inv_line


def test_message_post_and_mail_queue(rpc):
    partner = rpc.create("res.partner", {"name": "Mail Co", "email": "ap@mail.example", "is_company": True})
    result = rpc("res.partner", "message_post", ids=[partner], body="<p>Please pay</p>", message_type="comment",
                 subtype_xmlid="mail.mt_comment", partner_ids=[partner], subject="Reminder", body_is_html=True)
    mid = result[0] if isinstance(result, list) else result
    assert isinstance(result, list) == (rpc.emu.major >= 19)  # 17: id (api.returns), 19: [id]
    msg = rpc("mail.message", "read", ids=[mid], fields=["body", "model", "res_id", "message_type", "subtype_id",
                                                        "partner_ids", "subject"])[0]
    assert msg["body"] == "<p>Please pay</p>" and (msg["model"], msg["res_id"]) == ("res.partner", partner)
    assert msg["subtype_id"][1] == "Discussions" and msg["partner_ids"] == [partner] and msg["subject"] == "Reminder"
    mails = [m for m in rpc.emu.records("mail.mail") if m["mail_message_id"] == mid]
    assert len(mails) == 1 and mails[0]["state"] == "outgoing" and mails[0]["recipient_ids"] == [partner]
    note = rpc("res.partner", "message_post", ids=[partner], body="<b>internal</b> & co", subtype_xmlid="mail.mt_note")
    note_id = note[0] if isinstance(note, list) else note
    assert rpc("mail.message", "read", ids=[note_id], fields=["body"])[0]["body"] == "&lt;b&gt;internal&lt;/b&gt; &amp; co"
    assert not [m for m in rpc.emu.records("mail.mail") if m["mail_message_id"] == note_id]
    found = rpc("mail.message", "search_read", domain=[("model", "=", "res.partner"), ("res_id", "=", partner),
                                                       ("body", "ilike", "please PAY")], fields=["id"])
    assert [f["id"] for f in found] == [mid]


def test_activities_done_per_version(v17, v19):
    for rpc in (v17, v19):
        partner = rpc.create("res.partner", {"name": "Act Co"})
        with pytest.raises((xmlrpc.client.Fault, Json2Error), match=r"(?s)\(ir.model\) records.*groups:.*Access Rights"):
            rpc("ir.model", "search_read", domain=[("model", "=", "res.partner")], fields=["id"])
        act = rpc("mail.activity", "create", vals_list=[{"res_id": partner, "activity_type_id": 2, "summary": "Call them",
                                                         "date_deadline": "2026-03-01", "note": "<p>n</p>"}],
                  context={"default_res_model": "res.partner"})
        act = act[0] if isinstance(act, list) else act
        row = rpc("mail.activity", "read", ids=[act], fields=["res_model", "res_name", "user_id", "activity_type_id"])[0]
        assert row["res_model"] == "res.partner" and row["res_name"] == "Act Co" and row["user_id"][0] == rpc.uid
        done = rpc("mail.activity", "action_feedback", ids=[act], feedback="Reached")
        assert isinstance(done, int)  # the message id, on both versions
        msg = rpc("mail.message", "read", ids=[done], fields=["model", "res_id", "body", "subtype_id"])[0]
        assert (msg["model"], msg["res_id"]) == ("res.partner", partner) and "Reached" in msg["body"]
        left = rpc("mail.activity", "search_read", domain=[("id", "=", act), ("active", "in", [True, False])],
                   fields=["active", "date_done"])
        if rpc.emu.major >= 19:
            assert left[0]["active"] is False and left[0]["date_done"]  # 19 archives every done activity
        else:
            assert left == []  # 17 deletes it (Call has no keep_done)
    sched = v19("res.partner", "activity_schedule", ids=[1], act_type_xmlid="mail.mail_activity_data_call",
                date_deadline="2026-04-01", summary="Scheduled")
    assert isinstance(sched, list) and len(sched) == 1
    with pytest.raises(xmlrpc.client.Fault) as unmarshallable:  # 17 returns the recordset as is
        v17("res.partner", "activity_schedule", ids=[1], act_type_xmlid="mail.mail_activity_data_call")
    assert unmarshallable.value.faultString.strip().endswith(
        "TypeError: cannot marshal <class 'odoo.api.mail.activity'> objects")
    assert [a for a in v17.emu.records("mail.activity") if a["res_id"] == 1 and a["automated"]]  # committed


def test_exclusion_flag_per_version(v17, v19):
    for rpc in (v17, v19):
        partner = rpc.create("res.partner", {"name": "Flag Co", "is_company": True})
        move = _invoice(rpc, partner, 50.0)
        _post(rpc, move)
        line = [ln["id"] for ln in rpc.emu.records("account.move.line")
                if ln["move_id"] == move and ln["account_id"] == RECEIVABLE]
        right, wrong = ("blocked", "no_followup") if rpc.emu.major <= 17 else ("no_followup", "blocked")
        assert rpc("account.move.line", "write", ids=line, vals={right: True}) is True
        assert rpc("account.move.line", "read", ids=line, fields=[right])[0][right] is True
        with pytest.raises((xmlrpc.client.Fault, Json2Error)) as err:
            rpc("account.move.line", "write", ids=line, vals={wrong: True})
        assert f"KeyError: '{wrong}'" in (err.value.faultString if isinstance(err.value, xmlrpc.client.Fault)
                                         else err.value.body["debug"])
        fields = rpc("account.move", "fields_get", attributes=["type"])
        assert ("no_followup" in fields) == (rpc.emu.major >= 19) and fields["no_followup" if rpc.emu.major >= 19
                                                                              else "state"]["type"] in ("boolean", "selection")
    assert v19("account.move", "read", ids=[move], fields=["no_followup"])[0]["no_followup"] is True
    with pytest.raises(Json2Error) as posted:
        v19("account.move", "write", ids=[move], vals={"partner_id": 1})
    assert posted.value.status == 422 and "readonly fields on a posted move: partner_id" in posted.value.body["message"]


def test_fields_get_and_version_specific_fields(v17, v19):
    f17 = v17("res.partner", "fields_get", attributes=["type", "relation", "string"])
    assert f17["category_id"] == {"type": "many2many", "relation": "res.partner.category", "string": "Tags"}
    assert "mobile" in f17 and "invoice_warn" in f17
    f19 = v19("res.partner", "fields_get", attributes=["type"])
    assert "mobile" not in f19 and "invoice_warn" not in f19
    assert "detailed_type" in v17("product.product", "fields_get") and "detailed_type" not in v19("product.product", "fields_get")
    assert "company_id" in v17("account.account", "fields_get") and "company_ids" in v19("account.account", "fields_get")
    assert "groups_id" in v17("res.users", "fields_get") and "group_ids" in v19("res.users", "fields_get")


def test_debit_note_wizard():
    emu = _emu("17.0", modules=("account", "mail", "account_debit_note"))
    rpc = Rpc(emu, emu.start(), "xmlrpc")
    try:
        partner = rpc.create("res.partner", {"name": "Late Co", "is_company": True})
        move = _invoice(rpc, partner, 300.0)
        ctx = {"active_model": "account.move", "active_ids": [move]}
        with pytest.raises(xmlrpc.client.Fault, match="You can only debit posted moves."):
            rpc("account.debit.note", "create", vals_list=[{"reason": "late"}], context=ctx)
        _post(rpc, move)
        wiz = rpc("account.debit.note", "create", vals_list=[{"reason": "Late fee", "date": "2026-03-01"}], context=ctx)[0]
        action = rpc("account.debit.note", "create_debit", ids=[wiz])
        assert action["res_model"] == "account.move" and action["view_mode"] == "form"
        new = rpc("account.move", "read", ids=[action["res_id"]], fields=["state", "debit_origin_id", "ref", "move_type"])[0]
        assert new["state"] == "draft" and new["debit_origin_id"][0] == move and new["move_type"] == "out_invoice"
        assert new["ref"] == "INV/2026/00001, Late fee"
    finally:
        emu.stop()
    assert "debit_origin_id" not in _emu("17.0").store.schema["account.move"].fields
