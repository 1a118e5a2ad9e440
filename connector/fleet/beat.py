"""`relance scheduler`: redbeat publishes each tenant's runs, from relance.yaml, with its schedule in Redis.

redbeat keeps every entry and when it last ran in Redis and lets one scheduler publish at a time (a Redis lock
renewed on each tick; a standby takes over once it lapses), so a scheduler killed and restarted publishes what
fell due meanwhile, once, and one that is running twice publishes nothing twice. What Relance adds: the tenant
schedule (schedule.py) stored in redbeat's JSON, a new entry that waits for its first time instead of running at
once, the tick a run serves passed to the task (the day it acts as of), and SIGHUP re-reading relance.yaml.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from redbeat import RedBeatScheduler, RedBeatSchedulerEntry
from redbeat.decoder import RedBeatJSONDecoder, RedBeatJSONEncoder
from redbeat.schedulers import get_redis

from connector.config import TenantBase
from connector.fleet.schedule import TenantSchedule
from connector.fleet.settings import Fleet

log = logging.getLogger("relance.scheduler")

TASK = "relance.run"


class _Encoder(RedBeatJSONEncoder):
    def default(self, obj):
        if isinstance(obj, TenantSchedule):
            return obj.encode()
        return super().default(obj)


class _Decoder(RedBeatJSONDecoder):
    def dict_to_object(self, d):
        if d.get("__type__") == "relance_tenant":
            return TenantSchedule(cron=d["cron"], every=d["every"], tz=d["tz"], jitter=d["jitter"])
        return super().dict_to_object(d)


def entries(tenants: list[TenantBase], fleet: Fleet) -> dict[str, dict]:
    """redbeat's static schedule: one entry per tenant, on its system's queue."""
    window = fleet.jitter_minutes * 60
    return {f"tenant:{t.name}": {"task": TASK, "schedule": TenantSchedule.of(t, window), "kwargs": {"tenant": t.name},
                                 "options": {"queue": fleet.queue(t.system)}} for t in tenants}


class TenantEntry(RedBeatSchedulerEntry):
    @staticmethod
    def decode_definition(definition):
        return json.loads(definition, cls=_Decoder)

    def save(self):
        """redbeat's save, with the tenant schedule in the definition's JSON."""
        definition = {"name": self.name, "task": self.task, "args": self.args, "kwargs": self.kwargs,
                      "options": self.options, "schedule": self.schedule, "enabled": self.enabled}
        with get_redis(self.app).pipeline() as pipe:
            pipe.hset(self.key, "definition", json.dumps(definition, cls=_Encoder))
            pipe.hsetnx(self.key, "meta", json.dumps({"last_run_at": self.last_run_at}, cls=RedBeatJSONEncoder))
            pipe.zadd(self.app.redbeat_conf.schedule_key, {self.key: self.score})
            pipe.execute()
        return self


class TenantScheduler(RedBeatScheduler):
    """The app carries `relance_loaded` (tenants, secrets), `relance_fleet` and `relance_reload` (set by the CLI)."""

    Entry = TenantEntry

    def setup_schedule(self):
        loaded = getattr(self.app, "relance_loaded", None)
        if loaded is not None:
            self.app.conf.beat_schedule = entries(loaded[0], self.app.relance_fleet)
        super().setup_schedule()
        log.info("scheduler: %d tenant(s) in the schedule", len(self.app.conf.beat_schedule))

    def update_from_dict(self, dict_):
        now = self.app.now()
        for name, spec in dict_.items():
            entry = self._maybe_entry(name, spec)
            try:  # a known entry keeps when it last ran, under its new definition
                entry.last_run_at = self.Entry.from_key(self.Entry.generate_key(self.app, name), app=self.app).last_run_at
            except KeyError:  # a new tenant: its first run is its next time, not now
                entry.last_run_at = now
                if isinstance(entry.schedule, TenantSchedule):
                        log.info("scheduler: %s added (%s), first run %s", name, entry.schedule.describe(),
                             entry.schedule.next_after(now).isoformat())
            entry.save()

    def tick(self, *args, **kwargs):
        reload = getattr(self.app, "relance_reload", None)
        if reload is not None:
            taken = reload.take(self.app.relance_loaded)
            if taken is not None:
                self.app.relance_loaded = taken[0]
                self.setup_schedule()
        return super().tick(*args, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        """Publish the run with the tick it serves (the latest one due since it last ran)."""
        if isinstance(entry.schedule, TenantSchedule) and entry.last_run_at is not None:
            now = datetime.now(timezone.utc)
            tick = entry.schedule.last_due(entry.schedule.maybe_make_aware(entry.last_run_at), now) or now
            entry.kwargs = {**(entry.kwargs or {}), "tick": tick.isoformat()}
        return super().apply_async(entry, producer=producer, advance=advance, **kwargs)
