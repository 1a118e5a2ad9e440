"""Odoo adapter read cost: a full read of N open invoices (two installments each, so 2N receivable
lines) next to one raw paged `search_read` of the same lines, a second fetch by the same source (incremental:
only what changed since the first), then a run on unchanged data.

    python bench/odoo_read.py [--invoices 10000]                      # against the bundled emulator
    ODOO_SECRET=... python bench/odoo_read.py --url http://127.0.0.1:8069 --db relance17 --login relance [--create]

Prints RPC calls and seconds for each step. With --url and --create, the invoices are first created
through the API (batched creates and posts) under partners named 'Bench ...'.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.odoo.read import LINE_FIELDS  # noqa: E402
from adapters.odoo.source import OdooSource  # noqa: E402
from connector.runner import run  # noqa: E402
from connector.policy import load_policy  # noqa: E402

AS_OF = date(2026, 3, 10)
LAG = 0  # the bench's invoices were written seconds ago: a lag window of minutes would read them all again


def seeded_emulator(n: int):
    from adapters.odoo.emulator import OdooEmulator
    from adapters.odoo.emulator.ledger import base_records

    emu = OdooEmulator(version="17.0", db="bench")
    records = base_records("17.0")
    emu.seed(records)
    emu.add_user(login="relance", password="pw", api_key="key", groups=("account",), company_ids=(1,))
    url = emu.start()
    src = OdooSource(url, "bench", "relance", "pw", protocol="xmlrpc")
    src.init()
    create_invoices(src, n)
    return emu, url


def create_invoices(src: OdooSource, n: int, batch: int = 200) -> None:
    """Customers and posted invoices through the API, as an accountant's Odoo holds them."""
    c = src.client
    c.connect() if c.uid is None else None
    term = c.call("account.payment.term", "search_read", domain=[("name", "=", "30% Now, Balance 60 Days")],
                  fields=["id"], limit=1)[0]["id"]
    journal = c.call("account.journal", "search_read", domain=[("type", "=", "sale")], fields=["id"], limit=1)[0]["id"]
    partners = c.call("res.partner", "create", vals_list=[
        {"name": f"Bench {i}", "is_company": True, "email": f"bench{i}@example.com", "street": "1 rue", "city": "Lyon"}
        for i in range(max(1, n // 10))])
    for start in range(0, n, batch):
        vals = [{"move_type": "out_invoice", "partner_id": partners[i % len(partners)], "journal_id": journal,
                 "invoice_date": (AS_OF - timedelta(days=i % 120)).isoformat(), "invoice_payment_term_id": term,
                 "invoice_line_ids": [(0, 0, {"name": "Service", "quantity": 1, "price_unit": 100.0 + i % 997,
                                              "tax_ids": [(6, 0, [])]})]}
                for i in range(start, min(n, start + batch))]
        ids = c.call("account.move", "create", vals_list=vals)
        c.call("account.move", "action_post", ids=ids)


def measure(label: str, src: OdooSource, fn):
    before = src.client.calls
    t0 = time.perf_counter()
    out = fn()
    print(f"{label}: rpc_calls={src.client.calls - before} seconds={time.perf_counter() - t0:.2f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=10_000)
    ap.add_argument("--url")
    ap.add_argument("--db", default="")
    ap.add_argument("--login", default="relance")
    ap.add_argument("--protocol", default="auto")
    ap.add_argument("--create", action="store_true")
    args = ap.parse_args()
    emu = None
    if args.url:
        src = OdooSource(args.url, args.db, args.login, os.environ["ODOO_SECRET"], protocol=args.protocol, timeout=300,
                         lag_minutes=LAG)
        if args.create:
            create_invoices(src, args.invoices)
    else:
        emu, url = seeded_emulator(args.invoices)
        src = OdooSource(url, "bench", "relance", "pw", protocol="xmlrpc", timeout=300, lag_minutes=LAG)
        print(f"emulator seeded with {args.invoices} invoices")
    src.client.connect()
    domain = [("account_id.account_type", "=", "asset_receivable"), ("parent_state", "=", "posted"),
              ("amount_residual", "!=", 0)]
    rows = measure("raw search_read of open receivable lines", src,
                   lambda: src.client.search_read_all("account.move.line", domain, LINE_FIELDS))
    print(f"  lines={len(rows)}")
    led = measure("full fetch (lines, moves, partials, partners, history)", src, lambda: src.fetch(AS_OF))
    print(f"  receivables={len(led.receivables)} customers={len(led.customers)} rejected={len(led.rejected)}")
    second = measure("second fetch (incremental)", src, lambda: src.fetch(AS_OF))
    print(f"  read={src.reader.last_read} receivables={len(second.receivables)} customers={len(second.customers)}")
    policy = load_policy("fr-b2b")
    first = measure("first run (writes)", src, lambda: run(src, policy, AS_OF, dry_run=False))
    print(f"  {first.counts()}")
    again = measure("run on unchanged data", src, lambda: run(src, policy, AS_OF, dry_run=False))
    print(f"  {again.counts()}")
    if emu:
        emu.stop()


if __name__ == "__main__":
    main()
