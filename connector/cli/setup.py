"""`relance check` and `relance init`: is each tenant ready, and make it so."""

from __future__ import annotations

from datetime import date

from connector import rates
from connector.cli.output import say
from connector.cli.tenants import for_each_tenant
from connector.credentials import check_lines
from connector.daemon import today_in
from connector.errors import RelanceError
from connector.interest import known_until
from connector.policy import Policy
from connector.textcheck import check_templates, policy_templates


def rate_check_lines(policy: Policy, today: date) -> list[str]:
    """Each rate table the policy's interest needs, and a warning when it ends before today."""
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
                       f"charged past {until}; {t.remedy}")
        else:
            out.append(f"  ok    rates: {t.label}{when} known up to {t.covered_until} ({t.path})")
    return out


def cmd_check(args) -> int:
    def work(tenant, secrets) -> int:
        say(f"tenant {tenant.name} ({tenant.system}, {tenant.where})")
        policy = tenant.load_policy()
        say(f"  ok    policy: {policy.name} ({policy.jurisdiction}, {policy.currency}, {len(policy.segments)} segment(s))")
        say(f"  ok    schedule: {tenant.schedule.describe()} ({tenant.timezone})")
        for line in rate_check_lines(policy, args.as_of or today_in(tenant)):
            say(line)
        with tenant.open(secrets) as source:
            rows = source.check()
            connected = bool(rows) and rows[0][1] is not False
            try:  # the customers' languages: each customer text must exist in each
                langs = source.languages() if connected else set()
            except RelanceError:
                langs = set()
            try:  # an API key or refresh token that expires soon: warned 14 days before
                creds = check_lines(source.credentials(), args.as_of or today_in(tenant)) if connected else []
            except RelanceError as exc:
                creds = [f"  warn  credentials: cannot read when they expire: {exc}"]
        problems, warnings = check_templates(policy, tenant.library, langs)
        for line in problems:
            say(f"  FAIL  templates: {line}")
        for line in warnings:
            say(f"  warn  templates: {line}")
        if not problems:
            where = f" ({tenant.templates} first)" if tenant.templates else ""
            say(f"  ok    templates{where}: {len(policy_templates(policy))} template(s) of {policy.name} render in every "
                f"language{' (' + ', '.join(sorted(langs)) + ' used by its customers)' if langs else ''}, "
                f"for professionals and consumers")
        for name, ok, detail in rows:  # ok None: information, neither a pass nor a failure
            say(f"  {'info' if ok is None else 'ok  ' if ok else 'FAIL'}  {name}: {detail}")
        for line in creds:
            say(line)
        if rows and rows[0][0] == "connect" and rows[0][1] is False:
            return 3
        return 1 if problems or any(ok is False for _, ok, _ in rows) else 0

    return for_each_tenant(args, work)


def cmd_init(args) -> int:
    def work(tenant, secrets) -> int:
        say(f"tenant {tenant.name}:")
        with tenant.open(secrets) as source:
            lines = source.init()
        for line in lines:
            say(f"  {line}")
        return 1 if any(line.startswith("missing") for line in lines) else 0

    return for_each_tenant(args, work)
