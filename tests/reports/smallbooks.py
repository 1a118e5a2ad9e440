"""The hand-computed small ledger of fixtures/small_ledger.yaml as canonical records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from connector.models import HistoryEntry, Ledger
from tests.builders import customer, ledger, receivable

FIXTURES = Path(__file__).parent / "fixtures"


def load_ledger(name: str = "small_ledger.yaml") -> tuple[Ledger, date]:
    doc = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    custs = [customer(c["id"], name=c["name"]) for c in doc["customers"]]
    recs = [receivable(r["id"], customer=r["customer"], issued=r["issued"], due=r["due"], amount=r["amount"],
                       currency=r.get("currency", "EUR"), payments=tuple((d.isoformat(), a) for d, a in r.get("payments", ())))
            for r in doc["receivables"]]
    hist = [HistoryEntry(key=h["key"], kind="action", date=h["date"], customer_id=h["customer"],
                         receivable_ids=tuple(h["receivables"]), channel=h["channel"], level=h["level"])
            for h in doc.get("history", ())]
    return ledger(custs, recs, hist), doc["as_of"]
