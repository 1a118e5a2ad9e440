"""relance.yaml's `fleet:` section: where the broker is and how the workers and the scheduler behave."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from connector.models import Frozen


class Fleet(Frozen):
    """The Redis broker (a URL without password; one with a password goes in the variable `broker_url_env`
    names), the jitter window, and the times that make a lost run come back."""

    broker_url: str = "redis://127.0.0.1:6379/0"
    broker_url_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    # Tenants on the same cron start within this many minutes of it, each at its own fixed offset.
    jitter_minutes: float = Field(default=10, ge=0)
    # Seconds a run may stay unacknowledged before Redis gives it to another worker: longer than the longest run
    # (Celery's Redis transport redelivers a task whose worker died once this is over).
    visibility_timeout: float = Field(default=7200, gt=0)
    # Seconds between two attempts while another run holds the tenant's lease (a dead worker's claim ages out).
    lease_retry: float = Field(default=60, gt=0)
    # Threads per worker (each takes one run at a time); `relance worker --concurrency` wins.
    concurrency: int = Field(default=4, ge=1)
    # The scheduler's Redis lock: a standby takes over this many seconds after the active one died.
    scheduler_lock_timeout: float = Field(default=60, gt=0)

    @field_validator("broker_url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("redis", "rediss", "redis+socket"):
            raise ValueError("must be a Redis URL such as redis://127.0.0.1:6379/0")
        if parts.password:
            raise ValueError("must not carry a password; put the whole URL in the variable broker_url_env names")
        return v

    def queue(self, system: str) -> str:
        """Each system has its queue, so workers can be given a system's runs alone (a per-system limit)."""
        return f"relance.{system}"
