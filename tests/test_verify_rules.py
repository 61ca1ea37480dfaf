"""`tracker verify` rule by rule, on real stores signed with throwaway ssh-keygen keys.

A store is built once per module (`tracker --key ADMIN init`, roles granted with `tracker people add`,
three cases); every test works on its own copy. Bad commits are made by hand with
`git -c gpg.format=ssh -c user.signingkey=KEY commit -S --no-verify`, and `tracker verify --json` must
exit 1 naming the right rule on the right commit. (What tests/test_offices.py covers — unsigned,
unknown-key, unauthorized, self-authorization, edited/deleted decisions, bad signatures, concurrent
decisions, revocation — is not repeated here.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from offices_helpers import JUR, TODAY, HandDecision, attach_doc, hand_decision_commit, head, \
    problems_by_commit
from trust_helpers import UNIT, build_store, commit_all, copy_store, edit, fingerprint, key_line, verify


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    s = build_store(tmp_path_factory.mktemp("verify"))
    r, S = s.r, s.path
    # HY1: approval track, at proposal with its documents: the clerk may submit
    _, d = r.json(S, "new", "--jurisdiction", JUR, "--title", "智慧教育平台", "--unit", UNIT,
                  "--set", "budget_wan=80", "--set", "category=professional")
    s.hy1 = d["id"]
    for kind in ("project_plan", "review_opinion"):
        attach_doc(r, S, s.hy1, kind)
    # HY2: at proposal, no documents yet
    _, d = r.json(S, "new", "--jurisdiction", JUR, "--title", "政务外网改造", "--unit", UNIT,
                  "--set", "budget_wan=60", "--set", "category=professional")
    s.hy2 = d["id"]
    _, d = r.json(S, "new", "--jurisdiction", "yunan", "--title", "小型系统", "--unit", "云安区教育局",
                  "--set", "budget_wan=8")
    s.yn1 = d["id"]
    _, doc = verify(r, S)
    assert doc["ok"] and doc["problems"] == [], doc
    s.base_head = head(r, S)
    s.trust_root = r.out(S, "rev-list", "--max-parents=0", "HEAD")
    return s


@pytest.fixture
def st(world, tmp_path):
    """(runner, path) of a private copy of the store."""
    return world.r, copy_store(world.path, tmp_path / "store")


def submit1(world, **kw) -> HandDecision:
    """HY1's first decision as the rules have it: the clerk submits, proposal → application."""
    d = dict(case=world.hy1, seq=1, action="submit", kind="submit", frm="proposal", to="application",
             track="approval", role="unit")
    d.update(kw)
    return HandDecision(**d)


def only(doc: dict, sha: str) -> set[str]:
    """The rules reported, asserting that ``sha`` is the only commit with problems."""
    probs = problems_by_commit(doc)
    assert set(probs) == {sha}, f"problems expected on {sha[:10]} only: {doc['problems']}"
    return probs[sha]


# ---------------------------------------------------------------------------------------
# a genuine history

def test_genuine_tracker_history_verifies(world, st):
    r, S = st
    r.ok(S, "advance", world.hy1, "submit", "--opinion", "申报")
    r.ok(S, "set", world.hy2, "title=政务外网改造（二期）")
    r.ok(S, "people", "remove", "财务", "--role", f"{JUR}:finance")
    r.ok(S, "advance", world.yn1, "complete", "--set", "completed_on=2025-03-01")   # a decision that sets a fact
    _, doc = verify(r, S)
    assert doc["ok"] is True and doc["problems"] == []
    assert doc["checked"] == int(r.out(S, "rev-list", "--count", "HEAD"))
    assert doc["trust_root"] == world.trust_root


def test_hand_made_decision_with_agreeing_trailers_is_ok(world, st):
    r, S = st
    sha = hand_decision_commit(r, S, submit1(world), sign_with=world.keys["admin"])
    _, doc = verify(r, S)
    assert doc["ok"], doc
    _, show = r.json(S, "show", world.hy1)
    assert show["stage"]["id"] == "application"
    assert sha == head(r, S)


# ---------------------------------------------------------------------------------------
# the shape of a commit

