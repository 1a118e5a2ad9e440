"""Two runs on one tenant never write at once (connector/lease.py): two daemons started together on the
Odoo emulator's demo ledger, a holder killed with SIGKILL in the middle of its run, a holder that stalls
past its lease, and the same rule on the QuickBooks emulator. The final books are compared with those of
a single clean run: every planned write exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.demo.ledger import demo_records
from adapters.odoo.emulator import READ_ONLY, OdooEmulator
from adapters.odoo.emulator.errors import DropConnection
from adapters.odoo.lease import OdooClaims
from adapters.odoo.source import OdooSource
from connector.keys import parse
from connector.lease import Lease, LeaseBusy
from connector.policy import load_policy
from connector.runner import run
from tests.cli.cliutil import batched_mapping
from tests.reliability.crash_odoo import without_token

AS_OF = date(2026, 3, 10)
SECRET = "lease-test-api-key-5b1e"
VAR = "RELANCE_DEMO_SECRET"
ROOT = Path(__file__).resolve().parents[2]


def odoo_emulator() -> OdooEmulator:
    emu = OdooEmulator(version="19.0", db="demo")
    emu.seed(demo_records(AS_OF, version="19.0"))
    emu.add_user(login="relance", password=SECRET, api_key=SECRET, groups=("account",), company_ids=(1,),
                 email="relance@example.com")
    emu.start()
    return emu


def demo_config(url: str) -> str:
    return (f"tenants:\n  - name: demo\n    system: odoo\n    url: {url}\n    database: demo\n    companies: [1]\n"
            f"    login: relance\n    api_key_env: {VAR}\n    policy: fr-b2b\n    protocol: json2\n"
            f"    timezone: Europe/Paris\n")


def source(emu: OdooEmulator) -> OdooSource:
    return OdooSource(emu.url, "demo", "relance", SECRET, protocol="json2", companies=(1,))


def books(emu: OdooEmulator) -> dict[str, Counter]:
    """What Relance wrote, as multisets of operation keys per kind of record (ids and times left out)."""
    data = emu.store.data
    out: dict[str, Counter] = {"marker notes": Counter(), "activities": Counter(), "attachments": Counter(),
                               "penalty moves": Counter()}
    for msg in data.get("mail.message", {}).values():
        for h in parse(str(msg.get("body") or "")):
            out["marker notes"][h.key] += 1
    for act in data.get("mail.activity", {}).values():
        # a letter's task quotes its text, portal links included: each emulator has its own port, and each run
        # draws the invoices' access tokens afresh
        note = re.sub(r"https?://[^/\s]+/my/", "/my/", str(act.get("note") or act.get("summary")))
        out["activities"][without_token(note)] += 1
    for att in data.get("ir.attachment", {}).values():
        if not str(att.get("name", "")).startswith("relance.lease"):
            out["attachments"][str(att.get("name"))] += 1
    for move in data.get("account.move", {}).values():
        if "relance" in str(move.get("ref") or "").lower() or "relance" in str(move.get("narration") or "").lower():
            out["penalty moves"][str(move.get("ref"))] += 1
    return out


def lease_claims(emu: OdooEmulator) -> list[dict]:
    return [a for a in emu.store.data.get("ir.attachment", {}).values() if str(a.get("name", "")).startswith("relance.lease")]


@pytest.fixture(scope="module")
def clean() -> dict[str, Counter]:
    """The books after one uninterrupted run: what every scenario must end with."""
    emu = odoo_emulator()
    try:
        src = source(emu)
        src.init()
        result = run(src, load_policy("fr-b2b"), AS_OF, dry_run=False)
        assert result.done and not result.failed
        got = books(emu)
        assert set(got["marker notes"]) == {op.key for op in result.plan.operations}
        return got
    finally:
        emu.stop()


def slow_writes(emu: OdooEmulator, seconds: float, on_write=None) -> None:
    """Each write the emulator receives takes `seconds`: a run lasts long enough for another to meet it."""
    count = [0]

    def hook(protocol, model, method):
        if method not in READ_ONLY:
            count[0] += 1
            if on_write:
                on_write(count[0])
            time.sleep(seconds)

    emu.fault_hook = hook


def relance(cfg: Path, *args: str, settle: str = "0.5", ttl: str = "600", margin: str = "60") -> subprocess.Popen:
    env = {**os.environ, VAR: SECRET, "RELANCE_LEASE_SETTLE": settle, "RELANCE_LEASE_TTL": ttl,
           "RELANCE_LEASE_MARGIN": margin, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "adapters.cli", "--config", str(cfg), *args,
                             "--as-of", AS_OF.isoformat()], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_given_two_daemons_started_together_then_one_writes_the_other_skips_and_nothing_is_doubled(tmp_path, clean):
    emu = odoo_emulator()
    try:
        source(emu).init()
        slow_writes(emu, 0.004)
        cfg = tmp_path / "relance.yaml"
        cfg.write_text(demo_config(emu.url), encoding="utf-8")
        first, second = relance(cfg, "daemon", "--once"), relance(cfg, "daemon", "--once")
        outs = [p.communicate(timeout=240) for p in (first, second)]
        codes = [first.returncode, second.returncode]
        logs = [err for _, err in outs]
        assert codes == [0, 0], logs
        skipped = [log for log in logs if "run skipped: another Relance run" in log]
        assert len(skipped) == 1, logs  # they met: exactly one held the lease
        assert books(emu) == clean
        assert lease_claims(emu) == []  # the holder removed its claim, the loser withdrew its own
    finally:
        emu.stop()


def test_given_a_holder_killed_mid_run_then_the_tenant_waits_its_lease_out_and_the_next_run_finishes_the_job(tmp_path, clean):
    emu = odoo_emulator()
    try:
        source(emu).init()
        cfg = tmp_path / "relance.yaml"  # two operations a batch: a run of many writes, killed in the middle
        cfg.write_text(demo_config(emu.url) + f"    mapping: {batched_mapping(tmp_path, 2)}\n", encoding="utf-8")
        child: list[subprocess.Popen] = []
        killed = threading.Event()

        def kill_at(n: int) -> None:
            if n == 8 and child:
                os.kill(child[0].pid, signal.SIGKILL)
                child[0].wait()  # dead before its 8th write is served, which is then dropped unexecuted:
                killed.set()     # what was written is settled when `communicate` returns (no clock involved)
                raise DropConnection(after=False)

        slow_writes(emu, 0.0, on_write=kill_at)
        ttl = 4.0
        child.append(relance(cfg, "run", ttl=str(ttl), margin="1"))
        child[0].communicate(timeout=120)
        assert killed.is_set() and child[0].returncode == -signal.SIGKILL
        emu.fault_hook = None
        assert len(lease_claims(emu)) == 1  # the dead holder's claim is still there
        written = sum(books(emu)["marker notes"].values())
        assert 0 < written < sum(clean["marker notes"].values())

        os.environ["RELANCE_LEASE_TTL"] = str(ttl)
        try:
            with pytest.raises(LeaseBusy, match="another Relance run"):
                run(source(emu), load_policy("fr-b2b"), AS_OF, dry_run=False)
            assert sum(books(emu)["marker notes"].values()) == written  # the refused run wrote nothing
            time.sleep(ttl + 0.5)
            result = run(source(emu), load_policy("fr-b2b"), AS_OF, dry_run=False)
        finally:
            os.environ.pop("RELANCE_LEASE_TTL")
        assert not result.failed and result.done
        assert books(emu) == clean
        assert lease_claims(emu) == []  # the dead claim was removed, and ours released
    finally:
        emu.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_given_a_holder_that_stalls_past_its_lease_then_it_writes_no_more_and_a_renewal_keeps_it(tmp_path):
    emu = odoo_emulator()
    try:
        src = source(emu)
        store = src.claims()
        clock = Clock()
        lease = Lease(store, ttl=100, settle=0, margin=10, clock=clock, sleep=lambda s: None)
        lease.acquire()
        first = lease.claim
        clock.now += 60  # past half the ttl: the next check renews the claim in Odoo
        emu.calls.clear()
        assert lease.valid() and lease.claim.id == first.id
        assert ("json2", "ir.attachment", "write") in emu.calls
        clock.now += 40  # renewed 40 s ago: still surely ours, nothing written
        emu.calls.clear()
        assert lease.valid() and ("json2", "ir.attachment", "write") not in emu.calls
        clock.now += 55  # 95 s without a renewal: another run may take over soon, so stop
        assert not lease.valid()
        lease.release()
        assert lease_claims(emu) == []
    finally:
        emu.stop()


def test_given_a_claim_removed_by_another_run_then_the_holder_stops(tmp_path):
    emu = odoo_emulator()
    try:
        store = source(emu).claims()
        clock = Clock()
        lease = Lease(store, ttl=100, settle=0, margin=10, clock=clock, sleep=lambda s: None)
        lease.acquire()
        OdooClaims(source(emu).client, "ignored").client.call("ir.attachment", "unlink", ids=[lease.claim.id])
        clock.now += 55
        assert not lease.valid()
    finally:
        emu.stop()


def test_given_two_quickbooks_runs_at_once_then_one_is_refused_and_each_write_happens_once(tmp_path, monkeypatch):
    from adapters.quickbooks.emulator import QuickBooksEmulator
    from adapters.quickbooks.source import QuickBooksSource

    monkeypatch.setenv("RELANCE_LEASE_SETTLE", "0.3")
    emu = QuickBooksEmulator()
    emu.start()
    try:
        emu.seed(accounts=[{"Name": "Sales of services", "AccountType": "Income"}], items=[{"Name": "Consulting", "Type": "Service"}])
        item = emu.objects("Item")[0]["Id"]
        for i in range(12):
            cust = emu.seed(customers=[{"DisplayName": f"Client {i}", "PrimaryEmailAddr": {"Address": f"c{i}@example.com"}}])["customers"][0]
            due = AS_OF - timedelta(days=10 + 7 * i)
            emu.seed(invoices=[{"CustomerRef": {"value": cust["Id"]}, "TxnDate": (due - timedelta(days=30)).isoformat(),
                                "DueDate": due.isoformat(),
                                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal("500.00"),
                                          "SalesItemLineDetail": {"ItemRef": {"value": item}}}]}])
        token = emu.issue_tokens()["access_token"]

        def qbo() -> QuickBooksSource:
            return QuickBooksSource.with_token(emu.realm_id, token, base_url=emu.url, environment="sandbox")

        qbo().init()
        policy = load_policy("fr-b2b")
        outcomes: list = []

        def one() -> None:
            try:
                outcomes.append(run(qbo(), policy, AS_OF, dry_run=False))
            except LeaseBusy as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        busy = [o for o in outcomes if isinstance(o, LeaseBusy)]
        done = [o for o in outcomes if not isinstance(o, LeaseBusy)]
        assert len(busy) == 1 and len(done) == 1 and done[0].done and not done[0].failed
        keys = Counter(h.key for a in emu.objects("Attachable") for h in parse(str(a.get("Note") or "")))
        assert keys and all(n == 1 for n in keys.values())
        assert set(keys) == {op.key for op in done[0].plan.operations}
        assert not [a for a in emu.objects("Attachable") if str(a.get("Note", "")).startswith("relance-lease")]
    finally:
        emu.stop()


def test_given_the_release_fails_twice_then_it_is_tried_again_and_no_claim_is_left(tmp_path):
    from adapters.odoo.emulator.errors import HTTPFault

    emu = odoo_emulator()
    try:
        waits: list[float] = []
        lease = Lease(source(emu).claims(), ttl=100, settle=0, margin=10, sleep=waits.append)
        lease.acquire()
        failures = [2]  # the first two unlinks meet a proxy's 502: an unlink is not retried by the client

        def hook(protocol, model, method):
            if model == "ir.attachment" and method == "unlink" and failures[0]:
                failures[0] -= 1
                raise HTTPFault(502, "<html>Bad Gateway</html>")

        emu.fault_hook = hook
        waits.clear()  # the settle pause of acquire()
        lease.release()
        assert failures == [0] and waits == [1.0, 2.0]
        assert lease_claims(emu) == []
    finally:
        emu.stop()
