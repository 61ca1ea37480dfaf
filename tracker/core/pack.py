"""Rule packs: one YAML file per jurisdiction, read with ruamel.yaml, validated here.

A broken pack is reported as ``file:line: reason``. The schema is documented in
``jurisdictions/README.md``; every rule, stage period, obligation and checklist item carries a
citation (``cite``) of the document and article it encodes.
"""

from __future__ import annotations

import calendar as _cal
import datetime as _dt
import re
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from tracker.core import vocab
from tracker.core.errors import InputError
from tracker.core.expr import Expr, ExprError
from tracker.core.facts import FactSpec, VOCABULARY
from tracker.core.i18n import pick, t


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class RoleDef(_M):
    name: str
    name_en: Optional[str] = None
    cite: Optional[str] = None
    reviewer: bool = True  # False for the project unit itself


class DocDef(_M):
    name: str
    name_en: Optional[str] = None
    cite: Optional[str] = None


class FactDef(_M):
    type: Literal["text", "money", "bool", "date", "int", "choice", "choices", "money_table"]
    label: str
    label_en: Optional[str] = None
    choices: list[str] = Field(default_factory=list)
    cite: Optional[str] = None


class DocReq(_M):
    kind: str
    when: Optional[str] = None


class RuleReq(_M):
    rule: str


class Requires(_M):
    documents: list[Union[str, DocReq]] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)
    obligations: list[str] = Field(default_factory=list)

    def doc_reqs(self) -> list[DocReq]:
        return [DocReq(kind=d) if isinstance(d, str) else d for d in self.documents]


class CheckItem(_M):
    text: str
    text_en: Optional[str] = None
    cite: str
    when: Optional[str] = None


class ActionDef(_M):
    kind: str
    name: Optional[str] = None
    name_en: Optional[str] = None
    to: Optional[str] = None  # default: the next applicable stage; "@previous": back from a side stage;
    # "@back": the applicable main-line stage before this one
    role: Optional[str] = None  # default: the stage's role
    when: Optional[str] = None  # the action is offered only when this holds
    requires: Requires = Field(default_factory=Requires)
    cite: Optional[str] = None
    checklist: list[CheckItem] = Field(default_factory=list)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in vocab.ACTION_KINDS:
            raise ValueError(f"unknown action kind {v!r} (known: {', '.join(vocab.ACTION_KINDS)})")
        return v


class RoleChoice(_M):
    role: str
    when: Optional[str] = None


class PeriodDef(_M):
    working_days: Optional[int] = Field(default=None, ge=0)
    months: Optional[int] = Field(default=None, ge=0)
    years: Optional[int] = Field(default=None, ge=0)
    # a fixed day of the year: the first such day on or after the start (e.g. 31 December)
    month: Optional[int] = Field(default=None, ge=1, le=12)
    day: Optional[int] = Field(default=None, ge=1, le=31)
    cite: str
    note: Optional[str] = None


class StageDef(_M):
    kind: str
    name: str
    name_en: Optional[str] = None
    role: Union[str, list[RoleChoice], None] = None
    when: Optional[str] = None
    cite: Optional[str] = None
    due: Optional[PeriodDef] = None
    checklist: list[CheckItem] = Field(default_factory=list)
    actions: dict[str, ActionDef] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in vocab.STAGE_KINDS:
            raise ValueError(f"unknown stage kind {v!r} (known: {', '.join(vocab.STAGE_KINDS)})")
        return v

    @property
    def terminal(self) -> bool:
        return self.kind in vocab.TERMINAL_STAGE_KINDS


class TrackDef(_M):
    kind: str
    name: str
    name_en: Optional[str] = None
    cite: Optional[str] = None
    stages: list[str]
    side: list[str] = Field(default_factory=list)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in vocab.TRACK_KINDS:
            raise ValueError(f"unknown track kind {v!r} (known: {', '.join(vocab.TRACK_KINDS)})")
        return v


class ScopeRule(_M):
    when: Optional[str] = None
    track: str
    reason: str
    reason_en: Optional[str] = None
    cite: str


class RuleDef(_M):
    id: str
    when: Optional[str] = None
    check: str
    severity: Literal["error", "warning", "info"] = "error"
    message: str
    message_en: Optional[str] = None
    cite: str
    fact: Optional[str] = None  # the fact the finding points at (for file:line)
    stages: list[str] = Field(default_factory=list)  # only while the case is at one of these stages
    only_for_actions: bool = False  # a precondition of actions, not a standing finding


