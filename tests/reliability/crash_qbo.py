"""The QuickBooks side of the crash and fault tests: the demo company (adapters/demo/quickbooks.py, the Odoo
demo's French SME) in the emulator, in this process on loopback; its state saved and restored, its clock moved
on, and its books in a normal form two runs can be compared on: every object of every entity without Id,
SyncToken and timestamps (objects made by the runs referred to by their content), plus the invoices emailed."""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from adapters.quickbooks.client import Pacer
from adapters.demo.quickbooks import HOME, load_demo
from adapters.quickbooks.emulator import QuickBooksEmulator
from adapters.quickbooks.lease import PREFIX as LEASE_PREFIX
from adapters.quickbooks.source import QuickBooksSource

# Changed by every save, or stamped by the clock: two runs that wrote the same thing differ there.
_VOLATILE = {"Id", "SyncToken", "MetaData", "DeliveryTime", "time"}
_KEY = re.compile(r"relance:[0-9a-f]{32}")
_PENALTY_INVOICE = re.compile(r"(Penalty invoice )(\S+)( for invoice )")  # adapters/quickbooks/write.py's note


class QuickBooksBooks:
    system = "quickbooks"
    name = "QuickBooks Online"

    def __init__(self, first_day: date):
        self.offset = timedelta(0)
        self.emu = QuickBooksEmulator(home_currency=HOME, company_name="Relance Demo SAS",
                                      clock=lambda: datetime.now(timezone.utc) + self.offset)
        self.url = self.emu.start()
        load_demo(self.emu, first_day)
        self.token = self.emu.issue_tokens(expires_in=7 * 24 * 3600)["access_token"]
        src = self.source()
        src.init()
        src.close()
        self.base = {e: frozenset(rows) for e, rows in self.emu.store.objects.items()}

    # -- writers ----------------------------------------------------------------------------------
    def spec(self) -> dict:
        return {"url": self.url, "realm_id": self.emu.realm_id, "token": self.token}

    def source(self, **kw) -> QuickBooksSource:
        kw.setdefault("pacer", Pacer(per_minute=100_000, batch_per_minute=100_000))
        return QuickBooksSource.with_token(self.emu.realm_id, self.token, base_url=self.url, environment="sandbox",
                                           **kw)

    def watch(self, refuse: Callable[[], bool] | None, on_write: Callable[[str], Any] | None) -> None:
        self.emu.fault_hook = (lambda req: "drop" if refuse() else None) if refuse else None
        self.emu.write_hook = (lambda req, phase: on_write(phase)) if on_write else None

    def faults(self, injector) -> None:
        """Inject `injector`'s faults (crash_faults.Injector) on every request; None stops."""
        self.emu.fault_hook = injector.qbo_hook(self.emu) if injector else None

    # -- state ------------------------------------------------------------------------------------
    def save(self) -> dict:
        emu, store = self.emu, self.emu.store
        with store.lock, emu._lock:
            return copy.deepcopy({"objects": store.objects, "deleted": store.deleted, "next": store._next,
                                  "doc": store._doc, "sent": store.sent, "replay": emu._replay,
                                  "preferences": emu.preferences})

    def load(self, state: dict) -> None:
        emu, store = self.emu, self.emu.store
        state = copy.deepcopy(state)
        with store.lock, emu._lock:
            store.objects, store.deleted, store._next = state["objects"], state["deleted"], state["next"]
            store._doc, store.sent, emu._replay = state["doc"], state["sent"], state["replay"]
            emu.preferences = state["preferences"]
        self.offset = timedelta(0)

    def lock(self):
        """Hold the emulator still (a test editing its data by hand)."""
        return self.emu.store.lock

    def pass_time(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)

    def stop(self) -> None:
        self.emu.stop()

    # -- the books in normal form -----------------------------------------------------------------
    def books(self) -> dict[str, Counter]:
        store = self.emu.store
        with store.lock:
            objects, sent = copy.deepcopy(store.objects), list(store.sent)
        return normal_form(objects, sent, self.base)


def normal_form(objects: dict[str, dict[str, dict]], sent: list, base: dict[str, frozenset]) -> dict[str, Counter]:
    """Lease claims (connector/lease.py: one whose removal failed stays until it expires) are left out. A penalty
    invoice of the runs is numbered by QuickBooks in the order the invoices were created, which an interrupted
    job changes: its number is replaced by the Relance key its private note carries, on it and in the notes."""
    made = {oid: entity for entity, rows in objects.items() for oid in rows if oid not in base.get(entity, ())}
    memo: dict[str, Any] = {}
    numbers = {}
    for oid, inv in objects.get("Invoice", {}).items():
        key = _KEY.search(str(inv.get("PrivateNote") or ""))
        if oid in made and key and inv.get("DocNumber"):
            numbers[str(inv["DocNumber"])] = f"<penalty invoice {key.group(0)}>"

    def renumber(text: str) -> str:
        return _PENALTY_INVOICE.sub(lambda m: m.group(1) + numbers.get(m.group(2), m.group(2)) + m.group(3), text)

    def ref(oid: Any) -> Any:
        if not isinstance(oid, str) or oid not in made:
            return oid
        if oid not in memo:
            memo[oid] = ("cycle",)
            memo[oid] = ("new", made[oid], norm(objects[made[oid]][oid]))
        return memo[oid]

    def norm(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return tuple(sorted((k, norm(v, k)) for k, v in value.items() if k not in _VOLATILE))
        if isinstance(value, list):
            return tuple(norm(v) for v in value)
        if key in ("value", "TxnId"):
            return ref(value)
        if key == "DocNumber" and str(value) in numbers:
            return numbers[str(value)]
        if key == "Note" and numbers:
            return renumber(str(value))
        return value

    out = {entity: Counter(norm(obj) for obj in rows.values() if not _claim(entity, obj))
           for entity, rows in objects.items() if rows}
    out["emails sent"] = Counter((ref(inv), to) for inv, to in sent)
    return out


def _claim(entity: str, obj: dict) -> bool:
    return entity == "Attachable" and str(obj.get("Note") or "").startswith(LEASE_PREFIX + " ")
