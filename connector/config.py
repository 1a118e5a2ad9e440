"""The deployment file (`relance.yaml`): tenants, where their secrets come from, and when they run.

Secrets are never written in it: a tenant names the environment variable that holds each one
(`api_key_env: ACME_ODOO_KEY`), read by pydantic-settings from the environment or from a secrets
file readable by its owner only, and kept as `SecretStr` so they never print.
"""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Union
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, create_model, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.errors import ConfigError
from connector.fleet.settings import Fleet
from connector.models import Frozen
from connector.policy import Policy, load_policy
from connector.templates import Library
from connector.yamlfile import SECRET_KEY, load_model

if TYPE_CHECKING:
    from connector.protocol import Source

log = logging.getLogger("relance.config")

DEFAULT_PATH = "relance.yaml"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _inline_secrets(data: object, path: str = "") -> list[str]:
    """Key paths holding a literal secret, refused: only `<key>_env` or `<key>_file` may name where it is (the
    value itself is never put in a message)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if (isinstance(key, str) and SECRET_KEY.search(key) and not key.endswith(("_env", "_file"))
                    and value not in (None, "")):
                found.append(where)
            else:
                found.extend(_inline_secrets(value, where))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_inline_secrets(value, f"{path}[{i}]"))
    return found


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(cron: str, timezone: ZoneInfo | None = None):
    """A crontab line as APScheduler's trigger, weekdays as cron numbers them: APScheduler 3 reads a numeric
    weekday with 0 as Monday (its issue #286), so `0 7 * * 1-5` would run Tuesday to Saturday; numbers are given
    to it as day names instead (0 and 7 Sunday, 1 Monday...), never a step after a slash."""
    from apscheduler.triggers.cron import CronTrigger

    fields = cron.split()
    if len(fields) == 5:
        fields[4] = re.sub(r"(?<![/0-9])([0-7])(?![0-9])", lambda m: _DAYS[int(m.group(1))], fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)


class Schedule(Frozen):
    """Every N minutes, or a crontab line (minute hour day month weekday) in the tenant's timezone."""

    interval_minutes: float | None = Field(default=None, gt=0)
    cron: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        if (self.interval_minutes is None) == (self.cron is None):
            raise ValueError("give exactly one of interval_minutes or cron")
        if self.cron is not None:
            try:
                cron_trigger(self.cron)
            except ValueError as exc:
                raise ValueError(f"cron {self.cron!r} is not a valid crontab line (minute hour day month weekday): {exc}") from None
        return self

    def describe(self) -> str:
        return f"every {self.interval_minutes:g} min" if self.interval_minutes else f"cron {self.cron!r}"


class TenantBase(Frozen):
    """What every tenant has, whatever its system. Each adapter's model (adapters/*/config.py) adds its own keys,
    names its secrets in keys ending in `_env`, and opens its source; relance.yaml picks the model by `system`."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    system: str
    mapping: str | None = None  # null: the shipped mapping of the system
    policy: str = "fr-b2b"  # a path, or the name of a shipped policy
    schedule: Schedule = Schedule(cron="0 7 * * 1-5")
    timezone: str = "UTC"
    verify_tls: bool = True
    timeout: float = Field(default=30, gt=0)
    # The day Relance goes live for this tenant: no penalty for a day before it (the policy's `penalties.since`).
    penalties_since: date | None = None
    # Every operation waits for a person's approval in the source system up to this day (going live).
    approval_until: date | None = None
    # The integrator's texts: <templates>/<lang>/<template>.txt and _phrases.yaml override the shipped ones.
    templates: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: object) -> object:
        bad = _inline_secrets(data)
        if bad:
            raise ValueError(
                f"{', '.join(bad)}: a secret written inline is refused; put it in an environment variable or "
                f"the secrets file and name the variable instead (e.g. api_key_env: ACME_ODOO_KEY)")
        return data

    @field_validator("*")
    @classmethod
    def _env_name(cls, v: object, info: ValidationInfo) -> object:
        if info.field_name and info.field_name.endswith("_env") and v is not None and not _ENV_NAME.match(str(v)):
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

    @property
    def secret_vars(self) -> dict[str, str]:
        """Credential key -> environment variable name, for the credentials this tenant names."""
        return {k: getattr(self, k) for k in type(self).model_fields if k.endswith("_env") and getattr(self, k)}

    @property
    def public_vars(self) -> set[str]:
        """Variables named like secrets that are not (an OAuth client id is in the consent address): not masked."""
        return set()

    @property
    def where(self) -> str:
        """What `check` shows of where the tenant is (a URL, a company id)."""
        return ""

    @property
    def webhook_key(self) -> str | None:
        """What a system's change notification names to start this tenant's run (QuickBooks: its realm id)."""
        return None

    def with_paths(self, base: Path) -> TenantBase:
        """A copy with the paths it names made absolute, relative to the config file's folder `base`."""
        templates = None if self.templates is None else str(Path(self.templates) if Path(self.templates).is_absolute()
                                                            else base / self.templates)
        return self.model_copy(update={"mapping": resolve(base, self.mapping), "policy": resolve(base, self.policy),
                                       "templates": templates})

    @property
    def library(self) -> Library:
        """Where this tenant's texts are looked up: its templates directory, then the shipped texts."""
        return Library.of(self.templates)

    def load_policy(self) -> Policy:
        """The tenant's policy, with the tenant's go-live date for penalties where relance.yaml sets one."""
        policy = load_policy(self.policy)
        if self.approval_until:
            policy = policy.model_copy(update={"approve_all_until": self.approval_until})
        return policy.with_penalties(since=self.penalties_since) if self.penalties_since else policy

    def open(self, secrets: Mapping[str, SecretStr]) -> Source:
        """The tenant's `Source`, not yet connected (the first call connects)."""
        raise NotImplementedError

    def secret(self, secrets: Mapping[str, SecretStr], key: str) -> SecretStr:
        var = self.secret_vars.get(key)
        if var is None or var not in secrets:
            raise ConfigError(f"tenant {self.name}", f"{key}: no secret loaded")
        return secrets[var]


def check_url(v: str | None, example: str = "https://acme.odoo.com") -> str | None:
    """An http(s) URL without credentials (they are named with the tenant's `_env` keys)."""
    if v is None:
        return v
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL such as {example}")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; name them with the tenant's *_env keys")
    return v


