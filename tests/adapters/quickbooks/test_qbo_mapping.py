"""mappings/quickbooks.yaml: the shipped file loads, and errors name the file and the key."""

from __future__ import annotations

import pytest
import yaml

from adapters.quickbooks.mapping import load_mapping, shipped_mapping_path
from connector.errors import ConfigError


def test_the_shipped_mapping_loads_with_the_documented_defaults():
    m = load_mapping()
    assert m.late_fees.style == "line" and m.batch_size == 10 and m.receivables.page_size == 1000
    assert m.late_fees.item("fee").name == "Late fee (Relance)"


@pytest.mark.parametrize("patch,where", [
    ({"late_fees": {"style": "debit_note"}}, "late_fees.style"),
    ({"batch_size": 31}, "batch_size"),
    ({"receivables": {"page_size": 5000}}, "receivables.page_size"),
    ({"late_fees": {"fee_item": {"name": "Fees: late"}}}, "late_fees.fee_item.name"),
    ({"emial": {}}, "emial: unknown key"),
])
def test_given_a_bad_value_then_the_error_names_file_and_key(tmp_path, patch, where):
    data = yaml.safe_load(shipped_mapping_path().read_text())
    for key, value in patch.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    path = tmp_path / "acme-qbo.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as exc:
        load_mapping(path)
    assert str(path) in str(exc.value) and where in str(exc.value)


@pytest.mark.parametrize("company, notes, kind", [
    ("Dupont SARL", "", "company"),
    ("", "", "person"),
    ("", "Sole trader #professional", "company"),
    ("Famille Martin", "#consumer: household account", "person"),
])
def test_given_a_customer_then_its_debtor_kind_follows_company_name_unless_a_marker_says_otherwise(company, notes, kind):
    from adapters.quickbooks.read import to_customer

    # fields as Intuit's Customer entity names them (DisplayName, CompanyName, Notes)
    row = {"Id": "58", "DisplayName": company or "Jeanne Martin", "CompanyName": company, "Notes": notes,
           "Active": True}
    assert to_customer(row, load_mapping()).kind == kind