@pytest.mark.parametrize("trailer, wrong", [
    ("To", "initial_review"), ("From", "application"), ("Action", "approve"), ("Role", "finance"),
    ("Decided-On", "2025-03-04"), ("Case", "HY-2025-0002"), ("all", None),
])
def test_trailer_mismatch(world, st, trailer, wrong):
    r, S = st
    d = submit1(world)
    right = d.message()
    if trailer == "all":
        message = right.split("\n\nCase:")[0] + "\n"
    else:
        line = next(ln for ln in right.splitlines() if ln.startswith(f"{trailer}: "))
        message = right.replace(line, f"{trailer}: {wrong}")
    assert message != right
    f = S / d.path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(d.text(), encoding="utf-8")
    commit_all(r, S, [d.path], message, sign_with=world.keys["admin"])
    sha = head(r, S)
    _, doc = verify(r, S)
    assert only(doc, sha) == {"trailer-mismatch"}, doc["problems"]
    assert all(p["case"] == world.hy1 for p in doc["problems"])


def test_multiple_decisions_in_one_commit(world, st):
    r, S = st
    a = submit1(world)
    b = submit1(world, seq=2, frm="application", to="initial_review")
    for d in (a, b):
        f = S / d.path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(d.text(), encoding="utf-8")
    commit_all(r, S, [a.path, b.path], a.message(), sign_with=world.keys["admin"])
    sha = head(r, S)
    _, doc = verify(r, S)
    assert "multiple-decisions" in only(doc, sha), doc["problems"]


def test_multiple_cases_in_one_commit(world, st):
    r, S = st
    paths = []
    for cid in (world.hy1, world.yn1):
        p = f"cases/{cid}/case.toml"
        edit(S / p, 'title = "', 'title = "改：')
        paths.append(p)
    commit_all(r, S, paths, "两个案件一起改\n", sign_with=world.keys["admin"])
    sha = head(r, S)
    _, doc = verify(r, S)
    assert "multiple-cases" in only(doc, sha), doc["problems"]


def test_case_and_policy_in_one_commit(world, st):
    r, S = st
    p = f"cases/{world.hy1}/case.toml"
    edit(S / p, 'title = "', 'title = "改：')
    policy = S / ".tracker" / "policy.toml"
    policy.write_text(policy.read_text(encoding="utf-8") + "# 顺手加的注释\n", encoding="utf-8")
    commit_all(r, S, [p, ".tracker/policy.toml"], f"{world.hy1} 改标题\n\nCase: {world.hy1}\n",
               sign_with=world.keys["admin"])
    sha = head(r, S)
    _, doc = verify(r, S)
    assert "mixed-commit" in only(doc, sha), doc["problems"]


# ---------------------------------------------------------------------------------------
# decisions against the rules

@pytest.mark.parametrize("how", ["missing-document", "action-not-available"])
def test_illegal_transition(world, st, how):
    r, S = st
    if how == "missing-document":
        # HY2 has neither project_plan nor review_opinion: the rules do not let it be submitted
        d = submit1(world, case=world.hy2)
        key = world.keys["admin"]
    else:
        # the data bureau "approves" at proposal: a jump over application and initial review
        d = submit1(world, action="approve", kind="approve", to="funding_review", role="data_bureau")
        key = world.keys["db"]
    sha = hand_decision_commit(r, S, d, sign_with=key)
    _, doc = verify(r, S)
    assert only(doc, sha) == {"illegal-transition"}, doc["problems"]
    assert d.case in doc["problems"][0]["case"]


@pytest.mark.parametrize("field", ["to", "seq", "kind"])
def test_decision_mismatch(world, st, field):
    r, S = st
    d = {"to": submit1(world, to="initial_review"),       # submit leads to application, not past it
         "seq": submit1(world, seq=2),                     # the case's first decision is number 1
         "kind": submit1(world, kind="approve")}[field]
    sha = hand_decision_commit(r, S, d, sign_with=world.keys["admin"])
    _, doc = verify(r, S)
    assert only(doc, sha) == {"decision-mismatch"}, doc["problems"]
    assert field in doc["problems"][0]["message_en"]


