"""`relance report --check-ledger`: the report's open balance, per company and currency, against the sum the
accounting system itself gives for the same day (`Source.open_items`), and item by item where they differ.

The report's side is the aged balance's: every open item of the reconciliation (orphans included) less the
unapplied credits, as of the day. A difference is a failure (exit code 1): either Relance left a document out
(a record it could not read, with the reason it gave) or the two disagree on what a document still owes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from connector.models import Rejection
from connector.protocol import OpenItem
from connector.reconcile import PAID, Reconciliation

from connector.reports.balances import ZERO
from connector.reports.tables import amount, table


@dataclass(frozen=True)
class Total:
    company_id: str
    currency: str
    report: Decimal
    system: Decimal

    @property
    def difference(self) -> Decimal:
        return self.report - self.system


@dataclass(frozen=True)
class Difference:
    key: str
    record: str  # as the system names it ("account.move.line 12", "CreditMemo 4")
    label: str
    company_id: str
    currency: str
    report: Decimal  # 0: not in the report
    system: Decimal  # 0: not open in the system
    why: str


@dataclass
class LedgerCheck:
    as_of: date
    totals: list[Total]
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.difference == 0 for t in self.totals)


def report_items(rec: Reconciliation) -> dict[str, OpenItem]:
    """What the aged balance adds up, one signed item per receivable and per credit, by the source's key."""
    out: dict[str, OpenItem] = {}
    recs = [p.receivable for acc in rec.accounts for p in acc.positions if p.status is not PAID]
    for r in [*recs, *rec.orphans]:
        if r.open_amount > 0:
            out[r.id] = OpenItem(key=r.id, record=r.id, company_id=r.company_id or "", currency=r.currency,
                                 amount=r.open_amount, label=r.number)
    for i, c in enumerate(rec.credits):
        key = c.id or c.ref or f"credit {i + 1} of customer {c.customer_id}"
        out[key] = OpenItem(key=key, record=key, company_id=c.company_id or "", currency=c.currency,
                            amount=-c.amount, label=c.ref or key)
    return out


def compare(rec: Reconciliation, system: list[OpenItem], rejected: list[Rejection] = ()) -> LedgerCheck:
    mine = report_items(rec)
    theirs = {i.key: i for i in system}
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for i in mine.values():
        sums[(i.company_id, i.currency)][0] += i.amount
    for i in theirs.values():
        sums[(i.company_id, i.currency)][1] += i.amount
    totals = [Total(co, cur, r, s) for (co, cur), (r, s) in sorted(sums.items())]
    diffs = []
    for key in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get(key), theirs.get(key)
        got, want = (a.amount if a else ZERO), (b.amount if b else ZERO)
        if a and b and (got, a.currency, a.company_id) == (want, b.currency, b.company_id):
            continue
        item = b or a
        diffs.append(Difference(key=key, record=item.record, label=item.label, company_id=item.company_id, currency=item.currency,
                                report=got, system=want, why=_why(a, b, rejected)))
    return LedgerCheck(as_of=rec.as_of, totals=totals, differences=diffs)


def _why(mine: OpenItem | None, theirs: OpenItem | None, rejected: list[Rejection]) -> str:
    if mine is None:
        for r in rejected:
            if r.record == theirs.record or r.record.startswith(theirs.record + " "):
                return f"left out by Relance: {r.reason}"
        return "open in the system, not read by Relance"
    if theirs is None:
        return "in the report, not open in the system on that day"
    if (mine.currency, mine.company_id) != (theirs.currency, theirs.company_id):
        return (f"in {mine.currency} of company {mine.company_id or '-'} in the report, {theirs.currency} of company "
                f"{theirs.company_id or '-'} in the system")
    return "the open amounts differ"


def lines(check: LedgerCheck, system: str, companies: dict[str, str], verbose: int = 0) -> list[str]:
    def company(cid: str) -> str:
        return companies.get(cid) or (f"company {cid}" if cid else "-")

    out = [f"ledger check as of {check.as_of}: the report's open balance against {system}'s own open items"]
    out += table([[company(t.company_id), t.currency, amount(t.report, t.currency), amount(t.system, t.currency),
                   amount(t.difference, t.currency)] for t in check.totals] or [["-", "-", "0.00", "0.00", "0.00"]],
                 ["company", "cur", "report", system, "difference"], {2, 3, 4})
    if check.differences and verbose:
        out.append(f"  {len(check.differences)} item(s) differ:")
        out += table([[d.label, d.record, company(d.company_id), d.currency, amount(d.report, d.currency),
                       amount(d.system, d.currency), d.why] for d in check.differences],
                     ["document", "record", "company", "cur", "report", system, "why"], {4, 5}, indent="    ")
    elif check.differences:
        out.append(f"  {len(check.differences)} item(s) differ: -v lists them")
    out.append("  ledger check: " + ("the report agrees with the ledger to the cent" if check.ok
                                     else "FAILED: the report does not agree with the ledger"))
    return out
