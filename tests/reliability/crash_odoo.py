"""The Odoo side of the crash and fault tests: the demo ledger in the emulator (in this process, on loopback),
its state saved and restored between kill points, its clock moved on, and its books in a normal form that two
runs can be compared on: every record of every model, without ids, timestamps and authors' sessions, records
created by the runs referred to by their own content — a multiset per model."""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Callable

from adapters.demo.ledger import demo_records
from adapters.odoo.emulator import DropConnection, OdooEmulator
from adapters.odoo.lease import MODEL as LEASE_MODEL
from adapters.odoo.source import OdooSource

SECRET = "crash-test-key-4f2a"
PROTOCOLS = {"19.0": "json2", "18.0": "xmlrpc", "17.0": "xmlrpc", "16.0": "xmlrpc"}


class OdooBooks:
    system = "odoo"

    def __init__(self, first_day: date, version: str = "19.0"):
        self.version, self.protocol = version, PROTOCOLS[version]
        self.offset = timedelta(0)  # how far the emulator's clock is ahead of this machine's
        self.emu = OdooEmulator(version=version, db="crash", clock=lambda: datetime.now() + self.offset)
        self.emu.seed(demo_records(first_day, version=version))
        self.emu.add_user(login="relance", password=SECRET, api_key=SECRET, groups=("account",), company_ids=(1,),
                          email="relance@example.com")
        self.url = self.emu.start()
        src = self.source()
        src.init()
        src.close()
        self.base = {m: frozenset(rows) for m, rows in self.emu.store.data.items()}

    @property
    def name(self) -> str:
        return f"Odoo {self.version} ({self.protocol})"

    # -- writers ----------------------------------------------------------------------------------
    def spec(self) -> dict:
        """What a writer process needs to build its source (crash_child.build_source)."""
        return {"url": self.url, "db": "crash", "login": "relance", "secret": SECRET, "protocol": self.protocol}

    def source(self, **kw) -> OdooSource:
        return OdooSource(self.url, "crash", "relance", SECRET, protocol=self.protocol, companies=(1,), **kw)

    def watch(self, refuse: Callable[[], bool] | None, on_write: Callable[[str], Any] | None) -> None:
        """Route every call through `refuse` (True: dropped unanswered) and every committed write through
        `on_write(phase)` (see OdooEmulator.write_hook); None removes the hooks."""
        def fault(protocol: str, model: str, method: str) -> None:
            if refuse():
                raise DropConnection()

        self.emu.fault_hook = fault if refuse else None
        self.emu.write_hook = (lambda protocol, model, method, phase: on_write(phase)) if on_write else None

    def faults(self, injector) -> None:
        """Inject `injector`'s faults (crash_faults.Injector) on every call; None stops."""
        self.emu.fault_hook = injector.odoo_hook if injector else None

    # -- state ------------------------------------------------------------------------------------
    def save(self) -> dict:
        with self.emu._lock:
            return {"data": copy.deepcopy(self.emu.store.data), "seq": dict(self.emu.store.seq)}

    def load(self, state: dict) -> None:
        with self.emu._lock:
            self.emu.store.data = copy.deepcopy(state["data"])
            self.emu.store.seq = dict(state["seq"])
        self.offset = timedelta(0)

    def lock(self):
        """Hold the emulator still (a test editing its data by hand)."""
        return self.emu._lock

    def pass_time(self, seconds: float) -> None:
        """The emulator's clock jumps forward (what a dead writer's lease waits for)."""
        self.offset += timedelta(seconds=seconds)

    def stop(self) -> None:
        self.emu.stop()

    # -- the books in normal form -----------------------------------------------------------------
    def books(self) -> dict[str, Counter]:
        with self.emu._lock:
            data = copy.deepcopy(self.emu.store.data)
        return normal_form(data, self.emu.store.schema, self.base)


# Who wrote a record and when differ between two runs that wrote the same thing; so does an invoice's portal access
# token (a uuid4 Odoo draws when the first reminder asks for its link), in the messages and letters that carry it.
_VOLATILE = {"id", "create_uid", "write_uid", "access_token"}
_TOKEN = re.compile(r"access_token=[0-9a-f-]{36}")


def without_token(text: str) -> str:
    """`text` with every portal access token replaced by `*`: Odoo draws a new one for each run's invoices."""
    return _TOKEN.sub("access_token=*", text)


def normal_form(data: dict[str, dict[int, dict]], schema: dict, base: dict[str, frozenset]) -> dict[str, Counter]:
    """Transient models (wizards Odoo deletes by itself) and lease claims (connector/lease.py: one whose removal
    failed stays until it expires) are left out. Penalty invoices stay drafts (the demo's mapping), numbered "/":
    posted ones would be numbered in the order they were posted, which an interrupted job changes."""
    memo: dict[tuple[str, int], Any] = {}

    def ref(model: str, rid: Any) -> Any:
        if not isinstance(rid, int) or isinstance(rid, bool) or rid in base.get(model, ()):
            return rid  # a record of the seeded ledger keeps its id: it is the same record in every run
        key = (model, rid)
        if key not in memo:
            memo[key] = ("cycle", model)
            memo[key] = ("new", model, row(model, rid)) if rid in data.get(model, {}) else ("gone", model)
        return memo[key]

    def row(model: str, rid: int) -> tuple:
        rec = data[model][rid]
        fields = schema[model].fields
        out = []
        for name, value in sorted(rec.items()):
            f = fields.get(name)
            if name in _VOLATILE or f is None or f.type == "datetime":
                continue
            if isinstance(value, str) and "access_token=" in value:
                value = without_token(value)
            if model == "ir.attachment" and name in ("datas", "checksum", "file_size"):
                value = bool(value)  # a letter's PDF prints the token: that it is there, not its bytes
            if f.type == "many2one" and value:
                value = ref(f.relation, value)
            elif f.type == "many2many":
                value = tuple(sorted((ref(f.relation, v) for v in value or ()), key=repr))
            elif name == "res_id" and value and (rec.get("res_model") or rec.get("model")) in schema:
                value = ref(rec.get("res_model") or rec.get("model"), value)
            out.append((name, _frozen(value)))
        return tuple(out)

    return {model: Counter(row(model, rid) for rid, rec in rows.items() if not _claim(model, rec))
            for model, rows in data.items() if rows and not schema[model].transient}


def _claim(model: str, rec: dict) -> bool:
    return model == LEASE_MODEL and not rec.get("res_model") and str(rec.get("name") or "").startswith("relance.lease ")


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value