@pytest.mark.parametrize("how", ["other-fact", "set-fact-differs"])
def test_decision_commit_changing_other_facts(world, st, how):
    r, S = st
    if how == "other-fact":
        d = submit1(world)
        p, old, new, fact = f"cases/{world.hy1}/case.toml", "budget_wan = 80", "budget_wan = 30", "budget_wan"
    else:
        # the decision records completed_on = 2025-03-01, the case file says otherwise
        d = HandDecision(case=world.yn1, seq=1, action="complete", kind="complete", frm="outside", to="closed",
                         track="exempt", role="unit")
        p, old, new, fact = f"cases/{world.yn1}/case.toml", "budget_wan = 8", \
            "budget_wan = 8\ncompleted_on = 2025-02-01", "completed_on"
    text = d.text()
    if how == "set-fact-differs":
        text += "\n[set]\ncompleted_on = 2025-03-01\n"
    f = S / d.path
    f.parent.mkdir(parents=True)
    f.write_text(text, encoding="utf-8")
    edit(S / p, old, new)
    commit_all(r, S, [d.path, p], d.message(), sign_with=world.keys["admin"])
    sha = head(r, S)
    _, doc = verify(r, S)
    rules = only(doc, sha)
    assert "decision-facts" in rules, doc["problems"]
    msg = next(p["message_en"] for p in doc["problems"] if p["rule"] == "decision-facts")
    assert fact in msg


def test_bound_clerk_only_for_its_unit(world, st):
    """A clerk bound to 河源市财政局 signs HY1 (河源市教育局) by hand: a decision, a fact change, and moving
    its own unit's case into another unit are all unauthorized; its own unit's case is fine."""
    r, S = st
    clerk = world.keys["stranger"]
    r.ok(S, "people", "add", "财政局经办人", "--email", "unit@example.gov.cn", "--key", f"{clerk}.pub",
         "--role", f"{JUR}:unit", "--unit", "河源市财政局")
    decision = hand_decision_commit(r, S, submit1(world), sign_with=clerk)
    _, doc = verify(r, S)
    assert only(doc, decision) == {"unauthorized"}
    msg = doc["problems"][0]["message_zh"]
    assert "河源市财政局" in msg and UNIT in msg, msg
    r.git(S, "reset", "-q", "--hard", "HEAD~1")
    p = f"cases/{world.hy1}/case.toml"
    edit(S / p, 'title = "', 'title = "越权：')
    commit_all(r, S, [p], f"{world.hy1} 改标题\n\nCase: {world.hy1}\n", sign_with=clerk)
    fact = head(r, S)
    _, doc = verify(r, S)
    assert only(doc, fact) == {"unauthorized"}
    r.git(S, "reset", "-q", "--hard", "HEAD~1")
    # the admin (an unbound clerk) moves HY2 to 河源市财政局: now the bound clerk may edit it …
    r.ok(S, "set", world.hy2, "unit=河源市财政局")
    p = f"cases/{world.hy2}/case.toml"
    edit(S / p, 'title = "', 'title = "本单位：')
    commit_all(r, S, [p], f"{world.hy2} 改标题\n\nCase: {world.hy2}\n", sign_with=clerk)
    _, doc = verify(r, S)
    assert doc["ok"], doc["problems"]
    # … but may not hand it on to another unit
    edit(S / p, 'unit = "河源市财政局"', f'unit = "{UNIT}"')
    commit_all(r, S, [p], f"{world.hy2} 改单位\n\nCase: {world.hy2}\n", sign_with=clerk)
    moved = head(r, S)
    _, doc = verify(r, S)
    assert only(doc, moved) == {"unauthorized"}


@pytest.mark.parametrize("how", ["key-removed", "key-garbled"])
def test_policy_without_an_admin_key(world, st, how):
    """An admin commits (by hand) a policy in which no admin has a usable key: nobody could ever change
    the policy again. A garbled key text is no key either."""
    r, S = st
    pol = S / ".tracker" / "policy.toml"
    line = key_line(Path(f"{world.keys['admin']}.pub"))
    if how == "key-removed":
        edit(pol, f'    "{line}",\n', "")
    else:
        edit(pol, line, "ssh-ed25519 这不是密钥")
    commit_all(r, S, [".tracker/policy.toml"], "修改管理员的密钥\n\nTracker-Action: people-remove\n",
               sign_with=world.keys["admin"])
    sha = head(r, S)
    _, doc = verify(r, S)
    rules = only(doc, sha)
    assert rules and rules <= {"policy-no-admin", "malformed-policy"}, doc["problems"]


# ---------------------------------------------------------------------------------------
# renumbering (what `tracker sync` does when two offices opened cases with the same number)

NEW_ID = "HY-2025-0009"


