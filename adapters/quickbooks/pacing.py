"""Intuit's request budgets for one company, kept by the client before each request starts.

"500 requests per minute per realm ID" and 10 at once for the Accounting API
(https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#limits-and-throttles); the batch
endpoint has a budget of its own on top: 40 batch requests a minute on Intuit's batch page, raised to "120 requests
per minute per realm ID" in production from 2025-10-31 (https://blogs.intuit.com/2025/08/13/upcoming-changes-to-the-accounting-api),
so 120 by default and `batch_per_minute` for a company still on the old figure.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

PER_MINUTE = 500
CONCURRENT = 10
BATCH_PER_MINUTE = 120  # Intuit's batch budget since 2025-10-31 (40 before)
WINDOW = 60.0  # seconds: every budget is counted over the last minute


class Pacer:
    """At most `per_minute` requests started in any 60 s, `batch_per_minute` of them batch requests, and
    `concurrent` in flight, for one company."""

    def __init__(self, per_minute: int = PER_MINUTE, concurrent: int = CONCURRENT, clock=time.monotonic,
                 sleep=time.sleep, batch_per_minute: int = BATCH_PER_MINUTE):
        self.per_minute, self.batch_per_minute, self.clock, self.sleep = per_minute, batch_per_minute, clock, sleep
        self._slots = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self._batches: deque[float] = deque()
        self._not_before = 0.0
        self.waited = 0.0

    def _wait(self, starts: deque[float], budget: int, now: float) -> float:
        while starts and now - starts[0] >= WINDOW:
            starts.popleft()
        return (starts[0] + WINDOW - now) if len(starts) >= budget else 0.0

    @contextmanager
    def slot(self, batch: bool = False) -> Iterator[None]:
        """Hold one of the company's slots for a request; `batch`: it is a request to the batch endpoint."""
        with self._slots:
            while True:
                with self._lock:
                    now = self.clock()
                    wait = max(self._not_before - now, self._wait(self._starts, self.per_minute, now),
                               self._wait(self._batches, self.batch_per_minute, now) if batch else 0.0)
                    if wait <= 0:
                        self._starts.append(now)
                        if batch:
                            self._batches.append(now)
                        break
                self.waited += wait
                self.sleep(wait)
            yield

    def hold(self, seconds: float) -> None:
        """After a 429: no request of this company starts for `seconds`."""
        with self._lock:
            self._not_before = max(self._not_before, self.clock() + seconds)
