"""Reconcile and plan N receivables over N/10 customers with history; print seconds and peak memory.

Target (issue #2) on a 2-core machine: 1,000,000 receivables, 100,000 customers, under 10 s and 2 GB.
    python bench/core.py [--receivables 1000000] [--customers 100000] [--policy fr-b2b]
Records are built with `model_construct` (what an adapter hands over is already validated); the
timed part is reconcile + plan only, the memory figure is the peak RSS of the whole process.
"""

from __future__ import annotations

import argparse
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
from connector.plan import make_plan  # noqa: E402
from connector.policy import load_policy  # noqa: E402
from connector.reconcile import reconcile  # noqa: E402

AS_OF = date(2025, 11, 4)  # a Tuesday inside the shipped rate tables


def build(n_recs: int, n_customers: int, seed: int = 7) -> Ledger:
    rnd = random.Random(seed)
    customers = [
        Customer.model_construct(id=str(i), name=f"Customer {i}", kind="company" if i % 5 else "person",
                                 lang="fr_FR", country="FR", has_email=i % 11 != 0, has_phone=True,
                                 has_address=True, excluded=i % 97 == 0, credit_limit=None, collector=None, tags=())
        for i in range(n_customers)
    ]
    recs, history = [], []
    amounts = [Decimal(x) / 100 for x in range(10_000, 2_000_000, 7_919)]
    for j in range(n_recs):
        cid = str(j % n_customers)
        due = AS_OF + timedelta(days=rnd.randint(-200, 45))
        amount = amounts[j % len(amounts)]
        settlements: tuple = ()
        open_amount = amount
        roll = rnd.random()
        if roll < 0.35:  # paid, on time or late
            settlements = (Settlement.model_construct(date=min(AS_OF, due + timedelta(days=rnd.randint(-5, 60))),
                                                      amount=amount, kind="payment", ref=None),)
            open_amount = Decimal(0)
        elif roll < 0.5:  # partially paid
            part = (amount / 3).quantize(Decimal("0.01"))
            settlements = (Settlement.model_construct(date=min(AS_OF, due + timedelta(days=rnd.randint(0, 20))),
                                                      amount=part, kind="payment", ref=None),)
            open_amount = amount - part
        rid = str(j)
        recs.append(Receivable.model_construct(
            id=rid, invoice_id=str(j // 2), number=f"FA{j:07d}", customer_id=cid, issue_date=due - timedelta(days=30),
            due_date=due, amount=amount, open_amount=open_amount, currency="EUR", disputed=roll > 0.99,
            settlements=settlements, company_id=None, is_penalty=False, contract_rate=None))
        late = (AS_OF - due).days
        if open_amount > 0 and late > 10:  # earlier levels already done
            level = min(1 + late // 12, 8)
            history.append(HistoryEntry.model_construct(
                key=make_key("action", cid, level, rid), kind="action", date=AS_OF - timedelta(days=3), customer_id=cid,
                receivable_ids=(rid,), level=level, channel="email", penalty=None, period_start=None, period_end=None,
                amount=None, currency=None, source_ref=None))
    return Ledger(customers=customers, receivables=recs, history=history)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--receivables", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--policy", default="fr-b2b")
    args = ap.parse_args()
    policy = load_policy(args.policy)
    t0 = time.perf_counter()
    led = build(args.receivables, args.customers)
    t1 = time.perf_counter()
    rec = reconcile(led, policy, AS_OF)
    t2 = time.perf_counter()
    plan = make_plan(rec, policy)
    t3 = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kinds: dict[str, int] = {}
    for op in plan.operations:
        kinds[op.channel or op.kind] = kinds.get(op.channel or op.kind, 0) + 1
    print(f"receivables={args.receivables} customers={args.customers} history={len(led.history)} policy={args.policy}")
    print(f"build_s={t1 - t0:.2f} reconcile_s={t2 - t1:.2f} plan_s={t3 - t2:.2f} reconcile_plus_plan_s={t3 - t1:.2f}")
    print(f"operations={len(plan.operations)} skipped={len(plan.skipped)} errors={len(plan.errors)} by_kind={kinds}")
    print(f"peak_rss_mib={peak_mib:.0f}")


if __name__ == "__main__":
    main()
