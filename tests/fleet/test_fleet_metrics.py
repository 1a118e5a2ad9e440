"""`curl /metrics` on a running worker: the metrics the issue lists, parsed with the Prometheus client's own
parser; /healthz; and neither the metrics nor the JSON logs carry the tenant's API key."""

from __future__ import annotations

import re
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from tests.fleet.fleetutil import SECRET, Proc, emulators, finished_runs, wait_for, write_config


def test_given_a_worker_that_ran_a_tenant_then_its_metrics_parse_and_carry_what_the_issue_lists(tmp_path, broker, store):
    (emu,) = emulators(1, store)
    try:
        cfg = write_config(tmp_path / "relance.yaml", broker, [("acme", emu.url)], "{interval_minutes: 0.05}",
                           jitter_minutes=0)
        worker = Proc(tmp_path, "w1", cfg, "worker", "--metrics-port", "0")
        scheduler = Proc(tmp_path, "scheduler", cfg, "scheduler")
        try:
            wait_for(lambda: len(finished_runs([worker])) >= 2, 60, "two runs of acme")
            url = re.search(r"metrics on (http://\S+)/metrics", worker.text()).group(1)
            text = urllib.request.urlopen(f"{url}/metrics", timeout=10).read().decode("utf-8")
            health = urllib.request.urlopen(f"{url}/healthz", timeout=10)
            assert health.status == 200 and b'"ok": true' in health.read()
        finally:
            scheduler.stop()
            worker.stop()
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(text) for s in family.samples}

        def value(name: str, **labels) -> float:
            return samples[(name, tuple(sorted(labels.items())))]

        assert value("relance_runs_total", tenant="acme", system="odoo", outcome="ok") >= 2
        written = {dict(labels)["channel"]: v for (name, labels), v in samples.items()
                   if name == "relance_operations_written_total" and dict(labels)["tenant"] == "acme"}
        assert sum(written.values()) == 3 and "plan" not in written  # its three first actions, each by its channel
        assert value("relance_run_duration_seconds_count", system="odoo") >= 2
        assert 88 <= value("relance_credentials_days_left", tenant="acme", credential="api_key") <= 90  # Odoo 19: 90 days
        assert ("relance_rate_table_days_left", (("table", "ecb_mro"),)) in samples
        assert value("relance_up", role="worker") == 1
        for family in ("relance_lease_waits", "relance_source_errors", "relance_operations_failed"):
            assert f"# TYPE {family}_total counter" in text  # declared, even before the first one
        assert SECRET not in text and SECRET not in worker.text()
        logged = [line for line in worker.lines() if "counts" in line]
        assert all(line["tenant"] == "acme" and line["run_id"] for line in logged)
    finally:
        emu.stop()
