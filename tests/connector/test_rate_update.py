"""`relance rates update` against the publishers' answers as they serve them (fixtures/rates/README.md says
where each shape was read): a normal answer, an outage, a malformed or partial answer (refused, nothing
written), a rate change mid-half-year, and a write killed half-way (the previous file stays whole)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
import requests
import responses

from connector import publishers, rate_update, rates
from connector.interest import interest_periods
from connector.jurisdictions import get as jurisdiction

FIXTURES = Path(__file__).parent / "fixtures" / "rates"
TODAY = date(2026, 12, 2)
ECB_CSV = "text/csv"
BOE_CSV = "application/csv"  # as recorded (lineofflight/frankfurter spec/vcr_cassettes/boe.yml)
BBK_CSV = "application/vnd.sdmx.data+csv;version=1.0.0;charset=UTF-8"  # as recorded (…/bbk.yml)
_MONTH = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@pytest.fixture(autouse=True)
def june_tables(monkeypatch):
    """The shipped tables as they stood before any update (fixtures/rates/shipped-2026-06)."""
    monkeypatch.setattr(rates, "shipped_dir", lambda: FIXTURES / "shipped-2026-06")
    rates.reload()
    yield
    monkeypatch.undo()
    rates.reload()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def boe_csv(start: date, end: date, changes: list[tuple[date, str]]) -> bytes:
    """The IADB's CSVF=TN export: `DATE,IUDBEDR`, one CRLF line per weekday, numbers without trailing zeros."""
    lines = ["DATE,IUDBEDR"]
    day = start
    while day <= end:
        if day.weekday() < 5:
            value = [v for d, v in changes if d <= day][-1]
            lines.append(f"{day.day:02d} {_MONTH[day.month - 1]} {day.year},{value}")
        day += timedelta(days=1)
    return ("\r\n".join(lines) + "\r\n").encode()


def bbk_csv(months: list[tuple[str, str]]) -> bytes:
    """The Bundesbank's SDMX-CSV, built on the recorded row's own columns: BOM, ';', CRLF, an empty line after."""
    recorded = fixture("bbk_basiszins_2025-01_2026-09.csv").decode("utf-8-sig").split("\r\n")
    header, template = recorded[0], recorded[1].split(";")
    cols = header.split(";")
    rows = []
    for period, value in months:
        row = list(template)
        row[cols.index("TIME_PERIOD")], row[cols.index("OBS_VALUE")] = period, value
        row[cols.index("BBK_COMM_OBS")] = ""
        rows.append(";".join(row))
    return ("\ufeff" + "\r\n".join([header, *rows]) + "\r\n\r\n").encode()


def boe_history() -> list[tuple[date, str]]:
    t = rates.table("boe_bank")
    return [(d, f"{r.normalize():f}") for d, r in zip(t.days, t.rates)]


def bbk_months(until: str, last: str = "1.52") -> list[tuple[str, str]]:
    """Monthly values from 2014-07, each half-year at the shipped table's rate (the last one at `last`)."""
    t = rates.table("de_base")
    out = []
    year, month = 2014, 7
    while f"{year}-{month:02d}" <= until:
        first = rates.half_year_start(date(year, month, 1))
        value = last if first > t.days[-1] else f"{t.on(max(first, t.days[0])):f}"
        out.append((f"{year}-{month:02d}", value))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def serve(rsps, ecb=None, boe=None, bbk=None) -> None:
    """Each publisher's answer: bytes served 200 with its content type, or a prepared responses.Response."""
    for url, body, ctype in ((publishers.ECB_URL, ecb, ECB_CSV), (publishers.BOE_URL, boe, BOE_CSV),
                             (publishers.BBK_URL, bbk, BBK_CSV)):
        if body is None:
            continue
        if isinstance(body, bytes):
            rsps.get(url, body=body, status=200, content_type=ctype)
        else:
            rsps.add(body)


def by_table(outcomes) -> dict[str, rate_update.Outcome]:
    return {o.table: o for o in outcomes}


# -- a normal answer ------------------------------------------------------------------------------

