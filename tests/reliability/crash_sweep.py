"""The job the crash and fault tests interrupt, its clean reference, and one kill point.

The job is a month of follow-up on the demo ledger: a run every Tuesday from 2026-05-19 to 2026-06-16 with the
fr-b2b policy, one level per run, so the month holds every kind of operation (emails, call, letter and
registered-letter activities, PDF letters, credit holds, penalty invoices or lines, the notes carrying the
markers) and the lease claims each run writes and removes. The reference is the job run day by day without
interruption, with the state saved before each day; a kill point is a write k of the whole job: the state
before its day is restored, a writer runs that day and is SIGKILLed right after its k-th write of the day,
then a normal writer runs the day to the end, and the books must equal the reference's after that day.
"""

from __future__ import annotations

import atexit
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from adapters.odoo.mapping import load_mapping
from connector.lease import TTL
from tests.reliability.crash_kill import ForkServer, Killer, WriteCounter, killed_by_sigkill, workdir

DAYS = [date(2026, 5, 19) + timedelta(days=7 * i) for i in range(5)]  # Tuesdays, no French holiday
FULL_SWEEP = os.environ.get("RELANCE_FULL_SWEEP") == "1"
INFLIGHT = load_mapping().writes.inflight  # calls a writer keeps in flight: committed or not when it is killed


@dataclass
class Reference:
    states: list[dict] = field(default_factory=list)  # before DAYS[0], after DAYS[0], ..., after DAYS[-1]
    books: list[dict] = field(default_factory=list)   # the books in normal form, after DAYS[i]
    writes: list[int] = field(default_factory=list)   # writes of DAYS[i]
    operations: list[Counter] = field(default_factory=list)  # DAYS[i]'s operations by channel (or "penalty")

    @property
    def total(self) -> int:
        return sum(self.writes)

    def locate(self, k: int) -> tuple[int, int]:
        """(day index, k-th write of that day) of the k-th write of the whole job."""
        for i, n in enumerate(self.writes):
            if k <= n:
                return i, k
            k -= n
        raise ValueError("past the job's last write")


@dataclass
class Scenario:
    books: Any  # OdooBooks | QuickBooksBooks
    server: ForkServer
    ref: Reference

    def job(self, day: date) -> dict:
        return {"system": self.books.system, "source": self.books.spec(), "days": [day.isoformat()],
                "policy": "fr-b2b"}


_SCENARIOS: dict[str, Scenario] = {}


def scenario(system: str, version: str = "19.0") -> Scenario:
    """The emulator with the demo ledger, a fork server and the clean reference: made once per test session."""
    key = f"{system}-{version}"
    if key not in _SCENARIOS:
        if system == "odoo":
            from tests.reliability.crash_odoo import OdooBooks
            books = OdooBooks(DAYS[0], version)
        else:
            from tests.reliability.crash_qbo import QuickBooksBooks
            books = QuickBooksBooks(DAYS[0])
        server = ForkServer(workdir())
        atexit.register(books.stop)
        atexit.register(server.close)
        _SCENARIOS[key] = Scenario(books, server, reference(books, server))
    return _SCENARIOS[key]


def reference(books, server: ForkServer) -> Reference:
    ref = Reference()
    ref.states.append(books.save())
    for day in DAYS:
        counter = WriteCounter()
        books.watch(counter.refuse, counter.on_write)
        try:
            status, result = server.run({"system": books.system, "source": books.spec(), "days": [day.isoformat()],
                                         "policy": "fr-b2b"})
        finally:
            books.watch(None, None)
        assert status == 0 and not result["error"], f"the clean run of {day} failed: {result}"
        ref.writes.append(counter.writes)
        ref.states.append(books.save())
        ref.books.append(books.books())
        assert result["runs"][0]["counts"]["done"] == result["runs"][0]["counts"]["planned"], result
        ref.operations.append(Counter(result["runs"][0]["kinds"]))
    return ref


@dataclass
class Outcome:
    k: int
    day: date
    write: int
    when: str
    again: tuple  # the kills of the writers that took over: (their n-th write, when)
    extra: dict[str, int]    # model -> records the interrupted job has and the clean one has not (doubled)
    missing: dict[str, int]  # model -> records the clean job has and the interrupted one has not (lost)
    sample: list[str]

    @property
    def ok(self) -> bool:
        return not self.extra and not self.missing


def difference(got: dict[str, Counter], want: dict[str, Counter]) -> tuple[dict, dict, list[str]]:
    extra, missing, sample = {}, {}, []
    for model in sorted(set(got) | set(want)):
        more = got.get(model, Counter()) - want.get(model, Counter())
        less = want.get(model, Counter()) - got.get(model, Counter())
        if more:
            extra[model] = sum(more.values())
            sample += [f"doubled {model}: {_short(r)}" for r in list(more)[:2]]
        if less:
            missing[model] = sum(less.values())
            sample += [f"lost {model}: {_short(r)}" for r in list(less)[:2]]
    return extra, missing, sample


def _short(row: Any) -> str:
    text = repr(row)
    return text if len(text) < 600 else text[:600] + "…"


def kill_point(sc: Scenario, k: int, when: str, again: tuple[tuple[int, str], ...] = ()) -> Outcome:
    """Kill the job's writer right after its k-th write (`when`: committed | answered), then, for each (j, when)
    of `again`, the writer that takes over right after its own j-th write; finish the job with a normal writer
    and compare the books with the clean job's."""
    i, j = sc.ref.locate(k)
    day = DAYS[i]
    sc.books.load(sc.ref.states[i])
    for n, (nth, variant) in enumerate(((j, when), *again)):
        killer = Killer(nth, variant)
        sc.books.watch(killer.refuse, killer.on_write)
        try:
            pid, _ = sc.server.start(sc.job(day))
            killer.set_pid(pid)
            status = sc.server.wait(pid)
            killer.done.wait(30)  # the hook returns once it saw the writer dead
        finally:
            sc.books.watch(None, None)
        if n and not killer.fired:  # a writer taking over had fewer writes left: it finished the job
            assert status == 0, f"write {k}, then {again}: a writer taking over failed (status {status})"
            break
        # After the answer to its last write (the lease claim removed) a writer may exit before the signal
        # lands: the same books as a kill.
        last = variant == "answered" and status == 0 and (n > 0 or nth == sc.ref.writes[i])
        assert killer.fired and (killed_by_sigkill(status) or last), \
            f"write {k} ({day} #{j}), kill {n + 1}: the writer was not killed (status {status}, {killer.writes} writes)"
        assert nth <= killer.writes < nth + INFLIGHT, \
            f"write {k}, kill {n + 1}: {killer.writes} writes committed, not {nth} and those in flight with it"
        sc.books.pass_time(TTL + 60)  # the dead writer's lease claim expires, as it does after a real crash
    status, result = sc.server.run(sc.job(day))
    assert status == 0 and not result["error"], f"write {k} ({day} #{j}): the run after the kill failed: {result}"
    extra, missing, sample = difference(sc.books.books(), sc.ref.books[i])
    return Outcome(k, day, j, when, again, extra, missing, sample)


def kill_points(total: int, n: int, seed: int) -> list[tuple[int, str]]:
    """Every write (the full sweep), or a seeded sample of n with the first and last writes; each with a
    variant, alternating so both are met all along the job."""
    rng = random.Random(seed)
    ks = list(range(1, total + 1)) if FULL_SWEEP or n >= total else sorted(
        {1, total} | set(rng.sample(range(2, total), n - 2)))
    return [(k, "committed" if (k + seed) % 2 else "answered") for k in ks]
