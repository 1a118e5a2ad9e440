"""The deployment a command acts on: relance.yaml read with the installed adapters' tenant models, the tenants
asked for, their secrets; and the loop that runs a command per tenant without one stopping the others."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connector import rates
from connector.cli.output import describe_error, err
from connector.config import DEFAULT_PATH, load_config, load_secrets
from connector.daemon import error_code
from connector.logs import register_secret


def config_path(args) -> str:
    return args.config or DEFAULT_PATH


def tenant_models(args) -> list:
    return [a.tenant for a in args.systems.values()]


def load_deployment(args, *, webhook: bool = False, fleet: bool = False):
    """The config, the tenants asked for and their secrets (registered for redaction from every log)."""
    dep = load_config(config_path(args), tenant_models(args))
    rates.use_rates_dir(dep.config.rates_dir)
    tenants = dep.select(getattr(args, "tenant", None))
    secrets = load_secrets(dep, tenants, webhook=webhook, fleet=fleet)
    public = {var for t in tenants for var in t.public_vars}
    for name, value in secrets.items():
        if name not in public:
            register_secret(value.get_secret_value())
    return dep, tenants, secrets


def status_address(args, dep) -> tuple[str, int] | None:
    """Where the daemon or a worker serves /metrics and /healthz: --metrics-port, else relance.yaml's `metrics:`,
    else nowhere."""
    if args.metrics_port is not None:
        return (dep.config.metrics.host if dep.config.metrics else "127.0.0.1", args.metrics_port)
    return (dep.config.metrics.host, dep.config.metrics.port) if dep.config.metrics else None


def use_config_rates(args) -> None:
    """The `rates_dir:` of the deployment file, for the commands that need no tenant (penalty, rates):
    read from --config, or from ./relance.yaml when there is one."""
    if args.config or Path(DEFAULT_PATH).exists():
        rates.use_rates_dir(load_config(config_path(args), tenant_models(args)).config.rates_dir)


def for_each_tenant(args, work: Callable, on_error: Callable[[object, Exception, int], None] | None = None) -> int:
    """Call `work(tenant, secrets)` -> exit code for each tenant; an error of one tenant never stops the next."""
    _, tenants, secrets = load_deployment(args)
    worst = 0
    for tenant in tenants:
        try:
            code = work(tenant, secrets)
        except BrokenPipeError:  # the reader went away (`relance report | head`): main() ends quietly
            raise
        except Exception as exc:  # noqa: BLE001 - reported per tenant, the others go on
            code = error_code(exc)
            if on_error:
                on_error(tenant, exc, code)
            else:
                err(f"tenant {tenant.name}: {describe_error(exc, args.verbose)}")
        worst = max(worst, code)
    return worst


def json_error(docs: list, args):
    """An `on_error` for the --json commands: the tenant's error in the document, and on stderr."""
    def on_error(tenant, exc: Exception, code: int) -> None:
        if getattr(args, "json", False) or getattr(args, "format", "") == "json":
            docs.append({"tenant": tenant.name, "error": describe_error(exc), "exit_code": code})
        err(f"tenant {tenant.name}: {describe_error(exc, args.verbose)}")
    return on_error
