"""Review before sending, in the core: which operations wait for a person, and what a decision read back from the
source system does to the next plan (the adapters' side is tests/adapters/odoo/test_approvals_contract.py)."""

from __future__ import annotations

from datetime import date

from connector.approvals import approval_key
from connector.models import HistoryEntry
from connector.plan import make_plan
from connector.policy import Level, load_policy
from connector.reconcile import reconcile
from connector.reports.worklist import worklist
from tests.builders import customer, ledger, receivable

FR = load_policy("fr-b2b")
AS_OF = date(2026, 6, 16)


def _plan(policy, history=(), approvals=None, rs=None, as_of=AS_OF):
    rs = rs or [receivable(due="2026-06-10", amount="900")]
    led = ledger([customer(has_phone=False)], rs, list(history), approvals=approvals)
    rec = reconcile(led, policy, as_of)
    return led, rec, make_plan(rec, policy, approvals)


def _asked(op, day="2026-06-16") -> HistoryEntry:
    return HistoryEntry(key=approval_key(op.key), kind="approval", date=date.fromisoformat(day), customer_id="C1",
                        receivable_ids=tuple(i.receivable_id for i in op.items), level=op.level, channel=op.channel,
                        of=op.key)


def test_a_level_under_approval_asks_for_it_and_sends_nothing():
    policy = FR.model_copy(update={"approve_all_until": date(2026, 7, 31)})
    _, _, plain = _plan(FR, approvals={})
    [action_op] = [o for o in plain.operations if o.kind == "action"]
    _, _, plan = _plan(policy, approvals={})
    assert [(o.kind, o.of, o.level) for o in plan.operations] == [("approval", action_op.key, action_op.level)]
    assert plan.operations[0].key == approval_key(action_op.key) != action_op.key
    # a system that keeps no approvals (None): the policy cannot be enforced there, the action goes as before
    _, _, without = _plan(policy, approvals=None)
    assert [o.kind for o in without.operations] == ["action"]
    # after the go-live window, the levels the policy does not mark go without approval
    _, _, after = _plan(policy, approvals={}, as_of=date(2026, 8, 3), rs=[receivable(due="2026-07-28", amount="900")])
    assert {o.kind for o in after.operations} == {"action"}


def test_pending_waits_approved_is_sent_refused_passes_the_level():
    policy = FR.model_copy(update={"approve_all_until": date(2026, 7, 31)})
    _, _, plain = _plan(FR, approvals={})
    [op] = [o for o in plain.operations if o.kind == "action"]
    asked = _asked(op)
    _, _, pending = _plan(policy, [asked], {asked.key: "pending"})
    assert pending.operations == [] and any(s.reason == "waits for approval since 2026-06-16" for s in pending.skipped)
    _, _, approved = _plan(policy, [asked], {asked.key: "approved"})
    assert [(o.kind, o.key) for o in approved.operations] == [("action", op.key)]
    _, rec, refused = _plan(policy, [asked], {})
    assert refused.operations == []  # the level is passed: nothing sent, nothing asked again
    assert rec.accounts[0].positions[0].done_level == op.level


def test_a_pending_approval_whose_items_were_paid_is_withdrawn():
    policy = FR.model_copy(update={"approve_all_until": date(2026, 7, 31)})
    _, _, plain = _plan(FR, approvals={})
    [op] = [o for o in plain.operations if o.kind == "action"]
    asked = _asked(op)
    paid = [receivable(due="2026-06-10", amount="900", open="0", payments=(("2026-06-15", "900"),))]
    _, _, plan = _plan(policy, [asked], {asked.key: "pending"}, rs=paid)
    [w] = plan.operations
    assert (w.kind, w.of, w.level) == ("withdraw", asked.key, op.level) and "withdrawn" in w.reason
    withdrawn = HistoryEntry(key=w.key, kind="withdrawn", date=AS_OF, customer_id="C1", of=asked.key)
    _, _, again = _plan(policy, [asked, withdrawn], {asked.key: "pending"}, rs=paid)
    assert again.operations == []


def test_a_level_can_require_approval_and_the_worklist_puts_pending_approvals_first():
    assert Level(name="x", offset=30, channel="registered_letter", template="formal_notice", approval="required")
    policy = FR.model_copy(update={"approve_all_until": date(2026, 7, 31)})
    led, rec, plan = _plan(policy, approvals={})
    [row] = worklist(led, rec, plan, "EUR")
    assert row.action.startswith("approve: level ") and row.reason.startswith("to approve: ")


def test_a_tenants_approval_until_puts_every_level_under_approval(tmp_path):
    from adapters.registry import SYSTEMS
    from connector.config import load_config

    cfg = tmp_path / "relance.yaml"
    cfg.write_text("tenants:\n  - name: t\n    system: odoo\n    url: https://x.example\n    database: d\n"
                   "    login: l\n    api_key_env: K\n    approval_until: 2026-07-31\n")
    [tenant] = load_config(cfg, [a.tenant for a in SYSTEMS.values()]).config.tenants
    policy = tenant.load_policy()
    assert policy.approve_all_until == date(2026, 7, 31)
    assert all(policy.needs_approval(lv, AS_OF) for seg in policy.segments for lv in seg.levels)
    assert not policy.needs_approval(policy.segments[0].levels[0], date(2026, 8, 1))
