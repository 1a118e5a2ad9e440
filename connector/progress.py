"""A one-line progress bar on stderr, only when stderr is a terminal (logs and pipes stay clean)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call with (done, total); `close()` ends the line. Redraws at most ten times a second."""

    def __init__(self, label: str, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.label, self.width = label, width
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.active or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = self.width * done // total
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
