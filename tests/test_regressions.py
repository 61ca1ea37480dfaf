"""Regressions found in review: each test reproduces a reported bug."""

import json
import subprocess

from tracker import services


def _j(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _attach(store, cid, tmp_path, *kinds):
    for k in kinds:
        f = tmp_path / f"{cid}-{k}.txt"
        f.write_text(k, encoding="utf-8")
        services.attach(store, cid, f, k)


def test_history_replayed_under_the_track_each_decision_recorded(cli, store, tmp_path):
    s = str(store.root)
    cid = services.new_case(store, "heyuan", "t", "u", ["budget_wan=45", "category=professional",
                                                        "in_annual_plan=true"])
    _attach(store, cid, tmp_path, "project_plan", "review_opinion")
    services.advance(store, cid, "submit")          # filing track: proposal → filing
    services.advance(store, cid, "return")          # back to the start
    services.set_facts(store, cid, ["budget_wan=120"])
    services.advance(store, cid, "submit")          # now the approval track: proposal → application
    r = cli("check", cid, "--store", s, "--json")
    assert r.returncode == 0, r.stdout
    assert not [f for f in json.loads(r.stdout)["findings"] if f["severity"] == "error"]
    show = _j(cli("show", cid, "--store", s, "--json"))
    assert (show["track"], show["stage"]["id"]) == ("approval", "application")


def test_far_future_dates_are_bad_input(cli, store):
    s = str(store.root)
    r = cli("new", "--store", s, "--jurisdiction", "河源", "--title", "t", "--unit", "u",
            "--set", "planned_start=9999-08-01")
    assert r.returncode == 2 and "9999" in r.stderr
    assert cli("due", "--store", s, "--on", "9999-12-31").returncode == 2
    assert cli("list", "--store", s, env={"TRACKER_TODAY": "9999-12-31"}).returncode == 2


def test_advance_refuses_broken_history_and_never_reuses_a_number(cli, store, tmp_path):
    s = str(store.root)
    cid = services.new_case(store, "yunan", "t", "u", ["budget_wan=30", "category=professional",
                                                       "in_annual_plan=true"])
    _attach(store, cid, tmp_path, "project_plan", "filing_materials")
    services.advance(store, cid, "submit")
    services.advance(store, cid, "return")
    services.advance(store, cid, "submit")
    first = next((store.case_dir(cid) / "decisions").glob("0001-*.toml"))
    subprocess.run(["git", "rm", "-q", str(first)], cwd=store.root, check=True)
    subprocess.run(["git", "commit", "-q", "--no-verify", "-m", "remove a decision"], cwd=store.root, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=store.root, capture_output=True, text=True).stdout
    r = cli("advance", cid, "approve", "--store", s)
    assert r.returncode == 1 and ("0002" in r.stderr or "决定编号" in r.stderr), r.stderr
    assert subprocess.run(["git", "rev-parse", "HEAD"], cwd=store.root, capture_output=True, text=True).stdout == head


def test_opinion_with_control_characters_is_refused_and_log_survives_odd_messages(cli, store):
    s = str(store.root)
    cid = services.new_case(store, "yunan", "t", "u", ["budget_wan=8"])
    r = cli("advance", cid, "complete", "--opinion", "a\x1eb", "--store", s)
    assert r.returncode == 2
    f = store.case_dir(cid) / "case.toml"
    f.write_text(f.read_text(encoding="utf-8").replace('unit = "u"', 'unit = "u2"'), encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "odd\x1e\x1fmessage"], cwd=store.root, check=True)
    entries = _j(cli("log", cid, "--store", s, "--json"))["entries"]
    assert len(entries) == 2 and entries[0]["signature"] == "unsigned" and entries[0]["signer"] is None


def test_blank_jurisdiction_is_bad_input(cli, store):
    for name in ("", " "):
        r = cli("new", "--store", str(store.root), "--jurisdiction", name, "--title", "t", "--unit", "u")
        assert r.returncode == 2
    assert store.case_ids() == []


def test_advance_set_clearing_a_fact_means_no(store, tmp_path):
    cid = services.new_case(store, "heyuan", "t", "u", ["budget_wan=45", "category=professional",
                                                        "involves_crypto=是", "in_annual_plan=true"])
    _attach(store, cid, tmp_path, "project_plan", "review_opinion")
    _, d = services.advance(store, cid, "submit", assignments=["involves_crypto="])
    assert d.to_stage == "filing"  # no crypto review once the fact is cleared
    assert "involves_crypto" not in store.load_case(cid).facts


def test_on_before_the_case_was_opened(cli, store):
    cid = services.new_case(store, "yunan", "t", "u", ["budget_wan=8"])
    r = cli("advance", cid, "complete", "--on", "2025-03-01", "--store", str(store.root))
    assert r.returncode == 2 and "建立" in r.stderr


def test_init_on_a_file_is_bad_input(cli, tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    assert cli("init", str(f)).returncode == 2


def test_impossible_annual_day_in_a_pack(cli, store):
    p = store.root / "jurisdictions" / "heyuan.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("    month: 6\n    day: 30\n", "    month: 4\n    day: 31\n"), encoding="utf-8")
    r = cli("list", "--store", str(store.root))
    assert r.returncode == 2 and r.stderr.startswith("jurisdictions/heyuan.yaml:")


def test_pack_cache_is_keyed_by_the_code_too(store, monkeypatch):
    from tracker.store import store as store_mod

    store_mod.load_packs_cached(store.root / "jurisdictions", store.root)
    before = set((store.root / ".git" / "tracker-cache").glob("pack-*"))
    monkeypatch.setattr(store_mod, "_FINGERPRINT", b"another version of the core")
    store_mod.load_packs_cached(store.root / "jurisdictions", store.root)
    after = set((store.root / ".git" / "tracker-cache").glob("pack-*"))
    assert len(after - before) == 5
