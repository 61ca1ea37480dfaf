"""Value objects of the domain: cases, decisions, attachments and findings."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from tracker.core.i18n import Text


@dataclass(frozen=True)
class Finding:
    """One problem or note about a case, with where it is and which article says so."""

    case: str | None
    rule: str
    severity: str  # error | warning | info
    message: Text
    cite: str | None = None
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {
            "case": self.case,
            "rule": self.rule,
            "severity": self.severity,
            "message": str(self.message),
            "message_zh": self.message.zh,
            "message_en": self.message.en,
            "cite": self.cite,
            "file": self.file,
            "line": self.line,
        }


@dataclass
class Attachment:
    name: str
    kind: str
    sha256: str
    size: int = 0
    added_on: _dt.date | None = None
    # filled in by the store from the file on disk (None: not checked)
    present: bool | None = None
    actual_sha256: str | None = None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "added_on": self.added_on.isoformat() if self.added_on else None,
        }


@dataclass
class Decision:
    seq: int
    action: str
    kind: str
    from_stage: str
    to_stage: str
    role: str
    decided_on: _dt.date
    track: str | None = None
    opinion: str = ""
    set_facts: dict[str, Any] = field(default_factory=dict)
    recorded_at: str | None = None
    by: str | None = None
    file: str | None = None

    def as_dict(self) -> dict:
        from tracker.core.facts import to_plain

        return {
            "seq": self.seq,
            "action": self.action,
            "kind": self.kind,
            "from": self.from_stage,
            "to": self.to_stage,
            "track": self.track,
            "role": self.role,
            "decided_on": self.decided_on.isoformat(),
            "opinion": self.opinion,
            "set": to_plain(self.set_facts),
            "recorded_at": self.recorded_at,
            "by": self.by,
            "file": self.file,
        }


@dataclass
class Case:
    id: str
    jurisdiction: str
    created_on: _dt.date
    facts: dict[str, Any] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    path: str | None = None  # display path of case.toml
    fact_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)  # found while reading the files

    @property
    def title(self) -> str:
        return self.facts.get("title") or ""

    @property
    def unit(self) -> str:
        return self.facts.get("unit") or ""

    def has_document(self, kind: str) -> bool:
        return any(a.kind == kind for a in self.attachments)


def malformed_finding(case_id: str, e) -> Finding:
    """A file that cannot be read (a TrackerError), as a finding naming its file and line.
    The message exists only in the UI language it was raised in."""
    return Finding(case_id, "malformed-file", "error", Text(e.message, e.message), None, e.file, e.line)