@pytest.mark.parametrize("how", ["genuine", "facts-changed", "decision-edited", "file-added", "created-on-changed"])
def test_renumber_commit(world, st, how):
    r, S = st
    r.ok(S, "advance", world.hy1, "submit", "--opinion", "申报")
    old_dir, new_dir = f"cases/{world.hy1}", f"cases/{NEW_ID}"
    r.git(S, "mv", old_dir, new_dir)
    case = S / new_dir / "case.toml"
    edit(case, f'id = "{world.hy1}"', f'id = "{NEW_ID}"')
    if how == "facts-changed":
        edit(case, "budget_wan = 80", "budget_wan = 800")
    elif how == "decision-edited":
        edit(S / new_dir / "decisions" / "0001-submit.toml", 'opinion = "申报"', 'opinion = "已改"')
    elif how == "file-added":
        (S / new_dir / "attachments" / "偷偷加的.txt").write_text("x\n", encoding="utf-8")
    elif how == "created-on-changed":
        edit(case, 'created_on = 2025-03-03', 'created_on = 2025-01-02')
    msg = (f"{NEW_ID} 案件重新编号（原 {world.hy1}）\n\n"
           f"Case: {NEW_ID}\nAction: renumber\nRenumbered-From: {world.hy1}\n")
    commit_all(r, S, [new_dir], msg, sign_with=world.keys["admin"])
    sha = head(r, S)
    if how == "genuine":
        _, doc = verify(r, S)
        assert doc["ok"], doc["problems"]
        _, log = r.json(S, "log", NEW_ID)
        assert len(log["entries"]) == 5, "the case's history under its old id belongs to it"
        assert all(e["signature"] == "good" for e in log["entries"])
        return
    _, doc = verify(r, S)
    assert doc["ok"] is False
    assert only(doc, sha), doc["problems"]


# ---------------------------------------------------------------------------------------
# merges made by hand

def _signed(world) -> list[str]:
    return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={world.keys['admin']}"]


@pytest.mark.parametrize("how, rule", [("clean", None), ("ours-drops-new-case", "merge-changes"),
                                       ("conflict-resolved", "merge-conflict"), ("evil", "merge-changes")])
def test_hand_made_merges(world, st, how, rule):
    r, S = st
    dropped = None
    r.git(S, "checkout", "-q", "-b", "side")
    if how == "ours-drops-new-case":
        _, d = r.json(S, "new", "--jurisdiction", JUR, "--title", "旁支新案件", "--unit", UNIT,
                      "--set", "budget_wan=10", "--set", "category=professional")
        dropped = d["id"]
    elif how == "conflict-resolved":
        r.ok(S, "set", world.hy2, "title=旁支的标题")
    else:
        r.ok(S, "set", world.hy1, "title=旁支的标题")
    side = head(r, S)
    r.git(S, "checkout", "-q", "main")
    r.ok(S, "set", world.hy2, "title=主干的标题")
    main = head(r, S)
    sign = _signed(world)
    if how == "clean":
        r.git(S, *sign, "merge", "-q", "--no-ff", "-S", "--no-verify", "-m", "合并", "side")
    elif how == "ours-drops-new-case":
        r.git(S, *sign, "merge", "-q", "-s", "ours", "-S", "--no-verify", "-m", "合并", "side")
        assert not (S / "cases" / dropped).exists()
    elif how == "conflict-resolved":
        assert r.git(S, "merge", "-q", "--no-ff", "side", check=False).returncode != 0
        r.git(S, "checkout", "--ours", "--", f"cases/{world.hy2}/case.toml")
        r.git(S, "add", f"cases/{world.hy2}/case.toml")
        r.git(S, *sign, "commit", "-q", "-S", "--no-verify", "-m", "合并（保留主干）")
    else:
        r.git(S, "merge", "-q", "--no-ff", "--no-commit", "side")
        edit(S / "cases" / world.yn1 / "case.toml", 'title = "', 'title = "合并时顺手改：')
        r.git(S, "add", f"cases/{world.yn1}/case.toml")
        r.git(S, *sign, "commit", "-q", "-S", "--no-verify", "-m", "合并")
    merge = head(r, S)
    assert r.out(S, "rev-list", "--parents", "-n", "1", merge).split()[1:] == [main, side]
    _, doc = verify(r, S)
    if rule is None:
        assert doc["ok"], doc["problems"]
        return
    assert rule in only(doc, merge), doc["problems"]
    case = {"ours-drops-new-case": dropped, "conflict-resolved": world.hy2, "evil": world.yn1}[how]
    assert any(p["case"] == case and p["rule"] == rule for p in doc["problems"]), doc["problems"]


