"""A loopback Odoo that speaks XML-RPC and JSON-2 as Odoo 16-19 do (server.py), for the tests, the demo and the
benchmarks: its ORM, domains, accounting and mail models in the modules beside it."""

from adapters.odoo.emulator.errors import AccessError, DropConnection, HTTPFault, SerializationFailure, UserError
from adapters.odoo.emulator.server import READ_ONLY, OdooEmulator

__all__ = ["AccessError", "DropConnection", "HTTPFault", "OdooEmulator", "READ_ONLY", "SerializationFailure",
           "UserError"]
