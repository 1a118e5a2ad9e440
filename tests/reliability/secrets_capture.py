"""Everything a run shows or leaves behind, gathered for the secret scan: stdout, stderr, every log record
(through a handler of our own on the root logger, as a user's extra handler would see them), and files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from adapters.cli import main
from tests.reliability.secrets_scan import Scanner

_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


class RecordCapture(logging.Handler):
    """Keeps, for each record, its message, formatted traceback, stack and extra fields, as text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.getMessage()]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        parts += [f"{k}={v!r}" for k, v in vars(record).items() if k not in _STANDARD]
        self.lines.append("\n".join(parts))
        self.names.append(record.name)

    def __enter__(self) -> RecordCapture:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)


@dataclass
class Capture:
    """What one scenario produced, as (where, data) pairs for `Scanner.scan_all`."""

    items: list[tuple[str, bytes | str]] = field(default_factory=list)
    log_lines: int = 0
    files: int = 0

    def add(self, where: str, data: bytes | str | None) -> None:
        if data:
            self.items.append((where, data))

    def add_logs(self, where: str, capture: RecordCapture) -> None:
        for n, line in enumerate(capture.lines):
            self.add(f"{where} log record {n} ({capture.names[n]})", line)
        self.log_lines += len(capture.lines)

    def add_files(self, folder: Path, skip: set[Path] = frozenset()) -> None:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path not in skip:
                self.add(f"file {path.relative_to(folder)}", path.read_bytes())
                self.files += 1

    def __iter__(self) -> Iterator[tuple[str, bytes | str]]:
        return iter(self.items)


@dataclass
class Outcome:
    argv: tuple[str, ...]
    code: int
    out: str
    err: str


class Cli:
    """`relance ...` in this process, collecting stdout, stderr and log records into one Capture."""

    def __init__(self, capsys, capture: Capture):
        self.capsys, self.capture, self.outcomes = capsys, capture, []

    def __call__(self, *argv: str) -> Outcome:
        self.capsys.readouterr()
        with RecordCapture() as records:
            try:
                code = main(list(argv))
            finally:  # main() put a handler on the captured stderr of this test: gone with it
                root = logging.getLogger()
                for handler in [h for h in root.handlers if getattr(h, "_relance", False)]:
                    root.removeHandler(handler)
        got = self.capsys.readouterr()
        label = " ".join(a for a in argv if not a.startswith("/"))
        self.capture.add(f"`{label}` stdout", got.out)
        self.capture.add(f"`{label}` stderr", got.err)
        self.capture.add_logs(f"`{label}`", records)
        outcome = Outcome(argv, code, got.out, got.err)
        self.outcomes.append(outcome)
        return outcome


def assert_clean(scanner: Scanner, capture: Capture) -> None:
    leaks = scanner.scan_all(capture)
    assert not leaks, "secret found:\n" + "\n".join(map(str, leaks[:20]))


def report_figures(name: str, scanner: Scanner, capture: Capture) -> None:
    """One line of figures per scenario (shown with pytest -s): what was searched, for how many secrets."""
    print(f"\n[{name}] secrets={len(scanner.secrets)} needles/secret~{scanner.needles // max(1, len(scanner.secrets))} "
          f"blobs={scanner.blobs} bytes={scanner.bytes} log_records={capture.log_lines} files={capture.files}")
