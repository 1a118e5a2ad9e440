"""A run's lease on its tenant, so two daemons (or a daemon and a manual `relance run`) never write at once.

There is no database of ours: the lease lives in the source system as *claim* records the adapter keeps
(an unattached `ir.attachment` in Odoo, a note on Relance's late-fee item in QuickBooks). The rule is that of
numbered tickets: each contender writes a claim, waits `settle` seconds so claims written at the same moment
are committed and visible, then reads the live claims; the lowest id holds the lease and the others withdraw
theirs. A claim lives `ttl` seconds from its last write, measured on the source system's clock (the time it
stamped on our own claim, plus the time elapsed here since): no two machines' clocks are compared.

The holder renews its claim between writes and stops writing as soon as it cannot be sure it still holds
the lease: `margin` seconds before its claim could expire as seen by a contender. A daemon killed while
holding the lease blocks the tenant for at most `ttl` seconds; the next contender removes the dead claim.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from connector.errors import RelanceError

log = logging.getLogger("relance.lease")

TTL = 1800.0  # seconds a claim lives without renewal: longer than a large tenant's read and plan
SETTLE = 2.0  # seconds between writing a claim and reading the others: longer than a request's commit
MARGIN = 120.0  # the holder stops writing this long before its claim could look expired to another
DROP_RETRY = 1.0  # seconds before the second attempt to remove a claim, twice that before the third


@dataclass(frozen=True)
class Claim:
    id: int
    holder: str
    written: datetime  # when the source system last wrote it, by its own clock (aware)
    ttl: float


class ClaimStore(Protocol):
    """What an adapter provides for leases (`source.claims()`); ids must grow with creation order."""

    def create_claim(self, holder: str, ttl: float) -> Claim: ...

    def list_claims(self) -> list[Claim]: ...

    def renew_claim(self, claim: Claim) -> Claim | None:
        """The claim written again (a new `written`), or None when it is gone (removed as expired)."""

    def drop_claim(self, claim_id: int) -> None: ...


class LeaseBusy(RelanceError):
    """Another run holds the tenant's lease: this run wrote nothing."""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, store: ClaimStore, *, holder: str | None = None, ttl: float = TTL, settle: float = SETTLE,
                 margin: float = MARGIN, clock=time.monotonic, sleep=time.sleep):
        if margin * 2 >= ttl:
            raise ValueError("the lease margin must be well under its ttl")
        self.store, self.holder, self.ttl, self.settle, self.margin = store, holder or holder_name(), ttl, settle, margin
        self.clock, self.sleep = clock, sleep
        self.claim: Claim | None = None
        self._sent = 0.0  # local time just before our claim was last written

    def acquire(self) -> None:
        """Hold the lease, or raise LeaseBusy naming the holder (after withdrawing our claim)."""
        self._sent = self.clock()
        mine = self.store.create_claim(self.holder, self.ttl)
        self.sleep(self.settle)
        claims = self.store.list_claims()
        now = self._source_now(mine)
        live, dead = [], []
        for c in claims:
            (live if c.id == mine.id or (now - c.written).total_seconds() < c.ttl else dead).append(c)
        first = min(live, key=lambda c: c.id)
        if first.id != mine.id:
            self._drop(mine.id)
            left = max(0, int(first.ttl - (now - first.written).total_seconds()))
            raise LeaseBusy(f"another Relance run ({first.holder}) is writing to this tenant (its lease ends within "
                            f"{left} s unless renewed): nothing was done")
        for c in dead:  # a holder that died: its claim would never be removed otherwise
            log.info("removing the expired lease claim %s of %s", c.id, c.holder)
            self._drop(c.id)
        self.claim = mine

    def _source_now(self, mine: Claim) -> datetime:
        return mine.written + timedelta(seconds=self.clock() - self._sent)

    def valid(self) -> bool:
        """Called before each write: True while the lease is surely ours (renewed when half its time is gone)."""
        if self.claim is None:
            return False
        elapsed = self.clock() - self._sent
        if elapsed >= self.ttl - self.margin:
            log.warning("the lease of this run may have expired (%.0f s since renewal): stopping its writes", elapsed)
            return False
        if elapsed >= self.ttl / 2:
            sent = self.clock()
            renewed = self.store.renew_claim(self.claim)
            if renewed is None:
                log.warning("the lease claim of this run was removed by another run: stopping its writes")
                self.claim = None
                return False
            self.claim, self._sent = renewed, sent
        return True

    def release(self) -> None:
        if self.claim is not None:
            self._drop(self.claim.id)
            self.claim = None

    def _drop(self, claim_id: int) -> None:
        """Remove a claim, trying three times: one left behind blocks the tenant's next runs until it expires.
        Removing it twice is harmless (gone is gone)."""
        for attempt in range(3):
            try:
                self.store.drop_claim(claim_id)
                return
            except RelanceError as exc:
                if attempt == 2:  # it expires anyway
                    log.warning("could not remove lease claim %s (it expires within %.0f s): %s", claim_id, self.ttl, exc)
                    return
                self.sleep(DROP_RETRY * (attempt + 1))
