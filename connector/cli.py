"""`relance`: check, init, plan, run, daemon, penalty, report and demo.

Exit codes: 0 ok, 1 some items failed, 2 bad config or usage, 3 a source cannot be reached (the
highest wins when tenants differ). No traceback reaches the user: a known error prints one line,
an unexpected one its type and message (the traceback only with -v).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from connector import rates
from connector.errors import ConfigError, RateMissing, RelanceError
from connector.logs import redact

log = logging.getLogger("relance.cli")


# -- output helpers ---------------------------------------------------------------------------------

def say(text: str = "") -> None:
    print(redact(text), flush=True)


def err(text: str) -> None:
    print(redact(f"relance: {text}"), file=sys.stderr, flush=True)


def table(rows: list[list[str]], headers: list[str], right: set[int] = frozenset()) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    fmt = lambda r: "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths))).rstrip()
    return [fmt(headers), fmt(["-" * w for w in widths]), *map(fmt, rows)]


def money(amount: Decimal, currency: str = "") -> str:
    from connector.money import fmt, is_currency

    if currency and is_currency(currency):
        return fmt(amount, currency)
    return f"{amount.quantize(Decimal('0.01')):,}" + (f" {currency}" if currency else "")


def dump_json(data: object) -> None:
    say(json.dumps(data, indent=2, default=str, ensure_ascii=False))


# -- argument types ---------------------------------------------------------------------------------

def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    return value


def payment(text: str) -> tuple[date, Decimal]:
    day, sep, amount = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: expected DATE:AMOUNT, e.g. 2025-08-15:4000")
    return iso_date(day), decimal(amount)


# -- tenants ----------------------------------------------------------------------------------------

def load_deployment(args, *, webhook: bool = False):
    """The config, the tenants asked for and their secrets (registered for redaction from every log)."""
    from connector.config import load_config, load_secrets
    from connector.logs import register_secret

    dep = load_config(config_path(args))
    rates.use_rates_dir(dep.config.rates_dir)
    tenants = dep.select(args.tenant)
    secrets = load_secrets(dep, tenants, webhook=webhook)
    # An OAuth client id is public (RFC 6749 2.2): it is in the consent address the user must open.
    public = {t.client_id_env for t in tenants if t.client_id_env}
    for name, value in secrets.items():
        if name not in public:
            register_secret(value.get_secret_value())
    return dep, tenants, secrets


def config_path(args) -> str:
    from connector.config import DEFAULT_PATH

    return args.config or DEFAULT_PATH


def use_config_rates(args) -> None:
    """The `rates_dir:` of the deployment file, for the commands that need no tenant (penalty, rates):
    read from --config, or from ./relance.yaml when there is one."""
    from connector.config import DEFAULT_PATH, load_config

    if args.config or Path(DEFAULT_PATH).exists():
        rates.use_rates_dir(load_config(config_path(args)).config.rates_dir)


def load_tenants(args) -> tuple[list, dict]:
    _, tenants, secrets = load_deployment(args)
    return tenants, secrets


def for_each_tenant(args, work: Callable, on_error: Callable[[object, RelanceError | Exception, int], None] | None = None) -> int:
    """Call `work(tenant, secrets)` -> exit code for each tenant; an error of one tenant never stops the next."""
    from connector.daemon import error_code

    tenants, secrets = load_tenants(args)
    worst = 0
    for tenant in tenants:
        try:
            code = work(tenant, secrets)
        except BrokenPipeError:  # the reader went away (`relance report | head`): main() ends quietly
            raise
        except Exception as exc:  # noqa: BLE001 - reported per tenant, the others go on
            code = error_code(exc)
            if on_error:
                on_error(tenant, exc, code)
            else:
                err(f"tenant {tenant.name}: {describe_error(exc, args.verbose)}")
        worst = max(worst, code)
    return worst


def describe_error(exc: BaseException, verbose: int = 0) -> str:
    if isinstance(exc, RelanceError):
        return str(exc)
    if verbose:
        log.error("unexpected error", exc_info=exc)
    return f"unexpected {type(exc).__name__}: {exc}" + ("" if verbose else " (run with -v for the traceback)")


# -- commands ---------------------------------------------------------------------------------------

def rate_check_lines(policy, today: date) -> list[str]:
    """Each rate table the policy's interest needs, and a warning when it ends before today."""
    from connector.penalties import known_until

    rule = policy.rules.interest
    if rule is None or not policy.penalties.interest:
        return []
    out = []
    for name, when in ((rule.reference, ""), (rule.contractual_floor_table, " (the floor of a contractual rate)")):
        if name is None:
            continue
        t, until = rates.table(name), known_until(rule, name)
        if until < today:
            out.append(f"  warn  rates: {t.label}{when} known up to {t.covered_until} ({t.path}): no interest can be "
                       f"charged past {until}; run `relance rates update`")
        else:
            out.append(f"  ok    rates: {t.label}{when} known up to {t.covered_until} ({t.path})")
    return out


