"""QuickBooks adapter cost against the bundled emulator on loopback: HTTP requests and seconds.

    python bench/quickbooks.py [--invoices 10000] [--operations 1000]

(a) sync: the demo story (adapters/demo/quickbooks.py) loaded as many times as needed for N invoices, with
    their customers, payments and credit memos; a full read, then a few changes made through the API and a
    Change Data Capture read, then a CDC read with nothing changed.
(b) writes: the first M operations of the plan on that ledger written with `apply_many` (note-only actions
    through the batch endpoint, as the runner writes them), the same M again (all found: nothing written),
    and the next M one by one with `apply`, for comparison, each with its requests by endpoint.
The client's pacer is lifted (the emulator has no limits); what Intuit's limits would make of the request
counts is printed as a lower bound on the time (500 requests a minute, 40 batch requests a minute).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.quickbooks.auth import StaticToken  # noqa: E402
from adapters.quickbooks.client import MAX_BATCH, Pacer, QuickBooksClient, request_id  # noqa: E402
from adapters.demo.quickbooks import load_demo  # noqa: E402
from adapters.quickbooks.emulator import QuickBooksEmulator  # noqa: E402
from adapters.quickbooks.source import QuickBooksSource  # noqa: E402
from adapters.quickbooks.write import NOTE_ONLY  # noqa: E402
from connector.policy import load_policy  # noqa: E402
from connector.runner import run  # noqa: E402

AS_OF = date(2026, 3, 10)
PER_MINUTE, BATCH_PER_MINUTE = 500, 40  # Intuit's published throttles per company (see the report)


class Clock:
    """The emulator's clock: a day behind while seeding, so the CDC cursor of the first read is after it."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.shift


def endpoint(req: dict) -> str:
    parts = req["path"].split("/")[4:]
    if parts[-1:] == ["send"]:
        return "invoice send"
    return parts[0] if parts else "?"


class Meter:
    def __init__(self, emu: QuickBooksEmulator):
        self.emu = emu

    def __call__(self, label: str, fn):
        start = len(self.emu.requests)
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        reqs = self.emu.requests[start:]
        kinds = Counter(endpoint(r) for r in reqs)
        batches = kinds.get("batch", 0)
        floor = max((len(reqs) - batches) / PER_MINUTE, batches / BATCH_PER_MINUTE)
        print(f"{label}: requests={len(reqs)} seconds={seconds:.2f} "
              f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); "
              f"at Intuit's limits >= {floor:.1f} min")
        return out


def load(emu: QuickBooksEmulator, clock: Clock, invoices: int) -> dict[str, int]:
    totals: Counter = Counter()
    clock.shift = -timedelta(days=1)
    story = 0
    while totals["invoices"] < invoices:
        totals.update(load_demo(emu, AS_OF, seed=2026 + story, suffix=f" #{story}" if story else ""))
        story += 1
    clock.shift = timedelta(0)
    totals["stories"] = story
    return dict(totals)


def change_a_few(client: QuickBooksClient, emu: QuickBooksEmulator) -> str:
    """Five payments, two new invoices, one customer's email, one invoice deleted: through the API."""
    open_invoices = [i for i in emu.objects("Invoice") if i["Balance"] > 0 and i["CurrencyRef"]["value"] == "EUR"][:8]
    for n, inv in enumerate(open_invoices[:5]):
        client.create("Payment", {"CustomerRef": inv["CustomerRef"], "TotalAmt": inv["Balance"],
                                  "TxnDate": AS_OF.isoformat(), "CurrencyRef": inv["CurrencyRef"],
                                  "Line": [{"Amount": inv["Balance"], "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]},
                      requestid=request_id("bench-pay", n))
    base = open_invoices[5]
    for n in range(2):
        line = dict(base["Line"][0])
        line.pop("Id", None), line.pop("LineNum", None)
        client.create("Invoice", {"CustomerRef": base["CustomerRef"], "TxnDate": AS_OF.isoformat(),
                                  "DueDate": (AS_OF + timedelta(days=30)).isoformat(), "CurrencyRef": base["CurrencyRef"],
                                  "Line": [{**line, "Amount": Decimal("990.00")}]}, requestid=request_id("bench-inv", n))
    cust = client.read("Customer", base["CustomerRef"]["value"])
    client.update("Customer", {"Id": cust["Id"], "SyncToken": cust["SyncToken"],
                               "PrimaryEmailAddr": {"Address": "new-ap@bench.example"}}, requestid=request_id("bench-cust"))
    gone = client.read("Invoice", open_invoices[6]["Id"])
    client.request("POST", "invoice", params={"operation": "delete"}, body={"Id": gone["Id"], "SyncToken": gone["SyncToken"]},
                   requestid=request_id("bench-del"))
    return "5 payments, 2 new invoices, 1 customer edited, 1 invoice deleted"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=10_000)
    ap.add_argument("--operations", type=int, default=1_000)
    args = ap.parse_args()

    clock = Clock()
    emu = QuickBooksEmulator(home_currency="EUR", clock=clock)
    url = emu.start()
    try:
        t0 = time.perf_counter()
        counts = load(emu, clock, args.invoices)
        print(f"emulator seeded in {time.perf_counter() - t0:.1f} s: {counts}")
        token = emu.issue_tokens()["access_token"]
        source = QuickBooksSource.with_token(emu.realm_id, token, base_url=url, pacer=Pacer(per_minute=10**9, batch_per_minute=10**9))
        meter = Meter(emu)

        print("(a) sync")
        led = meter("full read", lambda: source.fetch(AS_OF))
        print(f"  mode={source.reader.last_mode} receivables={len(led.receivables)} customers={len(led.customers)} "
              f"credits={len(led.credits)} rejected={len(led.rejected)}")
        writer = QuickBooksClient(emu.realm_id, StaticToken(token), base_url=url, pacer=Pacer(per_minute=10**9, batch_per_minute=10**9))
        print(f"  changes: {change_a_few(writer, emu)}")
        led2 = meter("CDC read after the changes", lambda: source.fetch(AS_OF))
        print(f"  mode={source.reader.last_mode} receivables={len(led2.receivables)} "
              f"open={sum(r.open_amount > 0 for r in led2.receivables)} (was {sum(r.open_amount > 0 for r in led.receivables)})")
        meter("CDC read, nothing changed", lambda: source.fetch(AS_OF))
        print(f"  mode={source.reader.last_mode}")

        print("(b) writes")
        meter("relance init", source.init)
        plan = run(source, load_policy("fr-b2b"), AS_OF, dry_run=True).plan
        m = args.operations
        first, second = plan.operations[:m], plan.operations[m:2 * m]
        size = min(source.mapping.batch_size, MAX_BATCH)

        def mix(ops) -> str:
            kinds = Counter(op.channel if op.kind == "action" else "penalty" for op in ops)
            notes = sum(op.kind == "action" and op.channel in NOTE_ONLY for op in ops)
            return f"{len(ops)} ops ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; note-only {notes})"

        print(f"  plan: {len(plan.operations)} operations; batch size {size}")
        print(f"  first {mix(first)}")
        out = meter("apply_many", lambda: source.apply_many(first))
        print(f"  failed={sum(isinstance(v, Exception) for v in out.values())}")
        again = meter("apply_many again (all already written)", lambda: source.apply_many(first))
        print(f"  already written={sum('already written' in str(v) for v in again.values())}")
        if second:
            print(f"  next {mix(second)}")
            meter("apply one by one (no batches)", lambda: [source.apply(op) for op in second])
        source.close()
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
