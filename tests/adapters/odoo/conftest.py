"""The Odoo the contract suite runs against: the bundled emulator (17 over XML-RPC, 19 over JSON-2),
or a real server when ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_SECRET are set."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest


@dataclass
class Target:
    name: str
    url: str
    db: str
    login: str
    secret: str
    protocol: str
    admin_login: str = ""  # `relance init` writes XML IDs: an administrator's job
    admin_secret: str = ""
    emulator: object | None = None


def _real() -> Target | None:
    url = os.environ.get("ODOO_URL")
    if not url:
        return None
    return Target(name=f"real:{url}", url=url, db=os.environ.get("ODOO_DB", ""), login=os.environ.get("ODOO_LOGIN", ""),
                  secret=os.environ.get("ODOO_SECRET", ""), protocol=os.environ.get("ODOO_PROTOCOL", "auto"),
                  admin_login=os.environ.get("ODOO_ADMIN_LOGIN", ""), admin_secret=os.environ.get("ODOO_ADMIN_SECRET", ""))


_EMULATED = [("17.0", "xmlrpc"), ("19.0", "json2")]


@pytest.fixture(scope="module", params=["real"] if _real() else [f"emulator-{v}-{p}" for v, p in _EMULATED])
def odoo(request):
    real = _real()
    if real:
        yield real
        return
    from adapters.odoo.emulator import OdooEmulator
    from adapters.odoo.emulator.ledger import base_records

    _, version, protocol = request.param.split("-")
    emu = OdooEmulator(version=version, db="contract", modules=("account", "mail", "account_debit_note"))
    emu.seed(base_records(version))
    emu.add_user(login="relance", password="relance-pw", api_key="relance-key", groups=("account",), company_ids=(1,))
    url = emu.start()
    yield Target(name=request.param, url=url, db="contract", login="relance",
                 secret="relance-key" if protocol == "json2" else "relance-pw", protocol=protocol, emulator=emu)
    emu.stop()


def open_source(odoo: Target, *, init: bool = False, timeout: float = 30):
    """The API user's source on the target, connected; with `init`, `relance init` first, by the administrator where
    there is one (it creates XML IDs: activity types, tags, products)."""
    from adapters.odoo.source import OdooSource

    if init:
        admin = (odoo.admin_login, odoo.admin_secret) if odoo.admin_login else (odoo.login, odoo.secret)
        OdooSource(odoo.url, odoo.db, *admin, protocol=odoo.protocol).init()
    src = OdooSource(odoo.url, odoo.db, odoo.login, odoo.secret, protocol=odoo.protocol, timeout=timeout)
    src.client.connect()
    return src
