"""Readings of the texts that a review of the packs settled (each test names its article)."""

import datetime as dt

from helpers import PACKS, TODAY, action, at_stage, obligation_kinds, plan_ids, plan_kinds, view
from tracker.core import engine
from tracker.core.calendar import weekday_calendar


def test_heyuan_fixed_asset_keeps_acceptance_duties():  # 河府办 第三十一条
    v = view("heyuan", budget_wan=300, category="professional", fixed_asset_investment=True)
    assert v.track_id == "gov_investment" and v.track.kind == "approval"
    kinds = plan_kinds(v)
    assert "initial_review" not in kinds and "final_acceptance" in kinds and "compliance_review" in kinds


def test_yunan_fixed_asset_keeps_acceptance_duties():  # 郁府办 第二十八条
    v = view("yunan", budget_wan=300, category="professional", fixed_asset_investment=True)
    assert v.track_id == "fixed_asset"
    assert plan_ids(v)[0] == "guide_approval" and "self_evaluation" in plan_kinds(v)


def test_heyuan_filing_needs_the_crypto_opinion():  # 河府办 第十二条
    v = at_stage("heyuan", [("proposal", "submit", "crypto_review"), ("crypto_review", "approve", "filing")],
                 docs=("filing_materials", "project_plan", "review_opinion"), budget_wan=40, category="professional",
                 security_level=3)
    opt = action(v, "approve")
    assert not opt.allowed and [m.id for m in opt.missing] == ["crypto_opinion"]


def test_heyuan_filing_track_still_checks_security_obligations():  # 第九条、第十八条
    path = [("proposal", "submit", "filing"), ("filing", "approve", "procurement"),
            ("procurement", "complete", "implementation"), ("implementation", "complete", "filing_acceptance"),
            ("filing_acceptance", "complete", "closed")]
    v = at_stage("heyuan", path, budget_wan=40, category="professional", public_facing=True)
    rules = {f.rule for f in engine.findings(v)}
    assert {"obligation.crypto_sync", "obligation.security_assessment", "obligation.secure_products"} <= rules


def test_golmud_urgent_project_is_approved_once():  # 格政办 三（二）
    v = view("golmud", budget_wan=900, urgent=True)
    ids = plan_ids(v)
    assert ids[:2] == ["feasibility", "approval"]
    assert "feasibility_review" not in ids and "preliminary_design" not in ids


def test_golmud_commission_may_refuse_the_simplified_procedure():  # 格政办 三（二） "可以简化"
    facts = dict(budget_wan=300, simple_mature=True, feasibility_depth_sufficient=True)
    v = at_stage("golmud", [("feasibility", "submit", "simplified_approval")], **facts)
    assert v.track_id == "simplified"
    assert not action(v, "refuse_simplification").allowed  # the refusal must be recorded as a fact
    d = engine.decide(v, "refuse_simplification", role="ndrc", on=TODAY, set_facts={"simplification_refused": True})
    case = v.case
    case.facts["simplification_refused"] = True
    case.decisions.append(d)
    after = engine.evaluate(PACKS["golmud"], case, TODAY, weekday_calendar())
    assert after.track_id == "approval" and after.stage_id == "proposal"


def test_yeji_final_acceptance_application_deadline_runs_from_the_pass_date():  # 叶政办 第二十二条
    path = [("declaration", "submit", "joint_review"), ("joint_review", "approve", "approval"),
            ("approval", "approve", "annual_plan"), ("annual_plan", "approve", "procurement"),
            ("procurement", "complete", "implementation"), ("implementation", "complete", "security_review"),
            ("security_review", "approve", "crypto_review"), ("crypto_review", "approve", "preliminary_acceptance")]
    v = at_stage("yeji", path, budget_wan=50, preliminary_accepted_on="2025-01-10")
    item = next(i for i in engine.deadlines(v) if i.id == "final_acceptance_application")
    assert (item.due, item.status) == (dt.date(2025, 2, 10), "overdue")


def test_yeji_self_evaluation_runs_from_the_later_of_acceptance_and_operation():  # 叶政办 第二十三条
    v = view("yeji", budget_wan=50, accepted_on="2025-03-01", in_operation_on="2025-01-15")
    item = next(i for i in engine.deadlines(v) if i.id == "self_evaluation")
    assert item.due == dt.date(2025, 9, 1)


def test_yunfu_data_inclusion_blocks_acceptance():  # 云浮 第五章 第十九条
    assert "data_sharing" in obligation_kinds(view("yunfu", budget_wan=80, category="professional"))
