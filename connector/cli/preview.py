"""`relance plan --show-messages`: each message of the plan as it will be sent (recipient, subject, body), and
each letter rendered to a PDF whose path is printed, so a credit controller reads what debtors will receive."""

from __future__ import annotations

import tempfile
from pathlib import Path

from connector import channels
from connector.errors import ConfigError
from connector.keys import search_token
from connector.letters import letter_pdf
from connector.messages import reader, recipient, render, signer
from connector.models import Operation
from connector.runner import RunResult


def _recipient(op: Operation) -> str:
    to = recipient(op)
    if channels.CHANNELS[op.channel].sent:
        return f"{op.customer_name} <{to}>"
    return to if channels.CHANNELS[op.channel].letter else f"{to} ({op.customer_name})"


def message_lines(result: RunResult, tenant, customer: str | None = None, folder: str | None = None) -> list[str]:
    out: list[str] = []
    where: Path | None = Path(folder) if folder else None
    for op in result.plan.operations:
        if op.kind != "action" or not op.channel or (customer and op.customer_id != customer):
            continue
        sender = signer(op, result.companies)
        out.append(f"--- {op.customer_name} (customer {op.customer_id}), level {op.level} {op.level_name}, {op.channel}")
        out.append(f"To: {_recipient(op)}")
        try:
            text = render(op, sender, tenant.library)
        except ConfigError as exc:
            out.append(f"cannot render: {exc}")
            continue
        out.append(f"Subject: {text.subject}")
        out.extend(["", text.text, ""])
        if reader(op) == "customer":
            unlinked = [i.number for i in op.items if not i.pay_url]
            if unlinked:
                out.append(f"(no pay-now link on file for {', '.join(unlinked[:5])}: the accounting system may add one as it sends)")
        if op.channel in channels.LETTERS:
            if where is None:
                where = Path(tempfile.mkdtemp(prefix=f"relance-{tenant.name}-{result.as_of}-"))
            where.mkdir(parents=True, exist_ok=True)
            path = where / f"{op.customer_id}-{op.level_name or op.level}-{op.key[:12]}.pdf"
            path.write_bytes(letter_pdf(text, op, sender, f"Relance {search_token(op.key)}"))
            out.append(f"Letter: {path}")
    return out
