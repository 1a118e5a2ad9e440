"""HTTP facts both adapters rely on when deciding whether a request may be retried."""

from __future__ import annotations

import requests


def never_sent(exc: Exception) -> bool:
    """True when the connection itself failed (refused, DNS): the server saw nothing."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason).__name__ in ("NewConnectionError", "NameResolutionError") or isinstance(
        exc, requests.exceptions.ConnectTimeout)


def retry_after(resp: requests.Response, cap: float = 60.0) -> float:
    """Seconds a 429/503 asks us to wait (Retry-After in seconds), at most `cap`."""
    try:
        return min(float(resp.headers.get("Retry-After", 0)), cap)
    except ValueError:
        return 0.0
