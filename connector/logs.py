"""Logging: plain text for people, JSON lines for daemons, and a filter that masks every loaded secret.

Secrets are registered as soon as they are read, so a message, argument or traceback that happens to
contain one (an HTTP error echoing a header, a URL) is masked before any handler writes it.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

MASK = "***"
_SECRETS: set[str] = set()
# Fields a caller may pass with `extra=` that the JSON format writes as their own keys.
FIELDS = ("tenant", "as_of", "counts", "seconds", "exit_code", "stopped")


def register_secret(value: str | None) -> None:
    """Mask this value in every log record from now on (too-short values would mask ordinary text)."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _SECRETS:
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        for key in FIELDS:
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["traceback"] = record.exc_text
        return json.dumps(out, default=str, ensure_ascii=False)


def setup(fmt: str = "text", verbose: int = 0, stream=None) -> logging.Handler:
    """Configure the `relance` loggers once per process; calling again replaces the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonLines() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_relance", False)]:
        root.removeHandler(old)
    handler._relance = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.getLogger("relance").setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("apscheduler", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose > 1 else logging.WARNING)
    return handler