def cmd_check(args) -> int:
    from adapters.registry import open_source
    from connector.daemon import today_in
    from connector.policy import load_policy

    def work(tenant, secrets) -> int:
        say(f"tenant {tenant.name} ({tenant.system}, {tenant.url or tenant.realm_id})")
        policy = load_policy(tenant.policy)
        say(f"  ok    policy: {policy.name} ({policy.jurisdiction}, {policy.currency}, {len(policy.segments)} segment(s))")
        say(f"  ok    schedule: {tenant.schedule.describe()} ({tenant.timezone})")
        for line in rate_check_lines(policy, args.as_of or today_in(tenant)):
            say(line)
        source = open_source(tenant, secrets)
        try:
            rows = source.check()
        finally:
            source.close()
        for name, ok, detail in rows:  # ok None: information, neither a pass nor a failure
            say(f"  {'info' if ok is None else 'ok  ' if ok else 'FAIL'}  {name}: {detail}")
        if rows and rows[0][0] == "connect" and not rows[0][1]:
            return 3
        return 0 if all(ok is not False for _, ok, _ in rows) else 1

    return for_each_tenant(args, work)


def cmd_init(args) -> int:
    from adapters.registry import open_source

    def work(tenant, secrets) -> int:
        say(f"tenant {tenant.name}:")
        source = open_source(tenant, secrets)
        try:
            lines = source.init()
        finally:
            source.close()
        for line in lines:
            say(f"  {line}")
        return 1 if any(line.startswith("missing") for line in lines) else 0

    return for_each_tenant(args, work)


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


def cmd_plan(args) -> int:
    from connector.daemon import run_tenant

    docs = []

    def work(tenant, secrets) -> int:
        result = run_tenant(tenant, secrets, args.as_of, dry_run=True)
        if args.json:
            docs.append(result_json(tenant.name, result))
        else:
            c = result.counts()
            say(f"== {tenant.name}: plan as of {result.as_of}: {c['planned']} operation(s), "
                f"{c['skipped']} skipped, {c['failed']} failed")
            for line in plan_lines(result, args.verbose):
                say(line)
        return result.exit_code

    def on_error(tenant, exc, code) -> None:
        if args.json:
            docs.append({"tenant": tenant.name, "error": describe_error(exc), "exit_code": code})
        err(f"tenant {tenant.name}: {describe_error(exc, args.verbose)}")

    code = for_each_tenant(args, work, on_error)
    if args.json:
        dump_json({"tenants": docs})
    return code


def written_summary(result) -> list[str]:
    ops = {op.key: op for op in result.plan.operations}
    per_channel: dict[str, int] = defaultdict(int)
    for d in result.done:
        per_channel[op_label(ops[d.key])[0] if d.key in ops else "?"] += 1
    c = result.counts()
    head = (f"wrote {c['done']} of {c['planned']} operation(s)"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(per_channel.items()))})" if per_channel else "")
            + f"; {c['skipped']} skipped, {c['failed']} failed" + ("; STOPPED before the end" if result.stopped else ""))
    return [head]


