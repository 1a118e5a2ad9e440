"""Keeping the rate tables current: `relance rates update`, `add` and `show`, and the daemon's daily update.

What is fetched or added is written to the user rates directory (`connector.rates.user_dir`), never into the
installed package; a table there is used only while it covers more than the shipped one. A written table keeps
the older rows of the table it replaces, so no history is lost when a publisher answers from 2014 only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import requests

from connector import rates
from connector.errors import ConfigError
from connector.publishers import BY_HAND, PUBLISHERS, REACH_BACK, Fetched, PublisherError

log = logging.getLogger("relance.rates")

Status = Literal["updated", "current", "kept", "failed", "by hand"]


@dataclass(frozen=True)
class Outcome:
    table: str
    status: Status
    message: str
    changes: list[str] = field(default_factory=list)


def update(names: list[str] | None = None, *, today: date, timeout: float = 20,
           session: requests.Session | None = None) -> list[Outcome]:
    """Fetch each publisher's series and write the tables that it makes more complete. One publisher's
    failure never stops the others; nothing is written for a table whose answer is refused."""
    unknown = sorted(set(names or ()) - set(rates.TABLES))
    if unknown:
        raise ConfigError("relance rates update", f"unknown table {', '.join(unknown)} (known: {', '.join(rates.TABLES)})")
    session = session or requests.Session()
    outcomes: list[Outcome] = []
    for pub in PUBLISHERS:
        wanted = [t for t in pub.tables if not names or t in names]
        if not wanted:
            continue
        try:
            fetched = pub.fetch(session, today, timeout)
        except PublisherError as exc:
            outcomes.extend(Outcome(t, "failed", f"{exc}; nothing written") for t in wanted)
            continue
        outcomes.extend(_apply(t, pub.name, fetched[t]) for t in wanted)
    for name, where in BY_HAND.items():
        if not names or name in names:
            t = rates.table(name)
            outcomes.append(Outcome(name, "by hand", f"no publisher serves it as data; covered until {t.covered_until} "
                                                     f"({t.path}); its rates are in {where}"))
    return outcomes


def _apply(name: str, publisher: str, new: Fetched) -> Outcome:
    current = rates.table(name)
    first = new.rows[0][0]
    if first > REACH_BACK:
        return Outcome(name, "failed", f"{publisher}'s answer starts on {first}, after {REACH_BACK}: a partial answer; "
                                       f"nothing written")
    if new.covered_until < current.covered_until:
        return Outcome(name, "kept", f"{publisher} answers up to {new.covered_until}; the table in use covers up to "
                                     f"{current.covered_until} ({current.path})")
    rows = [r for r in current.rows() if r[0] < first] + new.rows
    changes = []
    for day, rate, _ in new.rows:
        if day > current.covered_until:
            changes.append(f"{day}: {rate:f} % (new)")
        elif day >= current.days[0] and current.on(day) != rate:
            changes.append(f"{day}: {rate:f} % (the table in use said {current.on(day):f} %)")
    if new.covered_until == current.covered_until and not changes:
        return Outcome(name, "current", f"up to date: covered until {current.covered_until} ({current.path})")
    try:
        written = rates.write_table(name, rows, new.covered_until,
                                    note=f"Written by `relance rates update` from {new.url}; see mappings/rates/README.md")
    except ConfigError as exc:  # a directory that cannot be written: said, and the other tables go on
        return Outcome(name, "failed", str(exc))
    moved = f"covered until {new.covered_until} (was {current.covered_until})"
    return Outcome(name, "updated", f"{moved}; {len(changes)} rate change(s); written to {written.path}", changes)


def add(name: str, start: date, rate: Decimal, source: str, *, today: date,
        covered_until: date | None = None) -> Outcome:
    """One published rate recorded by hand, validated like the shipped tables."""
    where = f"relance rates add {name}"
    if name not in rates.TABLES:
        raise ConfigError(where, f"unknown table {name} (known: {', '.join(rates.TABLES)})")
    current = rates.table(name)
    problems = []
    if not source.strip():
        problems.append("--source: say where the rate was published (the URL of the Journal officiel text, the "
                        "press release…)")
    if not rate.is_finite() or not Decimal(-50) <= rate <= Decimal(100):
        problems.append(f"--rate {rate}: not a percentage between -50 and 100")
    half_year = rates.TABLES[name].fixing == "half_year"
    if half_year and start != rates.half_year_start(start):
        problems.append(f"--from {start}: {current.label} is fixed per half-year: give YYYY-01-01 or YYYY-07-01")
    if start <= current.days[-1]:
        problems.append(f"--from {start}: the table's last row is {current.days[-1]} ({current.path}); rows are added "
                        f"after it")
    if half_year and start > current.covered_until + timedelta(days=1):
        problems.append(f"--from {start}: the table covers up to {current.covered_until}; add the half-year starting "
                        f"{current.covered_until + timedelta(days=1)} first")
    covered = covered_until or (rates.half_year_end(start) if half_year else max(start, today))
    if covered < start:
        problems.append(f"--covered-until {covered}: before --from {start}")
    if problems:
        raise ConfigError(where, problems)
    written = rates.write_table(name, current.rows() + [(start, rate, " ".join(source.split()))], covered,
                                note="Written by `relance rates add`; see mappings/rates/README.md")
    return Outcome(name, "updated", f"{start}: {rate:f} %; covered until {covered} (was {current.covered_until}); "
                                    f"written to {written.path}", [f"{start}: {rate:f} % (added by hand)"])


@dataclass(frozen=True)
class Shown:
    table: str
    label: str
    last_day: date
    last_rate: Decimal
    covered_until: date
    path: str
    origin: str  # "user" or "shipped"


def show() -> list[Shown]:
    out = []
    for name in rates.TABLES:
        t = rates.table(name)
        origin = "shipped" if t.path.parent == rates.shipped_dir() else "user"
        out.append(Shown(name, t.label, t.days[-1], t.rates[-1], t.covered_until, str(t.path), origin))
    return out


def log_outcomes(outcomes: list[Outcome]) -> None:
    """The daemon's account of an update: what changed, and a warning naming the publisher that failed."""
    for o in outcomes:
        if o.status == "failed":
            log.warning("rates %s: update failed: %s", o.table, o.message)
        elif o.status == "updated":
            log.info("rates %s: %s: %s", o.table, o.message, "; ".join(o.changes) or "no rate change",
                     extra={"changes": o.changes})
        else:
            log.debug("rates %s: %s", o.table, o.message)
