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
