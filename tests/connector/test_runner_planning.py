"""`plan_ledger`: the streamed plan (each account planned as soon as it is reconciled) is the plan of the
whole reconciliation, and the cyclic GC is kept out of planning without being left off, also when
the daemon plans several tenants at once in threads."""

from __future__ import annotations

import gc
import threading
from datetime import date, timedelta

import pytest

from connector.models import HistoryEntry
from connector.plan import make_plan
from connector.policy import load_policy
from connector.reconcile import reconcile
from connector.runner import frozen_heap, plan_ledger
from tests.builders import action, customer, ledger, receivable

TUE = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _gc_restored():
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def _mixed_ledger(n: int = 12):
    """Customers in every state the planner distinguishes: due soon, overdue at every level, paid late,
    partly paid, disputed, excluded, without contact data, a level recorded under another customer."""
    custs = [customer(f"C{i}", has_email=i % 3 != 0, has_address=i % 4 != 0, excluded=i == 5) for i in range(n)]
    recs, hist = [], []
    for j in range(4 * n):
        cid = f"C{j % n}"
        due = TUE - timedelta(days=(j * 7) % 120 - 5)
        payments = ()
        if j % 5 == 0:
            payments = ((str(min(TUE, due + timedelta(days=20))), "1000.00"),)
        elif j % 5 == 1:
            payments = ((str(min(TUE, due + timedelta(days=3))), "250.00"),)
        recs.append(receivable(f"R{j}", customer=cid, invoice=f"I{j // 2}", due=due.isoformat(),
                               issued=(due - timedelta(days=30)).isoformat(), payments=payments,
                               disputed=j == 7))
        if j % 3 == 0 and (TUE - due).days > 10:
            hist.append(action(f"{j:032d}", str(TUE - timedelta(days=9)), 1 + j % 5, (f"R{j}",), customer=cid,
                               channel="letter"))
    hist.append(HistoryEntry(key="f" * 32, kind="action", date=TUE - timedelta(days=8), customer_id="C1",
                             receivable_ids=("R2",), level=4, channel="letter"))  # R2 belongs to C2
    return ledger(custs, recs, hist)


@pytest.mark.parametrize("policy", ["fr-b2b", "us-flat-fee", "uk-b2b"])
@pytest.mark.parametrize("shift", [0, 4, 30])  # Tuesday, Saturday (no contact), a month on
def test_given_mixed_ledger_when_planned_streaming_then_same_plan_as_reconcile_then_plan(policy, shift):
    pol, as_of = load_policy(policy), TUE + timedelta(days=shift)
    led = _mixed_ledger()
    rec, streamed = plan_ledger(led, pol, as_of)
    whole = make_plan(reconcile(led, pol, as_of), pol)
    assert streamed.operations == whole.operations and streamed.operations
    assert sorted(map(repr, streamed.skipped)) == sorted(map(repr, whole.skipped))
    assert streamed.errors == whole.errors
    assert [a.customer.id for a in rec.accounts] == [c.id for c in led.customers]


def test_given_level_recorded_under_another_customer_then_it_counts_for_the_receivable():
    rec = reconcile(_mixed_ledger(), load_policy("fr-b2b"), TUE)
    [pos] = [p for a in rec.accounts for p in a.positions if p.receivable.id == "R2"]
    assert pos.receivable.customer_id == "C2" and pos.done_level == 4


def test_given_items_paid_late_then_positions_carry_the_day_they_were_settled():
    rec = reconcile(_mixed_ledger(), load_policy("fr-b2b"), TUE)
    paid = [p for a in rec.accounts for p in a.positions if p.status == "paid"]
    assert paid and all(p.paid_on == p.receivable.paid_on and p.paid_on > p.receivable.due_date for p in paid)
    assert all(p.paid_on is None for a in rec.accounts for p in a.positions if p.status != "paid")


def test_given_gc_enabled_when_planning_then_collector_off_inside_and_on_after():
    gc.enable()
    seen = []
    with frozen_heap():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()


def test_given_gc_disabled_by_the_caller_then_left_disabled_after_planning():
    gc.disable()
    plan_ledger(_mixed_ledger(), load_policy("fr-b2b"), TUE)
    assert not gc.isenabled()


def test_given_planning_fails_then_collector_back_on():
    gc.enable()
    with pytest.raises(RuntimeError), frozen_heap():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_given_a_cycle_made_while_planning_then_collected_afterwards():
    class Node:
        pass

    gc.enable()
    with frozen_heap():
        a, b = Node(), Node()
        a.other, b.other = b, a
        ids = {id(a), id(b)}
        del a, b
    gc.collect()
    assert not ids & {id(o) for o in gc.get_objects() if isinstance(o, Node)}


def test_given_overlapping_plans_then_collector_off_until_the_last_one_ends():
    gc.enable()
    first, second = frozen_heap(), frozen_heap()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first tenant is done while the second still plans
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_given_tenants_planned_in_threads_then_each_plan_as_alone_and_collector_on_after():
    gc.enable()
    pol = load_policy("fr-b2b")
    ledgers = [_mixed_ledger(n) for n in (9, 12, 15, 18)]
    alone = [plan_ledger(led, pol, TUE)[1].operations for led in ledgers]
    got: dict[int, list] = {}
    start = threading.Barrier(len(ledgers))

    def plan(i):
        start.wait()
        for _ in range(5):
            got[i] = plan_ledger(ledgers[i], pol, TUE)[1].operations

    threads = [threading.Thread(target=plan, args=(i,)) for i in range(len(ledgers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(ledgers))] == alone
    assert gc.isenabled()