class ObligationDef(_M):
    id: str
    kind: str
    text: str
    text_en: Optional[str] = None
    cite: str
    when: Optional[str] = None
    met: Optional[str] = None  # expression; None → a checklist item a person confirms
    documents: list[str] = Field(default_factory=list)  # met when any of these is attached
    by_stage: Union[str, list[str], None] = None  # must be met before the case leaves this stage (forward)
    severity: Literal["error", "warning", "info"] = "error"

    @property
    def by_stages(self) -> list[str]:
        if self.by_stage is None:
            return []
        return [self.by_stage] if isinstance(self.by_stage, str) else list(self.by_stage)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in vocab.OBLIGATION_KINDS:
            raise ValueError(f"unknown obligation kind {v!r} (known: {', '.join(vocab.OBLIGATION_KINDS)})")
        return v


class Anchor(_M):
    """A dated event in a case: a fact, or entering/leaving a stage."""

    fact: Optional[str] = None
    entered: Optional[str] = None
    left: Optional[str] = None


class DeadlineDef(_M):
    id: str
    kind: str
    what: str
    what_en: Optional[str] = None
    cite: str
    when: Optional[str] = None
    # one-off deadlines: the first anchor that has a date starts the period
    start: list[Anchor] = Field(default_factory=list)
    start_latest: bool = False  # start from the latest of the anchors that have a date (e.g. 验收并投入运行后)
    period: Optional[PeriodDef] = None
    opens: Optional[PeriodDef] = None  # for windows (e.g. 12 to 24 months after acceptance)
    done: list[Anchor] = Field(default_factory=list)
    # recurring deadlines
    recurring: Optional[Literal["annual", "quarterly"]] = None
    month: Optional[int] = Field(default=None, ge=1, le=12)
    day: Optional[int] = Field(default=None, ge=1, le=31)
    working_days: Optional[int] = Field(default=None, ge=1)
    during: list[str] = Field(default_factory=list)  # stages in which a recurring deadline applies
    done_when: Optional[str] = None  # expression that marks a recurring deadline met
    done_document: Optional[str] = None  # quarterly: a document of this kind added in the quarter
    blocking: bool = False  # lateness makes check report an error (only when the text says so)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in vocab.DEADLINE_KINDS:
            raise ValueError(f"unknown deadline kind {v!r} (known: {', '.join(vocab.DEADLINE_KINDS)})")
        return v


class Pack(_M):
    id: str
    name: str
    name_en: Optional[str] = None
    jurisdiction: str
    jurisdiction_en: Optional[str] = None
    level: Literal["province", "city", "district", "county"]
    document: Optional[str] = None
    document_note: Optional[str] = None
    issued: Optional[_dt.date] = None
    effective: Optional[_dt.date] = None
    valid_until: Optional[_dt.date] = None
    valid_years: Optional[int] = None
    validity_cite: Optional[str] = None
    trial: bool = False
    case_prefix: str = Field(pattern=r"^[A-Z]{2,5}$")
    aliases: list[str] = Field(default_factory=list)
    default_track: str = "approval"
    roles: dict[str, RoleDef]
    facts: dict[str, FactDef] = Field(default_factory=dict)
    documents: dict[str, DocDef]
    conditions: dict[str, str] = Field(default_factory=dict)
    scope: list[ScopeRule]
    tracks: dict[str, TrackDef]
    stages: dict[str, StageDef]
    rules: list[RuleDef] = Field(default_factory=list)
    obligations: list[ObligationDef] = Field(default_factory=list)
    deadlines: list[DeadlineDef] = Field(default_factory=list)
    checklist: list[CheckItem] = Field(default_factory=list)

    # filled by load_pack
    source: str = ""
    compiled: dict = Field(default_factory=dict, exclude=True)
    lines: dict = Field(default_factory=dict, exclude=True)

    # -- helpers used by the engine ------------------------------------------------------
    def label(self) -> str:
        return pick(self.name, self.name_en)

    def fact_specs(self) -> dict[str, FactSpec]:
        specs = self.compiled.get("__specs__")
        if specs is None:
            specs = self.compiled["__specs__"] = {
                name: FactSpec(name, d.type, d.label, d.label_en or name, tuple(d.choices))
                for name, d in self.facts.items()
            }
        return specs

    def all_fact_names(self) -> set[str]:
        return set(VOCABULARY) | set(self.facts)

    def expr(self, source: str) -> Expr:
        return self.compiled[source]

    def rule(self, rule_id: str) -> RuleDef:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def obligation(self, ob_id: str) -> ObligationDef:
        for o in self.obligations:
            if o.id == ob_id:
                return o
        raise KeyError(ob_id)

    def doc_label(self, kind: str) -> str:
        d = self.documents.get(kind)
        return pick(d.name, d.name_en) if d else kind

    def role_label(self, role: str | None) -> str:
        if not role:
            return ""
        r = self.roles.get(role)
        return pick(r.name, r.name_en) if r else role

    def resolve_doc_kind(self, text: str) -> str | None:
        text = text.strip()
        if text in self.documents:
            return text
        for k, d in self.documents.items():
            if text in (d.name, d.name_en) or (d.name_en and text.lower() == d.name_en.lower()):
                return k
        return None

    def summary(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "jurisdiction": self.jurisdiction,
            "jurisdiction_en": self.jurisdiction_en,
            "document": self.document,
            "document_note": self.document_note,
            "issued": self.issued.isoformat() if self.issued else None,
            "effective": self.effective.isoformat() if self.effective else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "valid_years": self.valid_years,
            "trial": self.trial,
            "case_prefix": self.case_prefix,
            "aliases": self.aliases,
            "tracks": [{"id": k, "kind": v.kind, "name": v.name} for k, v in self.tracks.items()],
            "roles": [{"id": k, "name": v.name, "name_en": v.name_en} for k, v in self.roles.items()],
            "source": self.source,
        }


