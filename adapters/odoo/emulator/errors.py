"""Exceptions of the Odoo emulator: Odoo's own (same names, so clients see `odoo.exceptions.X`) and the
faults a test can inject through `OdooEmulator.fault_hook`.

Mapping checked in Odoo's sources:
- XML-RPC `/xmlrpc/2` (17: odoo/addons/base/controllers/rpc.py, 19: odoo/addons/rpc/controllers/xmlrpc.py,
  `xmlrpc_handle_exception_int`): AccessError -> 4, AccessDenied -> 3, other UserError (ValidationError,
  MissingError...) -> 2 with `str(e)`, anything else -> 1 with the formatted traceback.
- JSON-2 (19: odoo/http.py `Json2Dispatcher.handle_error`, odoo/exceptions.py `http_status`): UserError and
  ValidationError 422, AccessError/AccessDenied 403, MissingError 404, werkzeug HTTP errors their code,
  anything else 500; body from `serialize_exception`.
"""

from __future__ import annotations


class OdooException(Exception):
    """Base of the emulated `odoo.exceptions`."""

    http_status = 422
    fault_code = 2

    def __init__(self, message: str = ""):
        super().__init__(message)


class UserError(OdooException):
    pass


class ValidationError(UserError):
    pass


class MissingError(UserError):
    http_status = 404


class AccessError(UserError):
    http_status = 403
    fault_code = 4


class AccessDenied(UserError):
    http_status = 403
    fault_code = 3

    def __init__(self, message: str = "Access Denied"):
        super().__init__(message)


for _c in (OdooException, UserError, ValidationError, MissingError, AccessError, AccessDenied):
    _c.__module__ = "odoo.exceptions"


class HTTPError(Exception):
    """A werkzeug HTTP exception as Odoo raises it (NotFound, Unauthorized, UnprocessableEntity...)."""

    def __init__(self, status: int, name: str, description: str, headers: dict | None = None):
        super().__init__(description)
        self.status, self.name, self.description, self.headers = status, name, description, headers or {}


def not_found(description: str) -> HTTPError:
    return HTTPError(404, "NotFound", description)


def unauthorized(description: str) -> HTTPError:
    return HTTPError(401, "Unauthorized", description, {"WWW-Authenticate": "Bearer"})


def unprocessable(description: str) -> HTTPError:
    return HTTPError(422, "UnprocessableEntity", description)


class SerializationFailure(Exception):
    """What PostgreSQL answers two concurrent writers (psycopg2.errors.SerializationFailure)."""

    def __init__(self, message: str = "could not serialize access due to concurrent update"):
        super().__init__(message)


SerializationFailure.__module__ = "psycopg2.errors"


# -- faults a test injects through fault_hook ------------------------------------------------------

class EmulatorFault(Exception):
    """Base of the faults `fault_hook` may raise. Raising an Odoo exception above (UserError,
    AccessError...) or SerializationFailure also works: it is answered as Odoo answers it."""


class HTTPFault(EmulatorFault):
    """Answer this HTTP status and body instead of running the call (a proxy's 502, a 503 with
    Retry-After...). `after=True` runs (and commits) the call first, as when a proxy gives up on an answer
    that Odoo then sends to nobody (a 502 or 504 after the commit)."""

    def __init__(self, status: int, body: str | bytes = "", content_type: str = "text/html",
                 headers: dict | None = None, after: bool = False):
        super().__init__(f"HTTP {status}" + (" after commit" if after else ""))
        self.status, self.body, self.content_type, self.headers = status, body, content_type, headers or {}
        self.after = after


class DropConnection(EmulatorFault):
    """Close the connection without answering. `after=True` runs (and commits) the call first, as when a
    response is lost on its way back."""

    def __init__(self, after: bool = False):
        super().__init__("connection dropped" + (" after commit" if after else ""))
        self.after = after
