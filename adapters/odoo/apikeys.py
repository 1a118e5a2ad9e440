"""When the API user's key expires, read from Odoo itself where it says.

Odoo 19 gives every API key an `expiration_date` (base/models/res_users.py, `ResUsersApikeys`): a non-system
user must set one, at most their groups' `api_key_duration` (90 days for base.group_user), and an expired key is
deleted. The key's own user may read its keys over RPC: base grants `res.users.apikeys` read to group_user, and
the rule "Users can read and delete their own keys" limits it to `user_id = user.id`. The key itself is stored
hashed, so which of the user's keys is the one in use cannot be told: with several, the earliest expiry counts
(give the API user one key). Versions without the field (17) keep no expiry: the tenant's `api_key_expires` in
relance.yaml then says it.
"""

from __future__ import annotations

from datetime import date, datetime

from adapters.odoo.errors import OdooError
from connector.credentials import Credential

MODEL = "res.users.apikeys"


def key_credentials(client, login: str, configured: date | None, env_name: str | None) -> list[Credential]:
    remedy = (f"create a new API key for {login} in Odoo (Preferences → Account Security → New API Key) and put it "
              f"in {env_name or 'the variable the tenant names'}")
    label = f"Odoo API key of {login}"
    fields = _fields(client)
    if "expiration_date" in fields:
        rows = client.call(MODEL, "search_read", domain=[("user_id", "=", client.uid)],
                           fields=["name", "scope", "expiration_date"])
        rpc = [r for r in rows if r.get("scope") in (False, None, "", "rpc")]  # a JSON-2 or RPC key has no scope
        dated = sorted((_day(r["expiration_date"]), r["name"]) for r in rpc if r.get("expiration_date"))
        if dated:
            day, name = dated[0]
            many = f", the earliest of {len(rpc)} keys" if len(rpc) > 1 else ""
            return [Credential("api_key", f"{label} ('{name}'{many})", day, "read from Odoo, res.users.apikeys", remedy)]
        if rpc:
            return [Credential("api_key", label, None, "Odoo says the key never expires (an administrator's key)", remedy)]
    if configured is not None:
        return [Credential("api_key", label, configured, "api_key_expires in relance.yaml", remedy)]
    why = ("this Odoo version keeps no expiry for API keys" if not fields or "expiration_date" not in fields
           else "Odoo lists no API key for this user (a password?)")
    return [Credential("api_key", label, None, f"{why}; set api_key_expires in relance.yaml to be warned", remedy)]


def _fields(client) -> set[str]:
    try:
        return set(client.call(MODEL, "fields_get", attributes=["type"]))
    except OdooError:  # no such model (before 14) or not readable by this user
        return set()


def _day(value: str) -> date:
    return datetime.strptime(str(value)[:19], "%Y-%m-%d %H:%M:%S").date()  # Odoo's datetimes are UTC