def demo_plan_lines(setup: list[str], planned, verbose: int = 0, limit: int | None = 4) -> list[str]:
    """A demo's `relance init` count and the first customers of its plan."""
    return [f"== relance init: {sum(ln.startswith('created') for ln in setup)} object(s) created, "
            f"{sum(ln.startswith('found') for ln in setup)} found",
            f"== relance plan: {len(planned.plan.operations)} operation(s), {len(planned.skipped)} skipped "
            f"(first customers; `relance plan --json` gives them all)",
            *plan_lines(planned, verbose=verbose, limit=limit)]


def demo_written_lines(result, limit: int | None = 8, verbose: int = 0) -> list[str]:
    """A demo's account of its run: the first writes (all with `limit` None) and the failures."""
    shown = result.done if limit is None else result.done[:limit]
    lines = ["== relance run: " + written_summary(result)[0], *(f"  {d.what} -> {d.ref}" for d in shown)]
    if len(result.done) > len(shown):
        lines.append(f"  … {len(result.done) - len(shown)} more")
    return lines + failure_lines(result, verbose, indent="  ", limit=8)


def demo_again_lines(again, system: str) -> list[str]:
    """A demo's second plan (empty: what was written is found again) and the aged balance after the run."""
    failed = f"; {len(again.failed)} item(s) failed and are not planned (see above)" if again.failed else ""
    return [f"== relance plan, again: {len(again.plan.operations)} operation(s) left to write "
            f"(what was written is found again in {system}){failed}", "",
            f"== aged balance as of {again.as_of} (largest 12 customers)",
            *aging_lines(aged_balance(again.reconciliation), limit=12)]


def cmd_run(args) -> int:
    from connector.daemon import StopFlag, run_tenant
    from connector.progress import Progress

    stop = StopFlag()
    stop.install()
    docs = []

    def work(tenant, secrets) -> int:
        bar = Progress(f"{tenant.name}: writing")
        try:
            result = run_tenant(tenant, secrets, args.as_of, dry_run=False, should_stop=stop, on_progress=bar)
        finally:
            bar.close()
        if args.json:
            docs.append(result_json(tenant.name, result))
            return result.exit_code
        say(f"== {tenant.name}: run as of {result.as_of}: " + written_summary(result)[0])
        for d in result.done if args.verbose else ():
            say(f"  {d.what} -> {d.ref}")
        for line in failure_lines(result, args.verbose, indent="  "):
            say(line)
        return result.exit_code

    def on_error(tenant, exc, code) -> None:
        if args.json:
            docs.append({"tenant": tenant.name, "error": describe_error(exc), "exit_code": code})
        err(f"tenant {tenant.name}: {describe_error(exc, args.verbose)}")

    try:
        code = for_each_tenant(args, work, on_error)
    finally:
        stop.restore()
    if args.json:
        dump_json({"tenants": docs})
    return code


def cmd_daemon(args) -> int:
    from connector.daemon import serve

    dep, tenants, secrets = load_deployment(args, webhook=not args.once)
    return serve(tenants, secrets, once=args.once, as_of=args.as_of, webhook=None if args.once else dep.config.webhook,
                 rates=dep.config.rates_update)


def cmd_quickbooks_connect(args) -> int:
    """Intuit's consent flow for one QuickBooks tenant; the token pair lands in the tenant's token file."""
    from adapters.quickbooks.auth import OAuth, TokenFile, connect
    from connector.config import tenant_secret

    tenants, secrets = load_tenants(args)
    qbo = [t for t in tenants if t.system == "quickbooks"]
    if len(qbo) != 1:
        names = ", ".join(t.name for t in qbo) or "none in the config"
        raise ConfigError(config_path(args), f"name the one QuickBooks tenant to connect with --tenant NAME (QuickBooks tenants: {names})")
    t = qbo[0]
    oauth = OAuth(tenant_secret(t, secrets, "client_id_env").get_secret_value(),
                  tenant_secret(t, secrets, "client_secret_env").get_secret_value(), TokenFile(t.token_file),
                  environment=t.environment, redirect_uri=t.redirect_uri, discovery_url=t.discovery_url,
                  realm_id=t.realm_id, verify_tls=t.verify_tls, timeout=t.timeout)
    try:
        tokens = connect(oauth, ask=input, say=say)
    except EOFError:
        raise RelanceError("no redirect address was given: run the command again and paste it") from None
    if tokens.realm_id != t.realm_id:
        err(f"tenant {t.name}: you connected QuickBooks company {tokens.realm_id}, but the config says realm_id "
            f"{t.realm_id}: set realm_id: \"{tokens.realm_id}\" in {config_path(args)} (or connect the other company)")
        return 2
    return 0


