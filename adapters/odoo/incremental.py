"""Incremental reads: a later fetch by the same `OdooSource` re-reads only the rows that changed.

Singer SDK's signpost: the upper bound of a read is frozen when it starts, as the `Date` header of
Odoo's first answer (sent on XML-RPC and JSON-2 alike); the next read takes the rows with
`write_date >= signpost - lag` and replaces cached rows by id. The lag catches late commits: Odoo stamps
write_date with its transaction's start (`cr.now()`), so a row may become visible after a later signpost.
Only memory is used: a new process, a new as_of day, N hours or any error mean a full read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests

from adapters.odoo.client import OdooClient
from adapters.odoo.mapping import OdooMapping
from adapters.odoo.read import (
    MOVE_FIELDS,
    PARTNER_CONTEXT,
    PLAIN,
    Rows,
    customer_of,
    m2o_id,
    name_currencies,
    read_by_ids,
    read_markers,
    read_related,
    read_rows,
    receivable_domain,
    search_ids,
)

log = logging.getLogger("relance.odoo")

CURSOR = "write_date"  # the replication key of every model read here; `id` is the de-duplication key


class ServerClock:
    """Odoo's time when it answered the first call since `start()`, from the HTTP `Date` header
    (RFC 9110 §6.6.1: a server with a clock sends it), naive UTC like Odoo's datetimes."""

    def __init__(self, session: requests.Session):
        self.first: datetime | None = None
        session.hooks["response"].append(self._saw)

    def start(self) -> None:
        self.first = None

    def _saw(self, resp: requests.Response, *args, **kwargs) -> None:
        if self.first is None and resp.headers.get("Date"):
            try:
                self.first = parsedate_to_datetime(resp.headers["Date"]).astimezone(UTC).replace(tzinfo=None)
            except (TypeError, ValueError):
                pass  # no signpost: the next fetch reads in full


@dataclass
class Snapshot:
    rows: Rows
    as_of: date
    signpost: datetime   # server time when the read that produced `rows` started
    full_at: float       # time.monotonic() of the last full read


class IncrementalReader:
    """The rows of the last read and its signpost; `read` brings them up to date or reads in full."""

    def __init__(self, client: OdooClient, mapping: OdooMapping, *, lag: timedelta = timedelta(minutes=5),
                 full_every: timedelta = timedelta(hours=24)):
        self.client, self.mapping, self.lag, self.full_every = client, mapping, lag, full_every
        self.clock = ServerClock(client.session)
        self.snapshot: Snapshot | None = None
        self.last_read = ""  # "full" or "incremental", for logs and the bench

    def read(self, as_of: date) -> Rows:
        self.clock.start()
        snap, self.snapshot = self.snapshot, None  # whatever fails below leaves no cache behind
        if snap and snap.as_of == as_of and time.monotonic() - snap.full_at < self.full_every.total_seconds():
            try:
                self._update(snap.rows, as_of, snap.signpost - self.lag)
                self._keep(snap.rows, as_of, snap.full_at, "incremental")
                return snap.rows
            except Exception as exc:  # noqa: BLE001 - any doubt about the cache: read everything again
                log.warning("incremental Odoo read failed (%s: %s): reading in full", type(exc).__name__, exc)
                self.clock.start()
        rows = read_rows(self.client, self.mapping, as_of)
        self._keep(rows, as_of, time.monotonic(), "full")
        return rows

    def _keep(self, rows: Rows, as_of: date, full_at: float, how: str) -> None:
        self.last_read = how
        if self.clock.first is not None:
            self.snapshot = Snapshot(rows, as_of, self.clock.first, full_at)

    def _update(self, rows: Rows, as_of: date, bound: datetime) -> None:
        c, page = self.client, self.mapping.receivables.page_size
        written = [(CURSOR, ">=", bound.strftime("%Y-%m-%d %H:%M:%S"))]
        domain = receivable_domain(self.mapping, as_of)
        present = set(search_ids(c, "account.move.line", domain))
        changed = {ln["id"]: ln for ln in c.search_read_all("account.move.line", [*domain, *written],
                                                            rows.line_fields, page=page, **PLAIN)}
        # A new partial changes the residual of both its lines: read them again even where their own
        # write_date did not move (Odoo's recompute stamps it; the emulator and SQL-level matching may not).
        # A removed partial leaves no row: its lines are found by their write_date alone.
        touched = {m2o_id(p[f]) for p in c.search_read_all("account.partial.reconcile", written,
                                                           ["debit_move_id", "credit_move_id"], page=page)
                   for f in ("debit_move_id", "credit_move_id")}
        gone = rows.lines.keys() - present
        for lid in gone:
            del rows.lines[lid]
        again = ((present - rows.lines.keys()) | (touched & present)) - changed.keys()
        changed.update(read_by_ids(c, "account.move.line", again, rows.line_fields, **PLAIN))
        name_currencies(c, rows, changed.values())
        rows.lines.update(changed)
        refresh(c, rows.moves, "account.move", written, MOVE_FIELDS, page, **PLAIN)
        refresh(c, rows.partners, "res.partner", written, rows.partner_fields, page, context=PARTNER_CONTEXT)
        read_related(c, self.mapping, rows, changed)
        last = max(rows.history, default=0)  # Relance's own new messages have higher ids
        rows.history.update(read_markers(c, ["|", ("id", ">", last), *written], page=page))
        prune(rows)
        log.info("incremental Odoo read: %d receivable lines, %d read again, %d gone",
                 len(rows.lines), len(changed), len(gone))


def refresh(client: OdooClient, held: dict[int, dict], model: str, written: list, fields: list[str], page: int,
            **kw) -> None:
    """Replace the held rows of `model` written since the bound (the others are not ours: not kept)."""
    for row in client.search_read_all(model, written, fields, page=page, **kw):
        if row["id"] in held:
            held[row["id"]] = row


def prune(rows: Rows) -> None:
    """Forget what no line of the domain refers to any more (lines that left it, their moves, partners...)."""
    for held in (rows.partials, rows.applied):
        for lid in held.keys() - rows.lines.keys():
            del held[lid]
    keep_moves = {m2o_id(ln["move_id"]) for ln in rows.lines.values()}
    keep_partners = {customer_of(ln, rows.moves.get(m2o_id(ln["move_id"]), {})) for ln in rows.lines.values()}
    credit_ids = {m2o_id(p["credit_move_id"]) for ps in rows.partials.values() for p in ps}
    counter_moves = {m2o_id(rows.counterparts[c]["move_id"]) for c in credit_ids if c in rows.counterparts}
    for held, keep in ((rows.moves, keep_moves), (rows.partners, keep_partners), (rows.counterparts, credit_ids),
                       (rows.counter_moves, counter_moves)):
        for rid in held.keys() - keep:
            del held[rid]
