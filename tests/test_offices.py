"""Acceptance of issue 3: offices (clones) around a shared bare remote made by `tracker remote init`.

Independent acceptance tests, driven only through the real CLI and system git in subprocesses, with
throwaway ssh-keygen keys per role. An expensive base world is built once per module:

- office A: the store made by `tracker init` with the admin's key; the admin 测试员 is also the
  河源 clerk (heyuan:unit, bound to 河源市教育局); 财务乙 (heyuan:finance) also works in office A;
- office B: a `tracker clone` of the remote, signing as 财务甲 (heyuan:finance);
- 数据局 (heyuan:data_bureau) has a key; a stranger's key is in no policy;
- case C1 (approval track) waits at funding_review (财务局 decides), case C2 (filing track) is at
  proposal with its documents attached, ready to be submitted by the clerk.

Every test works on its own copy of the remote and the offices.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from offices_helpers import (JUR, TODAY, UNIT, HandDecision, Runner, attach_doc, commit_by_hand, copy_world,
                             hand_decision_commit, head, keygen, make_env, missing_docs, problems_by_commit,
                             remote_main, stage_of, use_key)


class World:
    pass


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("offices")
    w = World()
    w.base = base
    w.env = make_env(base / "home")
    r = w.r = Runner(w.env)
    kd = base / "keys"
    kd.mkdir()
    w.admin, w.fin, w.fin2, w.db, w.stranger = (keygen(kd / n, n) for n in ("admin", "fin", "fin2", "db", "stranger"))
    A = base / "A"
    r.ok(base, "--key", str(w.admin), "init", str(A))
    use_key(r, A, w.admin)
    r.ok(A, "people", "add", "测试员", "--email", "clerk@example.gov.cn", "--role", f"{JUR}:unit", "--unit", UNIT)
    r.ok(A, "people", "add", "财务甲", "--email", "fin@example.gov.cn", "--key", f"{w.fin}.pub",
         "--role", f"{JUR}:finance")
    r.ok(A, "people", "add", "财务乙", "--email", "fin2@example.gov.cn", "--key", f"{w.fin2}.pub",
         "--role", f"{JUR}:finance")
    r.ok(A, "people", "add", "数据局", "--email", "db@example.gov.cn", "--key", f"{w.db}.pub",
         "--role", f"{JUR}:data_bureau")
    # C1: approval track, walked to funding_review (finance decides)
    _, doc = r.json(A, "new", "--jurisdiction", JUR, "--title", "智慧教育平台", "--unit", UNIT,
                    "--set", "budget_wan=80", "--set", "category=professional")
    w.c1 = doc["id"]
    for step, key, kinds in (("submit", None, ("project_plan", "review_opinion")),
                             ("submit", None, ("application_form", "data_checklist", "necessity_docs")),
                             ("approve", w.db, ("initial_review_opinion",))):
        for kind in kinds:
            attach_doc(r, A, w.c1, kind)
        r.ok(A, *(["--key", str(key)] if key else []), "advance", w.c1, step, "--opinion", "同意")
    assert stage_of(r, A, w.c1) == "funding_review"
    assert missing_docs(r, A, w.c1, "approve") == ["funding_opinion"]
    # C2: filing track, at proposal, ready to submit
    _, doc = r.json(A, "new", "--jurisdiction", JUR, "--title", "校园网络改造", "--unit", UNIT,
                    "--set", "budget_wan=45", "--set", "category=professional")
    w.c2 = doc["id"]
    for kind in ("project_plan", "review_opinion"):
        attach_doc(r, A, w.c2, kind)
    assert missing_docs(r, A, w.c2, "submit") == []
    # the shared remote and office B
    R = base / "remote.git"
    r.ok(A, "remote", "init", str(R))
    r.ok(A, "sync", str(R))
    B = base / "B"
    r.ok(base, "clone", str(R), str(B))
    use_key(r, B, w.fin, "财务甲", "fin@example.gov.cn")
    w.R, w.A, w.B = R, A, B
    w.trust_root = r.out(A, "rev-list", "--max-parents=0", "HEAD")
    w.base_head = head(r, A)
    assert head(r, B) == w.base_head == remote_main(r, R)
    return w


@pytest.fixture
def offices(world, tmp_path):
    """A private copy of the remote and both offices: (runner, remote, A, B)."""
    remote, c = copy_world(world.R, {"A": world.A, "B": world.B}, tmp_path, world.r)
    return world.r, remote, c["A"], c["B"]


def _short_in(sha: str, text: str) -> bool:
    return sha[:7] in text


def _verify(r: Runner, office: Path, expect: int | None = None) -> tuple[int, dict]:
    return r.json(office, "verify", expect=expect)


def _log(r: Runner, office: Path, case: str) -> dict[str, dict]:
    _, doc = r.json(office, "log", case)
    return {e["commit"]: e for e in doc["entries"]}


def _push_refused(r: Runner, office: Path, remote: Path, *refspec: str, force: bool = False) -> str:
    before = remote_main(r, remote)
    p = r.git(office, "push", *(["--force"] if force else []), "origin", *(refspec or ("HEAD:refs/heads/main",)),
              check=False)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode != 0, f"the remote accepted the push:\n{err}"
    assert remote_main(r, remote) == before, "the remote's main moved although the push was refused"
    return err


# ---------------------------------------------------------------------------------------
# 1. concurrent work on different cases

def test_offices_on_different_cases_sync_cleanly(world, offices):
    r, remote, A, B = offices
    # the clone pinned the trust root and activated the hooks
    assert r.out(B, "config", "tracker.trustRoot") == world.trust_root
    assert r.out(B, "config", "core.hooksPath") == "hooks"
    # office A: the clerk submits C2; office B: finance decides C1 — concurrently, before any sync
    r.ok(A, "advance", world.c2, "submit", "--opinion", "请备案")
    a_commit = head(r, A)
    attach_doc(r, B, world.c1, "funding_opinion")
    r.ok(B, "advance", world.c1, "approve", "--opinion", "资金已落实")
    b_commit = head(r, B)
    assert r.out(A, "rev-parse", "HEAD~1") == r.out(B, "rev-parse", "HEAD~2") == world.base_head

    r.ok(A, "sync")                      # first: nothing new on the remote, A's commit is pushed
    assert remote_main(r, remote) == a_commit
    r.ok(B, "sync")                      # B integrates A's commit (signed merge) and pushes
    r.ok(A, "sync")                      # A fast-forwards to B's merge
    assert head(r, A) == head(r, B) == remote_main(r, remote)
    merge = head(r, A)
    parents = r.out(A, "rev-list", "--parents", "-n", "1", merge).split()[1:]
    assert set(parents) == {a_commit, b_commit}, "B's sync should have merged both lines of work"
    assert "gpgsig" in r.out(A, "cat-file", "commit", merge), "the merge commit must be signed"

    for office in (A, B):
        _, doc = _verify(r, office, expect=0)
        assert doc["ok"] is True and doc["problems"] == []
        assert doc["trust_root"] == world.trust_root
    _, again = _verify(r, B, expect=0)          # incremental: nothing new the second time
    assert again["new"] == 0 and again["checked"] == doc["checked"]
    assert stage_of(r, B, world.c2) == "filing" and stage_of(r, A, world.c1) == "approval"
    files = r.out(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert f"cases/{world.c2}/decisions/0001-submit.toml" in files
    assert f"cases/{world.c1}/decisions/0004-approve.toml" in files
    history = r.out(remote, "log", "--format=%H", "main").split()
    assert a_commit in history and b_commit in history


# ---------------------------------------------------------------------------------------
# 2. concurrent decisions on one case

def test_concurrent_decisions_on_one_case_are_detected(world, offices):
    r, remote, A, B = offices
    c1 = world.c1
    # office B (财务甲) approves C1; office A (财务乙, same role) returns it — neither has synced
    attach_doc(r, B, c1, "funding_opinion")
    r.ok(B, "advance", c1, "approve", "--opinion", "资金已落实")
    b_dec = head(r, B)
    r.ok(A, "--key", str(world.fin2), "advance", c1, "return", "--opinion", "资金来源不明，退回")
    a_dec = head(r, A)
    r.ok(B, "sync")
    assert remote_main(r, remote) == b_dec
    before = head(r, A)
    status = r.out(A, "status", "--porcelain")
    p = r.tracker(A, "sync")
    text = p.stdout + p.stderr
    assert p.returncode == 1, f"sync must refuse (exit 1), got {p.returncode}:\n{text}"
    assert c1 in text
    assert _short_in(a_dec, text), f"the local decision {a_dec[:10]} is not named:\n{text}"
    assert _short_in(b_dec, text), f"the remote decision {b_dec[:10]} is not named:\n{text}"
    assert "Traceback" not in text
    assert head(r, A) == before, "nothing may be merged"
    assert r.out(A, "status", "--porcelain") == status
    assert r.git(A, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode != 0
    assert remote_main(r, remote) == b_dec
    _verify(r, A, expect=0)  # A's own history is still fine

    # splicing both decisions with a plain git merge (bypassing sync) is refused by the remote
    r.git(A, "fetch", "-q", "origin")
    r.git(A, "-c", "gpg.format=ssh", "-c", f"user.signingkey={world.admin}", "merge", "-q", "--no-ff",
          "--no-verify", "-S", "-m", "手工合并", "origin/main")
    merge = head(r, A)
    _, doc = _verify(r, A, expect=1)
    assert "concurrent-decisions" in problems_by_commit(doc).get(merge, set()), doc["problems"]
    err = _push_refused(r, A, remote)
    assert "concurrent-decisions" in err


# ---------------------------------------------------------------------------------------
# 3. decisions committed with --no-verify: unsigned, unknown key, key without the role

def _c2_submit(world) -> HandDecision:
    return HandDecision(case=world.c2, seq=1, action="submit", kind="submit", frm="proposal", to="filing",
                        track="filing", role="unit")


def _log_word(r: Runner, office: Path, case: str, sha: str) -> str:
    """The line after the entry's first line in the human `tracker log` (holds the status word)."""
    lines = r.ok(office, "log", case).stdout.splitlines()
    for i, ln in enumerate(lines):
        if ln.startswith(sha[:10]):
            return "\n".join(lines[i:i + 2])
    raise AssertionError(f"{sha[:10]} not in tracker log {case}:\n" + "\n".join(lines))


