"""Pseudonyms for personal data: what is replaced and how, and the JSON logs that keep names out by default."""

from __future__ import annotations

import io
import json
import logging
from datetime import date

import pytest

from connector import logs, pseudonyms
from connector.errors import RelanceError
from tests.builders import customer, ledger, receivable


class _Source:
    def __init__(self, led):
        self.led, self.applied = led, []

    def fetch(self, as_of: date):
        return self.led

    def apply(self, op):
        self.applied.append(op)
        return "done"


@pytest.fixture(autouse=True)
def _clean():
    yield
    logs.forget_pseudonyms()
    pseudonyms.configure(pseudonyms.OFF)


def _books():
    c = customer("42", name="Jeanne Lefèvre SARL", contact="Jeanne Lefèvre", email="jeanne@lefevre.fr; compta@lefevre.fr",
                 address=("12 rue des Lilas", "69003 Lyon", "FRANCE"))
    return ledger([c], [receivable(customer="42")])


def test_a_customer_becomes_its_pseudonym_and_its_items_stay():
    led = pseudonyms.ledger(_books())
    [c] = led.customers
    assert (c.name, c.contact, c.email, c.address) == ("Customer 42", "Contact of customer 42",
                                                        "customer-42@redacted.invalid", ("[address of customer 42]",))
    assert led.receivables == _books().receivables
    m = pseudonyms.mapping(_books().customers)
    assert m["jeanne@lefevre.fr"] == m["compta@lefevre.fr"] == "customer-42@redacted.invalid"
    assert "FRANCE" not in m and m["69003 Lyon"] == "[address of customer 42]"  # a country names no one


def test_a_redacted_source_refuses_to_write_and_a_logs_only_one_writes():
    src = _Source(_books())
    with pytest.raises(RelanceError, match="never written back"):
        pseudonyms.Redacted(src).apply(object())
    assert pseudonyms.Redacted(src, output=False).apply("op") == "done" and src.applied == ["op"]


@pytest.mark.parametrize("mode, kept", [(pseudonyms.LOGS, False), (pseudonyms.OFF, True)])
def test_json_logs_carry_the_pseudonym_unless_personal_data_is_asked_for(mode, kept):
    stream = io.StringIO()
    logs.setup("json", stream=stream)
    pseudonyms.configure(mode)
    led = pseudonyms.wrap(_Source(_books()), dry_run=False).fetch(date(2026, 3, 10))
    assert led.customers[0].name == "Jeanne Lefèvre SARL"  # a run writes to the real customer
    logging.getLogger("relance.test").warning("e-mail to %s <%s> refused", "Jeanne Lefèvre", "jeanne@lefevre.fr")
    line = json.loads(stream.getvalue().splitlines()[-1])
    if kept:
        assert line["message"] == "e-mail to Jeanne Lefèvre <jeanne@lefevre.fr> refused"
    else:
        assert line["message"] == "e-mail to Contact of customer 42 <customer-42@redacted.invalid> refused"