def test_given_the_ecb_series_when_updating_then_the_2026_changes_are_written_to_the_user_dir(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=fixture("ecb_mro_dataonly.csv"))
        [o] = rate_update.update(["ecb_mro"], today=TODAY)
        sent = rsps.calls[0].request
    assert o.status == "updated", o.message
    assert "format=csvdata" in sent.url and "detail=dataonly" in sent.url
    assert sent.headers["User-Agent"].startswith("Relance/")
    t = rates.table("ecb_mro")
    assert t.path == rates_dir / "ecb_mro.csv" and t.covered_until == TODAY
    assert t.rows()[-2:] == [(date(2026, 6, 17), D("2.4"), f"ECB Data Portal {publishers.ECB_KEY} (fetched {TODAY})"),
                             (date(2026, 9, 16), D("2.65"), f"ECB Data Portal {publishers.ECB_KEY} (fetched {TODAY})")]
    assert o.changes == ["2026-06-17: 2.4 % (new)", "2026-09-16: 2.65 % (new)"]
    # the shipped table is untouched and still read where it is the more complete one
    assert rates.table("de_base").path.parent == rates.shipped_dir()


def test_given_an_updated_table_then_interest_of_the_second_half_of_2026_is_computed_at_12_40(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=fixture("ecb_mro_dataonly.csv"))
        rate_update.update(["ecb_mro"], today=TODAY)
    rule = jurisdiction("fr-b2b").interest
    periods = interest_periods(D("1000"), [], date(2026, 6, 1), date(2026, 11, 30), rule)
    # L441-10: the ECB rate in force on 1 July (2.40, from 17 June) + 10 points for the whole half-year,
    # the 16 September change notwithstanding; the first half-year keeps 2.15 + 10
    assert [(p.start, p.end, p.rate) for p in periods] == [
        (date(2026, 6, 1), date(2026, 6, 30), D("12.15")), (date(2026, 6, 30), date(2026, 11, 30), D("12.40"))]
    assert rates.table("ecb_mro").on(date(2026, 9, 20)) == D("2.65")  # the mid-half-year change is recorded


def test_given_the_boe_export_when_updating_then_changes_only_and_covered_to_the_last_day_observed(rates_dir):
    changes = boe_history() + [(date(2026, 11, 6), "3.5")]
    with responses.RequestsMock() as rsps:
        serve(rsps, boe=boe_csv(date(2014, 12, 1), date(2026, 11, 30), changes))
        [o] = rate_update.update(["boe_bank"], today=TODAY)
        sent = rsps.calls[0].request
    assert o.status == "updated", o.message
    assert "SeriesCodes=IUDBEDR" in sent.url and "Dateto=02%2FDec%2F2026" in sent.url and "CSVF=TN" in sent.url
    t = rates.table("boe_bank")
    assert t.covered_until == date(2026, 11, 30)  # a Monday: the last row of the export
    assert t.on(date(2026, 11, 5)) == D("3.75") and t.on(date(2026, 11, 6)) == D("3.5")
    assert t.days[0] == date(2009, 3, 5)  # the older history of the table it replaces is kept
    assert o.changes == ["2026-11-06: 3.5 % (new)"]


def test_given_the_recorded_boe_month_then_the_18_december_cut_is_read():
    with responses.RequestsMock() as rsps:
        serve(rsps, boe=fixture("boe_iudbedr_2025-12.csv"))
        got = publishers.fetch_boe(requests.Session(), TODAY, 5)["boe_bank"]
    assert [(d, r) for d, r, _ in got.rows] == [(date(2025, 12, 1), D("4")), (date(2025, 12, 18), D("3.75"))]
    assert got.covered_until == date(2025, 12, 31)


def test_given_the_bundesbank_series_when_updating_then_one_row_per_half_year_covered_to_its_end(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, bbk=bbk_csv(bbk_months("2026-09")))
        [o] = rate_update.update(["de_base"], today=TODAY)
        sent = rsps.calls[0].request
    assert o.status == "updated", o.message
    assert "format=sdmx_csv" in sent.url and "startPeriod=2014-07" in sent.url
    t = rates.table("de_base")
    assert t.covered_until == date(2026, 12, 31) and t.rows()[-1][:2] == (date(2026, 7, 1), D("1.52"))
    assert o.changes == ["2026-07-01: 1.52 % (new)"]


