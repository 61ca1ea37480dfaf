"""Errors that the shells map to exit codes (see tracker.cli.errors)."""

from __future__ import annotations


class TrackerError(Exception):
    """Base class. ``message`` is already in the user's language."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def one_line(self) -> str:
        where = self.where()
        text = " ".join(self.message.split())
        return f"{where}: {text}" if where else text


class InputError(TrackerError):
    """Bad usage or bad input: unknown case, malformed file, invalid value (exit 2)."""

    exit_code = 2


class RulesSayNo(TrackerError):
    """The rules refuse: violations, a blocked action, failed verification (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, reasons: list[str] | None = None, **kw):
        super().__init__(message, **kw)
        self.reasons = reasons or []
