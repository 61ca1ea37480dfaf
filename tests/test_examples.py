"""The examples named in the issue, through the real CLI."""

import json


def _new(cli, store, jur, *facts):
    args = ["new", "--store", str(store.root), "--jurisdiction", jur, "--title", "示例项目", "--unit", "市示例局", "--json"]
    for f in facts:
        args += ["--set", f]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["id"]


def _show(cli, store, cid):
    r = cli("show", cid, "--store", str(store.root), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_jurisdictions_lists_five_packs_with_documents(cli, store):
    r = cli("jurisdictions", "--json", "--store", str(store.root))
    assert r.returncode == 0
    js = {j["id"]: j for j in json.loads(r.stdout)["jurisdictions"]}
    assert set(js) == {"heyuan", "yeji", "yunfu", "golmud", "yunan"}
    assert (js["heyuan"]["document"], js["heyuan"]["issued"]) == ("河府办〔2021〕30号", "2021-11-29")
    assert (js["yeji"]["document"], js["yeji"]["issued"]) == ("叶政办〔2020〕19号", "2020-07-17")
    assert (js["golmud"]["document"], js["golmud"]["issued"]) == ("格政办〔2023〕15号", "2023-07-11")
    assert (js["yunan"]["document"], js["yunan"]["issued"]) == ("郁府办〔2024〕21号", "2024-08-17")
    assert js["yunan"]["valid_until"] == "2029-08-17"
    # Yunfu's text carries no number or date: none is invented
    assert js["yunfu"]["document"] is None and js["yunfu"]["issued"] is None and js["yunfu"]["valid_years"] == 5
    for j in js.values():
        assert {"id", "name", "document", "issued", "valid_until"} <= set(j)


def test_heyuan_professional_45_is_filing_without_funding_review(cli, store):
    cid = _new(cli, store, "heyuan", "category=professional", "budget_wan=45")
    doc = _show(cli, store, cid)
    assert doc["track"] == "filing"
    kinds = [p["kind"] for p in doc["plan"]]
    assert "funding_review" not in kinds and "filing" in kinds and kinds[-1] == "closed"


def test_heyuan_120_level3_has_crypto_review_before_application_review(cli, store):
    cid = _new(cli, store, "河源", "budget_wan=120", "security_level=3", "category=professional")
    doc = _show(cli, store, cid)
    assert doc["track"] == "approval"
    kinds = [p["kind"] for p in doc["plan"]]
    assert kinds.index("crypto_review") < kinds.index("initial_review")
    assert kinds.index("crypto_review") < kinds.index("application")


def test_yunan_8_is_exempt(cli, store):
    cid = _new(cli, store, "yunan", "budget_wan=8")
    assert _show(cli, store, cid)["track"] == "exempt"


def test_yunfu_software_60_carries_third_party_testing_with_citation(cli, store):
    cid = _new(cli, store, "yunfu", "software_cost_wan=60", "budget_wan=90", "category=professional")
    obs = {o["kind"]: o for o in _show(cli, store, cid)["obligations"]}
    assert "third_party_testing" in obs
    assert "第十三条" in obs["third_party_testing"]["cite"]
    assert "supervision" not in obs  # 90 < 100


def test_list_json_shape(cli, store):
    _new(cli, store, "heyuan", "budget_wan=120")
    r = cli("list", "--json", "--store", str(store.root))
    row = json.loads(r.stdout)["cases"][0]
    assert {"id", "jurisdiction", "title", "unit", "budget_wan", "track", "stage", "next_due"} <= set(row)
    assert {"id", "kind", "name"} <= set(row["stage"])
    assert row["budget_wan"] == 120
