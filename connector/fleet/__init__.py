"""The fleet: tenant runs as Celery tasks on a Redis broker, published by a redbeat scheduler.

`settings.py` is relance.yaml's `fleet:` section, `schedule.py` when each tenant runs (its cron or interval in its
timezone, shifted by a deterministic jitter), `beat.py` the redbeat scheduler that publishes those runs and
re-reads relance.yaml on SIGHUP, `app.py` the Celery application and the task a worker runs. Nothing here is a
queue, a broker or a scheduler of ours: Celery, Redis and redbeat are; the per-tenant lease in the source system
(connector/lease.py) still makes a run the only writer of its tenant.
"""
