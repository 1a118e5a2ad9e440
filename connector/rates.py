"""Dated rate tables and the reference rates the law derives from them.

A table comes from one of two places: the user rates directory, which `relance rates update` and
`relance rates add` fill (`rates_dir:` in relance.yaml, else `RELANCE_RATES_DIR`, else the user's data
directory), or the tables shipped in `mappings/rates/`. Per table, the one known complete up to the
latest day (`# covered_until:`) wins, so an upgrade that ships newer tables is never shadowed by an old
download, and the installed package is never written to.

Asking for a day after a table's `covered_until` is an error (`RateMissing`) naming the table, the file
and the command that fixes it: never a silent zero or a stale rate carried forward.
"""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from connector.errors import ConfigError, RateMissing


@dataclass(frozen=True)
class TableInfo:
    file: str  # the shipped file (the user rates directory holds `<name>.csv`)
    label: str
    fixing: str  # "decision": changes at a committee's decision; "half_year": fixed for 1 January and 1 July
    by_hand: bool = False  # no publisher serves it as data: recorded with `relance rates add`


TABLES = {
    "ecb_mro": TableInfo("ecb_mro.csv", "ECB main refinancing operations rate", "decision"),
    "de_base": TableInfo("de_base_rate.csv", "Bundesbank Basiszinssatz", "half_year"),
    "boe_bank": TableInfo("boe_bank_rate.csv", "Bank of England Bank Rate", "decision"),
    "fr_legal_professional": TableInfo("fr_legal_rate.csv", "French legal interest rate (professional creditors)",
                                       "half_year", by_hand=True),
    "fr_legal_individual": TableInfo("fr_legal_rate.csv", "French legal interest rate (individual creditors)",
                                     "half_year", by_hand=True),
}
ENV_VAR = "RELANCE_RATES_DIR"
_configured: Path | None = None  # `rates_dir:` of the relance.yaml in use


@dataclass(frozen=True)
class RateTable:
    name: str
    label: str
    path: Path
    days: tuple[date, ...]
    rates: tuple[Decimal, ...]
    sources: tuple[str, ...]
    covered_until: date

    @property
    def file(self) -> str:
        return self.path.name

    def on(self, day: date) -> Decimal:
        """The rate in force on `day`: the last change on or before it."""
        if day > self.covered_until:
            raise RateMissing(self, day)
        if not self.days or day < self.days[0]:
            raise RateMissing(self, day, before_start=True)
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

    def rows(self) -> list[tuple[date, Decimal, str]]:
        return list(zip(self.days, self.rates, self.sources))

    @property
    def remedy(self) -> str:
        """The command that brings the rows published since `covered_until`."""
        if TABLES[self.name].by_hand:
            return (f"record the published rate with `relance rates add {self.name} --from DATE --rate PERCENT "
                    f"--source URL` (the arrêté in the Journal officiel)")
        return "run `relance rates update`"


# -- where tables live ------------------------------------------------------------------------------

def shipped_dir() -> Path:
    return Path(str(resources.files("mappings") / "rates"))


def use_rates_dir(path: str | Path | None) -> None:
    """The `rates_dir:` of the deployment file (None: fall back to RELANCE_RATES_DIR, then the data dir)."""
    global _configured
    _configured = Path(path) if path else None
    reload()


def user_dir() -> tuple[Path, str]:
    """The user rates directory and what chose it (for messages)."""
    if _configured is not None:
        return _configured, "rates_dir in relance.yaml"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]), ENV_VAR
    import platformdirs  # XDG_DATA_HOME on Linux, Application Support on macOS, AppData on Windows

    return platformdirs.user_data_path("relance") / "rates", "the user data directory"


def user_file(name: str) -> Path:
    return user_dir()[0] / f"{name}.csv"


def candidates(name: str) -> list[RateTable]:
    """Every readable copy of a table: the user directory's (if any), then the shipped one."""
    if name not in TABLES:
        raise KeyError(name)
    found = []
    mine = user_file(name)
    if mine.is_file():
        found.append(parse_table(mine, name))
    found.append(parse_table(shipped_dir() / TABLES[name].file, name))
    return found


