"""Every threshold in the five texts, tested at the boundary value itself (民法典 第一千二百五十九条:
以上、以下、以内 include the number; 超过、不满 do not; "（含）" decides where the text says so)."""

import datetime as dt

import pytest

from helpers import PACKS, TODAY, action, at_stage, obligation_kinds, plan_kinds, view
from tracker.core import engine
from tracker.core.calendar import WorkCalendar

D = dt.date


# -- 河源 第十二条: 预算在50万元以下 → 备案制 ------------------------------------------------
@pytest.mark.parametrize("budget,track", [("49.99", "filing"), ("50", "filing"), ("50.01", "approval")])
def test_heyuan_filing_threshold(budget, track):
    assert view("heyuan", budget_wan=budget, category="professional").track.kind == track


# -- 河源 第十一条（一）: 等保第三级及以上 → 密码应用审核 ----------------------------------------
@pytest.mark.parametrize("level,has", [(2, False), (3, True), (4, True)])
def test_heyuan_crypto_level(level, has):
    v = view("heyuan", budget_wan=120, category="professional", security_level=level)
    assert ("crypto_review" in plan_kinds(v)) is has


def test_heyuan_crypto_public_facing_even_at_level_2():
    assert "crypto_review" in plan_kinds(view("heyuan", budget_wan=80, category="public", security_level=2,
                                              public_facing=True))


# -- 河源 第二十一条: 变更 ≤ 合同金额的10%、变更后总额 ≤ 合同金额、不多于1次 --------------------------
IMPL = [("proposal", "submit", "application"), ("application", "submit", "initial_review"),
        ("initial_review", "approve", "funding_review"), ("funding_review", "approve", "approval"),
        ("approval", "approve", "procurement"), ("procurement", "complete", "implementation")]


def _change(change, total, contract="200", path=IMPL):
    v = at_stage("heyuan", path, docs=("change_form",), budget_wan=200, category="professional",
                 contract_wan=contract, change_wan=change, new_total_wan=total)
    assert v.stage_id in ("implementation",), v.replay_findings
    return action(v, "request_change")


def test_heyuan_change_exactly_ten_percent_allowed():
    assert _change("20", "200").allowed


def test_heyuan_change_above_ten_percent_refused_with_citation():
    opt = _change("20.01", "200")
    assert not opt.allowed
    assert [m.id for m in opt.missing] == ["change_within_ten_percent"]
    assert "第二十一条" in opt.missing[0].cite


def test_heyuan_change_total_equal_to_contract_allowed_above_refused():
    assert _change("5", "200").allowed
    opt = _change("5", "200.01")
    assert not opt.allowed and [m.id for m in opt.missing] == ["change_total_within_contract"]


def test_heyuan_second_change_refused():
    path = IMPL + [("implementation", "request_change", "change_review"),
                   ("change_review", "approve", "change_budget_review"),
                   ("change_budget_review", "approve", "implementation")]
    opt = _change("5", "200", path=path)
    assert not opt.allowed and "change_once" in [m.id for m in opt.missing]


# -- 叶集 第二条: 列入部门预算的10万元以下项目不适用 ------------------------------------------------
@pytest.mark.parametrize("budget,in_budget,track", [
    ("10", True, "exempt"), ("9.99", True, "exempt"), ("10.01", True, "approval"), ("10", False, "approval")])
def test_yeji_scope_floor(budget, in_budget, track):
    assert view("yeji", budget_wan=budget, in_department_budget=in_budget).track.kind == track


# -- 叶集 第十五条: 建设时间超过6个月或跨年度 → 季度进度报告 ------------------------------------------
@pytest.mark.parametrize("start,end,required", [
    ("2025-01-01", "2025-06-30", False),   # six months exactly: not "超过"
    ("2025-01-01", "2025-07-01", True),
    ("2025-10-01", "2026-01-15", True),    # spans two years
])
def test_yeji_progress_report_threshold(start, end, required):
    v = view("yeji", budget_wan=50, planned_start=start, planned_end=end)
    assert ("progress_report" in obligation_kinds(v)) is required