def test_given_the_recorded_bundesbank_rows_then_their_half_years_are_read():
    with responses.RequestsMock() as rsps:
        serve(rsps, bbk=fixture("bbk_basiszins_2025-01_2026-09.csv"))
        got = publishers.fetch_bundesbank(requests.Session(), TODAY, 5)["de_base"]
    assert [(d, r) for d, r, _ in got.rows] == [(date(2025, 1, 1), D("2.27")), (date(2025, 7, 1), D("1.27")),
                                                (date(2026, 1, 1), D("1.27")), (date(2026, 7, 1), D("1.52"))]


def test_given_an_update_already_done_then_the_second_one_writes_nothing(rates_dir):
    for _ in range(2):
        with responses.RequestsMock() as rsps:
            serve(rsps, ecb=fixture("ecb_mro_dataonly.csv"))
            outcomes = rate_update.update(["ecb_mro"], today=TODAY)
    assert outcomes[0].status == "current", outcomes[0].message


def test_given_every_table_then_the_french_legal_rate_is_said_to_be_recorded_by_hand(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=fixture("ecb_mro_dataonly.csv"), boe=boe_csv(date(2014, 12, 1), TODAY, boe_history()),
              bbk=bbk_csv(bbk_months("2026-11")))
        got = by_table(rate_update.update(None, today=TODAY))
    assert {n: o.status for n, o in got.items()} == {
        "ecb_mro": "updated", "boe_bank": "updated", "de_base": "updated",
        "fr_legal_professional": "by hand", "fr_legal_individual": "by hand"}
    assert "Journal officiel" in got["fr_legal_individual"].message


# -- outages, malformed and partial answers: nothing written -----------------------------------------

def assert_nothing_written(rates_dir: Path) -> None:
    assert not rates_dir.exists() or not [p for p in rates_dir.iterdir() if p.suffix == ".csv"]
    assert rates.table("ecb_mro").path.parent == rates.shipped_dir()


def test_given_an_ecb_outage_then_failed_naming_the_publisher_and_the_others_still_updated(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=responses.Response("GET", publishers.ECB_URL, status=503, body="Service Unavailable",
                                           content_type="text/html"),
              bbk=bbk_csv(bbk_months("2026-09")))
        got = by_table(rate_update.update(["ecb_mro", "de_base"], today=TODAY))
    assert got["ecb_mro"].status == "failed"
    assert got["ecb_mro"].message.startswith("ECB Data Portal answered HTTP 503")
    assert got["de_base"].status == "updated"
    assert not (rates_dir / "ecb_mro.csv").exists()


def test_given_the_ecb_unreachable_then_failed_saying_so(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=responses.Response("GET", publishers.ECB_URL,
                                           body=requests.ConnectionError("[Errno 111] Connection refused")))
        [o] = rate_update.update(["ecb_mro"], today=TODAY)
    assert o.status == "failed" and "ECB Data Portal cannot be reached" in o.message
    assert "connection refused" in o.message
    assert_nothing_written(rates_dir)


def test_given_the_ecb_not_found_problem_then_its_title_is_reported(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=responses.Response("GET", publishers.ECB_URL, status=404, body=fixture("ecb_404.json"),
                                           content_type="application/problem+json"))
        [o] = rate_update.update(["ecb_mro"], today=TODAY)
    assert o.status == "failed" and "HTTP 404 Not Found: Not Found" in o.message
    assert_nothing_written(rates_dir)