# ---------------------------------------------------------------------------------------
# incremental verification

def _unsigned_edit(world, r, S, cid: str, title: str) -> str:
    p = f"cases/{cid}/case.toml"
    edit(S / p, 'title = "', f'title = "{title}')
    commit_all(r, S, [p], f"{cid} 改标题\n\nCase: {cid}\n", sign_with=None)
    return head(r, S)


def test_verify_from_checks_only_later_commits(world, st):
    r, S = st
    bad = _unsigned_edit(world, r, S, world.hy2, "未签名：")
    r.ok(S, "set", world.hy1, "title=之后的好提交")
    good = head(r, S)
    _, doc = verify(r, S)
    assert only(doc, bad) == {"unsigned"}
    _, doc = verify(r, S, "--from", bad)
    assert doc["ok"] is True and doc["checked"] == 1 and doc["problems"] == [], doc
    _, doc = verify(r, S, "--from", f"{bad}~1")
    assert doc["checked"] == 2 and only(doc, bad) == {"unsigned"}
    _, doc = verify(r, S, "--from", good)
    assert doc["ok"] is True and doc["checked"] == 0


def test_verify_from_an_unknown_revision_is_bad_input(world, st):
    r, S = st
    p = r.tracker(S, "verify", "--from", "no-such-rev")
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and p.stderr.strip()


def test_cache_follows_the_history(world, st):
    r, S = st
    _, first = verify(r, S)
    _, again = verify(r, S)
    assert again["new"] == 0 and again["checked"] == first["checked"] and again["ok"]
    bad = _unsigned_edit(world, r, S, world.hy2, "未签名：")
    _, doc = verify(r, S)
    assert doc["new"] == 1 and only(doc, bad) == {"unsigned"}
    _, doc = verify(r, S)
    assert doc["new"] == 0 and only(doc, bad) == {"unsigned"}, "a cached problem is still reported"
    # history rewritten: the problem commit is gone, a different commit takes its place
    r.git(S, "reset", "-q", "--hard", "HEAD~1")
    r.ok(S, "set", world.hy2, "title=重写后的好提交")
    _, doc = verify(r, S)
    assert doc["ok"] is True and doc["problems"] == [], doc
    assert doc["new"] == 1 and doc["checked"] == first["checked"] + 1
    # and the next new commit is checked, not taken from the cache
    other = _unsigned_edit(world, r, S, world.yn1, "又一个未签名：")
    _, doc = verify(r, S)
    assert doc["new"] == 1 and only(doc, other) == {"unsigned"}
    # back to the old problem commit (still in the object store and in the cache): reported again
    r.git(S, "reset", "-q", "--hard", bad)
    _, doc = verify(r, S)
    assert only(doc, bad) == {"unsigned"} and doc["new"] == 0


def test_cached_count_and_trust_root_follow_the_history(world, st):
    """A run reuses what the last one established about its tip (the trust root is in the history,
    the number of commits) only while that tip is still in the history."""
    r, S = st

    def count() -> int:
        return int(r.out(S, "rev-list", "--count", "HEAD"))

    for step in range(3):
        _, doc = verify(r, S)
        assert doc["ok"] and doc["checked"] == count(), (step, doc)
        r.ok(S, "set", world.hy2, f"title=第{step}次修改")
    _, doc = verify(r, S)
    assert doc["new"] == 1 and doc["checked"] == count()
    # back two commits and on again: the cached tip is no longer in the history
    r.git(S, "reset", "-q", "--hard", "HEAD~2")
    r.ok(S, "set", world.hy2, "title=另一条历史")
    _, doc = verify(r, S)
    assert doc["ok"] and doc["checked"] == count(), doc
    # a history that no longer starts at the trust root, though it ends in commits verified before
    empty_tree = r.out(S, "hash-object", "-t", "tree", "-w", "--stdin")
    orphan = r.git(S, "commit-tree", empty_tree, "-m", "另一个起点").stdout.decode().strip()
    tree = r.out(S, "rev-parse", "HEAD^{tree}")
    grafted = r.git(S, "commit-tree", tree, "-p", orphan, "-m", "嫁接").stdout.decode().strip()
    r.git(S, "reset", "-q", "--hard", grafted)
    _, doc = verify(r, S)
    assert "trust-root-missing" in {p["rule"] for p in doc["problems"]}, doc["problems"]
    assert doc["checked"] == count() == 2
    _, doc = verify(r, S)   # and again, from the cache
    assert "trust-root-missing" in {p["rule"] for p in doc["problems"]}, doc["problems"]


