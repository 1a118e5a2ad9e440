"""Re-reading relance.yaml on SIGHUP, in the daemon and in the fleet's scheduler, without a restart.

The signal only sets a flag; the loop that owns the schedule takes it between two ticks, loads the file the
way the command did at start (config, tenants, secrets), and applies the difference: tenants added, removed,
or changed (any key of theirs, or the value of a secret they name). A file that does not load is refused with
its message and the schedule in force is kept, so a typo never stops the follow-up of every company.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from connector.config import TenantBase
from connector.errors import RelanceError

log = logging.getLogger("relance.reload")

Loaded = tuple[list[TenantBase], Mapping[str, SecretStr]]


@dataclass(frozen=True)
class Change:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def describe(self) -> str:
        parts = [f"{what} {', '.join(names)}" for what, names in (("added", self.added), ("removed", self.removed),
                                                                   ("changed", self.changed)) if names]
        return "; ".join(parts) or "no change"


def fingerprint(tenant: TenantBase, secrets: Mapping[str, SecretStr]) -> tuple:
    """What makes a tenant the same tenant: its validated keys and its secrets' values (a rotated API key in the
    secrets file is a change; the value never leaves this tuple)."""
    return (tenant.model_dump_json(), tuple(secrets[v].get_secret_value() if v in secrets else None
                                            for v in sorted(tenant.secret_vars.values())))


def diff(old: Loaded, new: Loaded) -> Change:
    before = {t.name: fingerprint(t, old[1]) for t in old[0]}
    after = {t.name: fingerprint(t, new[1]) for t in new[0]}
    return Change(added=tuple(n for n in after if n not in before), removed=tuple(n for n in before if n not in after),
                  changed=tuple(n for n in after if n in before and after[n] != before[n]))


class Reload:
    """SIGHUP sets `requested`; `take(current)` loads the file again and returns what to apply, or None."""

    def __init__(self, load: Callable[[], Loaded], what: str = "relance.yaml"):
        self.load, self.what = load, what
        self.requested = threading.Event()
        self._previous = None

    def _handle(self, signum, frame) -> None:
        self.requested.set()

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGHUP, self._handle)

    def restore(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGHUP, self._previous)
            self._previous = None

    def take(self, current: Loaded) -> tuple[Loaded, Change] | None:
        """The new tenants and secrets with what changed, once per SIGHUP; None when nothing was asked or the new
        file is refused (its message logged, the schedule in force kept)."""
        if not self.requested.is_set():
            return None
        self.requested.clear()
        try:
            new = self.load()
        except RelanceError as exc:
            log.error("reload refused, the schedule in force is kept: %s", exc)
            return None
        except Exception as exc:  # noqa: BLE001 - a reload never stops the process
            log.error("reload refused, the schedule in force is kept: %s: %s", type(exc).__name__, exc)
            return None
        change = diff(current, new)
        log.info("reloaded %s: %s", self.what, change.describe())
        return new, change
