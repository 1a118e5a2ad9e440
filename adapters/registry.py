"""Which adapter serves which system: a dictionary, imported only when a tenant of that system runs."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from pydantic import SecretStr

from connector.config import Tenant, tenant_secret
from connector.errors import ConfigError

SYSTEMS: dict[str, str | None] = {
    "odoo": "adapters.odoo.source:OdooSource",
    "quickbooks": "adapters.quickbooks.source:QuickBooksSource",
}


def adapter_class(system: str) -> type:
    target = SYSTEMS.get(system)
    if target is None:
        what = "QuickBooks" if system == "quickbooks" else repr(system)
        raise ConfigError(f"system {system}", f"{what} adapter not available yet")
    module, _, name = target.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise ConfigError(f"system {system}", f"the adapter {target} cannot be imported ({exc})") from None


def open_source(tenant: Tenant, secrets: Mapping[str, SecretStr]):
    """The `Source` of one tenant, not yet connected (the first call connects)."""
    cls = adapter_class(tenant.system)
    if tenant.system == "odoo":
        key = "api_key_env" if tenant.api_key_env else "password_env"
        return cls(tenant.url, tenant.database, tenant.login, tenant_secret(tenant, secrets, key).get_secret_value(),
                   protocol=tenant.protocol, companies=tuple(tenant.companies), mapping=tenant.mapping,
                   timeout=tenant.timeout, verify_tls=tenant.verify_tls)
    if tenant.system == "quickbooks":
        plain = {var: secrets[var].get_secret_value() for var in tenant.secret_vars.values() if var in secrets}
        return cls(tenant.realm_id, environment=tenant.environment, token_file=tenant.token_file,
                   client_id_env=tenant.client_id_env, client_secret_env=tenant.client_secret_env,
                   refresh_token_env=tenant.refresh_token_env, secrets=plain, mapping=tenant.mapping,
                   minor_version=tenant.minor_version, base_url=tenant.url, discovery_url=tenant.discovery_url,
                   redirect_uri=tenant.redirect_uri, timeout=tenant.timeout, verify_tls=tenant.verify_tls)
    raise ConfigError(f"tenant {tenant.name}", f"no way to open a {tenant.system} source")  # pragma: no cover
