"""Policy files: the shipped ones load; every kind of mistake names the file, the key path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connector.errors import ConfigError
from connector.policy import load_policy, shipped_policy_path

SHIPPED = ["fr-b2b", "fr-b2c", "eu-b2b", "uk-b2b", "us-flat-fee"]


@pytest.mark.parametrize("name", SHIPPED)
def test_given_shipped_policy_when_loaded_then_valid(name):
    policy = load_policy(name)
    assert policy.name == name
    assert policy.segments[-1].when is None


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(shipped_policy_path("fr-b2b").read_text())
    mutate(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as exc:
        load_policy(path)
    assert str(path) in str(exc.value)
    return str(exc.value)


def test_given_unknown_channel_then_key_path_named(tmp_path):
    def m(d):
        d["segments"][2]["levels"][1]["channel"] = "pigeon"
    msg = _error(_write(tmp_path, m))
    assert "segments[2].levels[1].channel" in msg and "pigeon" in msg


def test_given_levels_out_of_order_then_both_levels_named(tmp_path):
    def m(d):
        d["segments"][2]["levels"][3]["offset"] = 2
    msg = _error(_write(tmp_path, m))
    assert "segments[2].levels" in msg and "out of order" in msg and "'letter'" in msg and "'reminder'" in msg


def test_given_negative_min_amount_then_rejected(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d.__setitem__("min_amount", -5)))
    assert "min_amount" in msg and "greater than or equal to 0" in msg


def test_given_unknown_jurisdiction_then_known_ones_listed(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d.__setitem__("jurisdiction", "fr-b3b")))
    assert "jurisdiction" in msg and "fr-b3b" in msg and "fr-b2b" in msg


def test_given_unknown_key_then_reported(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d["penalties"].__setitem__("intrest", True)))
    assert "penalties.intrest: unknown key" in msg


def test_given_wrong_type_then_reported(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d["contact"].__setitem__("max_per_7_days", "often")))
    assert "contact.max_per_7_days" in msg


def test_given_no_catch_all_segment_then_rejected(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d["segments"][2].__setitem__("when", {"kind": "person"})))
    assert "last segment" in msg and "standard" in msg


def test_given_unknown_currency_then_rejected(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d.__setitem__("currency", "EURO")))
    assert "currency" in msg and "EURO" in msg


def test_given_unknown_holiday_calendar_then_rejected(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d["contact"].__setitem__("holidays", "XX")))
    assert "contact.holidays" in msg and "XX" in msg


def test_given_malformed_yaml_then_line_named(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nsegments: [\n  - {name: a\n")
    msg = _error(path)
    assert "malformed YAML" in msg and "line" in msg


def test_given_missing_file_then_clear_error(tmp_path):
    path = tmp_path / "nope.yaml"
    msg = _error(path)
    assert "cannot read file" in msg


def test_given_duplicate_level_names_then_rejected(tmp_path):
    def m(d):
        d["segments"][2]["levels"][2]["name"] = "call"
    msg = _error(_write(tmp_path, m))
    assert "duplicate level names: call" in msg


def test_given_from_level_beyond_levels_then_rejected(tmp_path):
    msg = _error(_write(tmp_path, lambda d: d["penalties"].__setitem__("from_level", 42)))
    assert "from_level 42" in msg
