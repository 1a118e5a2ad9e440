"""When a tenant's credentials stop working, and the warning before they do.

An Odoo 19 API key of a non-admin user lives at most three months, a QuickBooks refresh token about 100 days
(Intuit's `x_refresh_token_expires_in`): a fleet that notices on the day they expire stops following up the
company until someone reconnects it. Each adapter says what it knows (`Source.credentials()`); `relance check`
and the daemon or worker warn from `WARN_DAYS` before, and each expiry is a metric.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date

from connector.errors import RelanceError

log = logging.getLogger("relance.credentials")

WARN_DAYS = 14


@dataclass(frozen=True)
class Credential:
    """One credential the tenant's runs depend on: `name` is the metric's label (`api_key`, `refresh_token`),
    `label` what a person recognises it by, `expires` None when it does not expire or nobody can say."""

    name: str
    label: str
    expires: date | None
    known_from: str  # where the date was read: "Odoo (res.users.apikeys)", "relance.yaml api_key_expires"…
    remedy: str  # what to do before it expires

    def days_left(self, today: date) -> int | None:
        return None if self.expires is None else (self.expires - today).days


def check_lines(creds: list[Credential], today: date) -> list[str]:
    """`relance check`'s lines: warn within WARN_DAYS (or past), ok otherwise, info where no date is known."""
    out = []
    for c in creds:
        left = c.days_left(today)
        if left is None:
            out.append(f"  info  credentials: {c.label}: no expiry known ({c.known_from})")
        elif left <= WARN_DAYS:
            out.append(f"  warn  credentials: {c.label} {_when(c.expires, left)} ({c.known_from}): {c.remedy}")
        else:
            out.append(f"  ok    credentials: {c.label} {_when(c.expires, left)} ({c.known_from})")
    return out


def _when(day: date, left: int) -> str:
    if left < 0:
        return f"expired on {day} ({-left} day(s) ago)"
    return f"expires on {day} (in {left} day(s))" if left else f"expires today ({day})"


class Watch:
    """The daemon's and the workers' look at each tenant's credentials: once a day per tenant (it costs a request),
    a warning in the log from WARN_DAYS before, and the days left as a metric."""

    def __init__(self) -> None:
        self._seen: dict[str, date] = {}
        self._lock = threading.Lock()

    def look(self, tenant: str, source, today: date) -> None:
        with self._lock:
            if self._seen.get(tenant) == today:
                return
            self._seen[tenant] = today
        from connector.metrics import CREDENTIAL_DAYS_LEFT

        try:
            creds = source.credentials()
        except RelanceError as exc:  # never a reason to stop a run
            log.warning("tenant %s: could not read when its credentials expire: %s", tenant, exc,
                        extra={"tenant": tenant})
            return
        for c in creds:
            left = c.days_left(today)
            if left is None:
                continue
            CREDENTIAL_DAYS_LEFT.labels(tenant, c.name).set(left)
            if left <= WARN_DAYS:
                log.warning("tenant %s: %s %s (%s): %s", tenant, c.label, _when(c.expires, left), c.known_from,
                            c.remedy, extra={"tenant": tenant})
