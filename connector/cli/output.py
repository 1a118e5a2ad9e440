"""What the CLI prints: lines through the secret filter, plans grouped by customer, failures grouped by cause."""

from __future__ import annotations

import json
import logging
import sys
from collections import defaultdict
from decimal import Decimal

from connector import pseudonyms
from connector.errors import RelanceError
from connector.logs import redact
from connector.money import fmt, is_currency
from connector.reports.tables import table as _table

log = logging.getLogger("relance.cli")


def say(text: str = "") -> None:
    print(redact(text, personal=pseudonyms.mode() == pseudonyms.OUTPUT), flush=True)


def err(text: str) -> None:
    print(redact(f"relance: {text}", personal=pseudonyms.mode() == pseudonyms.OUTPUT), file=sys.stderr, flush=True)


def table(rows: list[list[str]], headers: list[str], right: set[int] = frozenset()) -> list[str]:
    return _table(rows, headers, right, indent="")


def money(amount: Decimal, currency: str = "") -> str:
    if currency and is_currency(currency):
        return fmt(amount, currency)
    return f"{amount.quantize(Decimal('0.01')):,}" + (f" {currency}" if currency else "")


def as_printed(doc: dict) -> dict:
    """A tenant's JSON document with its customers' pseudonyms put in now, while they are this thread's (under
    --redact; connector/pseudonyms.py), for documents printed after the last tenant."""
    if pseudonyms.mode() != pseudonyms.OUTPUT:
        return doc
    text = json.dumps(doc, default=str, ensure_ascii=False)
    masked = redact(text, personal=True)
    return doc if masked == text else json.loads(masked)


def dump_json(data: object) -> None:
    say(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def describe_error(exc: BaseException, verbose: int = 0) -> str:
    if isinstance(exc, RelanceError):
        return str(exc)
    if verbose:
        log.error("unexpected error", exc_info=exc)
    return f"unexpected {type(exc).__name__}: {exc}" + ("" if verbose else " (run with -v for the traceback)")


def result_json(name: str, result) -> dict:
    from pydantic import TypeAdapter

    from connector.models import Operation

    operations = TypeAdapter(list[Operation])  # operations are slotted dataclasses, not models
    return {"tenant": name, "as_of": result.as_of.isoformat(), "dry_run": result.dry_run, "counts": result.counts(),
            "operations": operations.dump_python(result.plan.operations, mode="json"),
            "done": [d.__dict__ for d in result.done],
            "skipped": [s.model_dump(mode="json") for s in result.skipped],
            "failed": [s.model_dump(mode="json") for s in result.failed],
            "stopped": result.stopped, "exit_code": result.exit_code}


def op_label(op) -> tuple[str, str]:
    if op.kind == "penalty":
        return "penalty", ", ".join(sorted({ln.kind for ln in op.lines}))
    if op.kind in ("approval", "withdraw"):  # a request to a person, not a message: say so first
        return f"{'to approve' if op.kind == 'approval' else 'withdraw approval'}: {op.channel}", f"{op.level} {op.level_name}"
    return op.channel or "", f"{op.level} {op.level_name}"


def plan_lines(result, verbose: int = 0, limit: int | None = None) -> list[str]:
    by_customer: dict[tuple[str, str], list] = defaultdict(list)
    for op in result.plan.operations:
        by_customer[(op.customer_name, op.customer_id)].append(op)
    out = []
    for n, ((name, cid), ops) in enumerate(sorted(by_customer.items())):
        if limit is not None and n >= limit:
            out.append(f"… and {len(by_customer) - limit} more customer(s)")
            break
        out.append(f"{name} (customer {cid})")
        rows = [[op_label(op)[0], op_label(op)[1], money(op.amount, op.currency), op.reason] for op in ops]
        out.extend("  " + line for line in table(rows, ["what", "level", "amount", "reason"], {2})[2:])
    skipped = [*result.skipped]
    if skipped:
        out.append(f"skipped: {len(skipped)}" + ("" if verbose else " (-v lists them)"))
        if verbose:
            out.extend(f"  {s.record}: {s.reason}" for s in skipped)
    return out + failure_lines(result, verbose)


def failure_lines(result, verbose: int = 0, indent: str = "", limit: int | None = None) -> list[str]:
    """Failures sharing a cause as one line ("104 item(s): no ECB … rate known after …"), the items with -v."""
    out = []
    groups = result.failures()
    for cause, items in groups[:limit]:
        if cause is None:
            out.append(f"{indent}FAILED {items[0].record}: {items[0].reason}")
        else:
            out.append(f"{indent}FAILED {len(items)} item(s): {cause}" + ("" if verbose else " (-v lists them)"))
            if verbose:
                out.extend(f"{indent}  {i.record}" for i in items)
    if limit is not None and len(groups) > limit:
        out.append(f"{indent}… and {len(groups) - limit} more failure(s)")
    return out


def written_summary(result) -> str:
    ops = {op.key: op for op in result.plan.operations}
    per_channel: dict[str, int] = defaultdict(int)
    for d in result.done:
        per_channel[op_label(ops[d.key])[0] if d.key in ops else "?"] += 1
    c = result.counts()
    return (f"wrote {c['done']} of {c['planned']} operation(s)"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(per_channel.items()))})" if per_channel else "")
            + f"; {c['skipped']} skipped, {c['failed']} failed" + ("; STOPPED before the end" if result.stopped else ""))