def resolve(base: Path, value: str | None) -> str | None:
    """A mapping or policy path relative to the config file; a bare name (`fr-b2b`) stays a shipped name."""
    if value is None:
        return None
    p = Path(value)
    if not p.suffix and "/" not in value and not (base / p).exists():
        return value
    return str(p if p.is_absolute() else base / p)


class Webhook(Frozen):
    """The daemon's receiver of Intuit webhooks: a changed company gets an incremental run at once."""

    host: str = "127.0.0.1"  # behind the TLS-terminating reverse proxy Intuit calls
    port: int = Field(default=8765, ge=0, le=65535)
    path: str = Field(default="/quickbooks/webhook", pattern=r"^/")
    verifier_token_env: str = Field(pattern=_ENV_NAME.pattern)


class RatesUpdate(Frozen):
    """The daemon's daily `relance rates update` (a failure is a warning, never a stop)."""

    enabled: bool = True
    cron: str = "20 5 * * *"  # minute hour day month weekday, UTC: before the usual morning runs
    timeout: float = Field(default=20, gt=0)

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        Schedule(cron=v)
        return v


class Status(Frozen):
    """Where the daemon or a worker serves /metrics and /healthz (a worker's `--metrics-port` wins)."""

    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class Config(Frozen):
    """relance.yaml. `tenants` is validated against the models of the adapters given to `load_config`."""

    secrets_file: str | None = None
    rates_dir: str | None = None  # where `relance rates update/add` write and every command reads rate tables
    rates_update: RatesUpdate = RatesUpdate()
    webhook: Webhook | None = None
    metrics: Status | None = None  # /metrics and /healthz of the daemon and of each worker
    fleet: Fleet | None = None  # Celery workers on a Redis broker (connector/fleet/)
    tenants: tuple[TenantBase, ...]

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
    def _unique(cls, tenants: tuple[TenantBase, ...]) -> tuple[TenantBase, ...]:
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


def config_model(tenant_models: Sequence[type[TenantBase]]) -> type[Config]:
    """`Config` whose tenants are read by the model their `system` names (a discriminated union)."""
    if not tenant_models:
        raise ConfigError("relance", "no adapter is installed")
    one = tenant_models[0] if len(tenant_models) == 1 else Annotated[Union[tuple(tenant_models)],  # noqa: UP007
                                                                     Field(discriminator="system")]
    return create_model("Config", __base__=Config, tenants=(tuple[one, ...], ...))  # type: ignore[call-overload]


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

    def select(self, names: list[str] | None) -> list[TenantBase]:
        """The tenants asked for (all by default), with mapping and policy paths made absolute."""
        known = {t.name: t for t in self.config.tenants}
        unknown = [n for n in names or () if n not in known]
        if unknown:
            raise ConfigError(str(self.path), f"unknown tenant {', '.join(unknown)} (known: {', '.join(known)})")
        chosen = [known[n] for n in dict.fromkeys(names)] if names else list(known.values())
        return [t.with_paths(self.base) for t in chosen]

    def index(self, tenant: TenantBase) -> int:
        return [t.name for t in self.config.tenants].index(tenant.name)


def load_config(path: str | Path, tenant_models: Sequence[type[TenantBase]]) -> Deployment:
    """relance.yaml, its tenants read by the models of the installed adapters (adapters/registry.py)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(str(path), "no such file (write one with the example in the README, or pass --config FILE)")
    systems = frozenset(m.model_fields["system"].annotation.__args__[0] for m in tenant_models)
    model = config_model(tenant_models)
    dep = Deployment(path=path, config=load_model(path, model, context={"base": str(path.parent)}, tags=systems))
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


def load_secrets(dep: Deployment, tenants: list[TenantBase], *, webhook: bool = False,
                 fleet: bool = False) -> dict[str, SecretStr]:
    """Every variable the selected tenants name (and, for the daemon, the webhook's verifier token; for the
    fleet, the broker URL when it carries a password), from the environment first, then the secrets file."""
    needed = [(f"tenants[{dep.index(t)}].{key}", var) for t in tenants for key, var in t.secret_vars.items()]
    if webhook and dep.config.webhook:
        needed.append(("webhook.verifier_token_env", dep.config.webhook.verifier_token_env))
    if fleet and dep.config.fleet and dep.config.fleet.broker_url_env:
        needed.append(("fleet.broker_url_env", dep.config.fleet.broker_url_env))
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
