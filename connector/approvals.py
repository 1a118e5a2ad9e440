"""Review before sending: an action of a level under approval is first written as a request for a person to approve
it in the source system (an Odoo activity showing the message as it will be sent); the run that finds it approved
sends it, once; one refused passes its level; one whose situation changed (the items paid, disputed, regrouped)
is withdrawn with a note. The state lives in the source system only (`Ledger.approvals`, the markers' history)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from connector.keys import make_key
from connector.models import HistoryEntry, Operation, Skip
from connector.policy import Policy
from connector.reconcile import Account


def approval_key(action_key: str) -> str:
    return make_key("approval", action_key)


def gate(acc: Account, ops: list[Operation], policy: Policy, approvals: dict[str, str], as_of: date,
         skipped: list[Skip]) -> tuple[list[Operation], list[Operation]]:
    """(the actions to send now, the approval requests and withdrawals to write) for one customer's actions."""
    asked: dict[str, HistoryEntry] = {}
    withdrawn: set[str] = set()
    for h in acc.history:
        if h.kind == "approval" and h.of:
            asked[h.of] = h
        elif h.kind == "withdrawn" and h.of:
            withdrawn.add(h.of)
    send: list[Operation] = []
    write: list[Operation] = []
    levels = acc.segment.levels
    for op in ops:
        if op.kind != "action" or not policy.needs_approval(levels[(op.level or 1) - 1], op.as_of):
            send.append(op)
            continue
        key = approval_key(op.key)
        state = approvals.get(key)
        if state == "approved":
            send.append(op)
        elif state == "pending":
            since = asked[op.key].date if op.key in asked else op.as_of
            skipped.append(Skip(customer_id=op.customer_id, record=f"{op.channel} level {op.level}",
                                reason=f"waits for approval since {since}", key=op.key))
        else:
            write.append(replace(op, kind="approval", key=key, of=op.key, reason=f"to approve: {op.reason}"))
    planned = {op.key for op in ops}
    for action_key, h in sorted(asked.items()):
        if approvals.get(h.key) == "pending" and action_key not in planned and h.key not in withdrawn:
            write.append(Operation(
                key=make_key("withdraw", h.key), kind="withdraw", as_of=as_of,
                customer_id=acc.customer.id, customer_name=acc.customer.name, target="customer",
                target_id=acc.customer.id, channel=h.channel, level=h.level, of=h.key, currency=policy.currency,
                amount=Decimal(0), reason=f"approval asked on {h.date} withdrawn: the items are no longer due at "
                                          f"that level (paid, disputed or regrouped since)"))
    return send, write


def from_history(history: list[HistoryEntry]) -> dict[str, str]:
    """Approval states where a system keeps the decisions as notes (QuickBooks): an approval asked is pending until
    a decision note says approved (then approved) or refused (then absent: refused)."""
    decided = {h.of: h.kind for h in history if h.kind in ("approved", "refused") and h.of}
    return {h.key: "approved" if decided.get(h.key) == "approved" else "pending"
            for h in history if h.kind == "approval" and decided.get(h.key) != "refused"}
