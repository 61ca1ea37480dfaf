"""Every period in the five texts at its boundary: due on the last day itself, overdue the day after.
Working days are counted Monday to Friday until the official calendar lands (marked estimated)."""

import datetime as dt

import pytest

from helpers import PACKS, at_stage, case
from tracker.core import engine
from tracker.core.calendar import weekday_calendar

D = dt.date


def _item(v, ident):
    return next(i for i in engine.deadlines(v) if i.id == ident)


def _at(jur, path, on, **facts):
    v = at_stage(jur, path, **facts)
    return engine.evaluate(PACKS[jur], v.case, on, weekday_calendar())


# (jurisdiction, path to the stage, stage-entered date is TODAY 2025-03-03 (Monday), period, due)
REVIEW = [
    ("heyuan", [("proposal", "submit", "crypto_review")], "crypto_review", D(2025, 3, 10)),         # 5 wd
    ("heyuan", [("proposal", "submit", "application"), ("application", "submit", "initial_review")],
     "initial_review", D(2025, 3, 17)),                                                             # 10 wd
    ("heyuan", [("proposal", "submit", "application"), ("application", "submit", "initial_review"),
                ("initial_review", "approve", "funding_review")], "funding_review", D(2025, 3, 19)),  # 12 wd
    ("heyuan", [("proposal", "submit", "application"), ("application", "submit", "initial_review"),
                ("initial_review", "approve", "funding_review"), ("funding_review", "approve", "approval")],
     "approval", D(2025, 3, 10)),                                                                   # 5 wd
]


@pytest.mark.parametrize("jur,path,stage,due", REVIEW, ids=[r[2] for r in REVIEW])
def test_review_periods_boundary(jur, path, stage, due):
    facts = dict(budget_wan=120, category="professional", security_level=3 if stage == "crypto_review" else 2)
    on_due = _at(jur, path, due, **facts)
    assert on_due.stage_id == stage
    item = _item(on_due, f"stage.{stage}")
    assert (item.due, item.status, item.estimated) == (due, "pending", True)
    assert _item(_at(jur, path, due + dt.timedelta(days=1), **facts), f"stage.{stage}").status == "overdue"


def test_heyuan_compliance_review_ten_working_days():  # 第二十四条
    path = [("proposal", "submit", "application"), ("application", "submit", "initial_review"),
            ("initial_review", "approve", "funding_review"), ("funding_review", "approve", "approval"),
            ("approval", "approve", "procurement"), ("procurement", "complete", "implementation"),
            ("implementation", "complete", "preliminary_acceptance"),
            ("preliminary_acceptance", "submit", "compliance_review")]
    v = _at("heyuan", path, D(2025, 3, 17), budget_wan=120, category="professional")
    assert _item(v, "stage.compliance_review").due == D(2025, 3, 17)


# one-off periods in months: (jurisdiction, facts, deadline id, due)
MONTHS = [
    ("golmud", dict(budget_wan=900, completed_on="2025-03-03"), "preliminary_acceptance", D(2025, 6, 3)),   # 3 月
    ("golmud", dict(budget_wan=900, preliminary_accepted_on="2025-03-03"), "final_acceptance_application",
     D(2025, 4, 3)),                                                                                        # 1 月
    ("golmud", dict(budget_wan=900, accepted_on="2025-03-03"), "self_evaluation", D(2027, 3, 3)),          # 24 月
    ("yeji", dict(budget_wan=50, preliminary_accepted_on="2025-03-03"), "final_acceptance_application",
     D(2025, 4, 3)),                                                                                        # 1 月
    ("yeji", dict(budget_wan=50, accepted_on="2025-03-03"), "self_evaluation", D(2025, 9, 3)),              # 6 月
    ("yunan", dict(budget_wan=60, category="professional", accepted_on="2025-03-03"), "self_evaluation",
     D(2026, 3, 3)),                                                                                        # 12 月
]


@pytest.mark.parametrize("jur,facts,ident,due", MONTHS, ids=[f"{m[0]}-{m[2]}" for m in MONTHS])
def test_month_periods_boundary(jur, facts, ident, due):
    c = case(jur, **facts)
    pack = PACKS[jur]
    on_due = engine.evaluate(pack, c, due, weekday_calendar())
    item = _item(on_due, ident)
    assert (item.due, item.status) == (due, "pending")
    after = engine.evaluate(pack, c, due + dt.timedelta(days=1), weekday_calendar())
    assert _item(after, ident).status == "overdue"


def test_golmud_self_evaluation_window_opens_after_twelve_months():
    c = case("golmud", budget_wan=900, accepted_on="2025-03-03")
    item = _item(engine.evaluate(PACKS["golmud"], c, D(2025, 6, 1), weekday_calendar()), "self_evaluation")
    assert item.opens == D(2026, 3, 3) and item.due == D(2027, 3, 3)


def test_month_period_ending_on_a_weekend_moves_to_monday():  # 民法典 第二百零三条
    # accepted 2025-04-10 → 6 months → 2025-10-10 (Friday); 2025-05-10 is a Saturday → 1 month → 05-12
    c = case("yeji", budget_wan=50, preliminary_accepted_on="2025-04-10")
    item = _item(engine.evaluate(PACKS["yeji"], c, D(2025, 4, 11), weekday_calendar()), "final_acceptance_application")
    assert item.due == D(2025, 5, 12)


@pytest.mark.parametrize("jur,month,day", [("heyuan", 6, 30), ("yeji", 9, 30), ("yunfu", 11, 30), ("yunan", 11, 30)])
def test_annual_declaration_dates(jur, month, day):
    facts = {"budget_wan": 60, "category": "professional"}
    c = case(jur, **facts)
    items = [i for i in engine.deadlines(engine.evaluate(PACKS[jur], c, D(2025, 1, 6), weekday_calendar()))
             if i.kind == "declaration"]
    assert items, jur
    # the day itself, or the next working day when it falls on a weekend
    assert D(2025, month, day) <= items[0].due <= D(2025, month, day) + dt.timedelta(days=2)


def test_yeji_quarterly_report_first_five_working_days():  # 第十五条
    path = [("declaration", "submit", "joint_review"), ("joint_review", "approve", "approval"),
            ("approval", "approve", "annual_plan"), ("annual_plan", "approve", "procurement"),
            ("procurement", "complete", "implementation")]
    facts = dict(budget_wan=80, planned_start="2025-03-01", planned_end="2026-03-31")
    # in implementation since 2025-03-03; the Q2 report is due within the first five working days of April
    v = _at("yeji", path, D(2025, 4, 7), **facts)
    item = _item(v, "progress_report")
    assert (item.due, item.status) == (D(2025, 4, 7), "pending")
    assert _item(_at("yeji", path, D(2025, 4, 8), **facts), "progress_report").status == "overdue"