@pytest.mark.parametrize("signer, rule, status, word", [
    (None, "unsigned", "unsigned", "未签名"),
    ("stranger", "unknown-key", "unknown_key", "未知密钥"),
    ("fin", "unauthorized", "unauthorized", "未授权"),      # finance may not act as the unit
    ("admin", None, "good", "已验证"),                        # control: the same decision, rightly signed
], ids=["unsigned", "unknown-key", "unauthorized", "control-good"])
def test_no_verify_decision_reported_and_refused(world, offices, signer, rule, status, word):
    r, remote, A, B = offices
    key = getattr(world, signer) if signer else None
    sha = hand_decision_commit(r, A, _c2_submit(world), sign_with=key)
    entry = _log(r, A, world.c2)[sha]
    assert entry["signature"] == status
    assert entry["action"] == "submit" and entry["decided_on"] == TODAY
    assert word in _log_word(r, A, world.c2, sha)
    before = remote_main(r, remote)
    if rule is None:
        _verify(r, A, expect=0)
        r.ok(A, "sync")
        assert remote_main(r, remote) == sha
        return
    _, doc = _verify(r, A, expect=1)
    assert doc["ok"] is False
    probs = problems_by_commit(doc)
    assert set(probs) == {sha}, f"only the forged commit is wrong: {doc['problems']}"
    assert probs[sha] == {rule}, doc["problems"]
    assert all(p["case"] == world.c2 for p in doc["problems"])
    err = _push_refused(r, A, remote)
    assert rule in err, f"the remote should name the reason [{rule}]:\n{err}"
    assert sha[:10] in err
    p = r.tracker(A, "sync")
    assert p.returncode == 1, f"sync must refuse: {p.returncode}\n{p.stdout}\n{p.stderr}"
    assert remote_main(r, remote) == before
    # the other office never sees it
    r.ok(B, "sync")
    assert head(r, B) == before


