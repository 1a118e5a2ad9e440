"""Which company writes an operation: its items', never another one of the tenant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapters.odoo.mapping import load_mapping
from adapters.odoo.setup import Company, Resolved
from adapters.odoo.write import Writer
from connector.errors import ItemError
from connector.models import Operation


def op(company_id: str | None) -> Operation:
    return Operation(key="k" * 32, kind="action", as_of=date(2026, 3, 2), customer_id="7", customer_name="Dupont",
                     target="customer", target_id="7", channel="email", level=1, currency="EUR",
                     amount=Decimal("10.00"), reason="test", company_id=company_id)


def writer() -> Writer:
    companies = {1: Company(id=1, name="Paris", journal=1), 2: Company(id=2, name="Lyon", journal=8)}
    return Writer(None, load_mapping(), Resolved(companies=companies))  # type: ignore[arg-type]


def test_given_an_items_company_then_that_company_writes_and_odoo_is_told_it_first():
    w = writer()
    assert w._company(op("2")).name == "Lyon" and w._journal(op("2")) == 8
    assert w._context(op("2")) == {"allowed_company_ids": [2, 1]}
    assert w._company(op(None)).name == "Paris"  # items that name no company: the tenant's first


def test_given_items_of_a_company_the_tenant_does_not_follow_then_refused_not_booked_elsewhere():
    with pytest.raises(ItemError, match="company 3, which this tenant does not follow"):
        writer()._company(op("3"))
