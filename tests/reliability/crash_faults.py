"""Faults the emulators inject on a share of the calls, and a day of the job run through them until done.

Odoo: a slow request (the client's timeout passes; then Odoo either rolls it back — its worker killed at
limit_time_real — or commits it after the client gave up), a connection reset before the call ran, a proxy's
502, a 503, a 429 with Retry-After, a serialization conflict (what PostgreSQL answers two concurrent writers,
after Odoo's own retries: rolled back), and an answer lost after the commit (the connection drops, or a gateway
answers 502 or 504 in its stead).
QuickBooks: the same slow request (never applied, or applied late), reset, 502, 503, 429 with Retry-After, an
answer lost after the write was applied (dropped, or a gateway's 502 or 504), and, on the same share of updates and on top of those, a stale
SyncToken (someone saved the object between our read and our update: a real edit in the emulator, which then
answers 5010 by itself).

The writers run in processes of their own (crash_child.py); their clients' waits (backoff, Retry-After, pacing)
go to a fake clock there: honoured, but not slept.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from adapters.odoo.emulator import DropConnection, HTTPFault, SerializationFailure
from connector.lease import TTL

CLIENT_TIMEOUT = 0.3  # seconds; the emulator answers a normal call in a few milliseconds
SLOW = CLIENT_TIMEOUT + 0.15
RETRY_AFTER = 2
ODOO_KINDS = ("timeout", "reset", "502", "503", "429", "serialization", "lost")
QBO_KINDS = ("timeout", "reset", "502", "503", "429", "stale", "lost")
_BAD_GATEWAY = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
_GATEWAY_TIMEOUT = b"<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>"


class Injector:
    """Draws, for each call, whether it fails and how (seeded), and counts what it injected."""

    def __init__(self, rate: float, seed: int, kinds: tuple[str, ...]):
        self.rate, self.kinds = rate, kinds
        self.rng = random.Random(seed)
        self.injected: Counter = Counter()
        self.calls = 0
        self._lock = threading.Lock()
        self._slow = 0
        self._idle = threading.Condition(self._lock)

    def draw(self) -> str | None:
        """The fault this call meets, if any (a stale SyncToken is drawn apart, by `stale`)."""
        with self._lock:
            self.calls += 1
            if self.rng.random() >= self.rate:
                return None
            kind = self.rng.choice([k for k in self.kinds if k != "stale"])
            self.injected[kind] += 1
            return kind

    def stale(self) -> bool:
        """Whether someone saves the object just before this update lands (on top of what `draw` says)."""
        with self._lock:
            if "stale" not in self.kinds or self.rng.random() >= self.rate:
                return False
            self.injected["stale"] += 1
            return True

    def slow(self) -> bool:
        """A slow request: waits past the client's timeout (others go on meanwhile). True: it then runs."""
        with self._lock:
            self._slow += 1
            runs = self.rng.random() < 0.5
        try:
            time.sleep(SLOW)
        finally:
            with self._lock:
                self._slow -= 1
                self._idle.notify_all()
        return runs

    def lost(self, *flavours):
        """How an answer is lost after the write: one of `flavours` (connection dropped, gateway 502, 504)."""
        with self._lock:
            return self.rng.choice(flavours)

    def settle(self) -> None:
        """Wait until no slow request is pending: runs are minutes apart, slow requests end long before."""
        with self._idle:
            self._idle.wait_for(lambda: self._slow == 0, timeout=30)

    def odoo_hook(self, protocol: str, model: str, method: str) -> None:
        kind = self.draw()
        if kind == "timeout":
            if not self.slow():
                raise DropConnection()
        elif kind == "reset":
            raise DropConnection()
        elif kind == "502":
            raise HTTPFault(502, _BAD_GATEWAY)
        elif kind == "503":
            raise HTTPFault(503, "<h1>Service Unavailable</h1>")
        elif kind == "429":
            raise HTTPFault(429, "<h1>Too Many Requests</h1>", headers={"Retry-After": str(RETRY_AFTER)})
        elif kind == "serialization":
            raise SerializationFailure()
        elif kind == "lost":  # the connection drops, or a gateway gives up on the answer
            raise self.lost(DropConnection(after=True), HTTPFault(502, _BAD_GATEWAY, after=True),
                            HTTPFault(504, _GATEWAY_TIMEOUT, after=True))

    def qbo_hook(self, emu):
        def hook(req: dict):
            update = _update_target(req)
            if update and self.stale():  # someone saves the object in QuickBooks just before our update lands
                entity, oid = update
                with emu.store.lock:
                    current = emu.store.objects[entity].get(oid)
                    if current is not None:
                        emu.store.update(entity, {"Id": oid, "SyncToken": current["SyncToken"], "sparse": True})
            kind = self.draw()
            if kind == "timeout":
                return "lose" if self.slow() else "drop"
            if kind == "reset":
                return "drop"
            if kind == "502":
                return 502, _BAD_GATEWAY
            if kind == "503":
                return 503, _qbo_fault("503", "Service Unavailable", "SERVICE")
            if kind == "429":
                return 429, _qbo_fault("3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                                       "SERVICE"), {"Retry-After": str(RETRY_AFTER)}
            if kind == "lost":
                return self.lost("lose", ("lose", 502, _BAD_GATEWAY), ("lose", 504, _GATEWAY_TIMEOUT))
            return None
        return hook


def _update_target(req: dict) -> tuple[str, str] | None:
    """(entity, Id) of a sparse update, the only request a stale SyncToken can fail."""
    if req["method"] != "POST" or req["params"].get("operation") or not req["body"]:
        return None
    entity = req["path"].rsplit("/", 1)[-1]
    try:
        body = json.loads(req["body"])
    except ValueError:
        return None
    if not isinstance(body, dict) or "Id" not in body or "SyncToken" not in body:
        return None
    name = {"invoice": "Invoice", "attachable": "Attachable", "customer": "Customer", "item": "Item"}.get(entity)
    return (name, str(body["Id"])) if name else None


def _qbo_fault(code: str, message: str, ftype: str) -> dict:
    return {"Fault": {"Error": [{"Message": message, "Detail": message, "code": code}], "type": ftype}}


@dataclass
class FaultyDay:
    day: date
    runs: int = 0
    failed_items: int = 0  # items a run reported failed (done by a later run)
    stopped: Counter = field(default_factory=Counter)  # runs that ended early: why
    slept: float = 0.0     # seconds the clients waited (on their fake clocks): backoff, Retry-After, pacing
    finished: bool = False


def faulty_day(sc, day: date, injector: Injector, max_runs: int = 25) -> FaultyDay:
    """Run `day` through the faults, one writer process per run as a scheduler starts them, until a run
    ends with nothing failed."""
    out = FaultyDay(day)
    job = {**sc.job(day), "source": {**sc.books.spec(), "timeout": CLIENT_TIMEOUT}, "fake_time": True}
    sc.books.faults(injector)
    try:
        while out.runs < max_runs and not out.finished:
            out.runs += 1
            status, result = sc.server.run(job)
            injector.settle()
            assert not result["error"], f"a run of {day} broke: {result['error']}"
            out.slept += result["slept"]
            r = result["runs"][0]
            if r.get("raised") == "LeaseBusy":  # a claim of ours committed after its writer gave up on it
                out.stopped["lease busy"] += 1
                sc.books.pass_time(TTL + 60)  # it expires, as it would in TTL seconds
            elif r.get("raised"):
                out.stopped[r["raised"]] += 1
            else:
                out.failed_items += len(r["failed"])
                if r["unreachable"] or r["stopped"]:
                    out.stopped["unreachable" if r["unreachable"] else "stopped"] += 1
                elif not r["failed"]:
                    out.finished = status == 0
    finally:
        sc.books.faults(None)
    return out
