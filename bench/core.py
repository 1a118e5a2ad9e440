"""Reconcile and plan N receivables over N/10 customers with history; print seconds and peak memory.

Target (issue #2) on a 2-core machine: 1,000,000 receivables, 100,000 customers, under 10 s and 2 GB.
    python bench/core.py [--receivables 1000000] [--customers 100000] [--policy fr-b2b]
Records are validated pydantic models, as an adapter hands them over; the timed part is reconcile +
plan only, in wall seconds and in CPU seconds of this process (the machine is shared: CPU time is the
steadier figure); the memory figure is the peak RSS of the whole process (ledger included).
`plan_sha256` fingerprints the plan (every operation's key and amount, every skip and error): a change
meant only to be faster must leave it as it was.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.keys import make_key  # noqa: E402
from connector.models import Customer, HistoryEntry, Ledger, Receivable, Settlement  # noqa: E402
from connector.policy import load_policy  # noqa: E402
from connector.runner import plan_ledger  # noqa: E402

AS_OF = date(2025, 11, 4)  # a Tuesday inside the shipped rate tables


def build(n_recs: int, n_customers: int, policy, seed: int = 7) -> Ledger:
    """A ledger in the steady state of daily runs: earlier levels and charges are in the history, so
    today's plan holds what changed since yesterday (new levels, charges due, courtesy reminders)."""
    rnd = random.Random(seed)
    levels = policy.segments[-1].levels
    pen = policy.penalties
    days = {d: AS_OF + timedelta(days=d) for d in range(-400, 400)}  # adapters share date objects too
    customers = [
        Customer(id=str(i), name=f"Customer {i}", kind="company" if i % 5 else "person", lang="fr_FR", country="FR",
                 has_email=i % 11 != 0, has_phone=True, has_address=True, excluded=i % 97 == 0)
        for i in range(n_customers)
    ]
    cids = [c.id for c in customers]
    recs, history = [], []
    amounts = [Decimal(x) / 100 for x in range(10_000, 2_000_000, 7_919)]
    groups: dict[tuple[str, int], list[str]] = {}
    for j in range(n_recs):
        cid = cids[j % n_customers]
        late = rnd.randint(-45, 200)
        due = days[-late]
        amount = amounts[j % len(amounts)]
        settlements: tuple = ()
        open_amount = amount
        roll = rnd.random()
        if roll < 0.35:  # paid, on time or late
            settlements = (Settlement(date=days[min(0, -late + rnd.randint(-5, 60))], amount=amount),)
            open_amount = Decimal(0)
        elif roll < 0.5:  # partially paid
            part = (amount / 3).quantize(Decimal("0.01"))
            settlements = (Settlement(date=days[min(0, -late + rnd.randint(0, 20))], amount=part),)
            open_amount = amount - part
        rid = str(j)
        recs.append(Receivable(
            id=rid, invoice_id=rid, number=f"FA{j:07d}", customer_id=cid, issue_date=days[min(0, -late - 30)],
            due_date=due, amount=amount, open_amount=open_amount, currency=policy.currency, disputed=roll > 0.995,
            settlements=settlements))
        if late > 0 and pen.indemnity:  # the indemnity of this late invoice was already charged
            history.append(HistoryEntry(
                key=make_key("indemnity", rid), kind="penalty", date=days[-late + 1], customer_id=cid,
                receivable_ids=(rid,), penalty="indemnity", amount=Decimal(40), currency=policy.currency,
                invoice_id=rid))
        if open_amount == 0:
            paid_late = (settlements[0].date - due).days
            if paid_late > 0 and pen.interest:  # the final interest invoice went out when it was paid
                history.append(HistoryEntry(
                    key=make_key("final", rid), kind="penalty", date=settlements[0].date, customer_id=cid,
                    receivable_ids=(rid,), penalty="interest", period_start=due, period_end=settlements[0].date,
                    amount=Decimal("1.00"), currency=policy.currency))
            continue
        due_level = sum(1 for lv in levels if lv.offset <= late)
        done = due_level - (1 if rnd.random() < 0.1 else 0)  # one in ten needs its next level today
        if done > 0:
            groups.setdefault((cid, done), []).append(rid)
        if late > 0 and done >= pen.from_level and pen.interest:
            charged_to = max(1, min(late - 1, rnd.randint(1, policy.penalties.every_days)))  # daily runs: 1 in 30 due today
            history.append(HistoryEntry(
                key=make_key("penalty", rid, charged_to), kind="penalty", date=days[-charged_to], customer_id=cid,
                receivable_ids=(rid,), penalty="interest", period_start=due,
                period_end=days[-charged_to], amount=Decimal("1.00"), currency=policy.currency))
        if late > 0 and pen.fee:
            fee = pen.fee
            count = min(fee.max_count or 10**6, 1 + (late - 1) // (fee.every_days or 10**6))
            for k in range(count - (1 if rnd.random() < 0.1 else 0)):
                history.append(HistoryEntry(
                    key=make_key("fee", rid, k), kind="penalty", date=due, customer_id=cid, receivable_ids=(rid,),
                    penalty="fee", period_start=due, period_end=due, amount=Decimal(25), currency=policy.currency))
    for (cid, level), rids in groups.items():
        history.append(HistoryEntry(
            key=make_key("action", cid, level, *rids), kind="action", date=days[-rnd.randint(8, 20)], customer_id=cid,
            receivable_ids=tuple(rids), level=level, channel=levels[level - 1].channel))
    return Ledger(customers=customers, receivables=recs, history=history)


def digest(plan) -> str:
    h = hashlib.sha256()
    for op in plan.operations:
        h.update(f"{op.key} {op.amount} {op.currency}\n".encode())
    for s in (*plan.skipped, *plan.errors):
        h.update(f"{s.customer_id}|{s.record}|{s.reason}|{s.key}\n".encode())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--receivables", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--policy", default="fr-b2b")
    args = ap.parse_args()
    policy = load_policy(args.policy)
    t0 = time.perf_counter()
    led = build(args.receivables, args.customers, policy)
    t1, c1 = time.perf_counter(), time.process_time()
    rec, plan = plan_ledger(led, policy, AS_OF)  # exactly what connector.run does
    t3, c3 = time.perf_counter(), time.process_time()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kinds: dict[str, int] = {}
    for op in plan.operations:
        kinds[op.channel or op.kind] = kinds.get(op.channel or op.kind, 0) + 1
    print(f"receivables={args.receivables} customers={args.customers} history={len(led.history)} policy={args.policy}")
    print(f"build_s={t1 - t0:.2f} reconcile_plus_plan_s={t3 - t1:.2f} cpu_s={c3 - c1:.2f} accounts={len(rec.accounts)}")
    print(f"operations={len(plan.operations)} skipped={len(plan.skipped)} errors={len(plan.errors)} by_kind={kinds}")
    print(f"peak_rss_mib={peak_mib:.0f} plan_sha256={digest(plan)}")


if __name__ == "__main__":
    main()