@functools.cache
def table(name: str) -> RateTable:
    """The copy of the table known complete up to the latest day (the user's on a tie: it was fetched later)."""
    best = None
    for t in candidates(name):
        if best is None or t.covered_until > best.covered_until:
            best = t
    assert best is not None
    return best


def reload() -> None:
    """Forget the tables read so far (after an update, or when the rates directory changes)."""
    table.cache_clear()


# -- the file format --------------------------------------------------------------------------------

def parse_table(path: Path, name: str) -> RateTable:
    """Parse one CSV; `name` picks the column of a file holding two rates (the shipped French legal rate)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read rate table: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "not UTF-8 text") from None
    return parse_text(text, path, name)


def parse_text(text: str, path: Path, name: str) -> RateTable:
    column = {"fr_legal_professional": "professional", "fr_legal_individual": "individual"}.get(name, "rate")
    covered: date | None = None
    rows: list[tuple[date, Decimal, str]] = []
    body = []
    for n, line in enumerate(text.splitlines(), 1):
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
    if reader.fieldnames is None or "effective_date" not in reader.fieldnames:
        raise ConfigError(str(path), f"header must name effective_date and {column}")
    if column not in reader.fieldnames:
        column = "rate"  # a single-rate file of the user directory holds one of the French rates
        if column not in reader.fieldnames:
            raise ConfigError(str(path), "header must name effective_date and rate")
    for (n, _), row in zip(body[1:], reader):
        if None in row:  # more fields than the header: a decimal comma (4,25) would read as 4
            raise ConfigError(str(path), f"line {n}: {len(reader.fieldnames) + len(row[None])} fields where the header has "
                                         f"{len(reader.fieldnames)} (a decimal comma, or a comma in an unquoted source?)")
        try:
            day = date.fromisoformat(row["effective_date"])
            rate = Decimal(row[column])
        except (ValueError, InvalidOperation, TypeError):
            raise ConfigError(str(path), f"line {n}: bad date or rate in {row}") from None
        if not rate.is_finite() or not Decimal(-50) <= rate <= Decimal(100):
            raise ConfigError(str(path), f"line {n}: rate {row[column]} is not a percentage between -50 and 100")
        if rows and day <= rows[-1][0]:
            raise ConfigError(str(path), f"line {n}: dates must increase ({day} after {rows[-1][0]})")
        rows.append((day, rate, (row.get("source") or "").strip()))
    if covered is None:
        raise ConfigError(str(path), "missing '# covered_until: YYYY-MM-DD' line")
    if not rows:
        raise ConfigError(str(path), "no rows")
    if covered < rows[-1][0]:
        raise ConfigError(str(path), f"covered_until {covered} is before the last row ({rows[-1][0]})")
    return RateTable(
        name=name, label=TABLES[name].label, path=path, days=tuple(r[0] for r in rows),
        rates=tuple(r[1] for r in rows), sources=tuple(r[2] for r in rows), covered_until=covered,
    )


def format_table(rows: list[tuple[date, Decimal, str]], covered: date, note: str = "") -> str:
    """The single-rate CSV format of the shipped tables (see mappings/rates/README.md)."""
    out = [f"# {line}" for line in note.splitlines()] + [f"# covered_until: {covered.isoformat()}"]
    lines = [["effective_date", "rate", "source"]] + [[d.isoformat(), f"{r:f}", s] for d, r, s in rows]
    buf = _Lines()
    csv.writer(buf, lineterminator="\n").writerows(lines)
    return "\n".join(out) + "\n" + "".join(buf.parts)


class _Lines:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def write_table(name: str, rows: list[tuple[date, Decimal, str]], covered: date, note: str = "") -> RateTable:
    """Validate, then replace `<user dir>/<name>.csv` atomically: a write killed half-way leaves the old file whole."""
    path = user_file(name)
    text = format_table(rows, covered, note)
    parsed = parse_text(text, path, name)  # what is written must read back as it is meant
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a writer killed before its rename
            stale.unlink(missing_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(str(path), f"cannot write the rate table ({exc.strerror or exc}): the rates directory "
                                     f"({user_dir()[1]}) must be writable; set rates_dir in relance.yaml or "
                                     f"{ENV_VAR} to a folder of your own") from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    reload()
    return parsed


# -- the law's fixing dates -------------------------------------------------------------------------

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

