"""Proof that nothing is lost or doubled when calls fail (issue #6, part 2).

The emulators inject, on a share of their calls (10 % and 30 %), each kind of fault the real services and the
networks in front of them produce (crash_faults: slow requests past the client's timeout, connection resets,
502, 503, 429 with Retry-After, Odoo serialization conflicts, QuickBooks stale SyncTokens, answers lost after
the write was applied). Runs of the day go on, one writer process each, until one ends with nothing failed;
the books must then be those of a clean run of the same day, and a plan of that day must be empty.
"""

from __future__ import annotations

import time

import pytest

from connector.policy import load_policy
from connector.runner import run
from tests.reliability.crash_faults import ODOO_KINDS, QBO_KINDS, RETRY_AFTER, Injector, faulty_day
from tests.reliability.crash_sweep import DAYS, difference, scenario

# (system, Odoo version, share of calls that fail, day of the job): the first day is the demo's big plan (184
# operations on Odoo, the penalties of every invoice paid late), the fourth adds penalty lines to open QuickBooks
# invoices (the updates a stale SyncToken fails), the last holds the credit holds. At 30 % every kind of fault
# must have been injected.
CASES = [("odoo", "19.0", 0.10, 0), ("odoo", "19.0", 0.30, 4), ("odoo", "17.0", 0.30, 4),
         ("quickbooks", "", 0.10, 0), ("quickbooks", "", 0.30, 3)]


@pytest.mark.parametrize("system,version,rate,day", CASES,
                         ids=[f"{s}{v.split('.')[0]}-{int(r * 100)}pct-day{d + 1}" for s, v, r, d in CASES])
def test_given_faults_on_a_share_of_calls_when_runs_go_on_until_one_ends_clean_then_the_books_equal_a_clean_run(
        system, version, rate, day):
    started = time.monotonic()
    sc = scenario(system, version or "19.0")
    sc.books.load(sc.ref.states[day])
    injector = Injector(rate, seed=600 + day, kinds=ODOO_KINDS if system == "odoo" else QBO_KINDS)
    out = faulty_day(sc, DAYS[day], injector)
    extra, missing, sample = difference(sc.books.books(), sc.ref.books[day])
    print(f"\n{sc.books.name}, {DAYS[day]}, {rate:.0%} of calls failing: {sum(injector.injected.values())} faults "
          f"injected in {injector.calls} calls {dict(sorted(injector.injected.items()))}; {out.runs} run(s), "
          f"{out.failed_items} item failure(s) done again later, runs cut short: {dict(out.stopped)}; "
          f"records doubled: {sum(extra.values())}, lost: {sum(missing.values())}; {time.monotonic() - started:.0f} s")
    assert out.finished, f"no run ended clean in {out.runs} runs: {dict(out.stopped)}"
    assert not extra and not missing, f"doubled {extra}, lost {missing}\n  " + "\n  ".join(sample)
    assert run(sc.books.source(), load_policy("fr-b2b"), DAYS[day]).plan.operations == []
    if rate >= 0.3:
        assert set(injector.injected) == set(injector.kinds), f"not every kind was injected: {dict(injector.injected)}"
    assert out.slept >= 0.95 * RETRY_AFTER * injector.injected["429"]  # Retry-After honoured (on fake clocks)
