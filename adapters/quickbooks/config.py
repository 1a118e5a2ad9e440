"""A QuickBooks Online tenant in relance.yaml: the company, the app's keys, where the rotating tokens live."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from connector.config import TenantBase, check_url


class QuickBooksTenant(TenantBase):
    system: Literal["quickbooks"]
    realm_id: str = Field(pattern=r"^[0-9]+$")  # the company id (Intuit's realmId)
    environment: Literal["production", "sandbox"] = "production"  # which Intuit API
    client_id_env: str
    client_secret_env: str
    refresh_token_env: str | None = None  # a first refresh token from elsewhere (else `relance quickbooks connect`)
    token_file: str | None = None  # where the rotating token pair lives (default .relance/<name>.tokens.json)
    redirect_uri: str = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"  # as registered in the app
    minor_version: int | None = Field(default=None, ge=1)
    url: str | None = None  # another API base URL (the emulator)
    discovery_url: str | None = None  # another OpenID discovery document (the emulator)

    @field_validator("url", "discovery_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return check_url(v, "https://sandbox-quickbooks.api.intuit.com")

    @property
    def public_vars(self) -> set[str]:
        return {self.client_id_env}  # an OAuth client id is public (RFC 6749 2.2): it is in the consent address

    @property
    def where(self) -> str:
        return self.realm_id

    @property
    def webhook_key(self) -> str:
        return self.realm_id

    def with_paths(self, base: Path) -> QuickBooksTenant:
        p = Path(self.token_file or f".relance/{self.name}.tokens.json")
        return super().with_paths(base).model_copy(update={"token_file": str(p if p.is_absolute() else base / p)})

    def open(self, secrets: Mapping[str, SecretStr]):
        from adapters.quickbooks.source import QuickBooksSource

        plain = {var: secrets[var].get_secret_value() for var in self.secret_vars.values() if var in secrets}
        return QuickBooksSource(self.realm_id, environment=self.environment, token_file=self.token_file,
                                client_id_env=self.client_id_env, client_secret_env=self.client_secret_env,
                                refresh_token_env=self.refresh_token_env, secrets=plain, mapping=self.mapping,
                                minor_version=self.minor_version, base_url=self.url, discovery_url=self.discovery_url,
                                redirect_uri=self.redirect_uri, timeout=self.timeout, verify_tls=self.verify_tls,
                                templates=self.library)