def aged_balance(rec) -> list[dict]:
    """Open amounts per customer, currency and aging bucket (paid items excluded)."""
    from connector.reconcile import BUCKETS

    rows = []
    for acc in rec.accounts:
        per: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(BUCKETS, Decimal(0)))
        for p in acc.positions:
            if p.status != "paid" and p.receivable.open_amount > 0:
                per[p.receivable.currency][p.bucket] += p.receivable.open_amount
        for cur, buckets in sorted(per.items()):
            rows.append({"customer_id": acc.customer.id, "customer": acc.customer.name, "currency": cur,
                         "buckets": buckets, "total": sum(buckets.values(), Decimal(0))})
    return sorted(rows, key=lambda r: (-r["total"], r["customer"]))


def aging_lines(rows: list[dict], limit: int | None = None) -> list[str]:
    from connector.reconcile import BUCKETS

    shown = rows if limit is None else rows[:limit]
    body = [[r["customer"][:40], r["currency"], *(money(r["buckets"][b]) for b in BUCKETS), money(r["total"])]
            for r in shown]
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in rows:
        for b in BUCKETS:
            totals[r["currency"]][b] += r["buckets"][b]
    for cur, t in sorted(totals.items()):
        body.append([f"TOTAL ({len(rows)} lines)" if limit is None or len(rows) <= limit else
                     f"TOTAL (all {len(rows)} lines)", cur, *(money(t[b]) for b in BUCKETS), money(sum(t.values(), Decimal(0)))])
    return table(body, ["customer", "cur", *BUCKETS, "total"], set(range(2, len(BUCKETS) + 3)))


def cmd_report(args) -> int:
    """Aged balance, DSO, CEI, cost of late payment and today's worklist, per tenant (nothing written)."""
    from pathlib import Path

    from connector import reports
    from connector.reports import export, html, png, tables

    fmt = "json" if args.json else args.format
    options = reports.Options(period_start=args.period_start, period_end=args.period_end,
                              financing_rate=args.financing_rate, admin_cost=args.admin_cost)
    done: list = []
    docs: list[dict] = []
    note = say if fmt == "table" else err  # keep stdout parseable for csv and json

    def work(tenant, secrets) -> int:
        ledger, rec, plan, currency = reports.read_tenant(tenant, secrets, args.as_of)
        rep = reports.build(tenant.name, ledger, rec, plan, currency, options)
        done.append(rep)
        if fmt == "json":
            docs.append(export.document(rep))
        elif fmt == "table":
            for line in tables.report_lines(rep):
                say(line)
        if args.png:
            for path in png.write_all(html.charts(rep), Path(args.png), f"{tenant.name}-"):
                note(f"wrote {path}")
        return 0

    def on_error(tenant, exc, code) -> None:
        if fmt == "json":
            docs.append({"tenant": tenant.name, "error": describe_error(exc), "exit_code": code})
        err(f"tenant {tenant.name}: {describe_error(exc, args.verbose)}")

    code = for_each_tenant(args, work, on_error)
    if fmt == "json":
        dump_json({"tenants": docs})
    elif fmt == "csv" and done:
        sys.stdout.write(redact(export.csv_text(done)))
    if args.html and done:
        Path(args.html).write_text(html.page(done), encoding="utf-8")
        note(f"wrote {args.html}")
    return code


