"""Typed errors for Odoo's answers, carrying Odoo's own message."""

from __future__ import annotations

from connector.errors import CredentialsRefused, ItemError, SourceUnavailable


class OdooError(ItemError):
    """An error Odoo answered for one call; `name` is Odoo's exception class when known."""

    def __init__(self, message: str, *, name: str = "", code: int | None = None, model: str = "", method: str = ""):
        self.name, self.code, self.model, self.method, self.odoo_message = name, code, model, method, message
        where = f"{model}.{method}: " if model else ""
        super().__init__(f"{where}{message}")


class OdooAccessError(OdooError):
    """AccessError / AccessDenied: the API user lacks a right. Never retried."""


class OdooValidationError(OdooError):
    """UserError / ValidationError / MissingError: Odoo refused the data. Never retried."""


class OdooRetryable(OdooError):
    """A serialization conflict or a gateway error: worth another try."""


class OdooUnavailable(SourceUnavailable):
    """Connection refused, DNS, TLS or repeated timeouts: the server cannot be reached."""


class OdooAuthError(CredentialsRefused):
    """Authentication refused: wrong login, password or API key."""
