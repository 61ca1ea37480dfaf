"""The workflow engine: replay a case's decisions over its rule pack and say what comes next.

Everything here is a pure function of (rule pack, case files, today, calendar): the current
stage is never stored, it is the replay of the append-only decision files. A rule that crashes
on odd facts becomes a finding, never an exception.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from tracker.core.calendar import Due, WorkCalendar, add_months_plain, calendar_file
from tracker.core.errors import InputError, RulesSayNo
from tracker.core.expr import UNKNOWN, Env, ExprRuntimeError
from tracker.core.facts import VOCABULARY, default_for, spec_for, coerce
from tracker.core.i18n import MESSAGES, Text, pick, t
from tracker.core.models import Case, Decision, Finding
from tracker.core.pack import (ActionDef, DeadlineDef, ObligationDef, Pack, PeriodDef, RuleDef, ScopeRule,
                               StageDef, TrackDef)

FORWARD_KINDS = ("submit", "approve", "complete")


def _text(zh: str, en: str | None) -> Text:
    return Text(zh, en or zh)


@dataclass
class Missing:
    type: str  # document | fact | rule
    id: str
    message: Text
    cite: str | None = None

    def as_dict(self) -> dict:
        return {"type": self.type, "id": self.id, "message": str(self.message),
                "message_zh": self.message.zh, "message_en": self.message.en, "cite": self.cite}


@dataclass
class ActionOption:
    id: str
    kind: str
    name: str
    to: str | None
    to_kind: str | None
    to_name: str | None
    role: str | None
    allowed: bool
    missing: list[Missing] = field(default_factory=list)
    cite: str | None = None
    checklist: list[dict] = field(default_factory=list)
    warnings: list[Missing] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"action": self.id, "kind": self.kind, "name": self.name, "to": self.to,
                "to_kind": self.to_kind, "to_name": self.to_name, "role": self.role,
                "allowed": self.allowed, "missing": [m.as_dict() for m in self.missing],
                "warnings": [m.as_dict() for m in self.warnings], "cite": self.cite, "checklist": self.checklist}


@dataclass
class PlanItem:
    id: str
    kind: str
    name: str
    role: str | None
    due: _dt.date | None
    estimated: bool = False
    current: bool = False
    conditional: bool = False
    period: str | None = None
    cite: str | None = None
    missing_years: tuple[int, ...] = ()  # years without calendar data that the due date rests on

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "name": self.name, "role": self.role,
                "due": self.due.isoformat() if self.due else None, "estimated": self.estimated,
                "current": self.current, "conditional": self.conditional, "period": self.period,
                "cite": self.cite, "calendar_missing": calendar_files(self.missing_years),
                "calendar_note": calendar_note(self.missing_years)}


@dataclass
class ObligationStatus:
    id: str
    kind: str
    text: Text
    cite: str
    met: bool | None  # None: a person must confirm (not machine-checkable) or facts unknown
    checkable: bool
    by_stage: str | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "text": str(self.text), "text_zh": self.text.zh,
                "text_en": self.text.en, "cite": self.cite, "met": self.met, "checkable": self.checkable,
                "by_stage": self.by_stage}


@dataclass
class DueItem:
    case: str | None
    kind: str
    what: Text
    due: _dt.date
    status: str  # pending | overdue | done
    estimated: bool
    cite: str
    opens: _dt.date | None = None
    missing_years: tuple[int, ...] = ()
    blocking: bool = False
    id: str = ""

    def as_dict(self) -> dict:
        return {"case": self.case, "id": self.id, "kind": self.kind, "what": str(self.what),
                "what_zh": self.what.zh, "what_en": self.what.en, "due": self.due.isoformat(),
                "opens": self.opens.isoformat() if self.opens else None, "status": self.status,
                "estimated": self.estimated, "cite": self.cite,
                "calendar_missing": calendar_files(self.missing_years),
                "calendar_note": calendar_note(self.missing_years)}


def calendar_files(years) -> list[str]:
    """The calendar files to add so that a date computed over ``years`` is no longer estimated."""
    return [calendar_file(y) for y in sorted(years)]


def calendar_note(years) -> str | None:
    """Why a date is estimated and how to fix it (None when it rests on official data only)."""
    return str(_estimated_text("calendar_missing", years)) if years else None


def _estimated_text(key: str, years, what: Text | None = None, due: _dt.date | None = None) -> Text:
    """A message about an estimated date in both languages, naming the calendar files to add."""
    files = calendar_files(years)
    zh, en = MESSAGES[key]
    return Text(zh.format(files="、".join(files), what=what.zh if what else "", due=due),
                en.format(files=", ".join(files), what=what.en if what else "", due=due))


@dataclass
class CaseView:
    """A case evaluated against its rule pack at a given day."""

    case: Case
    pack: Pack
    today: _dt.date
    calendar: WorkCalendar
    env: Env
    track_id: str
    track_certain: bool
    track_missing: set[str]
    track_reason: ScopeRule | None
    stage_id: str
    entered_on: _dt.date
    entered: dict[str, _dt.date] = field(default_factory=dict)
    left: dict[str, _dt.date] = field(default_factory=dict)
    previous_main: str | None = None  # for side stages: where @previous leads back to
    replay_findings: list[Finding] = field(default_factory=list)
    stage_uncertain: set[str] = field(default_factory=set)

    @property
    def track(self) -> TrackDef:
        return self.pack.tracks[self.track_id]

    @property
    def stage(self) -> StageDef:
        return self.pack.stages[self.stage_id]

    @property
    def ended(self) -> bool:
        return self.stage.terminal

    def stage_ref(self, sid: str | None = None) -> dict:
        sid = sid or self.stage_id
        st = self.pack.stages[sid]
        return {"id": sid, "kind": st.kind, "name": pick(st.name, st.name_en)}


# ---------------------------------------------------------------------------------------
# Environment and helpers

def make_env(pack: Pack, case: Case, track_id: str | None = None, facts: dict | None = None) -> Env:
    facts = case.facts if facts is None else facts
    defaults = pack.compiled.get("__defaults__")
    if defaults is None:  # computed once per pack: every fact's value when unset
        extra = pack.fact_specs()
        defaults = {}
        for name in pack.all_fact_names():
            spec = extra.get(name) or VOCABULARY.get(name)
            defaults[name] = default_for(spec) if spec else None
        pack.compiled["__defaults__"] = defaults
    values: dict[str, Any] = dict(defaults)
    for name, v in facts.items():
        if name in defaults:
            values[name] = v
    start, end = values.get("planned_start"), values.get("planned_end")
    if isinstance(start, _dt.date) and isinstance(end, _dt.date):
        # a construction period from 1 January to 30 June is six months; 1 July is more
        values["over_six_months"] = end >= add_months_plain(start, 6)
        values["cross_year"] = end.year != start.year
        values["planned_months"] = (end.year - start.year) * 12 + end.month - start.month
    else:
        values["over_six_months"] = values["cross_year"] = values["planned_months"] = None
    if track_id:
        values["track"] = track_id
        values["track_kind"] = pack.tracks[track_id].kind
    return Env(values=values, conditions=pack.compiled.get("__conditions__", {}),
               has=case.has_document,
               count=lambda kind: sum(1 for d in case.decisions if d.kind == kind or d.action == kind))


def _eval(pack: Pack, env: Env, src: str | None) -> tuple[Any, set[str]]:
    if src is None:
        return True, set()
    return pack.expr(src).evaluate(env)


def _safe_eval(pack: Pack, env: Env, src: str | None, case: Case, where: str,
               findings: list[Finding] | None) -> tuple[Any, set[str]]:
    try:
        return _eval(pack, env, src)
    except ExprRuntimeError as e:
        if findings is not None:
            findings.append(Finding(case.id, "rule-crashed", "error",
                                    Text(f"规则无法计算（{where}）：{e}", f"rule could not be evaluated ({where}): {e}"),
                                    None, pack.source, None))
        return UNKNOWN, set()


def determine_track(pack: Pack, env: Env) -> tuple[str, bool, set[str], ScopeRule | None]:
    """First scope rule that holds decides; an unknown one stops the search (tentative default)."""
    for rule in pack.scope:
        try:
            value, missing = _eval(pack, env, rule.when)
        except ExprRuntimeError:
            value, missing = UNKNOWN, set()
        if value is True:
            return rule.track, True, set(), rule
        if value is UNKNOWN:
            return pack.default_track, False, missing, None
    return pack.default_track, False, set(), None  # pragma: no cover - last rule has no 'when'


def period_text(p: PeriodDef | None) -> Text | None:
    """A period in words, in both languages (e.g. 10个工作日 / 10 working days)."""
    if p is None:
        return None
    if p.working_days is not None:
        return Text(f"{p.working_days}个工作日", f"{p.working_days} working days")
    if p.months is not None:
        return Text(f"{p.months}个月", f"{p.months} months")
    if p.years is not None:
        return Text(f"{p.years}年", f"{p.years} years")
    if p.month is not None:
        return Text(f"{p.month}月{p.day}日前", f"by {p.month}/{p.day}")
    return None


def _period_text(p: PeriodDef | None) -> str | None:
    tx = period_text(p)
    return str(tx) if tx else None


def add_period(cal: WorkCalendar, start: _dt.date, p: PeriodDef) -> Due:
    if p.working_days is not None:
        return cal.add_working_days(start, p.working_days)
    if p.month is not None:
        import calendar as _calmod

        def fixed(year: int) -> _dt.date:
            return _dt.date(year, p.month, min(p.day or 1, _calmod.monthrange(year, p.month)[1]))

        end = fixed(start.year)
        if end < start:
            end = fixed(start.year + 1)
        return cal.next_working_day_on_or_after(end)
    months = (p.months or 0) + 12 * (p.years or 0)
    return cal.add_months(start, months)


# ---------------------------------------------------------------------------------------
# Replay

def _first_stage(pack: Pack, track: TrackDef, env: Env) -> tuple[str, set[str]]:
    uncertain: set[str] = set()
    for sid in track.stages:
        v, _ = _safe_eval(pack, env, pack.stages[sid].when, Case("X-0000-0000", "", _dt.date.min), "", None)
        if v is True:
            return sid, uncertain
        if v is UNKNOWN:
            uncertain.add(sid)
            return sid, uncertain
    return track.stages[-1], uncertain


def evaluate(pack: Pack, case: Case, today: _dt.date, calendar: WorkCalendar) -> CaseView:
    env0 = make_env(pack, case)
    computed_track, computed_certain, computed_missing, reason = determine_track(pack, env0)
    certain, missing = computed_certain, computed_missing
    decisions = sorted(case.decisions, key=lambda d: d.seq)
    findings: list[Finding] = []

    # Each decision is replayed under the track it recorded; the track of the latest decision is
    # the case's track, unless the case was sent back to the very start (then the facts decide again).
    def known_track(tid: str | None, d: Decision | None) -> str | None:
        if tid is None:
            return None
        if tid in pack.tracks:
            return tid
        findings.append(Finding(case.id, "unknown-track", "error",
                                Text(f"决定记录的办理类型“{tid}”不在规则包中", f"decision records unknown track {tid!r}"),
                                None, d.file if d else None, 1))
        return None

    locked = [t for d in decisions if (t := known_track(d.track, d))]
    track_id = locked[0] if locked else computed_track
    if locked:
        certain, missing = True, set()
        reason = next((r for r in pack.scope if r.track == locked[-1]), None)
    env = make_env(pack, case, track_id)
    track = pack.tracks[track_id]
    stage, uncertain = _first_stage(pack, track, env)
    entered_on = case.created_on
    entered: dict[str, _dt.date] = {stage: entered_on}
    left: dict[str, _dt.date] = {}
    previous_main: str | None = None
    main = track.stages

    for i, d in enumerate(decisions, 1):
        where = d.file
        if d.track and d.track in pack.tracks and d.track != track_id:
            # a new track is legitimate only from the start (after a return): the case then starts
            # again at the new track's first stage
            new = pack.tracks[d.track]
            at_start = stage == _first_stage(pack, track, env)[0]
            new_env = make_env(pack, case, d.track)
            if at_start:
                stage = _first_stage(pack, new, new_env)[0]
                entered[stage] = entered_on
            else:
                findings.append(Finding(case.id, "track-switch", "error",
                                        Text(f"决定改按“{new.name}”办理，但案件当时处于“{stage}”，不是起始环节",
                                             f"the decision switches to track {d.track!r} while the case was at {stage!r}, "
                                             f"not at the start"),
                                        None, where, 1))
            track_id, track, main, env = d.track, new, new.stages, new_env
        if d.seq != i:
            findings.append(Finding(case.id, "decision-sequence", "error",
                                    Text(f"决定编号应为 {i}，实为 {d.seq}（缺失或重复的决定）",
                                         f"decision number should be {i}, is {d.seq} (missing or duplicate decision)"),
                                    None, where, 1))
        if d.decided_on < entered_on:
            findings.append(Finding(case.id, "decision-date-order", "error",
                                    Text(f"决定日期 {d.decided_on} 早于上一项决定 {entered_on}",
                                         f"decision date {d.decided_on} precedes the previous one ({entered_on})"),
                                    None, where, 1))
        if d.from_stage != stage:
            findings.append(Finding(case.id, "decision-from", "error",
                                    Text(f"决定记录的起始阶段“{d.from_stage}”与案件当时所处阶段“{stage}”不符",
                                         f"decision starts from {d.from_stage!r} but the case was at {stage!r}"),
                                    None, where, 1))
        st = pack.stages.get(stage)
        act = st.actions.get(d.action) if st else None
        if act is None:
            findings.append(Finding(case.id, "illegal-action", "error",
                                    Text(f"阶段“{stage}”没有动作“{d.action}”，该决定不合规则",
                                         f"stage {stage!r} has no action {d.action!r}; the decision breaks the rules"),
                                    None, where, 1))
        else:
            if act.kind != d.kind:
                findings.append(Finding(case.id, "decision-kind", "error",
                                        Text(f"动作“{d.action}”的类别应为 {act.kind}，记录为 {d.kind}",
                                             f"action {d.action!r} is of kind {act.kind}, recorded as {d.kind}"),
                                        None, where, 1))
            role, _ = action_role(pack, env, st, act)
            if role and d.role != role:
                findings.append(Finding(case.id, "decision-role", "error",
                                        Text(f"动作“{d.action}”应由“{pack.role_label(role)}”作出，记录为“{d.role}”",
                                             f"action {d.action!r} is taken by {role!r}, recorded as {d.role!r}"),
                                        None, where, 1))
            if act.to in ("@previous", "@back"):
                expected = previous_main if act.to == "@previous" else _back(pack, track, stage, env, case)[0]
                if d.to_stage != expected:
                    findings.append(Finding(case.id, "decision-target", "error",
                                            Text(f"决定应回到“{expected}”，记录为“{d.to_stage}”",
                                                 f"decision should return to {expected!r}, recorded {d.to_stage!r}"),
                                            None, where, 1))
            elif act.to:
                if d.to_stage != act.to:
                    findings.append(Finding(case.id, "decision-target", "error",
                                            Text(f"动作“{d.action}”应转到“{act.to}”，记录为“{d.to_stage}”",
                                                 f"action {d.action!r} leads to {act.to!r}, recorded {d.to_stage!r}"),
                                            None, where, 1))
            else:
                # forward along the main line: the target must lie ahead, and nothing that
                # applies to the case may have been skipped
                if stage in main and d.to_stage in main and main.index(d.to_stage) > main.index(stage):
                    for skipped in main[main.index(stage) + 1: main.index(d.to_stage)]:
                        sk = pack.stages[skipped]
                        if sk.when is None:  # a stage every case passes through can never be skipped
                            findings.append(Finding(
                                case.id, "decision-target", "error",
                                Text(f"决定越过了必经环节“{sk.name}”（从“{stage}”直接到“{d.to_stage}”）",
                                     f"the decision jumps over the mandatory stage {sk.name_en or sk.name!r} "
                                     f"({stage!r} straight to {d.to_stage!r})"),
                                sk.cite, where, 1))
                            break
                        v, _ = _safe_eval(pack, env, sk.when, case, skipped, findings)
                        if v is True:
                            sk = pack.stages[skipped]
                            findings.append(Finding(
                                case.id, "stage-skipped", "warning",
                                Text(f"案件跳过了“{sk.name}”，但按现有事实该环节适用",
                                     f"the case skipped {sk.name_en or sk.name!r}, which applies on the current facts"),
                                sk.cite, where, 1))
                elif stage in main:
                    findings.append(Finding(case.id, "decision-target", "error",
                                            Text(f"“{d.to_stage}”不是“{stage}”之后的阶段",
                                                 f"{d.to_stage!r} does not follow {stage!r}"),
                                            None, where, 1))
        if d.to_stage not in pack.stages:
            findings.append(Finding(case.id, "unknown-stage", "error",
                                    Text(f"决定转到未知阶段“{d.to_stage}”，之后的决定无法回放",
                                         f"decision leads to unknown stage {d.to_stage!r}; later decisions cannot be replayed"),
                                    None, where, 1))
            break
        if d.to_stage in track.side and stage not in track.side:
            previous_main = stage
        if act is not None and act.kind in FORWARD_KINDS and stage in main:
            left[stage] = d.decided_on
        stage = d.to_stage
        entered_on = max(entered_on, d.decided_on)
        entered[stage] = d.decided_on

    # sent back to the very start: the facts decide the track again
    if (decisions and decisions[-1].kind == "return" and computed_track != track_id and computed_certain
            and stage == _first_stage(pack, track, env)[0] and not computed_missing):
        new_track = pack.tracks[computed_track]
        env = make_env(pack, case, computed_track)
        first, uncertain = _first_stage(pack, new_track, env)
        track_id, stage = computed_track, first
        entered[stage] = entered_on
        certain, missing = True, set()
        reason = next((r for r in pack.scope if r.track == track_id), reason)
    return CaseView(case=case, pack=pack, today=today, calendar=calendar, env=env, track_id=track_id,
                    track_certain=certain and not missing, track_missing=set(missing),
                    track_reason=reason, stage_id=stage, entered_on=entered_on, entered=entered, left=left,
                    previous_main=previous_main, replay_findings=findings, stage_uncertain=uncertain)


# ---------------------------------------------------------------------------------------
# Roles, targets, actions

def stage_role(pack: Pack, env: Env, st: StageDef) -> tuple[str | None, set[str]]:
    if st.role is None or isinstance(st.role, str):
        return st.role, set()
    for rc in st.role:
        try:
            v, missing = _eval(pack, env, rc.when)
        except ExprRuntimeError:
            v, missing = UNKNOWN, set()
        if v is True:
            return rc.role, set()
        if v is UNKNOWN:
            return None, missing
    return None, set()


def action_role(pack: Pack, env: Env, st: StageDef, act: ActionDef) -> tuple[str | None, set[str]]:
    if act.role:
        return act.role, set()
    return stage_role(pack, env, st)


def _target(view: CaseView, act: ActionDef, env: Env) -> tuple[str | None, set[str]]:
    if act.to == "@previous":
        return view.previous_main, set()
    if act.to == "@back":
        return _back(view.pack, view.track, view.stage_id, env, view.case)
    if act.to:
        return act.to, set()
    main = view.track.stages
    if view.stage_id not in main:
        return None, set()
    for sid in main[main.index(view.stage_id) + 1:]:
        v, missing = _safe_eval(view.pack, env, view.pack.stages[sid].when, view.case, sid, None)
        if v is True:
            return sid, set()
        if v is UNKNOWN:
            return None, missing
    return None, set()


def _back(pack: Pack, track: TrackDef, sid: str, env: Env, case: Case) -> tuple[str | None, set[str]]:
    main = track.stages
    if sid not in main:
        return None, set()
    for prev in reversed(main[: main.index(sid)]):
        v, missing = _safe_eval(pack, env, pack.stages[prev].when, case, prev, None)
        if v is True:
            return prev, set()
        if v is UNKNOWN:
            return None, missing
    return None, set()


def _fact_label(pack: Pack, name: str) -> Text:
    try:
        spec = spec_for(name, pack.fact_specs())
        return Text(spec.label, spec.label_en)
    except InputError:
        return Text(name, name)


def _missing_facts(pack: Pack, names: set[str], cite: str | None = None) -> list[Missing]:
    out = []
    for n in sorted(names):
        lab = _fact_label(pack, n)
        out.append(Missing("fact", n, Text(f"缺少事实：{lab.zh}（{n}）", f"missing fact: {lab.en} ({n})"), cite))
    return out


def _rule_message(r: RuleDef) -> Text:
    return _text(r.message, r.message_en)


def _obligation_met(view: CaseView, ob: ObligationDef, env: Env) -> tuple[bool | None, set[str]]:
    if ob.documents and any(view.case.has_document(k) for k in ob.documents):
        return True, set()
    if ob.met is not None:
        v, missing = _safe_eval(view.pack, env, ob.met, view.case, ob.id, None)
        if v is UNKNOWN:
            return None, missing
        if v is True:
            return True, set()
        return False, set()
    if ob.documents:
        return False, set()
    return None, set()


def list_actions(view: CaseView, on: _dt.date | None = None, facts: dict | None = None,
                 only: str | None = None) -> list[ActionOption]:
    """Every action possible now, allowed or not, with what is missing and why (``only``: just
    the action of that id, when the stage has one)."""
    if view.ended:
        return []
    pack, case = view.pack, view.case
    env = make_env(pack, case, view.track_id, facts) if facts is not None else view.env
    st = view.stage
    out: list[ActionOption] = []
    actions = st.actions.items() if only not in st.actions else [(only, st.actions[only])]
    for aid, act in actions:
        v, when_missing = _safe_eval(pack, env, act.when, case, aid, None)
        if v is False:
            continue
        missing: list[Missing] = []
        if v is UNKNOWN:
            missing += _missing_facts(pack, when_missing, act.cite)
        role, role_missing = action_role(pack, env, st, act)
        missing += _missing_facts(pack, role_missing, st.cite)
        to, to_missing = _target(view, act, env)
        missing += _missing_facts(pack, to_missing - role_missing, None)
        if act.kind in FORWARD_KINDS and not view.track_certain and view.track_missing:
            missing += _missing_facts(pack, view.track_missing - to_missing - role_missing,
                                      pack.scope[0].cite if pack.scope else None)
        req = act.requires
        for d in req.doc_reqs():
            dv, dmissing = _safe_eval(pack, env, d.when, case, aid, None)
            if dv is False:
                continue
            if dv is UNKNOWN and dmissing and not case.has_document(d.kind):
                missing += _missing_facts(pack, dmissing, act.cite or st.cite)
                continue
            if not case.has_document(d.kind):
                doc = pack.documents[d.kind]
                missing.append(Missing("document", d.kind,
                                       Text(f"缺少材料：{doc.name}", f"missing document: {doc.name_en or doc.name}"),
                                       doc.cite or act.cite or st.cite))
        for f in req.facts:
            if env.values.get(f) is None:
                missing += _missing_facts(pack, {f}, act.cite or st.cite)
        warnings: list[Missing] = []
        for rid in req.rules:
            r = pack.rule(rid)
            wv, wm = _safe_eval(pack, env, r.when, case, rid, None)
            if wv is False:
                continue
            cv, cm = _safe_eval(pack, env, r.check, case, rid, None)
            if cv is True and wv is True:
                continue
            if r.severity != "error":  # "原则上…" rules warn but do not block
                if cv is False and wv is True:
                    warnings.append(Missing("rule", r.id, _rule_message(r), r.cite))
                continue
            if cv is False and wv is True:
                missing.append(Missing("rule", r.id, _rule_message(r), r.cite))
            elif cv is False or cv is UNKNOWN or wv is UNKNOWN:
                needed = (cm | wm) - {m.id for m in missing if m.type == "fact"}
                if needed:
                    missing += _missing_facts(pack, needed, r.cite)
                elif cv is UNKNOWN:
                    missing.append(Missing("rule", r.id, _rule_message(r), r.cite))
        obligations = list(req.obligations)
        if act.kind in FORWARD_KINDS:
            obligations += [o.id for o in pack.obligations if view.stage_id in o.by_stages and o.severity == "error"
                            and o.id not in obligations]
        for oid in obligations:
            ob = pack.obligation(oid)
            ov, om = _safe_eval(pack, env, ob.when, case, oid, None)
            if ov is False:
                continue
            if ov is UNKNOWN:
                missing += _missing_facts(pack, om, ob.cite)
                continue
            met, mm = _obligation_met(view, ob, env)
            if met is True:
                continue
            if mm:
                missing += _missing_facts(pack, mm, ob.cite)
            elif ob.documents:
                doc = pack.documents[ob.documents[0]]
                names = "、".join(pack.documents[k].name for k in ob.documents)
                names_en = ", ".join(pack.documents[k].name_en or pack.documents[k].name for k in ob.documents)
                missing.append(Missing("document", ob.documents[0],
                                       Text(f"未履行：{ob.text}（需附：{names}）", f"not met: {ob.text_en or ob.text} (attach: {names_en})"),
                                       ob.cite))
            elif met is False:
                missing.append(Missing("rule", ob.id, Text(f"未履行：{ob.text}", f"not met: {ob.text_en or ob.text}"), ob.cite))
        # deadlines whose lapse blocks going forward (e.g. an approval opinion valid two years)
        if act.kind in FORWARD_KINDS:
            for item in _blocking_lapses(view, on or view.today):
                if item.estimated:  # an estimated date never blocks; it warns and names the missing calendar
                    warnings.append(Missing("rule", item.id, _estimated_text("estimated_lapse", item.missing_years,
                                                                             item.what, item.due), item.cite))
                else:
                    missing.append(Missing("rule", item.id, item.what, item.cite))
        if role is None and not role_missing:
            missing.append(Missing("rule", "no-role", Text("规则包未指定办理角色", "the rule pack names no role"), st.cite))
        if to is None and not to_missing and act.kind not in ("request_extension",):
            if act.to in ("@previous", "@back"):
                missing.append(Missing("rule", "no-target", Text("无法确定返回的阶段", "cannot tell which stage to return to"), None))
            else:
                missing.append(Missing("rule", "no-target", Text("无法确定下一阶段", "cannot tell the next stage"), None))
        # de-duplicate
        seen: set[tuple[str, str]] = set()
        uniq = []
        for m in missing:
            if (m.type, m.id) not in seen:
                seen.add((m.type, m.id))
                uniq.append(m)
        tst = pack.stages.get(to) if to else None
        checklist = [{"text": pick(c.text, c.text_en), "cite": c.cite} for c in act.checklist
                     if _safe_eval(pack, env, c.when, case, aid, None)[0] is not False]
        out.append(ActionOption(
            id=aid, kind=act.kind, name=pick(act.name or _kind_name(act.kind)[0], act.name_en or _kind_name(act.kind)[1]),
            to=to, to_kind=tst.kind if tst else None, to_name=pick(tst.name, tst.name_en) if tst else None,
            role=role, allowed=not uniq, missing=uniq, cite=act.cite or st.cite, checklist=checklist,
            warnings=warnings))
    return out


ACTION_KIND_NAMES = {
    "submit": ("提交", "submit"), "approve": ("同意", "approve"), "return": ("退回修改", "return for revision"),
    "reject": ("不予通过", "reject"), "withdraw": ("撤回", "withdraw"), "request_change": ("申请变更", "request a change"),
    "request_extension": ("申请延期", "request an extension"), "terminate": ("终止", "terminate"),
    "complete": ("完成", "complete"),
}


def _kind_name(kind: str) -> tuple[str, str]:
    return ACTION_KIND_NAMES.get(kind, (kind, kind))


def find_action(view: CaseView, name: str, options: list[ActionOption]) -> ActionOption:
    for o in options:
        if o.id == name:
            return o
    by_kind = [o for o in options if o.kind == name]
    if len(by_kind) == 1:
        return by_kind[0]
    known = ", ".join(o.id for o in options) or "-"
    if len(by_kind) > 1:
        raise InputError(t("ambiguous_action", action=name, known=", ".join(o.id for o in by_kind)))
    if view.ended:
        raise RulesSayNo(t("case_closed", stage=pick(view.stage.name, view.stage.name_en)))
    raise InputError(t("unknown_action", case=view.case.id, stage=view.stage_id, action=name, known=known))


def decide(view: CaseView, action: str, *, role: str | None, on: _dt.date, opinion: str = "",
           set_facts: dict | None = None, recorded_at: str | None = None, by: str | None = None) -> Decision:
    """Validate an action and return the decision to record. Raises RulesSayNo if not allowed."""
    if role and role not in view.pack.roles:
        raise InputError(t("unknown_role_id", role=role, known=", ".join(view.pack.roles)))
    if any(ord(c) < 32 and c not in "\n\t" for c in opinion):
        raise InputError(t("bad_opinion"))
    broken = [f for f in list(view.case.problems) + view.replay_findings if f.severity == "error"]
    if broken:
        raise RulesSayNo(t("history_broken", case=view.case.id),
                         reasons=[f"{f.file or ''}: {f.message}".lstrip(": ") for f in broken])
    facts = apply_facts(view.case.facts, set_facts or {})
    prev = max([d.decided_on for d in view.case.decisions], default=None)
    if prev and on < prev:
        raise InputError(t("date_before_previous", on=on, prev=prev))
    if on < view.case.created_on:
        raise InputError(t("date_before_created", on=on, created=view.case.created_on))
    # evaluate with the facts as they will be after the decision
    if not set_facts and view.today == on:
        probe = view  # nothing changes before the decision: the view is already the probe
    else:
        probe_case = Case(view.case.id, view.case.jurisdiction, view.case.created_on, facts, view.case.attachments,
                          view.case.decisions, view.case.path, view.case.fact_lines)
        probe = evaluate(view.pack, probe_case, on, view.calendar)
    # the decision is taken under the track the facts now give, unless the track is locked
    options = list_actions(probe, on=on, only=action)
    if not any(o.id == action for o in options):  # a kind, or an action not open now: list them all
        options = list_actions(probe, on=on)
    opt = find_action(probe, action, options)
    if role and opt.role and role != opt.role:
        raise RulesSayNo(t("unknown_role", action=opt.id, role=opt.role, given=role))
    if not opt.allowed:
        reasons = [f"{m.message}" + (f"（{m.cite}）" if m.cite else "") for m in opt.missing]
        raise RulesSayNo(t("action_blocked", action=opt.id), reasons=reasons)
    seq = max((d.seq for d in view.case.decisions), default=0) + 1
    return Decision(seq=seq, action=opt.id, kind=opt.kind, from_stage=probe.stage_id, to_stage=opt.to or probe.stage_id,
                    role=opt.role or role or "", decided_on=on, track=probe.track_id, opinion=opinion,
                    set_facts=dict(set_facts or {}), recorded_at=recorded_at, by=by)


# ---------------------------------------------------------------------------------------
# Plan, obligations, findings, deadlines

def plan(view: CaseView) -> list[PlanItem]:
    pack, env = view.pack, view.env
    items: list[PlanItem] = []
    cur = view.stage
    due = stage_due(view)
    role, _ = stage_role(pack, env, cur)
    items.append(PlanItem(view.stage_id, cur.kind, pick(cur.name, cur.name_en), role,
                          due.date if due else None, due.estimated if due else False, True,
                          view.stage_id in view.stage_uncertain, _period_text(cur.due),
                          cur.due.cite if cur.due else cur.cite, due.missing_years if due else ()))
    if view.ended:
        return items
    main = view.track.stages
    anchor = view.stage_id if view.stage_id in main else view.previous_main
    if anchor is None or anchor not in main:
        return items
    start = main.index(anchor) + (1 if anchor == view.stage_id else 0)
    for sid in main[start:]:
        st = pack.stages[sid]
        v, _ = _safe_eval(pack, env, st.when, view.case, sid, None)
        if v is False:
            continue
        r, _ = stage_role(pack, env, st)
        items.append(PlanItem(sid, st.kind, pick(st.name, st.name_en), r, None, False, False, v is UNKNOWN,
                              _period_text(st.due), st.due.cite if st.due else st.cite))
    return items


def stage_due(view: CaseView) -> Due | None:
    st = view.stage
    if st.due is None or view.ended:
        return None
    return add_period(view.calendar, view.entered_on, st.due)


def obligations(view: CaseView) -> list[ObligationStatus]:
    out = []
    for ob in view.pack.obligations:
        v, _ = _safe_eval(view.pack, view.env, ob.when, view.case, ob.id, None)
        if v is False:
            continue
        met, _ = _obligation_met(view, ob, view.env)
        checkable = ob.met is not None or bool(ob.documents)
        out.append(ObligationStatus(ob.id, ob.kind, _text(ob.text, ob.text_en), ob.cite,
                                    met if v is True else None, checkable,
                                    next((s for s in ob.by_stages if s in view.track.stages), None)))
    return out


def checklist(view: CaseView) -> list[dict]:
    """What a machine cannot check: items a person confirms, each with its citation."""
    pack, env = view.pack, view.env
    out = []
    for c in pack.checklist:
        if _safe_eval(pack, env, c.when, view.case, "checklist", None)[0] is not False:
            out.append({"text": pick(c.text, c.text_en), "text_zh": c.text, "text_en": c.text_en or c.text,
                        "cite": c.cite, "stage": None})
    if not view.ended:
        for c in view.stage.checklist:
            if _safe_eval(pack, env, c.when, view.case, "checklist", None)[0] is not False:
                out.append({"text": pick(c.text, c.text_en), "text_zh": c.text, "text_en": c.text_en or c.text,
                            "cite": c.cite, "stage": view.stage_id})
    for ob in pack.obligations:
        if ob.met is None and not ob.documents:
            if _safe_eval(pack, env, ob.when, view.case, ob.id, None)[0] is True:
                out.append({"text": pick(ob.text, ob.text_en), "text_zh": ob.text, "text_en": ob.text_en or ob.text,
                            "cite": ob.cite, "stage": (ob.by_stages or [None])[0]})
    return out


def _stage_index(view: CaseView, sid: str) -> int | None:
    main = view.track.stages
    return main.index(sid) if sid in main else None


def _passed(view: CaseView, sid: str) -> bool:
    """Has the case gone beyond stage ``sid`` on its main line?"""
    if sid in view.left:
        return True
    if view.stage.kind == "closed":
        return sid in view.track.stages
    cur = _stage_index(view, view.stage_id if view.stage_id in view.track.stages else (view.previous_main or ""))
    idx = _stage_index(view, sid)
    return cur is not None and idx is not None and cur > idx


def findings(view: CaseView) -> list[Finding]:
    pack, case, env = view.pack, view.case, view.env
    out: list[Finding] = list(case.problems) + list(view.replay_findings)
    path = case.path

    def line_for(fact: str | None) -> int | None:
        if fact and fact in case.fact_lines:
            return case.fact_lines[fact]
        return 1 if path else None

    # the facts now point at another track than the one the case proceeds under
    if case.decisions:
        computed, certain, _, reason = determine_track(pack, make_env(pack, case))
        if certain and computed != view.track_id and not view.ended:
            out.append(Finding(case.id, "track-changed", "warning",
                               Text(f"按现有事实应适用“{pack.tracks[computed].name}”，但案件按“{view.track.name}”办理；请核实是否需重新履行程序",
                                    f"the facts now call for {pack.tracks[computed].name_en or computed!r} but the case proceeds as "
                                    f"{view.track.name_en or view.track_id!r}; check whether the procedure must be repeated"),
                               reason.cite if reason else None, path, line_for("budget_wan")))
    for r in pack.rules:
        if r.only_for_actions or (r.stages and view.stage_id not in r.stages):
            continue
        wv, _ = _safe_eval(pack, env, r.when, case, r.id, out)
        if wv is not True:
            continue
        cv, _ = _safe_eval(pack, env, r.check, case, r.id, out)
        if cv is False:
            out.append(Finding(case.id, r.id, r.severity, _rule_message(r), r.cite, path, line_for(r.fact)))
    for ob in pack.obligations:
        ov, _ = _safe_eval(pack, env, ob.when, case, ob.id, out)
        if ov is not True or not ob.by_stages:
            continue
        met, _ = _obligation_met(view, ob, env)
        if met is False and any(_passed(view, sid) for sid in ob.by_stages if sid in view.track.stages):
            out.append(Finding(case.id, f"obligation.{ob.id}", ob.severity,
                               Text(f"未履行：{ob.text}", f"not met: {ob.text_en or ob.text}"), ob.cite, path, 1 if path else None))
    for a in case.attachments:
        if a.kind not in pack.documents and a.kind != "other":
            out.append(Finding(case.id, "attachment-kind", "warning",
                               Text(f"附件“{a.name}”的材料类型“{a.kind}”不在规则包中", f"attachment {a.name!r} has unknown kind {a.kind!r}"),
                               None, _manifest(case), None))
        if a.present is False:
            out.append(Finding(case.id, "attachment-missing", "error",
                               Text(f"附件“{a.name}”在清单中登记但文件不存在", f"attachment {a.name!r} is listed but the file is missing"),
                               None, _manifest(case), None))
        elif a.actual_sha256 and a.actual_sha256 != a.sha256:
            out.append(Finding(case.id, "attachment-hash", "error",
                               Text(f"附件“{a.name}”的内容与登记的 sha256 不符（可能被改动）",
                                    f"attachment {a.name!r} does not match its recorded sha256 (altered?)"),
                               None, _manifest(case), None))
    for item in deadlines(view):
        if item.status == "overdue" and not item.estimated:
            sev = "error" if item.blocking else "warning"
            out.append(Finding(case.id, f"overdue.{item.id}", sev,
                               Text(f"已逾期：{item.what.zh}（应于 {item.due} 前）", f"overdue: {item.what.en} (due {item.due})"),
                               item.cite, path, None))
        elif item.status == "overdue" and item.estimated:
            # never an error on an estimated date: the calendar of that year is missing
            out.append(Finding(case.id, f"overdue.{item.id}", "info",
                               _estimated_text("possibly_overdue", item.missing_years, item.what, item.due),
                               item.cite, path, None))
    if pack.valid_until and view.today > pack.valid_until and not view.ended:
        out.append(Finding(case.id, "regulation-expired", "warning",
                           Text(f"《{pack.name}》有效期已于 {pack.valid_until} 届满，请确认现行规定",
                                f"the measures expired on {pack.valid_until}; confirm which rules are in force"),
                           pack.validity_cite, path, None))
    return out


def _manifest(case: Case) -> str | None:
    if not case.path:
        return None
    return case.path.rsplit("/", 1)[0] + "/attachments.toml"


def _anchor_date(view: CaseView, anchors, latest: bool = False) -> _dt.date | None:
    if latest:
        dates = [d for a in anchors if (d := _anchor_date(view, [a])) is not None]
        return max(dates) if dates else None
    for a in anchors:
        if a.fact:
            v = view.env.values.get(a.fact)
            if isinstance(v, _dt.date):
                return v
        if a.entered and a.entered in view.entered:
            return view.entered[a.entered]
        if a.left and a.left in view.left:
            return view.left[a.left]
    return None


def _status(due: _dt.date, today: _dt.date, done: bool) -> str:
    if done:
        return "done"
    return "overdue" if today > due else "pending"


def deadlines(view: CaseView) -> list[DueItem]:
    pack, case, env, cal, today = view.pack, view.case, view.env, view.calendar, view.today
    out: list[DueItem] = []
    due = stage_due(view)
    if due is not None:
        st = view.stage
        pt = period_text(st.due)
        out.append(DueItem(case.id, "review", Text(f"{st.name}（{pt.zh}）", f"{st.name_en or st.name} ({pt.en})"),
                           due.date, _status(due.date, today, False), due.estimated, st.due.cite,
                           missing_years=due.missing_years, id=f"stage.{view.stage_id}"))
    for d in pack.deadlines:
        wv, _ = _safe_eval(pack, env, d.when, case, d.id, None)
        if wv is not True:
            continue
        what = _text(d.what, d.what_en)
        if d.recurring is None:
            item = _one_off(view, d, today)
            if item is None or (item.status != "done" and view.stage.kind in ("terminated", "rejected")):
                continue
            out.append(item)
        elif d.recurring == "annual":
            if d.during and view.stage_id not in d.during:
                continue
            done = False
            if d.done_when:
                dv, _ = _safe_eval(pack, env, d.done_when, case, d.id, None)
                done = dv is True
            import calendar as _calmod

            def annual(year: int) -> _dt.date:
                return _dt.date(year, d.month, min(d.day, _calmod.monthrange(year, d.month)[1]))

            # a last day that is a holiday or rest day moves to the next working day (民法典 第二百零三条);
            # the year's deadline has passed only once that moved day has passed
            moved = cal.next_working_day_on_or_after(annual(today.year))
            if today > moved.date and not done:
                moved = cal.next_working_day_on_or_after(annual(today.year + 1))
            out.append(DueItem(case.id, d.kind, what, moved.date, "done" if done else "pending", moved.estimated,
                               d.cite, None, moved.missing_years, d.blocking, d.id))
        elif d.recurring == "quarterly":
            if d.during and view.stage_id not in d.during:
                continue
            # reporting runs from the first of these stages the case entered (e.g. implementation)
            since = next((view.entered[s] for s in d.during if s in view.entered), case.created_on)
            item = _quarterly(view, d, since, what)
            if item:
                out.append(item)
    if pack.valid_until and not view.ended:
        out.append(DueItem(case.id, "regulation_validity",
                           Text(f"《{pack.name}》有效期届满", f"the measures ({pack.document or pack.name}) expire"),
                           pack.valid_until, "overdue" if today > pack.valid_until else "pending", False,
                           pack.validity_cite or "", id="regulation_validity"))
    return out


def _quarter_start(d: _dt.date) -> _dt.date:
    return _dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _quarterly(view: CaseView, d: DeadlineDef, since: _dt.date, what: Text) -> DueItem | None:
    """The reporting window of the current quarter if still open or missed, else the next one."""
    cal, today, case = view.calendar, view.today, view.case
    q = _quarter_start(today)
    if q <= since:
        q = add_months_plain(_quarter_start(since), 3)
    end = cal.nth_working_day_of_month(q.year, q.month, d.working_days)
    kinds = {d.done_document} if d.done_document else set()
    reported = any(a.kind in kinds for a in case.attachments if a.added_on and a.added_on >= q)
    if today > end.date and reported:
        q = add_months_plain(q, 3)
        end = cal.nth_working_day_of_month(q.year, q.month, d.working_days)
        reported = False
    status = "done" if reported else ("overdue" if today > end.date else "pending")
    quarter = (q.month - 1) // 3 + 1
    label = Text(f"{what.zh}（{q.year}年第{quarter}季度报送）", f"{what.en} (due in Q{quarter} {q.year})")
    return DueItem(case.id, d.kind, label, end.date, status, end.estimated, d.cite, q, end.missing_years,
                   d.blocking, d.id)


def _one_off(view: CaseView, d: DeadlineDef, today: _dt.date) -> DueItem | None:
    """A one-off deadline of the pack for this case, or None while its starting event has not happened."""
    start = _anchor_date(view, d.start, d.start_latest)
    if start is None:
        return None
    end = add_period(view.calendar, start, d.period)
    opens = add_period(view.calendar, start, d.opens).date if d.opens else None
    done = _anchor_date(view, d.done) is not None
    return DueItem(view.case.id, d.kind, _text(d.what, d.what_en), end.date, _status(end.date, today, done),
                   end.estimated, d.cite, opens, end.missing_years, d.blocking, d.id)


def _blocking_lapses(view: CaseView, on: _dt.date) -> list[DueItem]:
    """Lapsed deadlines whose lapse blocks going forward (the text makes the lateness blocking)."""
    out = []
    for d in view.pack.deadlines:
        if not d.blocking or d.recurring:
            continue
        if _safe_eval(view.pack, view.env, d.when, view.case, d.id, None)[0] is not True:
            continue
        item = _one_off(view, d, on)
        if item and item.status == "overdue":
            if not item.estimated:  # an estimated lapse keeps its plain wording; the caller only warns
                item.what = Text(f"已过期限：{d.what}（{item.due} 届满）", f"lapsed: {d.what_en or d.what} (ended {item.due})")
            out.append(item)
    return out


def next_due(view: CaseView) -> DueItem | None:
    items = [i for i in deadlines(view) if i.status != "done" and i.kind != "regulation_validity"]
    return min(items, key=lambda i: i.due) if items else None


def apply_facts(facts: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The facts after a change: a value of None clears the fact (a cleared yes/no fact means no)."""
    out = dict(facts)
    for k, v in values.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def validate_set(pack: Pack, assignments: list[tuple[str, str]]) -> dict[str, Any]:
    """Parse FACT=VALUE pairs for this pack; empty value unsets the fact."""
    out: dict[str, Any] = {}
    specs = pack.fact_specs()
    for name, raw in assignments:
        spec = spec_for(name, specs)
        if raw.strip() == "":
            if spec.required:
                raise InputError(t("empty_text", name=name))
            out[name] = None
        else:
            out[name] = coerce(spec, raw)
    return out
