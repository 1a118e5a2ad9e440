"""`relance penalty`: the late-payment charge of one invoice, period by period (connector.penalties and connector.interest compute)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connector import jurisdictions
from connector.cli.args import decimal, iso_date, payment
from connector.cli.output import dump_json, err, money, say, table
from connector.cli.tenants import use_config_rates
from connector.errors import ConfigError, RateMissing
from connector.models import Settlement
from connector.money import is_currency, round_money
from connector.penalties import InvoiceCharge, invoice_charge


def charge_of(args) -> InvoiceCharge:
    """The options checked (every problem named at once), then the charge computed."""
    try:
        rules = jurisdictions.get(args.jurisdiction)
    except KeyError as exc:
        raise ConfigError("--jurisdiction", exc.args[0]) from None
    currency = (args.currency or (rules.indemnity.currency if rules.indemnity else "EUR")).upper()
    as_of = args.as_of or date.today()
    paid = sorted(args.payment)
    problems = []
    if not is_currency(currency):
        problems.append(f"--currency: unknown currency {currency!r}")
    if args.amount <= 0:
        problems.append("--amount: must be positive")
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
    try:
        return invoice_charge(rules, args.amount, currency, args.due, as_of, [Settlement(date=d, amount=a) for d, a in paid],
                              contract_rate=args.contract_rate, day_count=args.day_count, notice=args.notice)
    except ValueError:
        raise ConfigError("relance penalty", f"under {rules.name} interest runs from the formal notice: give "
                                             f"--notice DATE") from None


def document(args, c: InvoiceCharge) -> dict:
    rule = c.rules.interest
    doc = {"jurisdiction": c.rules.name, "description": c.rules.description, "amount": str(args.amount),
           "currency": c.currency, "due": args.due.isoformat(), "as_of": (args.as_of or date.today()).isoformat(),
           "payments": [{"date": d.isoformat(), "amount": str(a)} for d, a in sorted(args.payment)],
           "late": c.late, "interest": None, "indemnity": None}
    if c.interest is not None and rule is not None:
        doc["interest"] = {"from": c.interest_start.isoformat(), "to": c.end.isoformat(), "day_count": args.day_count,
                           "reference": rule.reference, "margin": str(rule.margin),
                           "contract_rate": None if args.contract_rate is None else str(args.contract_rate),
                           "periods": [{"start": p.start.isoformat(), "end": p.end.isoformat(), "days": p.days,
                                        "base": str(p.base), "rate": str(p.rate),
                                        "amount": str(round_money(p.amount, c.currency)), "exact": str(p.amount)}
                                       for p in c.periods],
                           "total": str(c.interest)}
    if c.late and c.rules.indemnity:
        cur = c.rules.indemnity.currency
        doc["indemnity"] = ({"amount": str(c.indemnity), "currency": cur} if c.indemnity is not None
                            else {"amount": None, "currency": cur, "note": c.indemnity_note})
    # `total`: in the invoice's currency; `totals`: every currency owed (the indemnity's may differ)
    doc["total"] = str(c.totals.get(c.currency, Decimal(0)))
    doc["totals"] = {cur: str(amount) for cur, amount in c.totals.items()}
    return doc


def lines(doc: dict) -> list[str]:
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
    out.append("total: " + " + ".join(money(Decimal(amount), c) for c, amount in (doc["totals"] or {cur: "0"}).items()))
    return out


def cmd_penalty(args) -> int:
    use_config_rates(args)
    try:
        doc = document(args, charge_of(args))
    except RateMissing as exc:
        err(str(exc))
        return 1
    if args.json:
        dump_json(doc)
    else:
        for line in lines(doc):
            say(line)
    return 0


def add_parser(add) -> None:
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