def penalty_doc(args) -> dict:
    """The charge for one invoice: interest per period (rounded once, on the total) and the fixed indemnity."""
    from connector import jurisdictions
    from connector.models import Settlement
    from connector.money import is_currency, round_money
    from connector.penalties import interest_periods, total

    try:
        rules = jurisdictions.get(args.jurisdiction)
    except KeyError as exc:
        raise ConfigError("--jurisdiction", exc.args[0]) from None
    currency = (args.currency or (rules.indemnity.currency if rules.indemnity else "EUR")).upper()
    as_of = args.as_of or date.today()
    problems = []
    if not is_currency(currency):
        problems.append(f"--currency: unknown currency {currency!r}")
    if args.amount <= 0:
        problems.append("--amount: must be positive")
    paid = sorted(args.payment)
    problems += [f"--payment {d}:{a}: the amount must be positive" for d, a in paid if a <= 0]
    problems += [f"--payment {d}:{a}: dated after --as-of {as_of}" for d, a in paid if d > as_of]
    if sum(a for _, a in paid) > args.amount:
        problems.append("--payment: the payments exceed the amount")
    if args.contract_rate is not None and args.contract_rate < 0:
        problems.append(f"--contract-rate {args.contract_rate}: a rate cannot be negative")
    if args.contract_rate is not None and rules.interest is None:
        problems.append(f"--contract-rate: {rules.name} has no late-payment interest to which a contractual rate "
                        f"applies (a contractual charge there is a late fee, set in the policy's penalties.fee)")
    if problems:
        raise ConfigError("relance penalty", problems)
    settlements = [Settlement(date=d, amount=a) for d, a in paid]
    cleared, left = None, args.amount  # the day the debt was paid in full, if it was
    for d, a in paid:
        left -= a
        if left <= 0:
            cleared = d
            break
    end = min(as_of, cleared) if cleared else as_of
    doc = {"jurisdiction": rules.name, "description": rules.description, "amount": str(args.amount),
           "currency": currency, "due": args.due.isoformat(), "as_of": as_of.isoformat(),
           "payments": [{"date": d.isoformat(), "amount": str(a)} for d, a in paid],
           "late": end > args.due, "interest": None, "indemnity": None}
    totals: dict[str, Decimal] = defaultdict(Decimal)  # one total per currency: never add EUR to USD
    if rules.interest and end > args.due:
        start = args.due if rules.interest.starts == "day_after_due" else args.notice
        if start is None:
            raise ConfigError("relance penalty", f"under {rules.name} interest runs from the formal notice: give --notice DATE")
        periods = interest_periods(args.amount, settlements, start, end, rules.interest, interest_start=start,
                                   contract_rate=args.contract_rate, day_count=args.day_count)
        amount = round_money(total(periods), currency)
        totals[currency] += amount
        doc["interest"] = {"from": start.isoformat(), "to": end.isoformat(), "day_count": args.day_count,
                           "reference": rules.interest.reference, "margin": str(rules.interest.margin),
                           "contract_rate": None if args.contract_rate is None else str(args.contract_rate),
                           "periods": [{"start": p.start.isoformat(), "end": p.end.isoformat(), "days": p.days,
                                        "base": str(p.base), "rate": str(p.rate),
                                        "amount": str(round_money(p.amount, currency)), "exact": str(p.amount)}
                                       for p in periods],
                           "total": str(amount)}
    if rules.indemnity and end > args.due:
        ind = rules.indemnity
        if len(ind.tiers) > 1 and currency != ind.currency:
            doc["indemnity"] = {"amount": None, "currency": ind.currency,
                                "note": f"tiers are in {ind.currency}, the invoice in {currency}: not computed"}
        else:
            doc["indemnity"] = {"amount": str(ind.amount_for(args.amount)), "currency": ind.currency}
            totals[ind.currency] += ind.amount_for(args.amount)
    # `total`: in the invoice's currency; `totals`: every currency owed (the indemnity's may differ)
    doc["total"] = str(totals.get(currency, Decimal(0)))
    doc["totals"] = {cur: str(amount) for cur, amount in sorted(totals.items(), key=lambda kv: kv[0] != currency)}
    return doc


