"""Writer processes started through the fork server of crash_child.py, and the emulator-side hook that
SIGKILLs one right after its k-th write: after the write is committed and before its answer is sent (the
write happened, the answer never arrives), or right after the answer left."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("crash_child.py")
# The lease as shipped (a dead writer's claim lives TTL seconds on the source's clock), without the 2 s wait for
# concurrent claims: a single writer here.
CHILD_ENV = {"RELANCE_LEASE_SETTLE": "0"}


class ForkServer:
    """One interpreter with the connector imported, forking a writer per job (see crash_child.py)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.log = open(workdir / "writers.log", "ab")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("RELANCE_LEASE_")}, **CHILD_ENV,
               "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, cwd=ROOT, env=env)
        self._buf = b""

    def _line(self, timeout: float) -> dict:
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError(f"the writer process gave no news within {timeout} s (see {self.log.name})")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError(f"the fork server ended (see {self.log.name})")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def start(self, job: dict) -> tuple[int, Path]:
        """Fork a writer for `job` (its result file is filled in); returns its pid and result path."""
        result = self.workdir / "result.json"  # one writer at a time
        result.unlink(missing_ok=True)
        self.proc.stdin.write((json.dumps({**job, "result": str(result)}) + "\n").encode())
        self.proc.stdin.flush()
        return int(self._line(30)["pid"]), result

    def wait(self, pid: int, timeout: float = 300) -> int:
        """The writer's wait status (os.waitpid's)."""
        news = self._line(timeout)
        assert news["pid"] == pid, news
        return int(news["status"])

    def run(self, job: dict, timeout: float = 300) -> tuple[int, dict]:
        pid, result = self.start(job)
        status = self.wait(pid, timeout)
        return status, read_result(result)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def read_result(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": [], "error": "no result file"}


def killed_by_sigkill(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def kill_and_wait(pid: int, timeout: float = 10) -> None:
    """SIGKILL `pid` and return once it is dead (pidfd: it is not our child, the fork server reaps it)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # it ended on its own and was reaped already
    try:
        os.kill(pid, signal.SIGKILL)
        if not select.select([fd], [], [], timeout)[0]:
            raise TimeoutError(f"process {pid} still alive {timeout} s after SIGKILL")
    finally:
        os.close(fd)


class Killer:
    """Counts the writes the emulator commits and kills the writer right after the k-th one.

    `when`: "committed" kills before the answer is sent (and the answer is dropped), "answered" once it left.
    From the k-th write on, every new request is dropped unanswered, so no write is committed after the kill but
    those already in flight when the k-th was committed: a writer keeps up to writes.inflight calls in flight
    (e-mails to several customers), which a real crash leaves committed or not as they come.
    """

    def __init__(self, k: int, when: str):
        assert when in ("committed", "answered")
        self.k, self.when = k, when
        self.writes = 0
        self.frozen = False
        self.fired = False
        self.done = threading.Event()  # set once the writer is dead
        self._pid: int | None = None
        self._known = threading.Event()
        self._count = threading.Lock()
        self._mine = threading.local()  # the number of the write this request thread committed

    def set_pid(self, pid: int) -> None:
        self._pid = pid
        self._known.set()

    def refuse(self) -> bool:
        """True: drop this request unanswered (the writer is being killed)."""
        return self.frozen

    def on_write(self, phase: str) -> str | None:
        if phase == "committed":
            with self._count:
                self.writes += 1
                self._mine.n = self.writes
            if self._mine.n == self.k:
                self.frozen = True
        if getattr(self._mine, "n", None) == self.k and phase == self.when and not self.fired:
            self.fired = True
            try:
                if not self._known.wait(30):
                    raise RuntimeError("the writer's pid never came")
                kill_and_wait(self._pid)
            finally:
                self.done.set()
            return "drop" if phase == "committed" else None
        return None


class WriteCounter:
    """Counts the writes the emulator commits (the clean reference runs)."""

    def __init__(self) -> None:
        self.writes = 0

    def refuse(self) -> bool:
        return False

    def on_write(self, phase: str) -> None:
        if phase == "committed":
            self.writes += 1


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="relance-crash-"))
