"""Odoo 16 to 19 over XML-RPC or JSON-2: the adapter the registry lists."""

from adapters.odoo.config import OdooTenant
from connector.protocol import Adapter


ADAPTER = Adapter(system="odoo", label="Odoo", tenant=OdooTenant)
