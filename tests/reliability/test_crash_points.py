"""Proof that nothing is lost or doubled when the writer dies at any write (issue #6, part 1).

A month of follow-up on the demo ledger (crash_sweep.DAYS: every kind of operation, about 136 writes on Odoo, whose
batches write a kind of record in one create and keep e-mails in flight together, and 790 on QuickBooks, whose
note-only actions go ten to a batch request; lease claims included) runs in a
writer process that the emulator, in this process, SIGKILLs right after its k-th write: once the write is
committed and before the answer is sent, or once the answer left. A normal writer then runs the day to the
end, and every record of the emulated books must be what the uninterrupted job left: no activity, email, note,
attachment, penalty invoice or line, credit hold or sent invoice doubled or missing. The writer that takes
over may be killed too (a crash loop).

CI tries a seeded sample of kill points; RELANCE_FULL_SWEEP=1 tries every write of the job (and 100 double
kills per system) and prints the figures (-s shows them): about an hour and a half on a two-core machine.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter

import pytest

from tests.reliability.crash_sweep import DAYS, FULL_SWEEP, difference, kill_point, kill_points, scenario

# Kill points per system in CI (first and last write included); each costs about two runs of its day.
SAMPLE = {("odoo", "19.0"): 14, ("odoo", "17.0"): 4, ("quickbooks", ""): 14}
EVERY_KIND = {"email", "call_task", "letter", "registered_letter", "credit_hold", "penalty"}


@pytest.mark.parametrize("system,version", list(SAMPLE), ids=["odoo19-json2", "odoo17-xmlrpc", "quickbooks"])
def test_given_the_writer_killed_right_after_a_write_when_a_normal_run_finishes_the_job_then_the_books_equal_a_clean_run(
        system, version):
    started = time.monotonic()
    sc = scenario(system, version or "19.0")
    kinds = sum(sc.ref.operations, Counter())
    assert EVERY_KIND <= set(kinds), f"the job should hold every kind of operation, it holds {dict(kinds)}"
    points = kill_points(sc.ref.total, SAMPLE[(system, version)], seed=6)
    outcomes = []
    for n, (k, when) in enumerate(points, 1):
        outcomes.append(kill_point(sc, k, when))
        if FULL_SWEEP and (n % 50 == 0 or not outcomes[-1].ok):
            print(f"{sc.books.name}: {n}/{len(points)} kill points, {sum(not o.ok for o in outcomes)} with a "
                  f"difference, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    bad = [o for o in outcomes if not o.ok]
    doubled = sum(sum(o.extra.values()) for o in outcomes)
    lost = sum(sum(o.missing.values()) for o in outcomes)
    print(f"\n{sc.books.name}: {'full sweep' if FULL_SWEEP else 'sample'}: {len(outcomes)} kill points of "
          f"{sc.ref.total} writes ({sum(o.when == 'committed' for o in outcomes)} before the answer, "
          f"{sum(o.when == 'answered' for o in outcomes)} after it) over {len(DAYS)} days, "
          f"{sum(kinds.values())} operations {dict(kinds)}; records doubled: {doubled}, lost: {lost}; "
          f"{time.monotonic() - started:.0f} s")
    assert not bad, "\n".join(f"kill after write {o.k} ({o.day}, write {o.write} of the day, {o.when}): "
                              f"doubled {o.extra}, lost {o.missing}\n  " + "\n  ".join(o.sample) for o in bad[:5])


@pytest.mark.parametrize("system", ["odoo", "quickbooks"])
def test_given_the_writer_that_takes_over_killed_too_when_a_third_one_finishes_the_job_then_the_books_equal_a_clean_run(
        system):
    """A writer that dies again while it completes what a dead one left (a crash loop) leaves nothing doubled."""
    sc = scenario(system)
    rng = random.Random(66)
    variants = ("committed", "answered")
    pairs = [(rng.randint(1, sc.ref.total), rng.choice(variants), rng.randint(1, 30), rng.choice(variants))
             for _ in range(100 if FULL_SWEEP else 4)]
    outcomes = [kill_point(sc, k, when, again=((j, then),)) for k, when, j, then in pairs]
    bad = [o for o in outcomes if not o.ok]
    print(f"\n{sc.books.name}: {len(outcomes)} double kills; records doubled: "
          f"{sum(sum(o.extra.values()) for o in outcomes)}, lost: {sum(sum(o.missing.values()) for o in outcomes)}")
    assert not bad, "\n".join(f"kill after write {o.k} ({o.day}, {o.when}), then after write {o.again}: doubled "
                              f"{o.extra}, lost {o.missing}\n  " + "\n  ".join(o.sample) for o in bad[:5])


@pytest.mark.parametrize("system", ["odoo", "quickbooks"])
def test_given_a_record_doubled_and_another_lost_then_the_comparison_of_the_books_reports_both(system):
    sc = scenario(system)
    sc.books.load(sc.ref.states[1])  # after the job's first day
    with sc.books.lock():
        if system == "odoo":
            data = sc.books.emu.store.data
            made = [rid for rid in data["mail.activity"] if rid not in sc.books.base["mail.activity"]]
            data["mail.activity"][max(data["mail.activity"]) + 1] = dict(data["mail.activity"][made[0]])
            del data["ir.attachment"][max(data["ir.attachment"])]  # the last letter of the day
        else:
            store = sc.books.emu.store
            note = next(a for a in store.objects["Attachable"].values() if "[relance:" in str(a.get("Note")))
            store.objects["Attachable"]["copy"] = {**note, "Id": "copy"}
            store.sent.pop()
    extra, missing, _ = difference(sc.books.books(), sc.ref.books[0])
    assert extra == ({"mail.activity": 1} if system == "odoo" else {"Attachable": 1})
    assert missing == ({"ir.attachment": 1} if system == "odoo" else {"emails sent": 1})
