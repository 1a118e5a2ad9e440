"""Errors of the core. Each message names the file, key or record and what is wrong."""

from __future__ import annotations

import re


class RelanceError(Exception):
    """Base of every error Relance reports to a user (never shown as a traceback)."""


class ConfigError(RelanceError):
    """A config, policy, mapping or rate file is invalid. Exit code 2."""

    def __init__(self, file: str, problems: list[str] | str):
        self.file = file
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(f"{file}: " + "; ".join(self.problems))


class RateMissing(RelanceError):
    """No published rate covers a day of the late period: never charge a silent zero.

    Carries the table, so that a run's failures can be grouped by cause, and says where it looked and
    which command brings the missing rows."""

    def __init__(self, table, day, *, before_start: bool = False):  # table: connector.rates.RateTable
        self.table, self.day, self.before_start = table, day, before_start
        if before_start:
            text = f"no {table.label} is known for {day}: {table.path} starts on {table.days[0]}"
        else:
            text = (f"no {table.label} is known for {day}: table {table.name} ends on {table.covered_until} "
                    f"(read from {table.path}); {table.remedy}")
        super().__init__(text)

    @property
    def cause(self) -> str:
        """What many items share: the same table ending on the same day."""
        if self.before_start:
            return f"no {self.table.label} known before {self.table.days[0]} ({self.table.path})"
        return f"no {self.table.label} known after {self.table.covered_until} ({self.table.path}) — {self.table.remedy}"


class SourceUnavailable(RelanceError):
    """The accounting system cannot be reached (network, authentication). Exit code 3."""


class CredentialsRefused(SourceUnavailable):
    """The system refused the tenant's credentials (a wrong or expired API key, a revoked refresh token). Exit
    code 3; counted apart in the metrics, since only a person can cure it."""


class CertificateFailed(SourceUnavailable):
    """The server's TLS certificate could not be verified. Exit code 3, never retried: a retry gets the same
    certificate."""

    def __init__(self, url: str, exc: BaseException):
        m = re.search(r"certificate verify failed: ([^('\"]+)", str(exc))
        self.url, self.reason = url, (m.group(1).strip() if m else "certificate verify failed")
        super().__init__(f"TLS certificate verification failed for {url} ({self.reason}): if a private CA signed "
                         f"the server's certificate, set REQUESTS_CA_BUNDLE to a PEM file holding that CA (Relance "
                         f"trusts certifi's bundle, not the system store); for a test server only, set "
                         f"verify_tls: false on this tenant")

    @staticmethod
    def matches(exc: BaseException) -> bool:
        """True when `exc` (a requests SSLError) is a failed certificate verification."""
        text = str(exc)
        return "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text


class ItemError(RelanceError):
    """One operation or record failed; the run goes on with the others."""


class ItemSkipped(RelanceError):
    """An adapter declines one operation for a stated reason (e.g. a locked accounting period)."""
