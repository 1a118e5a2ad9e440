"""HTTP facts both adapters rely on when deciding whether a request may be retried, and how a request that
got no answer is told to a user."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator

import requests


def never_sent(exc: Exception) -> bool:
    """True when the connection itself failed (refused, DNS): the server saw nothing."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError") or isinstance(
        exc, requests.exceptions.ConnectTimeout)


def no_answer(exc: BaseException, timeout: float) -> str:
    """What went wrong, in the words a user acts on ("connection refused", "name not resolved"). Never the
    exception's text: requests repeats the URL and urllib3's internals there, and the log cuts it mid-word."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"connected, but no answer within {timeout:g} s"
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror) or type(cause).__name__ == "NameResolutionError":
            return "name not resolved"
        if isinstance(cause, (ConnectionResetError, ConnectionAbortedError)) or type(cause).__name__ in (
                "RemoteDisconnected", "ProtocolError"):
            return "connection closed without an answer"
        if isinstance(cause, OSError) and isinstance(cause.errno, int) and cause.errno > 0:
            return os.strerror(cause.errno).lower()  # e.g. "no route to host", "network is unreachable"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    return type(exc).__name__


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps: requests keeps urllib3's error in args[0], whose `reason` keeps the socket's."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < 12:
        cur = todo.pop(0)
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        inner = [cur.args[0] if cur.args else None, getattr(cur, "reason", None), cur.__cause__, cur.__context__]
        todo.extend(e for e in inner if isinstance(e, BaseException))


def retry_after(resp: requests.Response, cap: float = 60.0) -> float:
    """Seconds a 429/503 asks us to wait (Retry-After in seconds), at most `cap`."""
    try:
        return min(float(resp.headers.get("Retry-After", 0)), cap)
    except ValueError:
        return 0.0


def backoff(base: float, attempt: int, at_least: float = 0.0, cap: float = 60.0) -> float:
    """Seconds before retry `attempt` (0 first): doubling from `base`, with up to a quarter of jitter so clients
    that failed together do not retry together, never less than what the server asked (`at_least`), at most `cap`."""
    return min(max(at_least, base * 2 ** attempt * (1 + random.random() / 4)), cap)
