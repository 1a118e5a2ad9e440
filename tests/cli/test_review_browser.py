"""`relance review` driven in real headless Chromium (Debian's chromium, through Playwright's driver against the
system browser): the page lists today's plan with each message, Approve writes the approval into the Odoo emulator
(the activity marked done), the page then shows the operation as one the next run sends, and that run sends it."""

from __future__ import annotations

import argparse
import os
import shutil
import threading
from datetime import date
from pathlib import Path
from wsgiref.simple_server import make_server

import pytest

from adapters.registry import SYSTEMS
from connector.cli.review import _Quiet, build
from tests.cli.cliutil import demo_odoo, odoo_config
from tests.reports.browser import FLAGS  # the closed network: no background connections

AS_OF = date(2026, 3, 10)
SECRET = "emulated-Password-4711"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def served(tmp_path, monkeypatch, relance):
    if not CHROMIUM:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's): the review page is not driven")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (a test dependency) is not installed")
    monkeypatch.setenv("RELANCE_TEST_ODOO_SECRET", SECRET)
    emu, url = demo_odoo(AS_OF, SECRET)
    cfg = odoo_config(tmp_path, url)
    Path(cfg).write_text(Path(cfg).read_text().replace("    policy: fr-b2b\n",
                                                       "    policy: fr-b2b\n    approval_until: 2026-04-30\n"))
    assert relance("--config", cfg, "init").code == 0
    args = argparse.Namespace(config=cfg, tenant=None, systems=SYSTEMS, as_of=AS_OF)
    review, stack = build(args)
    server = make_server("127.0.0.1", 0, review, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser.new_page(), f"http://127.0.0.1:{server.server_port}/", emu, cfg
        finally:
            browser.close()
            server.shutdown()
            stack.close()
            emu.stop()


def test_the_page_shows_the_messages_and_approve_writes_the_approval_into_odoo(served, relance, tmp_path):
    page, url, emu, cfg = served
    page.goto(url)
    assert "demo — plan as of 2026-03-10" in page.inner_text("h1")
    section = page.locator("section.customer", has=page.locator("tr.approval")).first
    cid = section.get_attribute("id").removeprefix("c-")
    row = section.locator("tr.approval").first
    row.locator("summary").click()  # the message as it will be sent
    message = row.locator(".message").inner_text()
    assert "Total" in message and "€" in message and "$" not in message  # rendered: amounts, no placeholder left
    shot = Path(os.environ.get("RELANCE_REVIEW_SCREENSHOT", tmp_path / "review.png"))
    page.screenshot(path=str(shot), full_page=False)
    row.locator("button", has_text="Approve").first.click()
    page.wait_for_load_state()
    assert "approved: the next run sends it" in page.inner_text(".notes")
    done = [m for m in emu.records("mail.message")
            if m.get("mail_activity_type_id") and m.get("res_id") == int(cid) and "relance:" in str(m.get("body"))]
    assert len(done) == 1  # the approval activity marked done, as Odoo's Mark as Done does
    status = page.locator(f"#c-{cid} tr.action").first.inner_text()
    assert "will be sent" in status
    ran = relance("--config", cfg, "run", "--as-of", AS_OF.isoformat(), "--json")
    assert ran.code == 0
    import json

    written = [op for op in json.loads(ran.out)["tenants"][0]["operations"] if op["customer_id"] == cid]
    assert [op["kind"] for op in written if op["kind"] == "action"] == ["action"]
    page.goto(url)
    assert not page.locator(f"#c-{cid} tr.action").count()  # sent: nothing left for that customer today


def test_the_page_refuses_another_host_and_a_form_it_did_not_make(served):
    page, url, _, _ = served
    answer = page.request.get(url, headers={"Host": "evil.example"})
    assert answer.status == 403
    forged = page.request.post(url + "decide", form={"token": "guess", "tenant": "demo", "decision": "approve",
                                                     "key": "0" * 32})
    assert forged.status == 403
