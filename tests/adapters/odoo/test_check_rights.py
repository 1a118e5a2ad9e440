"""`check` for the two logins the README asks for: an administrator, who runs `relance init` once, and the daily
API user, whom Odoo denies ir.model.data (the XML IDs). What only init needs is information for the latter,
never a failure; what a daily run needs still fails when it is missing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.odoo.emulator import OdooEmulator
from adapters.odoo.emulator.ledger import base_records
from adapters.odoo.source import OdooSource

NOT_GRANTED = "not granted (only `relance init` needs it; run init as an administrator)"


@dataclass
class Odoo:
    emu: OdooEmulator
    url: str
    protocol: str

    def check(self, login: str) -> dict[str, tuple[bool | None, str]]:
        secret = f"{login}-key" if self.protocol == "json2" else f"{login}-pw"
        source = OdooSource(self.url, "rights", login, secret, protocol=self.protocol)
        try:
            return {name: (ok, detail) for name, ok, detail in source.check()}
        finally:
            source.close()


@pytest.fixture(scope="module", params=[("17.0", "xmlrpc"), ("19.0", "json2")], ids=["17-xmlrpc", "19-json2"])
def odoo(request):
    """An emulated Odoo set up by `relance init` as its administrator `boss`; `relance` is the daily API user."""
    version, protocol = request.param
    emu = OdooEmulator(version=version, db="rights", modules=("account", "mail"))
    emu.seed(base_records(version))
    for login in ("boss", "relance"):
        emu.add_user(login=login, password=f"{login}-pw", api_key=f"{login}-key", groups=("account",),
                     company_ids=(1,), email=f"{login}@example.com")
    emu.set_access("relance", "ir.model.data", set())  # as Odoo: XML IDs are for administrators
    url = emu.start()
    admin = OdooSource(url, "rights", "boss", "boss-key" if protocol == "json2" else "boss-pw", protocol=protocol)
    assert not any(line.startswith("missing") for line in admin.init())
    admin.close()
    yield Odoo(emu, url, protocol)
    emu.stop()


def test_given_the_daily_api_user_when_checking_then_xml_ids_are_information_and_nothing_fails(odoo):
    rows = odoo.check("relance")
    assert rows["read ir.model.data"] == (None, NOT_GRANTED)
    assert rows["setup objects"] == (True, "all found")  # found by reference or name, without XML IDs
    assert [name for name, (ok, _) in rows.items() if ok is False] == []


def test_given_the_administrator_when_checking_then_xml_ids_are_allowed_and_everything_passes(odoo):
    rows = odoo.check("boss")
    assert rows["read ir.model.data"] == (True, "allowed")
    assert all(ok is True for ok, _ in rows.values()), rows


def test_given_the_daily_api_user_without_a_right_a_run_needs_then_that_right_fails(odoo):
    odoo.emu.set_access("relance", "mail.activity", {"read", "write"})
    try:
        rows = odoo.check("relance")
    finally:
        odoo.emu.set_access("relance", "mail.activity", {"read", "write", "create", "unlink"})
    assert rows["create mail.activity"][0] is False
    assert rows["read ir.model.data"][0] is None


def test_given_the_daily_api_user_when_running_relance_check_then_info_line_and_exit_0(odoo, tmp_path, monkeypatch):
    from adapters.cli import main

    secret = "relance-key" if odoo.protocol == "json2" else "relance-pw"
    cred = "api_key_env" if odoo.protocol == "json2" else "password_env"
    config = tmp_path / "relance.yaml"
    config.write_text(f"tenants:\n  - {{name: daily, system: odoo, url: '{odoo.url}', database: rights, login: relance, "
                      f"{cred}: RIGHTS_SECRET, protocol: {odoo.protocol}, policy: fr-b2b}}\n")
    monkeypatch.setenv("RIGHTS_SECRET", secret)
    out = []
    monkeypatch.setattr("connector.cli.setup.say", lambda text="": out.append(text))
    code = main(["--config", str(config), "check", "--as-of", "2026-03-10"])
    assert f"  info  read ir.model.data: {NOT_GRANTED}" in out
    assert not [line for line in out if "FAIL" in line]
    assert code == 0


def test_check_shows_each_companys_chart_sale_journal_and_income_accounts(odoo):
    rows = odoo.check("relance")
    ok, detail = rows["company Relance Demo SAS"]
    assert ok is True
    assert detail == ("chart fr; sale journal account.journal 1; income accounts: interest 763100, indemnity 763100, "
                      "fee 763100")
