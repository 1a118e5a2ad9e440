"""How a request that got no answer is told to a user: from the exceptions requests raises (built here the way
requests and urllib3 chain them, since a DNS failure or a connect timeout cannot be produced on demand)."""

from __future__ import annotations

import socket

import requests
from urllib3.connection import HTTPConnection
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NameResolutionError, NewConnectionError

from adapters.http import never_sent, no_answer


def wrapped(reason: Exception, cls: type = requests.exceptions.ConnectionError) -> Exception:
    """As requests raises it: its error holding urllib3's MaxRetryError holding the reason."""
    return cls(MaxRetryError(None, "/xmlrpc/2/common", reason))


def real_refusal(url: str) -> Exception:
    try:
        requests.get(url, timeout=5)
    except requests.exceptions.ConnectionError as exc:
        return exc
    raise AssertionError(f"something answers at {url}")


def test_given_a_closed_port_then_connection_refused_and_never_sent(closed_url):
    exc = real_refusal(closed_url)
    assert no_answer(exc, 30) == "connection refused"
    assert never_sent(exc)


def test_given_a_host_that_does_not_resolve_then_name_not_resolved_and_never_sent():
    conn = HTTPConnection("odoo.example.invalid", 443)
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    reason = NameResolutionError("odoo.example.invalid", conn, gai)
    reason.__cause__ = gai
    exc = wrapped(reason)
    assert no_answer(exc, 30) == "name not resolved"
    assert never_sent(exc)


def test_given_a_connect_timeout_then_no_answer_within_the_timeout():
    exc = wrapped(ConnectTimeoutError(None, "Connection to odoo.example.com timed out. (connect timeout=7.5)"),
                  requests.exceptions.ConnectTimeout)
    assert no_answer(exc, 7.5) == "no answer within 7.5 s"
    assert never_sent(exc)


def test_given_a_read_timeout_then_connected_but_no_answer_and_maybe_sent():
    exc = requests.exceptions.ReadTimeout("HTTPConnectionPool(host='x', port=80): Read timed out. (read timeout=30)")
    assert no_answer(exc, 30) == "connected, but no answer within 30 s"
    assert not never_sent(exc)


def test_given_an_unreachable_network_then_the_system_words_lower_case():
    err = OSError(101, "Network is unreachable")
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 101] Network is unreachable")
    reason.__cause__ = err
    assert no_answer(wrapped(reason), 30) == "network is unreachable"


def test_given_an_exception_without_a_known_cause_then_only_its_type_never_its_text():
    exc = requests.exceptions.ConnectionError("HTTPConnectionPool(host='x'): Max retries exceeded (secret=abc)")
    assert no_answer(exc, 30) == "ConnectionError"