# ---------------------------------------------------------------------------------------
# 4. a commit that adds its own signer to the policy

INTRUDER = """
[[person]]
name = "闯入者"
email = "intruder@example.com"
keys = ["{key}"]
roles = ["admin", "heyuan:finance"]
"""


def test_self_authorization_is_reported_and_refused(world, offices):
    r, remote, A, B = offices
    pub = Path(f"{world.stranger}.pub").read_text(encoding="utf-8").split()
    policy = B / ".tracker" / "policy.toml"
    policy.write_text(policy.read_text(encoding="utf-8") + INTRUDER.format(key=" ".join(pub[:2])), encoding="utf-8")
    r.git(B, "add", ".tracker/policy.toml")
    commit_by_hand(r, B, "授权：闯入者（admin）\n\nTracker-Action: people-add\nPerson: intruder@example.com\n",
                   sign_with=world.stranger)
    sha = head(r, B)
    _, doc = _verify(r, B, expect=1)
    rules = problems_by_commit(doc).get(sha, set())
    assert rules and rules <= {"self-authorization", "unknown-key"}, doc["problems"]
    err = _push_refused(r, remote=remote, office=B)
    assert sha[:10] in err
    assert r.tracker(B, "sync").returncode == 1
    assert remote_main(r, remote) == world.base_head