@pytest.mark.parametrize("body, expected", [
    (b"<html><body>Maintenance</body></html>", "not the documented csvdata"),
    (fixture("ecb_mro_dataonly.csv")[:-12], "9 fields where the header has 10"),  # cut inside the last row
    (fixture("ecb_mro_dataonly.csv").replace(b",2.65\n", b",2,65\n"), "11 fields where the header has 10"),
    (fixture("ecb_mro_dataonly.csv").replace(b"2026-06-17", b"2026-10-17"), "out of order"),
    (fixture("ecb_mro_dataonly.csv").replace(b"MRR_FR,LEV,2026", b"MRR_FR,LEV,17/06/2026"), "is not a date"),
], ids=["html", "truncated", "decimal-comma", "out-of-order", "date"])
def test_given_a_malformed_ecb_answer_then_refused_and_nothing_written(rates_dir, body, expected):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=body)
        [o] = rate_update.update(["ecb_mro"], today=TODAY)
    assert o.status == "failed" and expected in o.message, o.message
    assert_nothing_written(rates_dir)


def test_given_an_answer_that_does_not_reach_back_to_2015_then_refused_as_partial(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=fixture("ecb_mro_since_2024.csv"))
        [o] = rate_update.update(["ecb_mro"], today=TODAY)
    assert o.status == "failed" and "starts on 2024-06-12" in o.message and "partial" in o.message
    assert_nothing_written(rates_dir)


def test_given_the_boe_error_page_redirect_then_refused(rates_dir):
    with responses.RequestsMock() as rsps:
        error_page = "https://www.bankofengland.co.uk/boeapps/database/ErrorPage.asp?ei=1809&ui=1"
        rsps.get(publishers.BOE_URL, status=302, headers={"Location": error_page})
        rsps.get(error_page, status=200, body="<html>Error</html>", content_type="text/html")
        [o] = rate_update.update(["boe_bank"], today=TODAY)
    assert o.status == "failed" and "refused the query" in o.message and "ei=1809" in o.message
    assert not (rates_dir / "boe_bank.csv").exists()


def test_given_a_boe_403_then_failed_naming_the_publisher(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, boe=responses.Response("GET", publishers.BOE_URL, status=403, body="Forbidden"))
        [o] = rate_update.update(["boe_bank"], today=TODAY)
    assert o.status == "failed" and o.message.startswith("Bank of England database answered HTTP 403")


def test_given_a_basiszinssatz_changing_inside_a_half_year_then_refused(rates_dir):
    months = bbk_months("2026-09")
    months[-1] = ("2026-09", "1.77")  # September differs from July: not how §247 BGB moves
    with responses.RequestsMock() as rsps:
        serve(rsps, bbk=bbk_csv(months))
        [o] = rate_update.update(["de_base"], today=TODAY)
    assert o.status == "failed" and "changes only on 1 January and 1 July" in o.message
    assert not (rates_dir / "de_base.csv").exists()


def test_given_an_answer_older_than_the_table_in_use_then_the_table_is_kept(rates_dir):
    with responses.RequestsMock() as rsps:  # the export ends on 2026-03-31, the shipped table goes further
        serve(rsps, boe=boe_csv(date(2014, 12, 1), date(2026, 3, 31), boe_history()))
        [o] = rate_update.update(["boe_bank"], today=TODAY)
    assert o.status == "kept" and "2026-03-31" in o.message
    assert not (rates_dir / "boe_bank.csv").exists()


# -- a write killed half-way -----------------------------------------------------------------------

