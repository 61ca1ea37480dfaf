"""Property-based: random facts never crash the engine (hypothesis)."""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import PACKS
from tracker.core import engine
from tracker.core.calendar import weekday_calendar
from tracker.core.models import Attachment, Case

money = st.one_of(st.none(), st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False))
dates = st.one_of(st.none(), st.dates(min_value=dt.date(1949, 10, 1), max_value=dt.date(2199, 12, 31)))
booleans = st.booleans()

facts = st.fixed_dictionaries({
    "budget_wan": money, "software_cost_wan": money, "contract_wan": money, "change_wan": money,
    "new_total_wan": money, "category": st.sampled_from([None, "public", "professional"]),
    "security_level": st.sampled_from([None, 1, 2, 3, 4, 5]),
    "classified": booleans, "involves_crypto": booleans, "public_facing": booleans, "in_annual_plan": booleans,
    "urgent": booleans, "in_department_budget": booleans, "supports_ipv6": booleans, "simple_mature": booleans,
    "fixed_asset_investment": booleans, "cross_department": booleans,
    "planned_start": dates, "planned_end": dates, "completed_on": dates, "accepted_on": dates,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jur=st.sampled_from(sorted(PACKS)), f=facts, today=st.dates(min_value=dt.date(1949, 10, 1),
                                                                   max_value=dt.date(2199, 12, 31)),
       docs=st.lists(st.sampled_from(["contract", "project_plan", "acceptance_report", "other"]), max_size=3))
def test_random_facts_never_crash(jur, f, today, docs):
    pack = PACKS[jur]
    vals = {k: v for k, v in f.items() if v is not None}
    case = Case("XX-2025-0001", jur, dt.date(2025, 1, 1), {"title": "随机", "unit": "随机", **vals},
                attachments=[Attachment(d, d, "0" * 64, added_on=today) for d in docs])
    view = engine.evaluate(pack, case, today, weekday_calendar())
    assert view.stage_id in pack.stages
    engine.plan(view)
    engine.obligations(view)
    engine.checklist(view)
    engine.findings(view)
    engine.deadlines(view)
    for opt in engine.list_actions(view):
        assert opt.allowed == (not opt.missing)


@settings(max_examples=60, deadline=None)
@given(jur=st.sampled_from(sorted(PACKS)), f=facts)
def test_random_facts_walk_forward_without_crash(jur, f):
    """Take every allowed forward action repeatedly; decisions the engine makes always replay cleanly."""
    pack = PACKS[jur]
    vals = {k: v for k, v in f.items() if v is not None}
    kinds = {k for s in pack.stages.values() for a in s.actions.values() for d in a.requires.doc_reqs() for k in [d.kind]}
    kinds |= {k for o in pack.obligations for k in o.documents}
    case = Case("XX-2025-0001", jur, dt.date(2025, 1, 1), {"title": "随机", "unit": "随机", **vals},
                attachments=[Attachment(k, k, "0" * 64, added_on=dt.date(2025, 1, 1)) for k in sorted(kinds)])
    on = dt.date(2025, 3, 3)
    for _ in range(30):
        view = engine.evaluate(pack, case, on, weekday_calendar())
        assert not [x for x in view.replay_findings if x.severity == "error"], view.replay_findings
        opts = [o for o in engine.list_actions(view, on=on) if o.allowed and o.kind in ("submit", "approve", "complete")]
        if not opts:
            break
        d = engine.decide(view, opts[0].id, role=None, on=on)
        case.decisions.append(d)