def test_non_admin_cannot_change_the_policy(world, offices):
    r, remote, A, B = offices
    # through the CLI: refused before anything is committed
    before = head(r, B)
    p = r.tracker(B, "people", "add", "财务甲", "--email", "fin@example.gov.cn", "--role", "admin",
                  "--signing-key", str(world.fin))
    assert p.returncode == 1, f"{p.returncode}\n{p.stdout}\n{p.stderr}"
    assert head(r, B) == before and r.out(B, "status", "--porcelain") == ""
    # by hand: 财务甲 (a known key, not an admin) makes itself admin
    policy = B / ".tracker" / "policy.toml"
    text = policy.read_text(encoding="utf-8")
    new = re.sub(r'(email = "fin@example.gov.cn"\nkeys = \[\n[^\]]*\]\nroles = \[\n)', r'\1    "admin",\n', text)
    assert new != text
    policy.write_text(new, encoding="utf-8")
    r.git(B, "add", ".tracker/policy.toml")
    commit_by_hand(r, B, "授权：财务甲（admin）\n\nTracker-Action: people-add\n", sign_with=world.fin)
    sha = head(r, B)
    _, doc = _verify(r, B, expect=1)
    assert problems_by_commit(doc).get(sha) == {"unauthorized"}, doc["problems"]
    _push_refused(r, B, remote)


# ---------------------------------------------------------------------------------------
# 5. editing or deleting an earlier decision

@pytest.mark.parametrize("how, rule", [("edit", "decision-edited"), ("delete", "decision-deleted"),
                                       ("delete-case", "decision-deleted")])
def test_changing_an_earlier_decision_is_refused(world, offices, how, rule):
    r, remote, A, B = offices
    path = f"cases/{world.c1}/decisions/0001-submit.toml"
    f = A / path
    if how == "edit":
        f.write_text(f.read_text(encoding="utf-8").replace('opinion = "同意"', 'opinion = "不同意"'), encoding="utf-8")
        r.git(A, "add", path)
    elif how == "delete":
        r.git(A, "rm", "-q", path)
    else:
        r.git(A, "rm", "-q", "-r", f"cases/{world.c1}")
    assert r.out(A, "diff", "--cached", "--name-only")
    msg = f"{world.c1} 更正\n\nCase: {world.c1}\n"
    p = commit_by_hand(r, A, msg, sign_with=None, no_verify=False, check=False)
    assert p.returncode != 0, "the pre-commit hook must refuse the commit"
    assert head(r, A) == world.base_head
    # bypassing the hooks (and signed by the admin/clerk): verify reports it, the remote refuses it
    commit_by_hand(r, A, msg, sign_with=world.admin)
    sha = head(r, A)
    _, doc = _verify(r, A, expect=1)
    assert rule in problems_by_commit(doc).get(sha, set()), doc["problems"]
    err = _push_refused(r, A, remote)
    assert rule in err
    assert r.tracker(A, "sync").returncode == 1
    assert remote_main(r, remote) == world.base_head


# ---------------------------------------------------------------------------------------
# 6. rewriting history

def test_force_push_rewriting_history_is_refused(world, offices):
    r, remote, A, B = offices
    signed = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={world.admin}"]
    # amend the last commit: still a valid, signed commit, only the history is rewritten
    r.git(A, *signed, "commit", "-q", "--amend", "--no-edit", "-S", "--no-verify", "--date=2025-03-03T12:00:00+08:00",
          env={"GIT_COMMITTER_DATE": "2025-03-03T12:00:00+08:00"})
    amended = head(r, A)
    assert amended != world.base_head
    _verify(r, A, expect=0)
    err = _push_refused(r, A, remote, force=True)
    assert "Everything up-to-date" not in err
    # drop the last two commits
    r.git(A, "reset", "-q", "--hard", f"{world.base_head}~2")
    _push_refused(r, A, remote, force=True)
    # delete main
    _push_refused(r, A, remote, ":refs/heads/main")
    # any other ref, even with good commits
    r.git(A, "reset", "-q", "--hard", world.base_head)
    r.ok(A, "advance", world.c2, "submit")
    _push_refused(r, A, remote, "HEAD:refs/heads/other")
    assert r.git(remote, "rev-parse", "-q", "--verify", "refs/heads/other", check=False).returncode != 0
    # while the same good commit on main goes through
    r.git(A, "push", "-q", "origin", "HEAD:refs/heads/main")
    assert remote_main(r, remote) == head(r, A)


# ---------------------------------------------------------------------------------------
# 7. revocation

