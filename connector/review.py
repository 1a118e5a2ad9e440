"""`relance review`: a local page listing today's plan per customer with each message as it will be sent, where a
credit controller approves or skips what waits for approval. Decisions are written into the source system through
the adapter (`Source.decide`), so the next run, on any host, sends what was approved and only that.

Plain WSGI and HTML forms, no JavaScript. It serves on loopback only and refuses a request whose Host is not a
loopback name (a page elsewhere cannot reach it through DNS rebinding); each form carries a token drawn when the
server starts, so another site cannot post a decision either.
"""

from __future__ import annotations

import html
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlsplit

from connector.errors import RelanceError
from connector.keys import search_token
from connector.letters import letter_pdf
from connector.messages import render, signer
from connector.models import Operation
from connector.money import fmt
from connector.protocol import Source
from connector.runner import RunResult, plan_ledger

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Tenant:
    """One tenant on the page: its name, its open source, its policy and texts."""

    name: str
    source: Source
    policy: object
    library: object
    as_of: date


@dataclass
class Review:
    tenants: list[Tenant]
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    notes: list[str] = field(default_factory=list)  # what the last decisions wrote, shown once
    shown: dict[str, RunResult] = field(default_factory=dict)  # the plan each tenant's page shows: its letters' PDFs

    def plan(self, t: Tenant) -> tuple[RunResult, dict[str, str]]:
        """Today's plan, with every pending approval planned again as a request (so it can be decided here),
        and the approval states as the system holds them."""
        ledger = t.source.fetch(t.as_of)
        states = dict(ledger.approvals or {})
        if ledger.approvals is not None:
            ledger.approvals = {k: v for k, v in states.items() if v != "pending"}
        rec, plan = plan_ledger(ledger, t.policy, t.as_of)
        return RunResult(as_of=t.as_of, dry_run=True, reconciliation=rec, plan=plan, companies=list(ledger.companies),
                         skipped=list(plan.skipped)), states

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or ""
        host = host[:host.index("]") + 1] if host.startswith("[") and "]" in host else host.split(":")[0]
        if host not in LOOPBACK:
            return _send(start_response, "403 Forbidden", "text/plain", b"relance review answers on loopback only")
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD", "GET")
        try:
            if method == "POST" and path == "/decide":
                return self._decide(environ, start_response)
            if method == "GET" and path.startswith("/letter/"):
                return self._letter(path, start_response)
            if method == "GET" and path == "/":
                return _send(start_response, "200 OK", "text/html; charset=utf-8", self.page().encode())
        except RelanceError as exc:
            return _send(start_response, "502 Bad Gateway", "text/plain; charset=utf-8", str(exc).encode())
        return _send(start_response, "404 Not Found", "text/plain", b"not found")

    # -- decisions --------------------------------------------------------------------------------
    def _decide(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(size).decode())
        origin = environ.get("HTTP_ORIGIN")
        if form.get("token", [""])[0] != self.token or (origin and urlsplit(origin).hostname not in LOOPBACK):
            return _send(start_response, "403 Forbidden", "text/plain", b"this form was not made by this page")
        tenant = next((t for t in self.tenants if t.name == form.get("tenant", [""])[0]), None)
        decision = form.get("decision", [""])[0]
        if tenant is None or decision not in ("approve", "skip"):
            return _send(start_response, "400 Bad Request", "text/plain", b"unknown tenant or decision")
        keys = set(form.get("key", []))
        result, _ = self.plan(tenant)
        for op in result.plan.operations:
            if op.kind == "approval" and op.key in keys:
                try:
                    self.notes.append(f"{op.customer_name}: {tenant.source.decide(op, decision == 'approve')}")
                except RelanceError as exc:
                    self.notes.append(f"{op.customer_name}: not written: {exc}")
        start_response("303 See Other", [("Location", "/"), ("Content-Length", "0")])
        return [b""]

    def _letter(self, path: str, start_response: Callable) -> Iterable[bytes]:
        _, _, name, key = path.split("/", 3)
        tenant = next((t for t in self.tenants if t.name == name), None)
        if tenant is not None:
            result = self.shown.get(name) or self.plan(tenant)[0]  # the letter of the page read, not a new read
            for op in result.plan.operations:
                if op.key == key.removesuffix(".pdf") and op.channel:
                    sender = signer(op, result.companies)
                    pdf = letter_pdf(render(op, sender, tenant.library), op, sender, f"Relance {search_token(op.of or op.key)}")
                    return _send(start_response, "200 OK", "application/pdf", pdf)
        return _send(start_response, "404 Not Found", "text/plain", b"no such letter in today's plan")

    # -- the page -----------------------------------------------------------------------------------
    def page(self) -> str:
        parts = [_HEAD]
        if self.notes:
            parts.append("<ul class=notes>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>")
            self.notes = []
        for t in self.tenants:
            result, states = self.plan(t)
            self.shown[t.name] = result
            parts.append(f"<h1>{html.escape(t.name)} — plan as of {t.as_of.isoformat()}</h1>")
            by_customer: dict[tuple[str, str], list[Operation]] = defaultdict(list)
            for op in result.plan.operations:
                by_customer[(op.customer_name, op.customer_id)].append(op)
            if not by_customer:
                parts.append("<p>Nothing to send or approve today.</p>")
            for (name, cid), ops in sorted(by_customer.items()):
                parts.append(self._customer(t, result, states, name, cid, ops))
        parts.append("</body></html>")
        return "".join(parts)

    def _customer(self, t: Tenant, result: RunResult, states: dict[str, str], name: str, cid: str,
                  ops: list[Operation]) -> str:
        asked = [op for op in ops if op.kind == "approval"]
        rows = []
        for op in ops:
            status = {"approval": "waits for approval since it was asked" if states.get(op.key) == "pending"
                      else "to approve", "withdraw": "approval withdrawn", "penalty": "will be written"}.get(
                op.kind, "will be sent")
            body = ""
            if op.channel and op.kind in ("action", "approval"):
                sender = signer(op, result.companies)
                text = render(op, sender, t.library)
                letter = (f' · <a href="/letter/{html.escape(t.name)}/{op.key}.pdf">letter (PDF)</a>'
                          if op.channel in ("letter", "registered_letter") else "")
                body = (f"<details><summary>{html.escape(text.subject)}{letter}</summary>"
                        f"<div class=message>{text.html}</div></details>")
            buttons = self._form(t, [op.key], "approve", "Approve") + self._form(t, [op.key], "skip", "Skip") \
                if op.kind == "approval" else ""
            rows.append(f"<tr class={op.kind}><td>{op.level or ''} {html.escape(op.level_name or op.kind)}</td>"
                        f"<td>{html.escape(op.channel or '')}</td><td class=num>{html.escape(fmt(op.amount, op.currency))}</td>"
                        f"<td>{html.escape(status)}</td><td>{html.escape(op.reason)}{body}</td><td>{buttons}</td></tr>")
        all_of = self._form(t, [op.key for op in asked], "approve", "Approve all") if len(asked) > 1 else ""
        return (f'<section class=customer id="c-{html.escape(cid)}"><h2>{html.escape(name)} '
                f"<small>customer {html.escape(cid)}</small> {all_of}</h2><table><tr><th>level</th><th>channel</th>"
                f"<th>amount</th><th>status</th><th>reason and message</th><th></th></tr>{''.join(rows)}</table></section>")

    def _form(self, t: Tenant, keys: list[str], decision: str, label: str) -> str:
        hidden = "".join(f'<input type=hidden name=key value="{k}">' for k in keys)
        return (f'<form method=post action=/decide><input type=hidden name=token value="{self.token}">'
                f'<input type=hidden name=tenant value="{html.escape(t.name)}">'
                f'<input type=hidden name=decision value={decision}>{hidden}<button>{label}</button></form>')


def _send(start_response: Callable, status: str, kind: str, body: bytes) -> Iterable[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
                            ("X-Frame-Options", "DENY")])
    return [body]


_HEAD = """<!doctype html><html lang=en><head><meta charset=utf-8><title>Relance review</title><style>
body{font-family:sans-serif;margin:1.5em;color:#222} h1{font-size:1.3em} h2{font-size:1.05em;margin-top:1.4em}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;
vertical-align:top;font-size:.9em} .num{text-align:right;white-space:nowrap} form{display:inline;margin-right:4px}
tr.approval td{background:#fff8e1} .message{border-left:3px solid #ccc;padding-left:.8em;margin:.4em 0}
.notes{background:#e8f5e9;padding:.6em 1.6em} small{color:#777;font-weight:normal}</style></head><body>"""