def test_given_an_update_killed_while_writing_then_the_previous_file_stays_whole(rates_dir):
    with responses.RequestsMock() as rsps:
        serve(rsps, ecb=fixture("ecb_mro_dataonly.csv"))
        rate_update.update(["ecb_mro"], today=TODAY)
    before = (rates_dir / "ecb_mro.csv").read_bytes()
    # a second writer is SIGKILLed after writing its temporary file, before the rename
    child = textwrap.dedent("""
        import os, signal
        from datetime import date
        from decimal import Decimal
        from connector import rates
        real_fsync = os.fsync
        def killed(fd):
            real_fsync(fd)
            os.kill(os.getpid(), signal.SIGKILL)
        os.fsync = killed
        t = rates.table("ecb_mro")
        rates.write_table("ecb_mro", t.rows() + [(date(2026, 12, 1), Decimal("9.99"), "half-written")], date(2026, 12, 1))
    """)
    proc = subprocess.run([sys.executable, "-c", child], env={**os.environ, "RELANCE_RATES_DIR": str(rates_dir)},
                          cwd=Path(__file__).parents[2], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    assert (rates_dir / "ecb_mro.csv").read_bytes() == before
    leftovers = [p.name for p in rates_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers and "9.99" in (rates_dir / leftovers[0]).read_text()  # the temporary file is all it reached
    rates.reload()
    assert rates.table("ecb_mro").rates[-1] == D("2.65")
    # the next write clears what the killed one left
    rates.write_table("ecb_mro", rates.table("ecb_mro").rows(), TODAY)
    assert not [p for p in rates_dir.iterdir() if p.name.endswith(".tmp")]


# -- adding by hand ----------------------------------------------------------------------------------

def test_given_the_french_legal_rate_added_by_hand_then_it_is_used_for_that_half_year(rates_dir):
    o = rate_update.add("fr_legal_individual", date(2026, 7, 1), D("6.50"),
                        "https://www.legifrance.gouv.fr/jorf/id/EXAMPLE", today=TODAY)
    assert o.status == "updated"
    t = rates.table("fr_legal_individual")
    assert t.path == rates_dir / "fr_legal_individual.csv" and t.covered_until == date(2026, 12, 31)
    assert t.on(date(2026, 7, 1)) == D("6.50") and t.on(date(2026, 6, 30)) == D("6.67")
    assert rates.table("fr_legal_professional").path.parent == rates.shipped_dir()  # the other rate untouched


@pytest.mark.parametrize("table, start, rate, source, expected", [
    ("fr_legal_individual", date(2026, 8, 1), "6.5", "JORF", "give YYYY-01-01 or YYYY-07-01"),
    ("fr_legal_individual", date(2027, 1, 1), "6.5", "JORF", "add the half-year starting 2026-07-01 first"),
    ("fr_legal_individual", date(2026, 1, 1), "6.5", "JORF", "rows are added after it"),
    ("ecb_mro", date(2026, 6, 17), "240", "ECB", "not a percentage between -50 and 100"),
    ("ecb_mro", date(2026, 6, 17), "2.4", " ", "--source"),
], ids=["not-half-year", "gap", "before-last-row", "percent", "no-source"])
def test_given_a_bad_row_by_hand_then_refused_and_nothing_written(rates_dir, table, start, rate, source, expected):
    from connector.errors import ConfigError

    with pytest.raises(ConfigError) as exc:
        rate_update.add(table, start, D(rate), source, today=TODAY)
    assert expected in str(exc.value) and f"relance rates add {table}" in str(exc.value)
    assert not rates_dir.exists() or not list(rates_dir.iterdir())


def test_given_a_hand_edited_user_table_that_is_broken_then_an_error_names_the_file(rates_dir):
    from connector.errors import ConfigError

    rates_dir.mkdir()
    (rates_dir / "ecb_mro.csv").write_text("# covered_until: 2026-12-01\neffective_date,rate,source\n2026-06-17,2,4,x\n")
    rates.reload()
    with pytest.raises(ConfigError) as exc:
        rates.table("ecb_mro")
    assert str(rates_dir / "ecb_mro.csv") in str(exc.value) and "decimal comma" in str(exc.value)


def test_every_table_has_a_publisher_or_is_recorded_by_hand_never_both():
    fetched = {t for pub in publishers.PUBLISHERS for t in pub.tables}
    by_hand = {name for name, info in rates.TABLES.items() if info.by_hand}
    assert fetched | by_hand == set(rates.TABLES) and not fetched & by_hand
    assert set(publishers.BY_HAND) == by_hand


def test_given_the_french_legal_rate_ending_then_the_remedy_is_adding_it_by_hand_not_an_update():
    from connector.errors import RateMissing

    t = rates.table("fr_legal_professional")
    with pytest.raises(RateMissing) as exc:
        t.on(t.covered_until + timedelta(days=1))
    assert "relance rates add fr_legal_professional --from DATE" in str(exc.value)
    assert "relance rates update" not in exc.value.cause