def test_revoked_key_earlier_decisions_verify_later_ones_refused(world, offices):
    r, remote, A, B = offices
    earlier = r.out(A, "log", "--format=%H", "--", f"cases/{world.c1}/decisions/0003-approve.toml")
    assert len(earlier.split()) == 1, earlier
    r.ok(A, "advance", world.c2, "submit")                 # C2 now waits for the data bureau
    r.ok(A, "people", "remove", "数据局")
    removal = head(r, A)
    # tracker itself refuses to sign with the revoked key
    p = r.tracker(A, "--key", str(world.db), "advance", world.c2, "return", "--opinion", "退回")
    assert p.returncode == 1, f"{p.returncode}\n{p.stdout}\n{p.stderr}"
    assert head(r, A) == removal and r.out(A, "status", "--porcelain") == ""
    # by hand, bypassing the hooks
    d = HandDecision(case=world.c2, seq=2, action="return", kind="return", frm="filing", to="proposal",
                     track="filing", role="data_bureau")
    sha = hand_decision_commit(r, A, d, sign_with=world.db)
    _, doc = _verify(r, A, expect=1)
    assert problems_by_commit(doc) == {sha: {"unknown-key"}}, doc["problems"]
    e = _log(r, A, world.c1)[earlier]
    assert e["signature"] == "good" and "数据局" in (e["signer"] or ""), e
    assert "已验证" in _log_word(r, A, world.c1, earlier)
    assert _log(r, A, world.c2)[sha]["signature"] == "unknown_key"
    _push_refused(r, A, remote)
    # everything up to the revocation is accepted; only the revoked key's later decision is not
    r.git(A, "push", "-q", "origin", f"{removal}:refs/heads/main")
    assert remote_main(r, remote) == removal
    _push_refused(r, A, remote)
    assert remote_main(r, remote) == removal


# ---------------------------------------------------------------------------------------
# 8. tracker verify agrees with git verify-commit

def _tamper(r: Runner, repo: Path, old: str, how: str = "message") -> str:
    raw = r.git(repo, "cat-file", "commit", old).stdout
    header, sep, message = raw.partition(b"\n\n")
    if how == "message":
        i = message.index(b"2025")
        message = message[:i] + b"2026" + message[i + 4:]   # one character: 2025 -> 2026
    else:
        own = r.out(repo, "rev-parse", f"{old}^{{tree}}")
        other = r.out(repo, "rev-parse", f"{old}~2^{{tree}}")   # the same case, one attachment less
        header = header.replace(f"tree {own}".encode(), f"tree {other}".encode(), 1)
    new = r.git(repo, "hash-object", "-t", "commit", "-w", "--stdin", input=header + sep + message).stdout.decode().strip()
    assert new != old
    return new


def test_verify_agrees_with_git_verify_commit(world, offices, tmp_path):
    r, remote, A, B = offices
    # merges: both offices work, both sync
    attach_doc(r, B, world.c1, "funding_opinion")
    r.ok(B, "sync")
    r.ok(A, "advance", world.c2, "submit")
    r.ok(A, "sync")
    assert len(r.out(A, "rev-list", "--merges", "HEAD").split()) == 1
    # then forged commits of every kind on top
    case_toml = A / "cases" / world.c2 / "case.toml"

    def edit_title(title: str, key):
        case_toml.write_text(re.sub(r'title = ".*"', f'title = "{title}"', case_toml.read_text(encoding="utf-8")),
                             encoding="utf-8")
        r.git(A, "add", str(case_toml))
        commit_by_hand(r, A, f"{world.c2} 修改标题\n\nCase: {world.c2}\n", sign_with=key)
        return head(r, A)

    unsigned = edit_title("未签名标题", None)
    unknown = edit_title("陌生人标题", world.stranger)
    d = HandDecision(case=world.c2, seq=2, action="return", kind="return", frm="filing", to="proposal",
                     track="filing", role="data_bureau")
    unauthorized = hand_decision_commit(r, A, d, sign_with=world.fin)
    good = edit_title("管理员标题", world.admin)
    bad = _tamper(r, A, good)
    r.git(A, "update-ref", "refs/heads/main", bad, good)
    r.git(A, "reset", "-q", "--hard")

    _, doc = _verify(r, A, expect=1)
    probs = problems_by_commit(doc)
    assert probs.get(unsigned) == {"unsigned"}
    assert probs.get(unknown) == {"unknown-key"}
    assert probs.get(unauthorized) == {"unauthorized"}
    assert probs.get(bad) == {"bad-signature"}
    statuses = {**_log(r, A, world.c1), **_log(r, A, world.c2)}

    _, people = r.json(A, "people", "list")
    signers = tmp_path / "allowed_signers"
    signers.write_text("".join(f'{p["email"]} namespaces="git" {k}\n' for p in people["people"] for k in p["keys"]),
                       encoding="utf-8")
    commits = r.out(A, "rev-list", "HEAD").split()
    assert len(commits) >= 25
    disagree = []
    invalid_sig = {"unsigned", "unknown-key", "bad-signature", "self-authorization"}
    for sha in commits:
        git_ok = r.git(A, "-c", f"gpg.ssh.allowedSignersFile={signers}", "verify-commit", sha,
                       check=False).returncode == 0
        ours_ok = not (probs.get(sha, set()) & invalid_sig)
        if sha in statuses:
            assert ours_ok == (statuses[sha]["signature"] in ("good", "unauthorized")), (sha, statuses[sha])
        if git_ok != ours_ok:
            disagree.append((sha[:10], git_ok, sorted(probs.get(sha, ())), statuses.get(sha, {}).get("signature")))
    assert not disagree, f"tracker verify and git verify-commit disagree: {disagree}"
    assert {unsigned, unknown, bad} <= {s for s in commits if probs.get(s, set()) & invalid_sig}