# ---------------------------------------------------------------------------------------
# Loading

def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    return y


def _line_of(data: Any, path: tuple) -> int | None:
    """Best line (1-based) for a path in a ruamel round-trip document."""
    node = data
    line = None
    for key in path:
        try:
            if hasattr(node, "lc"):
                if isinstance(node, dict) and key in node:
                    line = node.lc.key(key)[0] + 1
                elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                    line = node.lc.item(key)[0] + 1
            node = node[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line is None and hasattr(data, "lc"):
        line = data.lc.line + 1
    return line


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, float):
        return data
    return data


def load_pack(path: Path, display: str | None = None) -> Pack:
    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(t("bad_yaml", error=f"not UTF-8 ({e.reason})"), file=display) from None
    except OSError:
        raise InputError(t("file_missing", path=display), file=display) from None
    return load_pack_text(text, display)


def load_pack_text(text: str, display: str) -> Pack:
    """A rule pack from its YAML text (a file, or a blob of an old commit for the verifier)."""
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(t("bad_yaml", error=(e.problem or str(e)).strip()), file=display, line=line) from None
    except YAMLError as e:
        raise InputError(t("bad_yaml", error=str(e).splitlines()[0]), file=display) from None
    except ValueError as e:  # e.g. an impossible date such as 2021-02-30
        raise InputError(t("bad_yaml", error=str(e)), file=display, line=_bad_date_line(text)) from None
    if not isinstance(data, dict):
        raise InputError(t("bad_pack", error="top level must be a mapping"), file=display, line=1)
    try:
        pack = Pack.model_validate(_plain(data))
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        # pydantic puts union member names into loc; keep only real keys
        loc = tuple(k for k in loc if isinstance(k, int) or k in _keys_along(data, loc))
        where = ".".join(str(k) for k in loc)
        raise InputError(t("bad_pack", error=f"{where}: {err['msg']}"), file=display,
                         line=_line_of(data, loc)) from None
    pack.source = display
    _check_semantics(pack, data, display)
    return pack


def _bad_date_line(text: str) -> int | None:
    for no, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r"(?<![\d-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])", line.split("#", 1)[0]):
            try:
                _dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return no
    return None


def _keys_along(data: Any, loc: tuple) -> set:
    keys: set = set()
    node = data
    for k in loc:
        if isinstance(node, dict) and k in node:
            keys.add(k)
            node = node[k]
        elif isinstance(node, list) and isinstance(k, int) and k < len(node):
            node = node[k]
    return keys