def penalty_lines(doc: dict) -> list[str]:
    cur = doc["currency"]
    paid = ", ".join(f"{money(Decimal(p['amount']))} on {p['date']}" for p in doc["payments"]) or "none"
    out = [f"{doc['jurisdiction']}: {doc['description']}",
           f"{money(Decimal(doc['amount']), cur)} due {doc['due']}, as of {doc['as_of']}; payments: {paid}"]
    if not doc["late"]:
        return [*out, "not paid late: no late-payment charge"]
    it = doc["interest"]
    if it:
        extra = f", contractual rate {it['contract_rate']} %" if it["contract_rate"] else ""
        out.append(f"interest from {it['from']} to {it['to']} ({it['reference']} + {it['margin']} points{extra}, "
                   f"{it['day_count']}):")
        rows = [[p["start"], p["end"], str(p["days"]), money(Decimal(p["base"])), f"{Decimal(p['rate']).normalize():f} %",
                 money(Decimal(p["amount"]))] for p in it["periods"]]
        out += ["  " + ln for ln in table(rows, ["from (excl.)", "to", "days", "base", "rate", "interest"], {2, 3, 4, 5})]
        out.append(f"interest: {money(Decimal(it['total']), cur)} (rounded once, on the exact total)")
    ind = doc["indemnity"]
    if ind:
        out.append(f"fixed recovery indemnity: {money(Decimal(ind['amount']), ind['currency'])}" if ind["amount"]
                   else f"fixed recovery indemnity: {ind['note']}")
    owed = doc.get("totals") or {cur: doc["total"]}
    out.append("total: " + " + ".join(money(Decimal(amount), c) for c, amount in owed.items()))
    return out


def cmd_penalty(args) -> int:
    use_config_rates(args)
    try:
        doc = penalty_doc(args)
    except RateMissing as exc:
        err(str(exc))
        return 1
    if args.json:
        dump_json(doc)
    else:
        for line in penalty_lines(doc):
            say(line)
    return 0


DEMO_MARK = "# Written by `relance demo --serve`"