def test_trust_root(world, st):
    r, S = st
    empty_tree = r.out(S, "hash-object", "-t", "tree", "-w", "--stdin")
    orphan = r.git(S, "commit-tree", empty_tree, "-m", "另一个起点").stdout.decode().strip()
    r.git(S, "config", "tracker.trustRoot", orphan)
    _, doc = verify(r, S)
    assert "trust-root-missing" in {p["rule"] for p in doc["problems"]}, doc["problems"]
    assert doc["trust_root"] == orphan
    r.git(S, "config", "--unset", "tracker.trustRoot")
    _, doc = verify(r, S)  # an unpinned clone pins its only root commit on first use
    assert doc["ok"] and doc["trust_root"] == world.trust_root, doc
    assert r.out(S, "config", "tracker.trustRoot") == world.trust_root
    r.git(S, "config", "tracker.trustRoot", world.trust_root)
    _, doc = verify(r, S)
    assert doc["ok"], doc["problems"]


# ---------------------------------------------------------------------------------------
# the audit trail

def test_log_signature_statuses_and_signers(world, st):
    r, S = st
    r.ok(S, "advance", world.hy1, "submit", "--opinion", "申报")
    good = head(r, S)
    p = f"cases/{world.hy1}/case.toml"
    edit(S / p, 'title = "', 'title = "陌生人改：')
    commit_all(r, S, [p], f"{world.hy1} 改标题\n\nCase: {world.hy1}\n", sign_with=world.keys["stranger"])
    unknown = head(r, S)
    d = submit1(world, seq=2, frm="application", to="initial_review")
    unauthorized = hand_decision_commit(r, S, d, sign_with=world.keys["fin"])   # finance is not the unit
    unsigned = _unsigned_edit(world, r, S, world.hy1, "未签名：")
    r.ok(S, "set", world.yn1, "title=别的案件")
    _, doc = r.json(S, "log", world.hy1)
    entries = doc["entries"]
    assert [e["commit"] for e in entries[:4]] == [unsigned, unauthorized, unknown, good], "newest first"
    assert len(entries) == 7, "new, two attachments, four commits here; not the other case's commit"
    by = {e["commit"]: e for e in entries}
    for e in entries:
        assert set(e) >= {"commit", "committed_at", "decided_on", "signer", "role", "signature", "action",
                          "from", "to", "opinion"}
    g = by[good]
    assert g["signature"] == "good" and g["signer"] == "测试员 <clerk@example.gov.cn>"
    assert (g["action"], g["from"], g["to"], g["role"], g["decided_on"]) == ("submit", "proposal", "application",
                                                                            "unit", TODAY)
    assert g["opinion"] == "申报"
    u = by[unknown]
    assert u["signature"] == "unknown_key"
    assert u["fingerprint"] == fingerprint(Path(f"{world.keys['stranger']}.pub"))
    assert "测试员" not in (u["signer"] or "") and "财务" not in (u["signer"] or "")
    a = by[unauthorized]
    assert a["signature"] == "unauthorized" and a["signer"] == "财务 <fin@example.gov.cn>"
    assert a["action"] == "submit" and a["role"] == "unit"
    assert by[unsigned]["signature"] == "unsigned" and by[unsigned]["signer"] is None
    assert all(by[c]["signature"] == "good" for c in by if c not in (unknown, unauthorized, unsigned))


# ---------------------------------------------------------------------------------------
# OpenPGP

GPG = shutil.which("gpg")
GPG_PARAMS = """\
%no-protection
Key-Type: eddsa
Key-Curve: ed25519
Key-Usage: sign
Name-Real: 财务丙
Name-Email: pgp@example.gov.cn
Expire-Date: 0
%commit
"""


