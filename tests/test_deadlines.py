"""Every period in the five texts at its boundary: due on the last day itself, overdue the day after.
Working days follow the official calendar in jurisdictions/calendars/ (each boundary below was
re-checked by hand against that year's State Council notice); 2027 has no file yet, so dates in it
are estimated. tests/test_calendar_data.py covers the holiday cases through the CLI."""

import datetime as dt

import pytest

from helpers import PACKS, ROOT, at_stage, case
from tracker.core import engine
from tracker.core.calendar import load_calendar

D = dt.date
CAL = load_calendar(ROOT / "jurisdictions" / "calendars", ROOT)


def _item(v, ident):
    return next(i for i in engine.deadlines(v) if i.id == ident)


def _at(jur, path, on, **facts):
    v = at_stage(jur, path, **facts)
    return engine.evaluate(PACKS[jur], v.case, on, CAL)


# (jurisdiction, path to the stage, stage-entered date is TODAY 2025-03-03 (Monday), period, due);
# March 2025 has no holiday and no make-up day (国办发明电〔2024〕12号), so weekdays are the working days
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
    assert (item.due, item.status, item.estimated) == (due, "pending", False)
    assert _item(_at(jur, path, due + dt.timedelta(days=1), **facts), f"stage.{stage}").status == "overdue"


def test_heyuan_compliance_review_ten_working_days():  # 第二十四条
    path = [("proposal", "submit", "application"), ("application", "submit", "initial_review"),
            ("initial_review", "approve", "funding_review"), ("funding_review", "approve", "approval"),
            ("approval", "approve", "procurement"), ("procurement", "complete", "implementation"),
            ("implementation", "complete", "preliminary_acceptance"),
            ("preliminary_acceptance", "submit", "compliance_review")]
    v = _at("heyuan", path, D(2025, 3, 17), budget_wan=120, category="professional")
    assert _item(v, "stage.compliance_review").due == D(2025, 3, 17)


# one-off periods in months: (jurisdiction, facts, deadline id, due); none of these last days is a
# rest day: 2025-06-03 is the Tuesday after 端午节 (05-31..06-02), 2025-04-03 the Thursday before
# 清明节 (04-04..06), 2027-03-03 is estimated (no 2027 file)
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
    on_due = engine.evaluate(pack, c, due, CAL)
    item = _item(on_due, ident)
    assert (item.due, item.status, item.estimated) == (due, "pending", due.year == 2027)
    after = engine.evaluate(pack, c, due + dt.timedelta(days=1), CAL)
    assert _item(after, ident).status == "overdue"


def test_golmud_self_evaluation_window_opens_after_twelve_months():
    c = case("golmud", budget_wan=900, accepted_on="2025-03-03")
    item = _item(engine.evaluate(PACKS["golmud"], c, D(2025, 6, 1), CAL), "self_evaluation")
    assert item.opens == D(2026, 3, 3) and item.due == D(2027, 3, 3)
    assert item.estimated and item.missing_years == (2027,)  # the window closes in a year without a file


def test_month_period_ending_on_a_weekend_moves_to_monday():  # 民法典 第二百零三条
    # 2025-05-10 is a Saturday (an ordinary one) → 1 month after 2025-04-10 ends on Monday 05-12
    c = case("yeji", budget_wan=50, preliminary_accepted_on="2025-04-10")
    item = _item(engine.evaluate(PACKS["yeji"], c, D(2025, 4, 11), CAL), "final_acceptance_application")
    assert item.due == D(2025, 5, 12)


def test_month_period_ending_on_a_makeup_working_day_stays():  # 民法典 第二百零三条
    # 1 month after 2025-08-28 is Sunday 09-28, a make-up working day (调休, 国办发明电〔2024〕12号):
    # not a rest day, so the period ends that Sunday (the weekday-only count would say Monday 09-29)
    c = case("yeji", budget_wan=50, preliminary_accepted_on="2025-08-28")
    item = _item(engine.evaluate(PACKS["yeji"], c, D(2025, 9, 1), CAL), "final_acceptance_application")
    assert (item.due, item.estimated) == (D(2025, 9, 28), False)


def test_month_period_ending_on_a_holiday_moves_past_it():  # 民法典 第二百零三条
    # 1 month after 2025-09-01 is 10-01, in the 国庆节、中秋节 break (10-01..08) → Thursday 10-09
    c = case("yeji", budget_wan=50, preliminary_accepted_on="2025-09-01")
    item = _item(engine.evaluate(PACKS["yeji"], c, D(2025, 9, 2), CAL), "final_acceptance_application")
    assert item.due == D(2025, 10, 9)


# the day itself, or the next working day when it is a rest day: 2025-06-30 is a Monday,
# 2025-09-30 a Tuesday (the National Day break starts 10-01), 2025-11-30 a Sunday
@pytest.mark.parametrize("jur,due", [("heyuan", D(2025, 6, 30)), ("yeji", D(2025, 9, 30)),
                                     ("yunfu", D(2025, 12, 1)), ("yunan", D(2025, 12, 1))])
def test_annual_declaration_dates(jur, due):
    facts = {"budget_wan": 60, "category": "professional"}
    c = case(jur, **facts)
    items = [i for i in engine.deadlines(engine.evaluate(PACKS[jur], c, D(2025, 1, 6), CAL))
             if i.kind == "declaration"]
    assert items, jur
    assert (items[0].due, items[0].status, items[0].estimated) == (due, "pending", False)
    # still this year's on the moved day itself; next year's the day after
    on_day = [i for i in engine.deadlines(engine.evaluate(PACKS[jur], c, due, CAL)) if i.kind == "declaration"][0]
    assert on_day.due == due
    after = [i for i in engine.deadlines(engine.evaluate(PACKS[jur], c, due + dt.timedelta(days=1), CAL))
             if i.kind == "declaration"][0]
    assert after.due.year == 2026


def test_yeji_quarterly_report_first_five_working_days():  # 第十五条
    path = [("declaration", "submit", "joint_review"), ("joint_review", "approve", "approval"),
            ("approval", "approve", "annual_plan"), ("annual_plan", "approve", "procurement"),
            ("procurement", "complete", "implementation")]
    facts = dict(budget_wan=80, planned_start="2025-03-01", planned_end="2026-03-31")
    # in implementation since 2025-03-03; the Q2 report is due within the first five working days of
    # April: 04-01 1, 04-02 2, 04-03 3, 04-04..06 清明节 off, 04-07 4, 04-08 5 (weekday-only: 04-07)
    v = _at("yeji", path, D(2025, 4, 8), **facts)
    item = _item(v, "progress_report")
    assert (item.due, item.status, item.estimated) == (D(2025, 4, 8), "pending", False)
    assert _item(_at("yeji", path, D(2025, 4, 9), **facts), "progress_report").status == "overdue"
