"""`relance plan --show-messages` on the demo ledger (Odoo emulator): each message as it will be sent, each letter
rendered to a PDF whose path is printed; a templates directory in relance.yaml overrides the shipped texts, and
`relance check` names a template of it that does not render."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pypdf
import pytest

from tests.cli.cliutil import demo_odoo, odoo_config

AS_OF = date(2026, 3, 10)
SECRET = "emulated-Password-4711"


@pytest.fixture(scope="module")
def odoo(tmp_path_factory):
    emu, url = demo_odoo(AS_OF, SECRET)
    yield url, tmp_path_factory.mktemp("messages")
    emu.stop()


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_ODOO_SECRET", SECRET)


def _with_templates(cfg: str, folder: Path) -> str:
    text = Path(cfg).read_text().replace("    policy: fr-b2b\n", f"    policy: fr-b2b\n    templates: {folder.name}\n")
    Path(cfg).write_text(text)
    return cfg


def test_show_messages_prints_recipient_subject_and_body_and_renders_each_letter(odoo, relance, tmp_path):
    url, folder = odoo
    cfg = odoo_config(tmp_path, url)
    out = relance("--config", cfg, "plan", "--as-of", AS_OF.isoformat(), "--show-messages",
                  "--messages-dir", str(tmp_path / "letters"))
    assert out.code == 0, out.err
    blocks = out.out.split("\n--- ")[1:]
    emails = [b for b in blocks if b.split("\n")[0].endswith(", email")]
    assert emails, out.out
    first = emails[0]
    assert re.search(r"^To: .+ <[^>@]+@[^>]+>$", first, re.M), first  # the address the e-mail goes to
    assert re.search(r"^Subject: (Relance pour facture impayée|Payment reminder|Échéance prochaine|Upcoming)", first,
                     re.M), first
    assert "$" not in first.replace("$ ", "")  # no placeholder left
    letters = re.findall(r"^Letter: (.+\.pdf)$", out.out, re.M)
    assert letters, out.out
    pdf = Path(letters[0]).read_bytes()
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Relance Demo SAS" in text and "123 456 789 00012" in text and "10 rue de Rivoli" in text
    only = relance("--config", cfg, "plan", "--as-of", AS_OF.isoformat(), "--show-messages", "--customer", "7",
                   "--messages-dir", str(tmp_path / "one"))
    assert only.code == 0 and all("(customer 7)" in b.split("\n")[0] for b in only.out.split("\n--- ")[1:])


def test_a_templates_directory_overrides_the_shipped_text_and_check_names_a_broken_one(odoo, relance, tmp_path):
    url, _ = odoo
    cfg = _with_templates(odoo_config(tmp_path, url), tmp_path / "texts")
    for lang in ("fr_FR", "en_US"):
        (tmp_path / "texts" / lang).mkdir(parents=True)
        (tmp_path / "texts" / lang / "courtesy.txt").write_text(
            "Subject: Petit rappel — $numbers\n$salutation\n\n$items\n\nÀ bientôt,\n$company\n", encoding="utf-8")
    out = relance("--config", cfg, "plan", "--as-of", AS_OF.isoformat(), "--show-messages",
                  "--messages-dir", str(tmp_path / "letters"))
    assert out.code == 0, out.err
    courtesy = [b for b in out.out.split("\n--- ")[1:] if " courtesy, " in b.split("\n")[0]]
    assert courtesy and all("Subject: Petit rappel — " in b and "À bientôt," in b for b in courtesy)
    ok = relance("--config", cfg, "check", "--as-of", AS_OF.isoformat())
    assert "ok    templates (" in ok.out and "texts first)" in ok.out, ok.out
    (tmp_path / "texts" / "fr_FR" / "courtesy.txt").write_text("Subject: x\nBonjour $prenom\n", encoding="utf-8")
    bad = relance("--config", cfg, "check", "--as-of", AS_OF.isoformat())
    assert bad.code == 1
    assert f"FAIL  templates: {tmp_path / 'texts' / 'fr_FR' / 'courtesy.txt'}: unknown or malformed placeholder 'prenom'" \
        in bad.out, bad.out