# -- 叶集 第二十条: 投资规模未超出概算批复 (the approved estimate, not the declared budget) ------------
YJ_IMPL = [("declaration", "submit", "joint_review"), ("joint_review", "approve", "approval"),
           ("approval", "approve", "annual_plan"), ("annual_plan", "approve", "procurement"),
           ("procurement", "complete", "implementation")]


@pytest.mark.parametrize("total,ok", [("100", True), ("100.01", False)])
def test_yeji_change_within_estimate(total, ok):
    v = at_stage("yeji", YJ_IMPL, docs=("change_application",), budget_wan=120, approved_estimate_wan=100,
                 change_reason="optimization",
                 new_total_wan=total)
    assert action(v, "request_change").allowed is ok


# -- Obligations by amount: 云浮 第十三条 (监理 ≥100万（含）, 应用软件第三方测试 ≥50万（含）) and
# 郁南 第十六条 (监理 ≥100万（含）, 应用软件第三方测试 ≥100万（含）) ---------------------------------
OBLIGATION_THRESHOLDS = [
    ("yunfu", "supervision", "budget_wan", "99.99", "100"),
    ("yunfu", "third_party_testing", "software_cost_wan", "49.99", "50"),
    ("yunan", "supervision", "budget_wan", "99.99", "100"),
    ("yunan", "third_party_testing", "software_cost_wan", "99.99", "100"),
]


@pytest.mark.parametrize("jur,kind,fact,below,at", OBLIGATION_THRESHOLDS,
                         ids=[f"{t[0]}-{t[1]}" for t in OBLIGATION_THRESHOLDS])
def test_obligation_thresholds(jur, kind, fact, below, at):
    def has(value):
        facts = {"budget_wan": 150, "category": "professional", fact: value}
        return kind in obligation_kinds(view(jur, **facts))

    assert has(below) is False
    assert has(at) is True


# -- 格尔木 三（二）: 总投资在500万元以内 + 简单成熟 → 简化审批（可研深度由市发改委审核）-------------
@pytest.mark.parametrize("budget,track", [("500", "simplified"), ("500.01", "approval")])
def test_golmud_simplified_threshold(budget, track):
    v = view("golmud", budget_wan=budget, simple_mature=True, feasibility_depth_sufficient=True)
    assert v.track.kind == track


def test_golmud_simplified_needs_simple_and_mature():
    assert view("golmud", budget_wan=100).track.kind == "approval"
    v = view("golmud", budget_wan=100, simple_mature=True)
    assert v.track.kind == "simplified"
    # the depth of the feasibility study is the commission's call: a warning until confirmed
    assert "feasibility_depth" in {f.rule for f in engine.findings(v)}


# -- 郁南 第十条: <10 自行管理; 10（含）至50 备案; 50以上（含）立项 -----------------------------------
@pytest.mark.parametrize("budget,track", [("9.99", "exempt"), ("10", "filing"), ("49.99", "filing"),
                                          ("50", "approval")])
def test_yunan_scope(budget, track):
    assert view("yunan", budget_wan=budget, category="professional").track.kind == track


# -- 郁南 第十二条（二）: 审批意见有效期为两年 ----------------------------------------------------------
YN_APPROVED = [("proposal", "submit", "initial_review"), ("initial_review", "approve", "expert_review"),
               ("expert_review", "approve", "approval"), ("approval", "approve", "funding_review")]


@pytest.mark.parametrize("on,ok", [(D(2027, 3, 3), True), (D(2027, 3, 4), False)])
def test_yunan_approval_valid_two_years(on, ok):
    v = at_stage("yunan", YN_APPROVED, docs=("funding_opinion",), budget_wan=60, category="professional",
                 in_annual_plan=True)
    # the lapse blocks only on official dates (an estimated one warns): take 2027 as known, no holidays
    v = engine.evaluate(PACKS["yunan"], v.case, v.today, WorkCalendar(years={2025, 2026, 2027}))
    assert v.stage_id == "funding_review"
    opt = action(v, "approve", on=on)
    assert opt.allowed is ok
    if not ok:
        assert [m.id for m in opt.missing] == ["approval_validity"]


def test_yunan_regulation_validity_end():
    assert str(PACKS["yunan"].valid_until) == "2029-08-17"