def _check_semantics(pack: Pack, data: Any, display: str) -> None:
    def fail(msg: str, *path) -> None:
        raise InputError(t("bad_pack", error=msg), file=display, line=_line_of(data, path))

    known = pack.all_fact_names() | set(vocab.DERIVED_NAMES)
    cond_names = set(pack.conditions)

    def compile_(src: Optional[str], *path) -> None:
        if src is None:
            return
        try:
            pack.compiled[src] = Expr(src, known, cond_names)
        except ExprError as e:
            fail(str(e), *path)

    for name in pack.facts:
        if name in VOCABULARY:
            fail(f"fact {name!r} is already in the shared vocabulary", "facts", name)
    for name, src in pack.conditions.items():
        if name in known:
            fail(f"condition {name!r} shadows a fact", "conditions", name)
        compile_(src, "conditions", name)
    pack.compiled["__conditions__"] = {n: pack.compiled[s] for n, s in pack.conditions.items()}

    terminals = {sid for sid, s in pack.stages.items() if s.terminal}
    if pack.default_track not in pack.tracks:
        fail(f"default_track {pack.default_track!r} is not a track", "default_track")
    for i, sc in enumerate(pack.scope):
        compile_(sc.when, "scope", i, "when")
        if sc.track not in pack.tracks:
            fail(f"unknown track {sc.track!r}", "scope", i, "track")
    if pack.scope and pack.scope[-1].when is not None:
        fail("the last scope rule must have no 'when' (the default track)", "scope", len(pack.scope) - 1)

    for tid, tr in pack.tracks.items():
        for i, sid in enumerate(tr.stages):
            if sid not in pack.stages:
                fail(f"track {tid!r}: unknown stage {sid!r}", "tracks", tid, "stages", i)
        for i, sid in enumerate(tr.side):
            if sid not in pack.stages:
                fail(f"track {tid!r}: unknown side stage {sid!r}", "tracks", tid, "side", i)
        if not tr.stages or pack.stages[tr.stages[-1]].kind != "closed":
            fail(f"track {tid!r} must end with a stage of kind 'closed'", "tracks", tid, "stages")
        reachable = set(tr.stages) | set(tr.side) | terminals
        for sid in set(tr.stages) | set(tr.side):
            st = pack.stages[sid]
            for aid, act in st.actions.items():
                if act.to and act.to not in ("@previous", "@back") and act.to not in reachable:
                    fail(f"stage {sid!r} action {aid!r} goes to {act.to!r}, not in track {tid!r}",
                         "stages", sid, "actions", aid, "to")
                if act.to is None and sid in tr.side and act.kind not in ("return", "reject", "terminate"):
                    fail(f"side stage {sid!r} action {aid!r} needs an explicit 'to'", "stages", sid, "actions", aid)

    for sid, st in pack.stages.items():
        compile_(st.when, "stages", sid, "when")
        if isinstance(st.role, str):
            if st.role not in pack.roles:
                fail(f"unknown role {st.role!r}", "stages", sid, "role")
        elif isinstance(st.role, list):
            for i, rc in enumerate(st.role):
                compile_(rc.when, "stages", sid, "role", i, "when")
                if rc.role not in pack.roles:
                    fail(f"unknown role {rc.role!r}", "stages", sid, "role", i, "role")
        elif not st.terminal:
            fail(f"stage {sid!r} needs a role", "stages", sid)
        for i, ci in enumerate(st.checklist):
            compile_(ci.when, "stages", sid, "checklist", i, "when")
        for aid, act in st.actions.items():
            compile_(act.when, "stages", sid, "actions", aid, "when")
            if act.role and act.role not in pack.roles:
                fail(f"unknown role {act.role!r}", "stages", sid, "actions", aid, "role")
            for i, d in enumerate(act.requires.doc_reqs()):
                if d.kind not in pack.documents:
                    fail(f"unknown document kind {d.kind!r}", "stages", sid, "actions", aid, "requires", "documents", i)
                compile_(d.when, "stages", sid, "actions", aid, "requires", "documents", i)
            for i, f in enumerate(act.requires.facts):
                if f not in known:
                    fail(f"unknown fact {f!r}", "stages", sid, "actions", aid, "requires", "facts", i)
            rule_ids = {r.id for r in pack.rules}
            for i, r in enumerate(act.requires.rules):
                if r not in rule_ids:
                    fail(f"unknown rule {r!r}", "stages", sid, "actions", aid, "requires", "rules", i)
            ob_ids = {o.id for o in pack.obligations}
            for i, o in enumerate(act.requires.obligations):
                if o not in ob_ids:
                    fail(f"unknown obligation {o!r}", "stages", sid, "actions", aid, "requires", "obligations", i)
            for i, ci in enumerate(act.checklist):
                compile_(ci.when, "stages", sid, "actions", aid, "checklist", i, "when")
        if st.terminal and st.actions:
            fail(f"terminal stage {sid!r} cannot have actions", "stages", sid, "actions")

    seen: set[str] = set()
    for i, r in enumerate(pack.rules):
        if r.id in seen:
            fail(f"duplicate rule id {r.id!r}", "rules", i, "id")
        seen.add(r.id)
        compile_(r.when, "rules", i, "when")
        compile_(r.check, "rules", i, "check")
        if r.fact and r.fact not in known:
            fail(f"unknown fact {r.fact!r}", "rules", i, "fact")
        for j, s in enumerate(r.stages):
            if s not in pack.stages:
                fail(f"unknown stage {s!r}", "rules", i, "stages", j)
    seen = set()
    for i, o in enumerate(pack.obligations):
        if o.id in seen:
            fail(f"duplicate obligation id {o.id!r}", "obligations", i, "id")
        seen.add(o.id)
        compile_(o.when, "obligations", i, "when")
        compile_(o.met, "obligations", i, "met")
        for j, d in enumerate(o.documents):
            if d not in pack.documents:
                fail(f"unknown document kind {d!r}", "obligations", i, "documents", j)
        for sid in o.by_stages:
            if sid not in pack.stages:
                fail(f"unknown stage {sid!r}", "obligations", i, "by_stage")
    seen = set()
    for i, d in enumerate(pack.deadlines):
        if d.id in seen:
            fail(f"duplicate deadline id {d.id!r}", "deadlines", i, "id")
        seen.add(d.id)
        compile_(d.when, "deadlines", i, "when")
        compile_(d.done_when, "deadlines", i, "done_when")
        for key in ("start", "done"):
            for j, a in enumerate(getattr(d, key)):
                for s in (a.entered, a.left):
                    if s and s not in pack.stages:
                        fail(f"unknown stage {s!r}", "deadlines", i, key, j)
                if a.fact and a.fact not in known:
                    fail(f"unknown fact {a.fact!r}", "deadlines", i, key, j)
        if d.done_document and d.done_document not in pack.documents:
            fail(f"unknown document kind {d.done_document!r}", "deadlines", i, "done_document")
        for j, s in enumerate(d.during):
            if s not in pack.stages:
                fail(f"unknown stage {s!r}", "deadlines", i, "during", j)
        if d.recurring is None and (not d.start or not d.period):
            fail("a one-off deadline needs 'start' and 'period'", "deadlines", i)
        if d.recurring == "annual" and (not d.month or not d.day):
            fail("an annual deadline needs 'month' and 'day'", "deadlines", i)
        for per in (d.period, d.opens):
            if per and per.month and per.day and per.day > _cal.monthrange(2000, per.month)[1]:
                fail(f"no such day: {per.month}-{per.day}", "deadlines", i)
        if d.month and d.day and d.day > _cal.monthrange(2000, d.month)[1]:
            fail(f"no such day: {d.month}-{d.day}", "deadlines", i, "day")
        if d.recurring == "quarterly" and not d.working_days:
            fail("a quarterly deadline needs 'working_days'", "deadlines", i)
    for i, ci in enumerate(pack.checklist):
        compile_(ci.when, "checklist", i, "when")


