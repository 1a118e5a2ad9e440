"""The deployment file (`relance.yaml`): tenants, where their secrets come from, and when they run.

Secrets are never written in it: a tenant names the environment variable that holds each one
(`api_key_env: ACME_ODOO_KEY`), read by pydantic-settings from the environment or from a secrets
file readable by its owner only, and kept as `SecretStr` so they never print.
"""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, create_model, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.errors import ConfigError
from connector.yamlfile import load_model

log = logging.getLogger("relance.config")

DEFAULT_PATH = "relance.yaml"
# Keys whose value is a secret: refused when written inline (only `<key>_env` naming a variable is allowed).
_SECRET_KEY = re.compile(r"(password|passwd|api_?key|secret|token|credential)", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The credentials a tenant may name, by system: (key, required).
CREDENTIALS = {
    "odoo": ("api_key_env", "password_env"),
    "quickbooks": ("client_id_env", "client_secret_env", "refresh_token_env"),
}


def _inline_secrets(data: object, path: str = "") -> list[str]:
    """Key paths holding a literal secret (the value itself is never put in a message)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if (isinstance(key, str) and _SECRET_KEY.search(key) and not key.endswith(("_env", "_file"))
                    and value not in (None, "")):
                found.append(where)
            else:
                found.extend(_inline_secrets(value, where))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_inline_secrets(value, f"{path}[{i}]"))
    return found


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Schedule(_Strict):
    """Every N minutes, or a crontab line (minute hour day month weekday) in the tenant's timezone."""

    interval_minutes: float | None = Field(default=None, gt=0)
    cron: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        if (self.interval_minutes is None) == (self.cron is None):
            raise ValueError("give exactly one of interval_minutes or cron")
        if self.cron is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(self.cron)
            except ValueError as exc:
                raise ValueError(f"cron {self.cron!r} is not a valid crontab line (minute hour day month weekday): {exc}") from None
        return self

    def describe(self) -> str:
        return f"every {self.interval_minutes:g} min" if self.interval_minutes else f"cron {self.cron!r}"


class Tenant(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    system: Literal["odoo", "quickbooks"]
    url: str | None = None
    database: str | None = None
    companies: tuple[int, ...] = ()
    realm_id: str | None = Field(default=None, pattern=r"^[0-9]+$")
    environment: Literal["production", "sandbox"] = "production"  # QuickBooks: which Intuit API
    token_file: str | None = None  # QuickBooks: where the rotating token pair lives (default .relance/<name>.tokens.json)
    redirect_uri: str = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"  # as registered in the app
    discovery_url: str | None = None  # QuickBooks: another OpenID discovery document (the emulator)
    minor_version: int | None = Field(default=None, ge=1)
    login: str | None = None
    api_key_env: str | None = None
    password_env: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    refresh_token_env: str | None = None
    mapping: str | None = None  # null: the shipped mapping of the system
    policy: str = "fr-b2b"  # a path, or the name of a shipped policy
    schedule: Schedule = Schedule(cron="0 7 * * 1-5")
    timezone: str = "UTC"
    protocol: Literal["auto", "xmlrpc", "json2"] = "auto"
    verify_tls: bool = True
    timeout: float = Field(default=30, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: object) -> object:
        bad = _inline_secrets(data)
        if bad:
            raise ValueError(
                f"{', '.join(bad)}: a secret written inline is refused; put it in an environment variable or "
                f"the secrets file and name the variable instead (e.g. api_key_env: ACME_ODOO_KEY)")
        return data

    @field_validator("api_key_env", "password_env", "client_id_env", "client_secret_env", "refresh_token_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not _ENV_NAME.match(v):
            raise ValueError("must be the NAME of an environment variable (letters, digits, underscores), "
                             "not the secret itself")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {v!r} (an IANA name such as Europe/Paris)") from None
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://acme.odoo.com")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; name them with login and api_key_env")
        return v

    @model_validator(mode="after")
    def _system(self) -> Tenant:
        if self.system == "odoo":
            missing = [k for k in ("url", "database", "login") if not getattr(self, k)]
            if missing:
                raise ValueError(f"an Odoo tenant needs {', '.join(missing)}")
            if (self.api_key_env is None) == (self.password_env is None):
                raise ValueError("an Odoo tenant needs exactly one of api_key_env or password_env")
            if self.realm_id:
                raise ValueError("realm_id is for QuickBooks tenants")
        else:
            if not self.realm_id:
                raise ValueError("a QuickBooks tenant needs realm_id")
            if self.companies or self.database or self.login:
                raise ValueError("companies, database and login are for Odoo tenants")
            missing = [k for k in ("client_id_env", "client_secret_env") if not getattr(self, k)]
            if missing:
                raise ValueError(f"a QuickBooks tenant needs {' and '.join(missing)} (the app's keys)")
        others = [k for s, keys in CREDENTIALS.items() if s != self.system for k in keys if getattr(self, k)]
        if others:
            raise ValueError(f"{', '.join(others)} do not apply to a {self.system} tenant")
        return self

    @property
    def secret_vars(self) -> dict[str, str]:
        """Credential key -> environment variable name, for the credentials this tenant names."""
        return {k: getattr(self, k) for k in CREDENTIALS[self.system] if getattr(self, k)}


class Webhook(_Strict):
    """The daemon's receiver of Intuit webhooks: a changed company gets an incremental run at once."""

    host: str = "127.0.0.1"  # behind the TLS-terminating reverse proxy Intuit calls
    port: int = Field(default=8765, ge=0, le=65535)
    path: str = Field(default="/quickbooks/webhook", pattern=r"^/")
    verifier_token_env: str = Field(pattern=_ENV_NAME.pattern)


class RatesUpdate(_Strict):
    """The daemon's daily `relance rates update` (a failure is a warning, never a stop)."""

    enabled: bool = True
    cron: str = "20 5 * * *"  # minute hour day month weekday, UTC: before the usual morning runs
    timeout: float = Field(default=20, gt=0)

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        Schedule(cron=v)
        return v


class Config(_Strict):
    secrets_file: str | None = None
    rates_dir: str | None = None  # where `relance rates update/add` write and every command reads rate tables
    rates_update: RatesUpdate = RatesUpdate()
    webhook: Webhook | None = None
    tenants: tuple[Tenant, ...]

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: object) -> object:
        if isinstance(data, dict):
            bad = _inline_secrets({k: v for k, v in data.items() if k != "tenants"})
            if bad:
                raise ValueError(f"{', '.join(bad)}: a secret written inline is refused; use an environment "
                                 f"variable or the secrets file")
        return data

    @field_validator("tenants")
    @classmethod
    def _unique(cls, tenants: tuple[Tenant, ...]) -> tuple[Tenant, ...]:
        if not tenants:
            raise ValueError("list at least one tenant")
        names = [t.name for t in tenants]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate tenant names: {', '.join(dupes)}")
        return tenants

    @field_validator("secrets_file", "rates_dir")
    @classmethod
    def _relative(cls, v: str | None, info: ValidationInfo) -> str | None:
        base = (info.context or {}).get("base")
        return str(Path(base, v)) if (v and base) else v


class _SecretSettings(BaseSettings):
    """Fields are added per run, one per variable name the tenants give."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", env_file_encoding="utf-8")


@dataclass(frozen=True)
class Deployment:
    """A validated config with the file it came from (relative paths in it are relative to that file)."""

    path: Path
    config: Config

    @property
    def base(self) -> Path:
        return self.path.parent

    def select(self, names: list[str] | None) -> list[Tenant]:
        """The tenants asked for (all by default), with mapping and policy paths made absolute."""
        known = {t.name: t for t in self.config.tenants}
        unknown = [n for n in names or () if n not in known]
        if unknown:
            raise ConfigError(str(self.path), f"unknown tenant {', '.join(unknown)} (known: {', '.join(known)})")
        chosen = [known[n] for n in dict.fromkeys(names)] if names else list(known.values())
        return [t.model_copy(update={"mapping": self.resolve(t.mapping), "policy": self.resolve(t.policy),
                                     "token_file": self.token_path(t)})
                for t in chosen]

    def token_path(self, tenant: Tenant) -> str | None:
        """A QuickBooks tenant's token file, relative to the config file; None for other systems."""
        if tenant.system != "quickbooks":
            return None
        p = Path(tenant.token_file or f".relance/{tenant.name}.tokens.json")
        return str(p if p.is_absolute() else self.base / p)

    def index(self, tenant: Tenant) -> int:
        return [t.name for t in self.config.tenants].index(tenant.name)

    def resolve(self, value: str | None) -> str | None:
        """A mapping or policy path relative to the config file; a bare name (`fr-b2b`) stays a shipped name."""
        if value is None:
            return None
        p = Path(value)
        if not p.suffix and "/" not in value and not (self.base / p).exists():
            return value
        return str(p if p.is_absolute() else self.base / p)


def load_config(path: str | Path = DEFAULT_PATH) -> Deployment:
    path = Path(path)
    if not path.exists():
        raise ConfigError(str(path), "no such file (write one with the example in the README, or pass --config FILE)")
    dep = Deployment(path=path, config=load_model(path, Config, context={"base": str(path.parent)}))
    for t in dep.config.tenants:
        if not t.verify_tls:
            log.warning("tenant %s: TLS certificate verification is DISABLED (verify_tls: false in %s)", t.name, path)
    return dep


def check_secrets_file(path: Path, config_file: str) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise ConfigError(config_file, f"secrets_file: cannot read {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise ConfigError(config_file, f"secrets_file: {path} has mode {mode:04o}; it must be 0600 (readable by "
                                       f"its owner only): run chmod 600 {path}")


def load_secrets(dep: Deployment, tenants: list[Tenant], *, webhook: bool = False) -> dict[str, SecretStr]:
    """Every variable the selected tenants name (and, for the daemon, the webhook's verifier token),
    from the environment first, then the secrets file."""
    needed = [(f"tenants[{dep.index(t)}].{key}", var) for t in tenants for key, var in t.secret_vars.items()]
    if webhook and dep.config.webhook:
        needed.append(("webhook.verifier_token_env", dep.config.webhook.verifier_token_env))
    wanted = sorted({var for _, var in needed})
    if not wanted:
        return {}
    env_file = None
    if dep.config.secrets_file:
        env_file = Path(dep.config.secrets_file)
        check_secrets_file(env_file, str(dep.path))
    model = create_model("Secrets", __base__=_SecretSettings,  # type: ignore[call-overload]
                         **{name: (SecretStr | None, None) for name in wanted})
    values = model(_env_file=env_file)
    found = {name: getattr(values, name) for name in wanted}
    where = f" nor in the secrets file {env_file}" if env_file else ""
    problems = [f"{key}: environment variable {var} is not set{where}"
                for key, var in needed if found[var] is None or not found[var].get_secret_value()]
    if problems:
        raise ConfigError(str(dep.path), problems)
    return {k: v for k, v in found.items() if v is not None}


def tenant_secret(tenant: Tenant, secrets: Mapping[str, SecretStr], key: str) -> SecretStr:
    var = tenant.secret_vars.get(key)
    if var is None or var not in secrets:
        raise ConfigError(f"tenant {tenant.name}", f"{key}: no secret loaded")
    return secrets[var]
