"""An Odoo tenant in relance.yaml: where the database is, who Relance logs in as, and the source it opens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

from pydantic import SecretStr, field_validator, model_validator

from connector.config import TenantBase, check_url


class OdooTenant(TenantBase):
    system: Literal["odoo"]
    url: str
    database: str
    login: str
    api_key_env: str | None = None
    password_env: str | None = None
    companies: tuple[int, ...] = ()  # Odoo company ids to follow up (default: the user's)
    protocol: Literal["auto", "xmlrpc", "json2"] = "auto"
    # When the API key expires, where Odoo does not say (17; Odoo 19 is asked): warned 14 days before.
    api_key_expires: date | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_url(v)

    @model_validator(mode="after")
    def _one_secret(self) -> OdooTenant:
        if (self.api_key_env is None) == (self.password_env is None):
            raise ValueError("an Odoo tenant needs exactly one of api_key_env or password_env")
        return self

    @property
    def where(self) -> str:
        return self.url

    def open(self, secrets: Mapping[str, SecretStr]):
        from adapters.odoo.source import OdooSource

        secret = self.secret(secrets, "api_key_env" if self.api_key_env else "password_env").get_secret_value()
        return OdooSource(self.url, self.database, self.login, secret, protocol=self.protocol,
                          companies=tuple(self.companies), mapping=self.mapping, timeout=self.timeout,
                          verify_tls=self.verify_tls, templates=self.library, api_key_expires=self.api_key_expires,
                          api_key_env=self.api_key_env, password=self.password_env is not None)