def packs_dir_candidates() -> list[Path]:
    here = Path(__file__).resolve().parent.parent
    return [here / "_data" / "jurisdictions", here.parent / "jurisdictions"]


def builtin_packs_dir() -> Path:
    for p in packs_dir_candidates():
        if p.is_dir():
            return p
    raise InputError("rule packs not found in the installation")  # pragma: no cover


def load_packs(directory: Path, display_root: Path | None = None) -> dict[str, Pack]:
    packs: dict[str, Pack] = {}
    for path in sorted(directory.glob("*.yaml")):
        display = str(path.relative_to(display_root)) if display_root else str(path)
        pack = load_pack(path, display)
        if pack.id in packs:
            raise InputError(t("bad_pack", error=f"duplicate pack id {pack.id!r}"), file=display, line=1)
        packs[pack.id] = pack
    return packs


def resolve_pack(packs: dict[str, Pack], name: str) -> Pack:
    key = name.strip()
    if not key:
        raise InputError(t("empty_jurisdiction"))
    if key in packs:
        return packs[key]
    low = key.lower()
    for p in packs.values():
        names = {p.id.lower(), p.jurisdiction, p.name, p.case_prefix.lower(),
                 *(a.lower() for a in p.aliases), *p.aliases}
        if p.document:
            names.add(p.document)
        if (p.jurisdiction_en or "").lower():
            names.add(p.jurisdiction_en.lower())
        if low in names or key in names:
            return p
    raise InputError(t("unknown_jurisdiction", name=name, known=", ".join(sorted(packs))))