# ---------------------------------------------------------------------------------------
# 9. a tampered commit

@pytest.mark.parametrize("how", ["message", "tree"])
def test_tampered_commit_is_a_bad_signature(world, offices, how):
    r, remote, A, B = offices
    old = world.base_head
    assert r.out(A, "diff-tree", "--no-commit-id", "--name-only", "-r", old).startswith(f"cases/{world.c2}/")
    new = _tamper(r, A, old, how)
    r.git(A, "update-ref", "refs/heads/main", new, old)
    r.git(A, "reset", "-q", "--hard")
    _, doc = _verify(r, A, expect=1)
    rules = problems_by_commit(doc)
    assert set(rules) == {new}, doc["problems"]
    assert "bad-signature" in rules[new], doc["problems"]
    if how == "message":
        assert rules[new] == {"bad-signature"}
    assert _log(r, A, world.c2)[new]["signature"] == "bad"
    assert "签名无效" in _log_word(r, A, world.c2, new)
    r.git(A, "fetch", "-q", "origin")
    _push_refused(r, A, remote, force=True)  # (not a fast-forward either way; the remote must say no)
    # on top of the untampered history, a tampered commit is refused for its signature
    r.git(A, "update-ref", "refs/heads/main", r.out(A, "rev-parse", "origin/main"))
    r.git(A, "reset", "-q", "--hard")
    r.ok(A, "advance", world.c2, "submit")
    good = head(r, A)
    forged = _tamper(r, A, good, "message")
    r.git(A, "update-ref", "refs/heads/main", forged, good)
    err = _push_refused(r, A, remote)
    assert "bad-signature" in err


# ---------------------------------------------------------------------------------------
# 10. a decision that cannot be signed

def _state(r: Runner, repo: Path) -> tuple:
    return (head(r, repo), r.out(repo, "status", "--porcelain", "--untracked-files=all"),
            r.git(repo, "diff", "--cached", "--binary").stdout, r.git(repo, "diff", "--binary").stdout,
            sorted(p.name for p in (repo / "cases").rglob("*")))


def _keyless(r: Runner, world, A: Path, how: str) -> tuple[list[str], Path | None]:
    """The advance command for one way of being unable to sign, and the key file involved."""
    args = ["advance", world.c2, "submit", "--opinion", "请备案"]
    if how == "missing-key-file":
        key = A.parent / "no-such-key"
        return ["--key", str(key), *args], key
    if how == "not-a-key":
        key = A.parent / "junk-key"
        key.write_text("this is not a key\n", encoding="utf-8")
        return ["--key", str(key), *args], key
    if how == "config-missing-key":
        key = A.parent / "gone"
        r.git(A, "config", "user.signingkey", str(key))
        return args, key
    return ["--key", str(world.fin), *args], None


@pytest.mark.parametrize("how, code", [("missing-key-file", 2), ("not-a-key", 2), ("config-missing-key", 2),
                                       ("key-without-role", 1)])
