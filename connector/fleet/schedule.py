"""When a tenant runs in the fleet: its cron (in its own timezone) or interval from relance.yaml, shifted by a
jitter drawn from its name, so that a thousand tenants on `0 7 * * 1-5` start over the jitter window instead of
in the same second, and always at the same offset (a restart moves no run).

`TenantSchedule` is a Celery schedule: redbeat asks it whether an entry is due and how long until it is. A cron is
read by APScheduler's CronTrigger (already the daemon's), which knows the tenant's timezone and its DST changes;
an interval's runs fall on fixed points of the clock (multiples of the interval, plus the jitter), so a
scheduler's restart neither runs them early nor drifts them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from celery.schedules import BaseSchedule, schedstate

from connector.config import TenantBase, cron_trigger

_EPOCH = datetime(2000, 1, 3, tzinfo=timezone.utc)  # a Monday: an interval's fixed points are counted from it
_MAX_STEPS = 100_000  # ticks walked to find the last one missed (a minutely cron down for two months)


def jitter(name: str, window_seconds: float) -> float:
    """The tenant's offset in [0, window): the same for the same name on every host and every restart."""
    if window_seconds <= 0:
        return 0.0
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16)
    return round(digest % int(window_seconds * 1000) / 1000, 3)


class TenantSchedule(BaseSchedule):
    def __init__(self, *, cron: str | None = None, every: float | None = None, tz: str = "UTC",
                 jitter: float = 0.0, nowfun=None, app=None):
        if (cron is None) == (every is None):
            raise ValueError("a tenant schedule is a cron or an interval")
        self.cron, self.every, self.tz_name, self.jitter = cron, every, tz, float(jitter)
        if every is not None:  # within one interval, so that the first run comes within one
            self.jitter = self.jitter % every
        super().__init__(nowfun=nowfun, app=app)
        self._trigger = None
        if cron is not None:
            self._trigger = cron_trigger(cron, timezone=ZoneInfo(tz))

    @classmethod
    def of(cls, tenant: TenantBase, window_seconds: float) -> TenantSchedule:
        every = tenant.schedule.interval_minutes
        return cls(cron=tenant.schedule.cron, every=every * 60 if every else None, tz=tenant.timezone,
                   jitter=jitter(tenant.name, min(window_seconds, every * 60) if every else window_seconds))

    def describe(self) -> str:
        what = f"cron {self.cron!r} ({self.tz_name})" if self.cron else f"every {self.every:g} s"
        return f"{what}, +{self.jitter:g} s"

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after `moment` (aware)."""
        moment = moment.astimezone(timezone.utc)
        shift = timedelta(seconds=self.jitter)
        if self._trigger is not None:
            base = moment - shift + timedelta(microseconds=1)
            fire = self._trigger.get_next_fire_time(None, base.astimezone(ZoneInfo(self.tz_name)))
            return fire.astimezone(timezone.utc) + shift
        every, offset = round(self.every * 1_000_000), round(self.jitter * 1_000_000)  # whole microseconds
        elapsed = (moment - _EPOCH) // timedelta(microseconds=1) - offset
        return _EPOCH + timedelta(microseconds=offset + (elapsed // every + 1) * every)

    def last_due(self, last_run_at: datetime, now: datetime) -> datetime | None:
        """The latest run time after `last_run_at` and not after `now`: the tick a publication serves (missed
        ticks collapse into the last one, as the daemon's do)."""
        tick = self.next_after(last_run_at)
        if tick > now:
            return None
        for _ in range(_MAX_STEPS):
            following = self.next_after(tick)
            if following > now:
                break
            tick = following
        return tick

    def remaining_estimate(self, last_run_at: datetime) -> timedelta:
        return self.next_after(self.maybe_make_aware(last_run_at)) - self.now()

    def is_due(self, last_run_at: datetime) -> schedstate:
        now = self.now()
        due = self.next_after(self.maybe_make_aware(last_run_at)) <= now
        upcoming = self.next_after(now) if due else self.next_after(self.maybe_make_aware(last_run_at))
        return schedstate(due, max((upcoming - now).total_seconds(), 0.01))

    def __repr__(self) -> str:
        return f"<TenantSchedule {self.describe()}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TenantSchedule) and (self.cron, self.every, self.tz_name, self.jitter) == (
            other.cron, other.every, other.tz_name, other.jitter)

    def __reduce__(self):
        return (_rebuild, ((self.cron, self.every, self.tz_name, self.jitter),))

    def encode(self) -> dict:
        return {"__type__": "relance_tenant", "cron": self.cron, "every": self.every, "tz": self.tz_name,
                "jitter": self.jitter}


def _rebuild(args: tuple) -> TenantSchedule:
    cron, every, tz, jit = args
    return TenantSchedule(cron=cron, every=every, tz=tz, jitter=jit)
