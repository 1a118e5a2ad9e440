"""Logs: secrets registered once are masked in every record, whatever carries them."""

from __future__ import annotations

import io
import json
import logging

from connector import logs


def _capture(fmt: str) -> tuple[io.StringIO, logging.Logger]:
    stream = io.StringIO()
    logs.setup(fmt, 0, stream=stream)
    return stream, logging.getLogger("relance.test")


def test_given_a_registered_secret_when_logged_in_message_args_and_traceback_then_masked():
    logs.register_secret("Zq9-very-secret-key")
    stream, log = _capture("text")
    log.warning("calling with %s", "Bearer Zq9-very-secret-key")
    try:
        raise RuntimeError("server said: bad key Zq9-very-secret-key")
    except RuntimeError:
        log.exception("failed")
    text = stream.getvalue()
    assert "Zq9-very-secret-key" not in text
    assert "Bearer ***" in text and "bad key ***" in text


def test_given_json_format_then_one_object_per_line_with_the_run_fields():
    logs.register_secret("another-secret-1234")
    stream, log = _capture("json")
    log.info("tenant acme: done with another-secret-1234", extra={"tenant": "acme", "counts": {"done": 3}})
    line = json.loads(stream.getvalue().strip())
    assert line["tenant"] == "acme" and line["counts"] == {"done": 3} and line["level"] == "info"
    assert "another-secret-1234" not in line["message"]


def test_given_a_very_short_secret_then_it_is_not_used_as_a_mask():
    logs.register_secret("ab")
    assert logs.redact("about abc") == "about abc"