def serve_files(folder, config_text: str, secrets: dict[str, str], what: str, as_of: date) -> None:
    """The demo's relance.yaml and secrets file (mode 0600) in `folder`, and how to use them."""
    folder = Path(folder)
    path, env = folder / "relance.yaml", folder / "relance-demo.env"
    if path.exists() and not path.read_text(encoding="utf-8").startswith(DEMO_MARK):
        raise ConfigError(str(path), "exists and was not written by the demo: run `relance demo --serve` from "
                                     "another directory (it writes relance.yaml and relance-demo.env there)")
    env.unlink(missing_ok=True)
    fd = os.open(env, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.writelines(f"{k}={v}\n" for k, v in secrets.items())
    path.write_text(f"{DEMO_MARK} for the {what}; valid while it runs.\nsecrets_file: {env.name}\n{config_text}",
                    encoding="utf-8")
    day = "" if as_of == date.today() else f" --as-of {as_of}"
    lines = [f"Relance demo: the {what} is serving a French SME's receivables, as of {as_of}.",
             f"  wrote {path} and {env} (mode 0600: the secrets relance.yaml names, read through its secrets_file)",
             "  or put them in the environment instead:",
             *(f"    export {k}={v}" for k, v in secrets.items()),
             f"In another terminal, in {folder.resolve()}:",
             f"  relance check{day}", "  relance init", f"  relance plan{day}", f"  relance run{day}",
             f"  relance report{day}", f"  relance daemon --once{day}",
             "Ctrl-C stops the emulator (what was written is lost with it)."]
    print("\n".join(lines), flush=True)  # not say(): the demo's own keys are what the user needs to see here


def cmd_demo(args) -> int:
    day = args.as_of or demo_day(date.today())
    if args.as_of is None and day != date.today():
        say(f"The demo acts as of {day}, not today ({date.today()}): {demo_day_reason(date.today(), day)}. "
            f"`--as-of YYYY-MM-DD` picks another day.")
    if args.serve:
        from connector.daemon import StopFlag

        stop = StopFlag()
        stop.install()

        def wait() -> None:
            while not stop.event.wait(0.5):
                pass

        try:
            if args.system == "quickbooks":
                from adapters.quickbooks.demo import serve_demo as serve_quickbooks

                return serve_quickbooks(day, Path.cwd(), wait)
            from adapters.odoo.demo import serve_demo

            return serve_demo(day, args.odoo_version, Path.cwd(), wait)
        finally:
            stop.restore()
    if args.system == "quickbooks":
        try:
            from adapters.quickbooks.demo import run_demo as run_quickbooks_demo
            import adapters.quickbooks.emulator  # noqa: F401
        except ImportError as exc:
            raise RelanceError(f"the bundled QuickBooks emulator cannot be imported ({exc}): the demo needs it") from None
        return run_quickbooks_demo(as_of=day, verbose=args.verbose)
    try:
        from adapters.odoo.demo import run_demo
        import adapters.odoo.emulator  # noqa: F401
    except ImportError as exc:
        raise RelanceError(f"the bundled Odoo emulator cannot be imported ({exc}): the demo needs it") from None
    return run_demo(as_of=day, version=args.odoo_version, verbose=args.verbose)


def demo_day(today: date) -> date:
    """The demo's default day: today, unless the shipped rate tables stop earlier (interest past them
    is an error, never a guess), and a working day so the reminders are not postponed."""
    from connector.calendar import quiet_reason
    from connector.policy import load_policy
    from connector.penalties import known_until

    policy = load_policy("fr-b2b")
    day = min(today, known_until(policy.rules.interest))  # the demo has no contractual rate
    while quiet_reason(policy.contact, day):
        day -= timedelta(days=1)
    return day


def demo_day_reason(today: date, day: date) -> str:
    from connector.calendar import quiet_reason
    from connector.penalties import known_until
    from connector.policy import load_policy

    policy = load_policy("fr-b2b")
    rule = policy.rules.interest
    if known_until(rule) < today:
        t = rates.table(rule.reference)
        return (f"the {t.label} table ends on {t.covered_until} ({t.path}), so no interest can be computed past "
                f"{known_until(rule)}; `relance rates update` fetches the rates published since")
    return f"{quiet_reason(policy.contact, today)}, a day without contact in the fr-b2b policy"


# -- parser -----------------------------------------------------------------------------------------

TENANT_OPTIONS = ("config", "tenant", "as_of")  # what a command that acts on tenants takes


def _globals(p: argparse.ArgumentParser, suppress: bool, takes: tuple[str, ...] = TENANT_OPTIONS,
             as_of_help: str = "the day to act as of (default: today in the tenant's timezone)") -> None:
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    if "config" in takes:
        p.add_argument("--config", metavar="FILE", default=d(None), help="deployment file (default ./relance.yaml)")
    if "tenant" in takes:
        p.add_argument("--tenant", metavar="NAME", action="append", default=d(None), help="only this tenant (repeatable)")
    if "as_of" in takes:
        p.add_argument("--as-of", metavar="YYYY-MM-DD", type=iso_date, default=d(None), help=as_of_help)
    p.add_argument("--log-format", choices=["text", "json"], default=d("text"))
    p.add_argument("-v", "--verbose", action="count", default=d(0))


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's usage errors: exit code 2, as for a bad config
        self.print_usage(sys.stderr)
        err(message)
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="relance", description="Follow-up of unpaid invoices, written back into Odoo or QuickBooks.")
    _globals(p, suppress=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser, required=True)

    def add(name: str, func, help: str, takes: tuple[str, ...] = TENANT_OPTIONS, description: str | None = None,
            **options) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=description or help,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        _globals(sp, suppress=True, takes=takes, **options)
        sp.set_defaults(func=func, takes=takes)
        return sp

    add("check", cmd_check, "validate the config and check each tenant: connection, access rights, setup")
    add("init", cmd_init, "create what Relance needs in each source system (idempotent)")
    add("plan", cmd_plan, "dry run: every operation a run would write").add_argument("--json", action="store_true")
    add("run", cmd_run, "read, reconcile and write back").add_argument("--json", action="store_true")
    add("daemon", cmd_daemon, "run each tenant on its schedule until SIGTERM").add_argument(
        "--once", action="store_true", help="run every tenant once and exit")
    rep = add("report", cmd_report, "aged balance, DSO, CEI, cost of late payment and today's worklist")
    rep.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output (default table)")
    rep.add_argument("--json", action="store_true", help="same as --format json")
    rep.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page with charts")
    rep.add_argument("--png", metavar="DIR", help="also write the charts as PNG files into DIR")
    rep.add_argument("--period-start", type=iso_date, metavar="YYYY-MM-DD",
                     help="first day of the CEI period (default: three months before its end)")
    rep.add_argument("--period-end", type=iso_date, metavar="YYYY-MM-DD", help="last day of the CEI period (default: as-of)")
    rep.add_argument("--financing-rate", type=decimal, metavar="PERCENT",
                     help="annual rate at which the overdue balance is financed, e.g. 5")
    rep.add_argument("--admin-cost", type=decimal, metavar="AMOUNT",
                     help="administrative cost of one reminder, in the policy's currency")
    pen = add("penalty", cmd_penalty, "compute the late-payment interest and indemnity for one invoice",
              takes=("config", "as_of"), as_of_help="the day to compute up to (default today)")
    pen.add_argument("--amount", type=decimal, required=True, help="invoice amount (tax included)")
    pen.add_argument("--due", type=iso_date, required=True, metavar="YYYY-MM-DD", help="due date")
    pen.add_argument("--payment", type=payment, action="append", default=[], metavar="DATE:AMOUNT",
                     help="a payment received, e.g. 2025-08-15:4000 (repeatable)")
    pen.add_argument("--jurisdiction", default="fr-b2b", help="statutory rules (default fr-b2b)")
    pen.add_argument("--currency", help="invoice currency (default: the jurisdiction's indemnity currency, else EUR)")
    pen.add_argument("--contract-rate", type=decimal, metavar="PERCENT", help="contractual annual rate")
    pen.add_argument("--day-count", choices=["actual/365", "actual/360", "actual/actual"], default="actual/365")
    pen.add_argument("--notice", type=iso_date, metavar="YYYY-MM-DD",
                     help="date of the formal notice, where interest runs from it (fr-b2c)")
    pen.add_argument("--json", action="store_true")
    from connector.cli_rates import add_rates_parser

    add_rates_parser(add)
    qbo = add("quickbooks", None, "QuickBooks Online tools")
    qsub = qbo.add_subparsers(dest="qbo_command", metavar="ACTION", parser_class=Parser, required=True)
    connect = qsub.add_parser("connect", help="connect a QuickBooks company (OAuth consent) and store its tokens",
                              description="Print Intuit's consent address, then take back the address your browser "
                                          "was redirected to; the tokens go to the tenant's token_file (mode 0600).")
    _globals(connect, suppress=True)
    connect.set_defaults(func=cmd_quickbooks_connect)
    demo = add("demo", cmd_demo, "run Relance on a bundled Odoo or QuickBooks emulator with a demo French SME ledger",
               takes=("as_of",), as_of_help="the day to replay (default: today, or the last working day the rate "
                                            "tables cover when they end before today; `relance rates update` "
                                            "brings them up to date)")
    demo.add_argument("--system", choices=["odoo", "quickbooks"], default="odoo",
                      help="the accounting system to emulate (default odoo)")
    demo.add_argument("--odoo-version", choices=["16.0", "17.0", "18.0", "19.0"], default="19.0",
                      help="emulated Odoo version (default 19.0, JSON-2; 16-18 use XML-RPC)")
    demo.add_argument("--serve", action="store_true",
                      help="keep the emulator running and write relance.yaml (and relance-demo.env) in the current "
                           "directory, so that check, init, plan, run, report and daemon can be tried on it")
    return p


def main(argv: list[str] | None = None) -> int:
    from connector import logs

    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    logs.setup(args.log_format, args.verbose)
    unused = [f"--{o.replace('_', '-')}" for o in TENANT_OPTIONS
              if o not in getattr(args, "takes", TENANT_OPTIONS) and getattr(args, o, None) is not None]
    if unused:  # given before the command name, where every option is accepted
        err(f"relance {args.command}: {', '.join(unused)} does not apply to this command")
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        err(str(exc))
        return 2
    except RelanceError as exc:
        err(describe_error(exc))
        return 1
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (`relance plan | head`): not a failure of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - never a traceback to the user unless -v
        err(describe_error(exc, args.verbose))
        return 1


if __name__ == "__main__":
    sys.exit(main())
