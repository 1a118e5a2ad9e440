"""Which adapter serves which system: a dictionary. The CLI, the daemon and relance.yaml's tenants are built
from it; the core itself never imports an adapter."""

from __future__ import annotations

from adapters import odoo, quickbooks
from connector.protocol import Adapter

SYSTEMS: dict[str, Adapter] = {a.system: a for a in (odoo.ADAPTER, quickbooks.ADAPTER)}
