"""The official publishers of the reference rates, read through their machine-readable services.

Each publisher turns its answer into the rows of our tables (one per rate that took effect) and the day
up to which the answer proves the table complete. An answer that does not look exactly as documented
(another header, a date or number that does not parse, dates out of order, an error page served as 200)
is refused whole: `PublisherError`, and nothing is written.

The French legal interest rate has no such service: it is fixed twice a year by an arrêté in the Journal
officiel (Code monétaire et financier L313-2, D313-1-A); the Banque de France's Webstat API holds no series
of it. It is recorded by hand with `relance rates add`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import requests

from connector.rates import half_year_end, half_year_start

USER_AGENT = "Relance/0.1 (late-payment interest; relance rates update)"
# Every fetched table reaches back to this day at least, so that it can replace the shipped one.
REACH_BACK = date(2015, 1, 1)
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                       "Dec"), 1)}


class PublisherError(Exception):
    """A publisher could not be read, or answered something we refuse to trust; the message names it."""


@dataclass(frozen=True)
class Fetched:
    rows: list[tuple[date, Decimal, str]]  # (effective date, percent per year, source), dates increasing
    covered_until: date
    url: str


@dataclass(frozen=True)
class Publisher:
    name: str
    tables: tuple[str, ...]
    fetch: Callable[[requests.Session, date, float], dict[str, Fetched]]


def _get(session: requests.Session, who: str, url: str, params: dict, timeout: float, accept: str) -> requests.Response:
    try:
        resp = session.get(url, params=params, timeout=timeout,
                           headers={"User-Agent": USER_AGENT, "Accept": accept})
    except requests.Timeout:
        raise PublisherError(f"{who} did not answer within {timeout:g} s ({url})") from None
    except requests.ConnectionError as exc:
        reason = "connection refused" if "refused" in str(exc).lower() else "cannot connect"
        raise PublisherError(f"{who} cannot be reached ({url}): {reason}") from None
    if resp.status_code != 200:
        raise PublisherError(f"{who} answered HTTP {resp.status_code} {resp.reason or ''}".rstrip()
                             + f"{_problem(resp)} ({url})")
    return resp


def _problem(resp: requests.Response) -> str:
    """The title of an RFC 7807 problem answer (the ECB's 404), never a whole HTML page."""
    if "json" not in resp.headers.get("Content-Type", ""):
        return ""
    try:
        doc = json.loads(resp.text)
    except ValueError:
        return ""
    title = doc.get("title") if isinstance(doc, dict) else None
    return f": {str(title)[:120]}" if title else ""


def _number(text: str, who: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise PublisherError(f"{who}: {where}: {text.strip()[:40]!r} is not a number") from None
    if not value.is_finite() or not Decimal(-50) <= value <= Decimal(100):
        raise PublisherError(f"{who}: {where}: {value} is not a rate in percent")
    return value


def _whole(row: dict, width: int, who: str, n: int) -> None:
    """A row with as many fields as the header: a decimal comma or a cut line would shift or drop a value."""
    count = width + len(row[None]) if None in row else width - sum(v is None for v in row.values())
    if count != width:
        raise PublisherError(f"{who}: line {n}: {count} fields where the header has {width}: a malformed or "
                             f"partial answer")


def _changes(points: list[tuple[date, Decimal]], source: str) -> list[tuple[date, Decimal, str]]:
    """Observations (one per day or per change) -> one row per rate that took effect."""
    rows: list[tuple[date, Decimal, str]] = []
    for day, value in points:
        if not rows or value != rows[-1][1]:
            rows.append((day, value, source))
    return rows


def _increasing(points: list[tuple[date, Decimal]], who: str) -> None:
    if not points:
        raise PublisherError(f"{who}: the answer holds no observation")
    for (a, _), (b, _) in zip(points, points[1:]):
        if b <= a:
            raise PublisherError(f"{who}: observations out of order ({b} after {a}): a partial or mixed answer")


# -- ECB Data Portal -------------------------------------------------------------------------------

ECB_URL = "https://data-api.ecb.europa.eu/service/data/FM/B.U2.EUR.4F.KR.MRR_FR.LEV"
ECB_KEY = "FM.B.U2.EUR.4F.KR.MRR_FR.LEV"


def fetch_ecb(session: requests.Session, today: date, timeout: float) -> dict[str, Fetched]:
    """The main refinancing operations fixed rate from the ECB Data Portal's SDMX REST API
    (https://data.ecb.europa.eu/help/api/data): `GET /service/data/FM/B.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata
    &detail=dataonly` answers a CSV with the header KEY,FREQ,…,TIME_PERIOD,OBS_VALUE, one row per day the rate
    changed ("date of changes"), dated from when it took effect; no answer row means no change, so the series
    as served today is complete up to today. 404 comes as application/problem+json
    (https://data.ecb.europa.eu/help/api/status-codes). The whole series is asked for: about sixty rows."""
    who = "ECB Data Portal"
    resp = _get(session, who, ECB_URL, {"format": "csvdata", "detail": "dataonly"}, timeout, "text/csv")
    reader = csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig", errors="replace")))
    if not reader.fieldnames or not {"KEY", "TIME_PERIOD", "OBS_VALUE"} <= set(reader.fieldnames):
        raise PublisherError(f"{who}: the answer is not the documented csvdata (header {(reader.fieldnames or [])[:4]})")
    points = []
    for n, row in enumerate(reader, 2):
        _whole(row, len(reader.fieldnames), who, n)
        if row.get("KEY") != ECB_KEY:
            raise PublisherError(f"{who}: line {n}: series {row.get('KEY')!r}, expected {ECB_KEY}")
        try:
            day = date.fromisoformat(row["TIME_PERIOD"] or "")
        except ValueError:
            raise PublisherError(f"{who}: line {n}: {row['TIME_PERIOD']!r} is not a date") from None
        if not (row.get("OBS_VALUE") or "").strip():
            raise PublisherError(f"{who}: line {n}: no value on {day}: a partial answer")
        points.append((day, _number(row["OBS_VALUE"], who, f"line {n}")))
    _increasing(points, who)
    if points[-1][0] > today:
        raise PublisherError(f"{who}: a change dated {points[-1][0]}, after today {today}")
    source = f"ECB Data Portal {ECB_KEY} (fetched {today})"
    return {"ecb_mro": Fetched(_changes(points, source), today, ECB_URL)}


# -- Bank of England -------------------------------------------------------------------------------

BOE_URL = "https://www.bankofengland.co.uk/boeapps/database/_iadb-fromshowcolumns.asp"


def _boe_date(text: str) -> date:
    day, month, year = text.split()
    return date(int(year), _MONTHS[month], int(day))


def fetch_boe(session: requests.Session, today: date, timeout: float) -> dict[str, Fetched]:
    """Bank Rate (series IUDBEDR) from the Bank of England's Interactive Statistical Database: the CSV export
    `_iadb-fromshowcolumns.asp?csv.x=yes&SeriesCodes=IUDBEDR&CSVF=TN&UsingCodes=Y&VPD=Y&VFD=N&Datefrom=01/Dec/2014
    &Dateto=DD/Mon/YYYY` answers `DATE,IUDBEDR` then one row per business day (`18 Dec 2025,3.75`), CRLF
    (https://www.bankofengland.co.uk/boeapps/database/Help.asp). A refused query is not an HTTP error: the IADB
    redirects to `ErrorPage.asp?ei=…`, an HTML page served with 200. The default python-requests User-Agent is
    refused with 403, hence ours. The table is complete up to the last day observed."""
    who = "Bank of England database"
    until = f"{today.day:02d}/{list(_MONTHS)[today.month - 1]}/{today.year}"  # not strftime's %b: it follows the locale
    params = {"csv.x": "yes", "Datefrom": "01/Dec/2014", "Dateto": until, "SeriesCodes": "IUDBEDR", "CSVF": "TN",
              "UsingCodes": "Y", "VPD": "Y", "VFD": "N"}
    resp = _get(session, who, BOE_URL, params, timeout, "text/csv, application/csv")
    if "errorpage" in resp.url.lower() or any("errorpage" in (r.headers.get("Location") or "").lower() for r in resp.history):
        raise PublisherError(f"{who} refused the query (redirected to its error page {resp.url})")
    lines = resp.content.decode("utf-8-sig", errors="replace").splitlines()
    if not lines or lines[0].strip() != "DATE,IUDBEDR":
        raise PublisherError(f"{who}: the answer is not the documented CSV (first line {lines[0][:40] if lines else ''!r})")
    points = []
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        text, _, value = line.partition(",")
        try:
            day = _boe_date(text)
        except (ValueError, KeyError):
            raise PublisherError(f"{who}: line {n}: {text[:30]!r} is not a date like 18 Dec 2025") from None
        if not value.strip():
            continue  # a day without a value: not published yet
        points.append((day, _number(value, who, f"line {n}")))
    _increasing(points, who)
    source = f"Bank of England database IUDBEDR (fetched {today})"
    return {"boe_bank": Fetched(_changes(points, source), points[-1][0], BOE_URL)}


# -- Deutsche Bundesbank ---------------------------------------------------------------------------

BBK_URL = "https://api.statistiken.bundesbank.de/rest/data/BBIN1/M.DE.BBK.BBKBAS2.EUR.ME"


def fetch_bundesbank(session: requests.Session, today: date, timeout: float) -> dict[str, Fetched]:
    """The Basiszinssatz (§247 BGB; series BBIN1.M.DE.BBK.BBKBAS2.EUR.ME, formerly SU0115) from the Bundesbank's
    SDMX web service (https://www.bundesbank.de/en/statistics/time-series-databases/help-for-sdmx-web-service/
    web-service-interface-data): `GET /rest/data/BBIN1/M.DE.BBK.BBKBAS2.EUR.ME?format=sdmx_csv&startPeriod=2014-07`
    answers SDMX-CSV with a UTF-8 BOM, `;` separators and CRLF, one row per month (TIME_PERIOD `2026-07`,
    OBS_VALUE `1.52` with a decimal point, `.` when missing). The rate changes only on 1 January and 1 July, so a
    change inside a half-year is refused; a half-year whose first month is published is complete."""
    who = "Deutsche Bundesbank"
    resp = _get(session, who, BBK_URL, {"format": "sdmx_csv", "startPeriod": "2014-07"}, timeout,
                "application/vnd.sdmx.data+csv, text/csv")
    reader = csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig", errors="replace")), delimiter=";")
    if not reader.fieldnames or not {"TIME_PERIOD", "OBS_VALUE"} <= set(reader.fieldnames):
        raise PublisherError(f"{who}: the answer is not the documented SDMX-CSV (header {(reader.fieldnames or [])[:3]})")
    months: list[tuple[date, Decimal]] = []
    for n, row in enumerate(reader, 2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # the empty line after a series block
        _whole(row, len(reader.fieldnames), who, n)
        period, value = (row.get("TIME_PERIOD") or "").strip(), (row.get("OBS_VALUE") or "").strip()
        try:
            year, month = (int(x) for x in period.split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise PublisherError(f"{who}: line {n}: {period!r} is not a month like 2026-07") from None
        if value in ("", "."):
            continue  # not published
        months.append((first, _number(value, who, f"line {n}")))
    _increasing(months, who)
    by_month = dict(months)
    points = []
    for first, value in months:
        start = half_year_start(first)
        if first == start:
            points.append((first, value))
        elif start in by_month and by_month[start] != value:
            raise PublisherError(f"{who}: {first:%Y-%m} has {value} where {start:%Y-%m} had {by_month[start]}: the "
                                 f"Basiszinssatz changes only on 1 January and 1 July")
    if not points:
        raise PublisherError(f"{who}: the answer holds no January or July value")
    source = f"Deutsche Bundesbank BBIN1.M.DE.BBK.BBKBAS2.EUR.ME (fetched {today})"
    rows = [(d, v, source) for d, v in points]  # every half-year, unchanged ones included, as in the shipped table
    return {"de_base": Fetched(rows, half_year_end(points[-1][0]), BBK_URL)}


# The tables that have a publisher; the others (rates.TABLES[...].by_hand) are recorded by hand.
PUBLISHERS = (
    Publisher("ECB Data Portal", ("ecb_mro",), fetch_ecb),
    Publisher("Bank of England database", ("boe_bank",), fetch_boe),
    Publisher("Deutsche Bundesbank", ("de_base",), fetch_bundesbank),
)
# Tables no publisher serves as data: where their rates are published, for `relance rates add`.
BY_HAND = {
    "fr_legal_professional": "the arrêté fixing the taux de l'intérêt légal in the Journal officiel (Légifrance), "
                             "late June and late December: the rate 'pour tous les autres cas'",
    "fr_legal_individual": "the arrêté fixing the taux de l'intérêt légal in the Journal officiel (Légifrance), late "
                           "June and late December: the rate for 'créances des personnes physiques n'agissant pas pour "
                           "des besoins professionnels'",
}
