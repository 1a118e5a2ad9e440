"""Relance on a real Odoo, side by side with the raw read of the same lines: raw paged read, `plan`, first
`run`, `run` with nothing left to write, each a whole process (start-up included) timed in turn, with its RPC
calls, its client CPU and its ratio to the raw read.

    ODOO_URL=http://127.0.0.1:8069 ODOO_DB=bench ODOO_LOGIN=relance ODOO_SECRET=... ODOO_PROTOCOL=xmlrpc \\
    ODOO_ADMIN_LOGIN=admin ODOO_ADMIN_SECRET=... python bench/odoo_real.py [--invoices 10000 --customers 500]
    python bench/odoo_real.py --invoices 2000 --customers 100      # the bundled emulator (17, XML-RPC)

Seeds, when the database has fewer, N posted invoices over M customers (partners 'Bench <i>', e-mail and
address, no phone; one due date each, issued over the 150 days before --as-of) through the API, by the administrator
when one is given, then `relance init`. A run writes: re-running the first run needs a new database (or
--invoices larger, which seeds the difference). --policy all-channels (bench/all-channels.yaml) makes an
operation of every channel per invoice. --repeat R runs the raw read and the plan R times in turn and prints medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RAW_FIELDS = ["id", "move_id", "partner_id", "date_maturity", "amount_residual", "currency_id"]


def target() -> dict:
    return {k: os.environ.get(f"ODOO_{k.upper()}", "") for k in
            ("url", "db", "login", "secret", "protocol", "admin_login", "admin_secret")}


def source(t: dict, admin: bool = False):
    from adapters.odoo.source import OdooSource

    login, secret = (t["admin_login"], t["admin_secret"]) if admin and t["admin_login"] else (t["login"], t["secret"])
    src = OdooSource(t["url"], t["db"], login, secret, protocol=t["protocol"] or "auto", timeout=600,
                     mapping=os.environ.get("BENCH_MAPPING") or None)
    src.client.connect()
    return src


# -- one step, in its own process ------------------------------------------------------------------------
def step(name: str, t: dict, as_of: date, policy: str) -> dict:
    src = source(t)
    if name == "raw":
        domain = [("account_id.account_type", "=", "asset_receivable"), ("parent_state", "=", "posted"),
                  ("amount_residual", "!=", 0)]
        rows = src.client.search_read_all("account.move.line", domain, RAW_FIELDS, page=5000)
        return {"lines": len(rows), "calls": src.client.calls}
    from connector.policy import load_policy
    from connector.runner import run

    result = run(src, load_policy(policy), as_of, dry_run=name == "plan")
    ops = result.plan.operations
    channels = Counter(op.channel if op.kind == "action" else op.kind for op in ops)
    return {"calls": src.client.calls, "operations": len(ops), "channels": dict(channels), "done": len(result.done),
            "failed": len(result.failed), "methods": dict(src.client.methods), "reasons": [f.reason for f in result.failed][:3]}


def timed(name: str, t: dict, as_of: date, policy: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--step", name, "--as-of", as_of.isoformat(), "--policy", policy],
                          capture_output=True, text=True, env=os.environ)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(wall=wall, cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return out


# -- seeding -------------------------------------------------------------------------------------------
def seed(t: dict, invoices: int, customers: int, as_of: date) -> None:
    src = source(t, admin=True)
    c = src.client
    have = c.call("res.partner", "search_read", domain=[("name", "=like", "Bench %")], fields=["id", "name"])
    partners = sorted(have, key=lambda p: int(p["name"].split()[1]))
    if len(partners) < customers:
        new = c.call("res.partner", "create", vals_list=[
            {"name": f"Bench {i}", "is_company": True, "email": f"bench{i}@example.com", "street": f"{i} rue de la Paix",
             "zip": "75002", "city": "Paris"}  # no phone: fr-b2b's call level falls back to e-mail, as in issue #17
            for i in range(len(partners), customers)])
        partners += [{"id": p} for p in new]
    done = c.call("account.move", "search_count", domain=[("partner_id", "in", [p["id"] for p in partners]),
                                                          ("move_type", "=", "out_invoice"), ("state", "=", "posted")])
    journal = c.call("account.journal", "search_read", domain=[("type", "=", "sale")], fields=["id"], limit=1)[0]["id"]
    print(f"seeding {max(0, invoices - done)} invoices ({done} there) over {customers} customers", file=sys.stderr)
    for start in range(done, invoices, 200):
        vals = []
        for i in range(start, min(invoices, start + 200)):
            issued = as_of - timedelta(days=1 + (i * 7919) % 150)
            vals.append({"move_type": "out_invoice", "partner_id": partners[i % customers]["id"], "journal_id": journal,
                         "invoice_date": issued.isoformat(), "invoice_date_due": (issued + timedelta(days=30)).isoformat(),
                         "invoice_line_ids": [(0, 0, {"name": "Service", "quantity": 1, "price_unit": 80.0 + (i * 37) % 1900,
                                                      "tax_ids": [(6, 0, [])]})]})
        ids = c.call("account.move", "create", vals_list=vals)
        c.call("account.move", "action_post", ids=ids)
    print("\n".join(src.init()), file=sys.stderr)


def mapping_with(inflight: int | None, batch_size: int | None) -> str:
    """The shipped Odoo mapping with other writes settings, in a temporary file the steps read."""
    import re
    import tempfile

    from adapters.odoo.mapping import shipped_mapping_path

    text = shipped_mapping_path().read_text(encoding="utf-8")
    if inflight:
        text = re.sub(r"(?m)^  inflight: \d+", f"  inflight: {inflight}", text)
    if batch_size:
        text = re.sub(r"(?m)^  batch_size: \d+", f"  batch_size: {batch_size}", text)
    path = Path(tempfile.mkdtemp(prefix="relance-bench-")) / "odoo.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def emulator(invoices: int, customers: int, as_of: date) -> object:
    from adapters.odoo.emulator import OdooEmulator
    from adapters.odoo.emulator.ledger import base_records

    emu = OdooEmulator(version="17.0", db="bench")
    emu.seed(base_records("17.0"))
    emu.add_user(login="relance", password="pw", api_key="key", groups=("account",), company_ids=(1,),
                 email="relance@example.com")
    url = emu.start()
    os.environ.update(ODOO_URL=url, ODOO_DB="bench", ODOO_LOGIN="relance", ODOO_SECRET="pw", ODOO_PROTOCOL="xmlrpc")
    seed(target(), invoices, customers, as_of)
    return emu


def show(name: str, r: dict, raw: float) -> None:
    line = f"{name:<28} {r['wall']:7.1f} s wall {r['cpu']:6.1f} s CPU {r['calls']:6d} calls  {r['wall'] / raw:4.2f}x raw"
    if "operations" in r and name != "plan":
        m = r["methods"]
        posts = m.get("mail.message.message_post", 0) + m.get("res.partner.message_post", 0) + m.get(
            "account.move.message_post", 0)
        emails = r["channels"].get("email", 0)
        line += (f"  {r['done']} written {r['failed']} failed; {r['calls'] / max(1, r['operations']):.2f} calls/op, "
                 f"message_post {posts} for {emails} e-mails, other calls {r['calls'] - posts} for {r['operations']} ops")
    print(line)
    if r.get("reasons"):
        print("   first failures:", r["reasons"])
    if os.environ.get("BENCH_METHODS") and "methods" in r:
        print("   ", dict(sorted(r["methods"].items(), key=lambda kv: -kv[1])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=10_000)
    ap.add_argument("--customers", type=int, default=500)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 15))
    ap.add_argument("--policy", default="fr-b2b")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-run", action="store_true", help="raw read and plan only (writes nothing)")
    ap.add_argument("--inflight", type=int, help="the mapping's writes.inflight (default: the shipped mapping's)")
    ap.add_argument("--batch-size", type=int, help="the mapping's writes.batch_size")
    ap.add_argument("--step")
    args = ap.parse_args()
    policy = str(ROOT / "bench" / "all-channels.yaml") if args.policy == "all-channels" else args.policy
    if args.inflight or args.batch_size:
        os.environ["BENCH_MAPPING"] = mapping_with(args.inflight, args.batch_size)
    if args.step:
        print(json.dumps(step(args.step, target(), args.as_of, policy)))
        return
    emu = None if os.environ.get("ODOO_URL") else emulator(args.invoices, args.customers, args.as_of)
    if emu is None:
        seed(target(), args.invoices, args.customers, args.as_of)
    raws, plans = [], []
    for _ in range(args.repeat):
        raws.append(timed("raw", target(), args.as_of, policy))
        plans.append(timed("plan", target(), args.as_of, policy))
    raw = statistics.median(r["wall"] for r in raws)
    print(f"{target()['url']} db {target()['db']}: {raws[0]['lines']} open receivable lines, as of {args.as_of}, "
          f"policy {args.policy}, writes {args.inflight or 'default'} in flight; medians of {args.repeat}")
    show("raw paged search_read", {**raws[0], "wall": raw, "cpu": statistics.median(r["cpu"] for r in raws)}, raw)
    plan = {**plans[0], "wall": statistics.median(r["wall"] for r in plans),
            "cpu": statistics.median(r["cpu"] for r in plans)}
    show("plan", plan, raw)
    print(f"   {plan['operations']} operations {plan['channels']}")
    if not args.no_run:
        show("first run", timed("run", target(), args.as_of, policy), raw)
        show("run, nothing to write", timed("run", target(), args.as_of, policy), raw)
    if emu is not None:
        emu.stop()


if __name__ == "__main__":
    main()