def test_decision_without_usable_key_changes_nothing(world, offices, how, code):
    r, remote, A, B = offices
    # some unrelated work in progress that must survive untouched
    (A / "草稿.txt").write_text("未提交的草稿\n", encoding="utf-8")
    (A / "jurisdictions" / "README.md").write_text("staged edit\n", encoding="utf-8")
    r.git(A, "add", "jurisdictions/README.md")
    args, _ = _keyless(r, world, A, how)
    before = _state(r, A)
    p = r.tracker(A, *args)
    assert p.returncode == code, f"{p.returncode}\n{p.stdout}\n{p.stderr}"
    assert "Traceback" not in p.stderr and p.stderr.strip()
    assert _state(r, A) == before
    assert not (A / "cases" / world.c2 / "decisions").exists()


# ---------------------------------------------------------------------------------------
# 11. the audit trail in words, with the decided-on date beside the commit date

def test_log_shows_verified_and_decided_on_date(world, offices):
    r, remote, A, B = offices
    later = {"TRACKER_TODAY": "2025-03-20"}
    r.ok(A, "advance", world.c2, "submit", "--on", "2025-03-10", "--opinion", "补录：三月十日已提交", env=later)
    sha = head(r, A)
    _, doc = r.json(A, "log", world.c2, env=later)
    entries = {e["commit"]: e for e in doc["entries"]}
    e = entries[sha]
    assert e["decided_on"] == "2025-03-10" and e["signature"] == "good"
    assert e["signer"] and "测试员" in e["signer"]
    human = r.ok(A, "log", world.c2, env=later).stdout.splitlines()
    first = next(i for i, ln in enumerate(human) if ln.startswith(sha[:10]))
    assert "2025-03-10" in human[first] and e["committed_at"] in human[first], human[first]
    assert "已验证" in human[first + 1]
    assert "补录：三月十日已提交" in "\n".join(human)
    for c, entry in entries.items():
        assert entry["signature"] == "good", entry
        i = next(i for i, ln in enumerate(human) if ln.startswith(c[:10]))
        assert "已验证" in human[i + 1]
    assert len(entries) == 4  # new, two attachments, the decision


# ---------------------------------------------------------------------------------------
# 12. what arrives is verified before it is integrated

def test_sync_refuses_unverified_incoming_history(world, offices):
    r, remote, A, B = offices
    sha = hand_decision_commit(r, A, _c2_submit(world), sign_with=None)
    # someone with shell access to the server writes it in directly, bypassing pre-receive
    r.git(remote, "fetch", "-q", str(A), "main:refs/heads/main")
    assert remote_main(r, remote) == sha
    before = head(r, B)
    p = r.tracker(B, "sync")
    text = p.stdout + p.stderr
    assert p.returncode == 1, f"{p.returncode}\n{text}"
    assert sha[:10] in text and "unsigned" in text
    assert head(r, B) == before
    assert not (B / "cases" / world.c2 / "decisions").exists()
    _verify(r, B, expect=0)


# ---------------------------------------------------------------------------------------
# 13. hand-made decisions through the hooks

def test_commit_msg_hook_demands_the_trailers(world, offices):
    r, remote, A, B = offices
    d = _c2_submit(world)
    f = A / d.path
    f.parent.mkdir(parents=True)
    f.write_text(d.text(), encoding="utf-8")
    r.git(A, "add", d.path)
    bare = f"{world.c2} 手工录入决定\n"
    p = commit_by_hand(r, A, bare, sign_with=world.admin, no_verify=False, check=False)
    assert p.returncode != 0, "commit-msg must refuse a decision commit without trailers"
    assert "Decided-On" in p.stderr.decode("utf-8", "replace")
    assert head(r, A) == world.base_head
    wrong = d.message().replace("Role: unit", "Role: finance")
    assert commit_by_hand(r, A, wrong, sign_with=world.admin, no_verify=False, check=False).returncode != 0
    assert head(r, A) == world.base_head
    # with the right trailers and the clerk's key the same decision goes through everywhere
    commit_by_hand(r, A, d.message(), sign_with=world.admin, no_verify=False)
    sha = head(r, A)
    assert sha != world.base_head
    _verify(r, A, expect=0)
    r.git(A, "push", "-q", "origin", "HEAD:refs/heads/main")
    assert remote_main(r, remote) == sha


# ---------------------------------------------------------------------------------------
# 14. a merge cannot undo what the other side did to the policy

