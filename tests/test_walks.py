"""For each jurisdiction, one case per track is walked from its first stage to `closed`, through
the services the CLI uses (real store, real commits), and every step verifies afterwards."""

import pytest

from tracker import services
from tracker.core import engine
from walk import walk

CASES = [
    ("heyuan", "approval", ["budget_wan=120", "category=professional", "security_level=3", "in_annual_plan=true"],
     ["proposal", "crypto_review", "application", "initial_review", "funding_review", "approval", "procurement",
      "implementation", "preliminary_acceptance", "compliance_review", "final_acceptance", "closed"]),
    ("heyuan", "filing", ["budget_wan=45", "category=professional", "in_annual_plan=true"],
     ["proposal", "filing", "procurement", "implementation", "final_acceptance", "closed"]),
    ("heyuan", "exempt", ["classified=true"], ["implementation", "closed"]),
    ("yeji", "approval", ["budget_wan=80", "planned_start=2025-04-01", "planned_end=2026-03-31"],
     ["planning", "expert_review", "approval", "funding_review", "procurement", "implementation", "security_review",
      "crypto_review", "preliminary_acceptance", "final_acceptance", "funding_request", "self_evaluation",
      "post_evaluation", "closed"]),
    ("yeji", "exempt", ["budget_wan=8", "in_department_budget=true"], ["implementation", "closed"]),
    ("yunfu", "approval", ["budget_wan=120", "category=professional", "supports_ipv6=true", "in_annual_plan=true",
                           "software_cost_wan=60"],
     ["proposal", "initial_review", "expert_review", "funding_review", "approval", "funding_request", "procurement",
      "implementation", "compliance_review", "final_acceptance", "closed"]),
    ("yunfu", "approval", ["budget_wan=300", "category=public", "in_annual_plan=true", "supports_ipv6=true"],
     ["planning", "expert_review", "funding_review", "funding_request", "procurement", "implementation",
      "final_acceptance", "closed"]),
    ("yunfu", "exempt", ["classified=true"], ["implementation", "closed"]),
    ("golmud", "approval", ["budget_wan=800"],
     ["proposal", "approval", "proposal", "approval", "proposal", "approval", "filing", "funding_request",
      "procurement", "implementation", "preliminary_acceptance", "final_acceptance", "self_evaluation", "closed"]),
    ("golmud", "simplified", ["budget_wan=300", "simple_mature=true", "feasibility_depth_sufficient=true"],
     ["proposal", "approval", "filing", "funding_request", "procurement", "implementation", "preliminary_acceptance",
      "final_acceptance", "self_evaluation", "closed"]),
    ("golmud", "exempt", ["central_or_provincial_funds=true"], ["implementation", "closed"]),
    ("yunan", "approval", ["budget_wan=60", "category=professional", "in_annual_plan=true", "involves_crypto=true"],
     ["proposal", "crypto_review", "initial_review", "expert_review", "approval", "funding_review", "funding_request",
      "procurement", "implementation", "compliance_review", "final_acceptance", "self_evaluation", "closed"]),
    ("yunan", "approval", ["budget_wan=60", "category=public", "in_annual_plan=true", "involves_crypto=true"],
     ["planning", "expert_review", "crypto_review", "funding_review", "funding_request", "procurement",
      "implementation", "final_acceptance", "self_evaluation", "closed"]),
    ("yunan", "filing", ["budget_wan=30", "category=professional", "in_annual_plan=true"],
     ["proposal", "filing", "procurement", "implementation", "final_acceptance", "self_evaluation", "closed"]),
    ("yunan", "exempt", ["budget_wan=8"], ["implementation", "closed"]),
]


@pytest.mark.parametrize("jur,track,facts,expected", CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_walk_to_closed(store, tmp_path, jur, track, facts, expected):
    cid = services.new_case(store, jur, "走完全程的测试项目", "测试单位", facts)
    assert services.load(store, cid).view.track.kind == track
    visited = walk(store, cid, tmp_path)
    assert visited == expected
    ld = services.load(store, cid)
    assert ld.view.stage.kind == "closed"
    # the replayed history is clean: no decision findings at all
    bad = [f for f in engine.findings(ld.view) if f.rule.startswith(("decision", "illegal", "unknown", "stage-skipped"))]
    assert bad == []


def test_every_track_of_every_pack_is_walked():
    from helpers import PACKS

    walked = {(j, t) for j, t, _, _ in CASES}
    for pid, pack in PACKS.items():
        for tr in pack.tracks.values():
            assert (pid, tr.kind) in walked, (pid, tr.kind)
