"""Small helpers for engine-level tests: build a case in memory and evaluate it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracker.core import engine
from tracker.core.calendar import weekday_calendar
from tracker.core.models import Attachment, Case, Decision
from tracker.core.pack import load_packs

ROOT = Path(__file__).resolve().parent.parent
PACKS = load_packs(ROOT / "jurisdictions", ROOT)
TODAY = dt.date(2025, 3, 3)


def case(jur: str, docs: tuple[str, ...] = (), decisions: list[Decision] | None = None, **facts) -> Case:
    pack = PACKS[jur]
    vals = engine.validate_set(pack, [(k, str(v)) for k, v in {"title": "测试项目", "unit": "测试单位", **facts}.items()])
    c = Case(id=f"{pack.case_prefix}-2025-0001", jurisdiction=jur, created_on=dt.date(2025, 1, 6),
             facts={k: v for k, v in vals.items() if v is not None}, decisions=decisions or [])
    c.attachments = [Attachment(name=f"{d}.pdf", kind=d, sha256="0" * 64, added_on=dt.date(2025, 1, 6)) for d in docs]
    return c


def view(jur: str, on: dt.date = TODAY, **kw) -> engine.CaseView:
    c = case(jur, **kw)
    return engine.evaluate(PACKS[jur], c, on, weekday_calendar())


def plan_kinds(v: engine.CaseView) -> list[str]:
    return [p.kind for p in engine.plan(v)]


def plan_ids(v: engine.CaseView) -> list[str]:
    return [p.id for p in engine.plan(v)]


def obligation_kinds(v: engine.CaseView) -> set[str]:
    return {o.kind for o in engine.obligations(v)}


def action(v: engine.CaseView, name: str, on: dt.date | None = None) -> engine.ActionOption:
    for o in engine.list_actions(v, on=on):
        if o.id == name or o.kind == name:
            return o
    raise AssertionError(f"no action {name} at {v.stage_id}")


def at_stage(jur: str, path: list[tuple[str, str, str]], docs=(), **facts) -> engine.CaseView:
    """A case whose history is the given (from, action, to) steps, all on TODAY."""
    pack = PACKS[jur]
    ds = []
    c0 = case(jur, docs=docs, **facts)
    track = engine.determine_track(pack, engine.make_env(pack, c0))[0]
    for i, (frm, act, to) in enumerate(path, 1):
        st = pack.stages[frm]
        a = st.actions[act]
        role, _ = engine.action_role(pack, engine.make_env(pack, c0), st, a)
        ds.append(Decision(seq=i, action=act, kind=a.kind, from_stage=frm, to_stage=to, role=role or "unit",
                           decided_on=TODAY, track=track))
    c = case(jur, docs=docs, decisions=ds, **facts)
    return engine.evaluate(pack, c, TODAY, weekday_calendar())
