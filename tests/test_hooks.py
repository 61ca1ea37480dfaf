"""The pre-commit hook that `tracker init` activates refuses broken files and edited decisions."""

import subprocess

from tracker import services


def git(store, *args, check=False):
    return subprocess.run(["git", *args], cwd=store.root, capture_output=True, text=True, check=check)


def test_hook_refuses_malformed_case_and_allows_good_edit(store):
    cid = services.new_case(store, "yunan", "t", "u", ["budget_wan=8"])
    f = store.case_dir(cid) / "case.toml"
    good = f.read_text(encoding="utf-8")
    f.write_text(good.replace("budget_wan = 8", "budget_wan = 9"), encoding="utf-8")
    git(store, "add", "-A")
    assert git(store, "commit", "-qm", "hand edit").returncode == 0
    f.write_text(good.replace("budget_wan = 8", 'budget_wan = "很多"'), encoding="utf-8")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "bad edit")
    assert r.returncode != 0 and "case.toml" in r.stderr
    assert git(store, "diff", "--cached", "--name-only").stdout.strip() == f"cases/{cid}/case.toml"


def test_hook_refuses_editing_a_decision(store):
    cid = services.new_case(store, "yunan", "t", "u", ["budget_wan=8"])
    services.advance(store, cid, "complete", opinion="办结")
    d = next((store.case_dir(cid) / "decisions").glob("*.toml"))
    d.write_text(d.read_text(encoding="utf-8").replace("办结", "改过的意见"), encoding="utf-8")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "rewrite history")
    assert r.returncode != 0 and ("decision" in r.stderr.lower() or "决定" in r.stderr)


def test_hook_refuses_a_broken_calendar_or_rule_pack(store):
    cal = store.root / "jurisdictions" / "calendars" / "2025.yaml"
    good = cal.read_text(encoding="utf-8")
    cal.write_text(good + "\nholidays: [2025-02-30]\n", encoding="utf-8")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "broken calendar")
    assert r.returncode != 0 and "jurisdictions/calendars/2025.yaml" in r.stderr
    cal.write_text(good, encoding="utf-8")
    pack = store.root / "jurisdictions" / "heyuan.yaml"
    pack.write_text(pack.read_text(encoding="utf-8") + "\nroles: [\n", encoding="utf-8")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "broken pack")
    assert r.returncode != 0 and "jurisdictions/heyuan.yaml" in r.stderr


def test_commit_msg_hook_requires_trailers_for_a_hand_made_decision(store):
    """A decision committed by hand must carry the trailers that make `git log` an audit trail."""
    from tracker.core.casefile import decision_filename, render_decision
    from tracker.core import engine

    cid = services.new_case(store, "yunan", "t", "u", ["budget_wan=8"])
    view = store.view(store.load_case(cid))
    d = engine.decide(view, "complete", role=None, on=view.today, opinion="办结")
    path = store.case_dir(cid) / "decisions" / decision_filename(d.seq, d.action)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_decision(d), encoding="utf-8")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "办结")
    assert r.returncode != 0 and "Decided-On:" in r.stderr and f"Case: {cid}" in r.stderr
    trailers = (f"Case: {cid}\nAction: {d.action}\nKind: {d.kind}\nFrom: {d.from_stage}\nTo: {d.to_stage}\n"
                f"Role: {d.role}\nDecided-On: {d.decided_on.isoformat()}\n")
    r = git(store, "commit", "-q", "-m", "办结", "-m", trailers)
    assert r.returncode == 0, r.stderr


def test_hook_refuses_links_stray_files_and_replaced_documents(store, tmp_path):
    import os

    cid = services.new_case(store, "yunan", "t", "u", ["budget_wan=8"])
    f = tmp_path / "方案.txt"
    f.write_text("方案", encoding="utf-8")
    services.attach(store, cid, f, "other")
    d = store.case_dir(cid)
    os.symlink("../../jurisdictions", d / "decisions")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "link")
    assert r.returncode != 0 and "file-mode" in r.stderr
    git(store, "reset", "-q")
    (d / "decisions").unlink()
    (d / "notes.txt").write_text("x", encoding="utf-8")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "stray")
    assert r.returncode != 0 and "unexpected-file" in r.stderr
    git(store, "reset", "-q")
    (d / "notes.txt").unlink()
    (d / "attachments" / "方案.txt").write_text("换掉", encoding="utf-8")
    git(store, "add", "-A")
    r = git(store, "commit", "-qm", "replace")
    assert r.returncode != 0 and "attachment-changed" in r.stderr