def test_merge_cannot_undo_a_revocation(world, offices):
    """财务甲 is revoked in office A; office B (财务甲's own office) merges the remote with its side of
    the policy kept (`git merge -s ours`), then keeps deciding. The merge silently reverts an admin's
    policy change, so it — or at least the revoked key's decision after it — must not verify."""
    r, remote, A, B = offices
    r.ok(A, "people", "remove", "财务甲")
    r.ok(A, "sync")
    removal = remote_main(r, remote)
    attach_doc(r, B, world.c1, "funding_opinion")
    r.git(B, "fetch", "-q", "origin")
    r.git(B, "-c", "gpg.format=ssh", "-c", f"user.signingkey={world.fin}", "merge", "-q", "-s", "ours", "--no-verify",
          "-S", "-m", "同步：合并 origin 的更新", "origin/main")
    assert "fin@example.gov.cn" in (B / ".tracker" / "policy.toml").read_text(encoding="utf-8")
    r.ok(B, "advance", world.c1, "approve", "--opinion", "撤销之后的决定")
    p = r.tracker(B, "verify")
    assert p.returncode == 1, f"the revoked key's work after an undoing merge verifies:\n{p.stdout}\n{p.stderr}"
    _push_refused(r, B, remote)
    assert remote_main(r, remote) == removal


# ---------------------------------------------------------------------------------------
# more: two offices opening cases at once; the reason given when a key cannot sign

def test_offices_opening_new_cases_concurrently_sync_cleanly(world, offices):
    """Two offices each open a new case before syncing: both cases survive, under distinct ids."""
    r, remote, A, B = offices
    _, a = r.json(A, "new", "--jurisdiction", JUR, "--title", "教育局新项目", "--unit", UNIT,
                  "--set", "budget_wan=30", "--set", "category=professional")
    _, b = r.json(B, "new", "--jurisdiction", JUR, "--title", "财政局新项目", "--unit", "河源市财政局",
                  "--set", "budget_wan=20", "--set", "category=professional")
    r.ok(A, "sync")
    p = r.tracker(B, "sync")
    assert p.returncode == 0, f"sync of two new cases failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    r.ok(A, "sync")
    assert head(r, A) == head(r, B) == remote_main(r, remote)
    _, listing = r.json(A, "list")
    titles = {c["title"] for c in listing["cases"]}
    assert {"教育局新项目", "财政局新项目"} <= titles
    assert len({c["id"] for c in listing["cases"]}) == len(listing["cases"])
    _verify(r, A, expect=0)


@pytest.mark.parametrize("how", ["missing-key-file", "not-a-key", "config-missing-key"])
def test_decision_without_usable_key_says_why(world, offices, how):
    """The one-line reason (exit 2) points at the signing key, not at a bare git failure.

    (No "sign" in this test's name: its tmp_path is part of the key path that git echoes.)"""
    r, remote, A, B = offices
    args, key = _keyless(r, world, A, how)
    p = r.tracker(A, *args)
    assert p.returncode == 2
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert str(key) in lines[0] or "签名" in lines[0], f"the reason does not mention the key or signing: {lines[0]}"


def test_a_revoked_keys_concurrent_decision_is_refused_even_when_someone_else_merges(world, offices, monkeypatch):
    """Office A revokes 财务甲 and syncs. In office B, which has not synced yet, 财务甲 still takes a
    decision; then 数据局 (in both policies) syncs B. The revocation wins over the concurrent work: the
    merge is refused, B's HEAD goes back to where it was, and the remote stays as it is."""
    r, remote, A, B = offices
    r.ok(A, "people", "remove", "财务甲")
    r.ok(A, "sync")
    before_remote = remote_main(r, remote)
    attach_doc(r, B, world.c1, "funding_opinion")
    r.ok(B, "advance", world.c1, "approve", "--opinion", "并发的决定")
    before_b = head(r, B)
    p = r.tracker(B, "--key", str(world.db), "sync")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "merge-revoked" in p.stderr
    assert head(r, B) == before_b and remote_main(r, remote) == before_remote
    r.git(B, "fetch", "-q", "origin")
    r.git(B, "-c", "gpg.format=ssh", "-c", f"user.signingkey={world.db}", "merge", "-q", "--no-verify", "-S",
          "-m", "同步", "origin/main")
    code, doc = _verify(r, B)
    assert code == 1 and "merge-revoked" in {p["rule"] for p in doc["problems"]}
    _push_refused(r, B, remote)
    # a long history is checked by each worker in batches: cut into batches of two commits, this
    # one (a merge whose sides lie in earlier batches) gives the same results as in one piece
    from tracker.store import verify as V

    oids = V._rev_list(B, [head(r, B)])
    trust = V.trust_root_of(B)
    whole = V.run_commits(B, oids, trust, None, as_rows=True)
    monkeypatch.setattr(V, "BATCH", 2)
    batched = {o: V._row(x) for o, x in V._verify_chunk((B, oids, trust, None)).items()}
    assert batched == whole
    assert any(row[5] for row in whole.values())  # (with its problems)
