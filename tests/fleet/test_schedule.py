"""When a tenant runs in the fleet (connector/fleet/schedule.py): a fixed jitter per name inside its window, the
cron read in the tenant's timezone with cron's weekday numbers, an interval on fixed points of the clock, and
missed ticks collapsing into the last one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from connector.fleet.schedule import TenantSchedule, jitter

UTC = timezone.utc


def test_given_a_thousand_tenants_on_one_cron_then_they_spread_over_the_window_each_at_a_fixed_offset():
    offsets = [jitter(f"tenant-{i}", 600) for i in range(1000)]
    assert offsets == [jitter(f"tenant-{i}", 600) for i in range(1000)]  # the same on every host and restart
    assert all(0 <= o < 600 for o in offsets)
    per_minute = [sum(m * 60 <= o < (m + 1) * 60 for o in offsets) for m in range(10)]
    assert min(per_minute) > 60 and max(per_minute) < 140  # about a hundred a minute, not a thousand at once


def test_given_weekdays_1_to_5_in_paris_then_monday_to_friday_at_7_local_time_across_dst():
    s = TenantSchedule(cron="0 7 * * 1-5", tz="Europe/Paris", jitter=90)
    fires, t = [], datetime(2026, 3, 26, 12, 0, tzinfo=UTC)  # Thursday; DST starts Sunday 29 March
    for _ in range(4):
        t = s.next_after(t)
        fires.append(t)
    assert [f.strftime("%a %H:%M:%S") for f in fires] == ["Fri 06:01:30", "Mon 05:01:30", "Tue 05:01:30",
                                                           "Wed 05:01:30"]


def test_given_an_interval_then_runs_fall_on_fixed_points_whatever_the_last_run_time():
    s = TenantSchedule(every=900, jitter=1234.5)  # a jitter longer than the interval wraps into it
    assert s.jitter == 334.5
    a = s.next_after(datetime(2026, 3, 10, 8, 0, 1, tzinfo=UTC))
    b = s.next_after(datetime(2026, 3, 10, 8, 3, 59, tzinfo=UTC))
    assert a == b and s.next_after(a) - a == timedelta(seconds=900)


def test_given_a_scheduler_down_over_three_ticks_then_one_publication_serves_the_last_of_them():
    s = TenantSchedule(every=60, jitter=0)
    last = datetime(2026, 3, 10, 8, 0, 0, tzinfo=UTC)
    now = datetime(2026, 3, 10, 8, 3, 30, tzinfo=UTC)
    assert s.last_due(last, now) == datetime(2026, 3, 10, 8, 3, 0, tzinfo=UTC)
    assert s.last_due(now, now) is None


def test_given_a_schedule_then_it_survives_redbeats_json():
    import json

    from connector.fleet.beat import _Decoder, _Encoder

    s = TenantSchedule(cron="30 6 * * 1", tz="America/New_York", jitter=12.5)
    assert json.loads(json.dumps({"schedule": s}, cls=_Encoder), cls=_Decoder)["schedule"] == s
