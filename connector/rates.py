"""Dated rate tables shipped in `mappings/rates/` and the reference rates the law derives from them.

Each table says up to which day it is known complete (`# covered_until:`); asking for a later day is
an error (`RateMissing`), never a silent zero or a stale rate carried forward.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from connector.errors import ConfigError, RateMissing

TABLES = {
    "ecb_mro": ("ecb_mro.csv", "ECB main refinancing operations rate"),
    "de_base": ("de_base_rate.csv", "Bundesbank Basiszinssatz"),
    "boe_bank": ("boe_bank_rate.csv", "Bank of England Bank Rate"),
    "fr_legal_professional": ("fr_legal_rate.csv", "French legal interest rate (professional creditors)"),
    "fr_legal_individual": ("fr_legal_rate.csv", "French legal interest rate (individual creditors)"),
}


@dataclass(frozen=True)
class RateTable:
    name: str
    label: str
    file: str
    days: tuple[date, ...]
    rates: tuple[Decimal, ...]
    sources: tuple[str, ...]
    covered_until: date

    def on(self, day: date) -> Decimal:
        """The rate in force on `day`: the last change on or before it."""
        if day > self.covered_until:
            raise RateMissing(
                f"no {self.label} is known for {day}: {self.file} is complete only up to "
                f"{self.covered_until}; add the rows published since then"
            )
        if not self.days or day < self.days[0]:
            raise RateMissing(f"no {self.label} is known for {day}: {self.file} starts on {self.days[0]}")
        lo, hi = 0, len(self.days)
        while lo < hi:  # bisect_right on dates
            mid = (lo + hi) // 2
            if self.days[mid] <= day:
                lo = mid + 1
            else:
                hi = mid
        return self.rates[lo - 1]

    def source_on(self, day: date) -> str:
        idx = max(i for i, d in enumerate(self.days) if d <= day)
        return self.sources[idx]


def _rates_dir() -> Path:
    return Path(str(resources.files("mappings") / "rates"))


def parse_table(path: Path, name: str) -> RateTable:
    """Parse one CSV; `name` picks the column for files holding two rates (French legal rate)."""
    column = {"fr_legal_professional": "professional", "fr_legal_individual": "individual"}.get(name, "rate")
    covered: date | None = None
    rows: list[tuple[date, Decimal, str]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read rate table: {exc.strerror}") from None
    body = []
    for n, line in enumerate(lines, 1):
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip() == "covered_until":
                try:
                    covered = date.fromisoformat(value.strip())
                except ValueError:
                    raise ConfigError(str(path), f"line {n}: covered_until {value.strip()!r} is not a date") from None
        elif line.strip():
            body.append((n, line))
    reader = csv.DictReader([line for _, line in body])
    if reader.fieldnames is None or column not in reader.fieldnames or "effective_date" not in reader.fieldnames:
        raise ConfigError(str(path), f"header must name effective_date and {column}")
    for (n, _), row in zip(body[1:], reader):
        if None in row:  # more fields than the header: a decimal comma (4,25) would read as 4
            raise ConfigError(str(path), f"line {n}: {len(reader.fieldnames) + len(row[None])} fields where the header has "
                                         f"{len(reader.fieldnames)} (a decimal comma, or a comma in an unquoted source?)")
        try:
            day = date.fromisoformat(row["effective_date"])
            rate = Decimal(row[column])
        except (ValueError, InvalidOperation, TypeError):
            raise ConfigError(str(path), f"line {n}: bad date or rate in {row}") from None
        if rows and day <= rows[-1][0]:
            raise ConfigError(str(path), f"line {n}: dates must increase ({day} after {rows[-1][0]})")
        rows.append((day, rate, (row.get("source") or "").strip()))
    if covered is None:
        raise ConfigError(str(path), "missing '# covered_until: YYYY-MM-DD' line")
    if not rows:
        raise ConfigError(str(path), "no rows")
    return RateTable(
        name=name, label=TABLES[name][1], file=path.name, days=tuple(r[0] for r in rows),
        rates=tuple(r[1] for r in rows), sources=tuple(r[2] for r in rows), covered_until=covered,
    )


@functools.cache
def table(name: str) -> RateTable:
    if name not in TABLES:
        raise KeyError(name)
    return parse_table(_rates_dir() / TABLES[name][0], name)


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def half_year_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def fixing_date_before(day: date) -> date:
    """The 30 June or 31 December immediately before `day` (UK Late Payment Act, SI 2002/1675)."""
    prev = day - timedelta(days=1)
    for candidate in (date(prev.year, 12, 31), date(prev.year, 6, 30)):
        if candidate <= prev:
            return candidate
    return date(prev.year - 1, 12, 31)


def covered_until(names: list[str]) -> date:
    """The last day every one of these tables covers: interest can be computed up to it."""
    return min(table(n).covered_until for n in names)
