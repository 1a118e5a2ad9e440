"""Approvals kept in Odoo: an open "Relance: to approve" activity is pending; the message Odoo posts when a person
marks it done (subtype Activities, `mail_activity_type_id` the approval type, its body the activity's note) approves
it, on every version, whether or not the type keeps done activities; an activity cancelled leaves neither, and the
approval asked (the marker note) is then read as refused."""

from __future__ import annotations

import re

from adapters.odoo.client import OdooClient
from connector.keys import PREFIX

_TOKEN = re.compile(re.escape(PREFIX) + r"([0-9a-f]{32})")  # the token search_token() writes into the note


def read_approvals(client: OdooClient, type_id: int | None) -> dict[str, str]:
    """Approval key -> "pending" or "approved"."""
    if not type_id:
        return {}
    out: dict[str, str] = {}
    done = client.search_read_all("mail.message", [("mail_activity_type_id", "=", type_id), ("body", "ilike", PREFIX)],
                                  ["body"], page=2000)
    for row in done:
        for key in _TOKEN.findall(str(row.get("body") or "")):
            out[key] = "approved"
    pending = client.search_read_all("mail.activity", [("activity_type_id", "=", type_id), ("note", "ilike", PREFIX)],
                                     ["note"], page=2000)
    for row in pending:
        for key in _TOKEN.findall(str(row.get("note") or "")):
            out.setdefault(key, "pending")
    return out
