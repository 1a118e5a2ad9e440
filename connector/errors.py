"""Errors of the core. Each message names the file, key or record and what is wrong."""

from __future__ import annotations


class RelanceError(Exception):
    """Base of every error Relance reports to a user (never shown as a traceback)."""


class ConfigError(RelanceError):
    """A config, policy, mapping or rate file is invalid. Exit code 2."""

    def __init__(self, file: str, problems: list[str] | str):
        self.file = file
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(f"{file}: " + "; ".join(self.problems))


class RateMissing(RelanceError):
    """No published rate covers a day of the late period: never charge a silent zero."""


class SourceUnavailable(RelanceError):
    """The accounting system cannot be reached (network, authentication). Exit code 3."""


class ItemError(RelanceError):
    """One operation or record failed; the run goes on with the others."""


class ItemSkipped(RelanceError):
    """An adapter declines one operation for a stated reason (e.g. a locked accounting period)."""