@pytest.fixture
def gnupg(tmp_path_factory):
    if GPG is None:
        pytest.skip("gpg is not installed: the OpenPGP path cannot be exercised")
    home = Path(tmp_path_factory.mktemp("g", numbered=True))
    home.chmod(0o700)
    env = {"GNUPGHOME": str(home)}
    e = {**os.environ, **env}
    p = subprocess.run([GPG, "--batch", "--gen-key"], input=GPG_PARAMS, text=True, capture_output=True, env=e)
    if p.returncode != 0:
        pytest.skip(f"gpg cannot generate a key here: {p.stderr.strip()[-200:]}")
    out = subprocess.run([GPG, "--batch", "--with-colons", "--fingerprint", "pgp@example.gov.cn"], text=True,
                         capture_output=True, env=e).stdout
    fpr = next(ln.split(":")[9] for ln in out.splitlines() if ln.startswith("fpr:"))
    yield env, fpr
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=e, capture_output=True)


def test_openpgp_signed_commits(world, st, gnupg):
    r, S = st
    env, fpr = gnupg
    r.ok(S, "people", "add", "财务丙", "--email", "pgp@example.gov.cn", "--key", f"openpgp:{fpr}",
         "--role", f"{JUR}:unit", env=env)
    _, people = r.json(S, "people", "list")
    row = next(p for p in people["people"] if p["email"] == "pgp@example.gov.cn")
    assert row["fingerprints"] == [f"openpgp:{fpr}"]
    pgp = ["-c", "gpg.format=openpgp", "-c", f"user.signingkey={fpr}"]

    def pgp_edit(cid: str, title: str) -> str:
        p = f"cases/{cid}/case.toml"
        edit(S / p, 'title = "', f'title = "{title}')
        r.git(S, "add", p)
        r.git(S, *pgp, "commit", "-q", "-S", "--no-verify", "-m", f"{cid} 改标题\n\nCase: {cid}", env=env)
        return head(r, S)

    sha = pgp_edit(world.hy1, "PGP：")
    assert "BEGIN PGP SIGNATURE" in r.out(S, "cat-file", "commit", sha)
    _, doc = verify(r, S, env=env)
    assert doc["ok"], doc["problems"]
    _, log = r.json(S, "log", world.hy1, env=env)
    e = next(e for e in log["entries"] if e["commit"] == sha)
    assert e["signature"] == "good" and e["signer"] == "财务丙 <pgp@example.gov.cn>"
    # tracker itself signs with the OpenPGP key through --key
    r.ok(S, "--key", fpr, "set", world.hy1, "title=经 tracker 以 OpenPGP 签名", env=env)
    by_tracker = head(r, S)
    assert "BEGIN PGP SIGNATURE" in r.out(S, "cat-file", "commit", by_tracker)
    # removed from the policy: later OpenPGP-signed commits are unknown keys, earlier ones still good
    r.ok(S, "people", "remove", "财务丙", env=env)
    later = pgp_edit(world.hy1, "撤销后：")
    _, doc = verify(r, S, env=env)
    assert only(doc, later) == {"unknown-key"}, doc["problems"]
    _, log = r.json(S, "log", world.hy1, env=env)
    status = {e["commit"]: e["signature"] for e in log["entries"]}
    assert status[sha] == status[by_tracker] == "good" and status[later] == "unknown_key"
    # and tracker refuses to sign with it now
    before = head(r, S)
    p = r.tracker(S, "--key", fpr, "set", world.hy1, "title=不该成功", env=env)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert head(r, S) == before


def test_cached_facts_are_not_reused_when_replace_refs_cut_the_history(world, st):
    """`git replace --graft` changes which commits a history holds without changing HEAD: what the
    cache established for that tip (the trust root is in it, how many commits) is checked again."""
    r, S = st
    _, doc = verify(r, S)
    assert doc["ok"]
    r.git(S, "replace", "--graft", "HEAD~1")       # HEAD~1 now has no parents: the root is cut off
    _, doc = verify(r, S)
    assert "trust-root-missing" in {p["rule"] for p in doc["problems"]}, doc["problems"]
    assert doc["checked"] == int(r.out(S, "rev-list", "--count", "HEAD")) == 2


def test_verify_batch_size_from_the_environment(monkeypatch):
    from tracker.store import verify as V

    for raw, want in (("0", 1), ("-3", 1), ("x", 10000), ("", 10000), ("250", 250)):
        monkeypatch.setenv("TRACKER_VERIFY_BATCH", raw)
        assert V._batch_size() == want
