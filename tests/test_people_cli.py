"""`tracker people add/remove/list`, `tracker init` with and without a key, signing required, and the
commit-msg hook — through the real CLI and system git, with throwaway ssh-keygen keys.

A store is built once per module; each test works on its own copy.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from offices_helpers import JUR, HandDecision, attach_doc, commit_by_hand, head, keygen
from trust_helpers import UNIT, build_store, copy_store, fingerprint, key_line, state, verify


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    s = build_store(tmp_path_factory.mktemp("people"), names=("admin", "fin", "db", "stranger", "new", "admin2"))
    r, S = s.r, s.path
    _, d = r.json(S, "new", "--jurisdiction", JUR, "--title", "智慧教育平台", "--unit", UNIT,
                  "--set", "budget_wan=80", "--set", "category=professional")
    s.hy1 = d["id"]
    for kind in ("project_plan", "review_opinion"):
        attach_doc(r, S, s.hy1, kind)
    _, d = r.json(S, "new", "--jurisdiction", "yunan", "--title", "小型系统", "--unit", "云安区教育局",
                  "--set", "budget_wan=8")
    s.yn1 = d["id"]
    return s


@pytest.fixture
def st(world, tmp_path):
    return world.r, copy_store(world.path, tmp_path / "store")


def people(r, S) -> dict[str, dict]:
    _, doc = r.json(S, "people", "list")
    assert set(doc) == {"people"}
    return {p["name"]: p for p in doc["people"]}


def policy_text(S: Path) -> str:
    return (S / ".tracker" / "policy.toml").read_text(encoding="utf-8")


def pub(world, name: str) -> Path:
    return Path(f"{world.keys[name]}.pub")


def refused(r, S, args: list[str], code: int) -> str:
    """Run a command that must fail with ``code`` and change nothing; returns stderr."""
    before = state(r, S)
    p = r.tracker(S, *args)
    assert p.returncode == code, f"tracker {' '.join(args)} → {p.returncode}\n{p.stdout}\n{p.stderr}"
    assert "Traceback" not in p.stderr and p.stderr.strip()
    assert state(r, S) == before, "a refused command must leave HEAD, the index and the working tree as they were"
    return p.stderr


# ---------------------------------------------------------------------------------------
# people list

def test_people_list(world, st):
    r, S = st
    rows = people(r, S)
    assert set(rows) == {"测试员", "财务", "数据局"}
    for row in rows.values():
        assert {"name", "email", "fingerprints", "roles"} <= set(row)
    assert rows["测试员"]["email"] == "clerk@example.gov.cn"
    assert rows["测试员"]["roles"] == ["admin", f"{JUR}:unit", "yunan:unit"]
    assert rows["财务"]["roles"] == [f"{JUR}:finance"] and rows["数据局"]["roles"] == [f"{JUR}:data_bureau"]
    for name, key in (("测试员", "admin"), ("财务", "fin"), ("数据局", "db")):
        assert rows[name]["fingerprints"] == [fingerprint(pub(world, key))], name
    human = r.ok(S, "people", "list").stdout
    for name, key in (("测试员", "admin"), ("财务", "fin"), ("数据局", "db")):
        line = next(ln for ln in human.splitlines() if name in ln)
        assert fingerprint(pub(world, key)) in line


# ---------------------------------------------------------------------------------------
# people add

@pytest.mark.parametrize("form", ["pub-file", "key-line", "key-line-without-comment"])
def test_add_with_key_file_or_key_line(world, st, form):
    r, S = st
    f = pub(world, "new")
    value = {"pub-file": str(f), "key-line": f.read_text(encoding="utf-8").strip(),
             "key-line-without-comment": key_line(f)}[form]
    before = head(r, S)
    _, doc = r.json(S, "people", "add", "新同事", "--email", "new@example.gov.cn", "--key", value,
                    "--role", f"{JUR}:crypto")
    sha = head(r, S)
    assert sha != before and r.out(S, "rev-parse", "HEAD~1") == before, "one commit"
    assert doc["commit"] == sha
    assert r.out(S, "diff-tree", "--no-commit-id", "--name-only", "-r", sha) == ".tracker/policy.toml"
    row = people(r, S)["新同事"]
    assert row["fingerprints"] == [fingerprint(f)]
    assert row["roles"] == [f"{JUR}:crypto"] and row["email"] == "new@example.gov.cn"
    assert key_line(f) in policy_text(S) and "new@test" not in policy_text(S), "stored without its comment"
    assert "gpgsig" in r.out(S, "cat-file", "commit", sha), "a policy change is a signed commit"
    assert r.out(S, "status", "--porcelain") == ""
    _, v = verify(r, S)
    assert v["ok"], v["problems"]
    # the new person's key now signs for the new role
    _, d = r.json(S, "--key", str(world.keys["new"]), "set", world.hy1, "title=密码局改的标题")
    assert "gpgsig" in r.out(S, "cat-file", "commit", "HEAD")


def test_add_role_and_key_to_an_existing_person(world, st):
    r, S = st
    r.ok(S, "people", "add", "财务", "--email", "fin@example.gov.cn", "--role", f"{JUR}:audit")
    r.ok(S, "people", "add", "财务", "--email", "fin@example.gov.cn", "--key", str(pub(world, "new")))
    row = people(r, S)["财务"]
    assert row["roles"] == [f"{JUR}:finance", f"{JUR}:audit"]
    assert row["fingerprints"] == [fingerprint(pub(world, "fin")), fingerprint(pub(world, "new"))]
    assert len([ln for ln in policy_text(S).splitlines() if ln.strip() == "[[person]]"]) == 3
    # nothing new to grant: refused, nothing committed
    refused(r, S, ["people", "add", "财务", "--email", "fin@example.gov.cn", "--role", f"{JUR}:audit"], 2)


def test_private_key_given_as_key_is_refused(world, st):
    r, S = st
    err = refused(r, S, ["people", "add", "新同事", "--email", "new@example.gov.cn", "--key",
                         str(world.keys["new"]), "--role", f"{JUR}:finance"], 2)
    assert len(err.strip().splitlines()) == 1
    assert "私钥" in err and ".pub" in err
    assert "PRIVATE" not in policy_text(S)


@pytest.mark.parametrize("how", ["missing-file", "junk", "another-persons-key"])
def test_bad_public_key_is_refused(world, st, tmp_path, how):
    r, S = st
    if how == "missing-file":
        value = str(tmp_path / "nope.pub")
    elif how == "junk":
        value = "ssh-ed25519 not-base64!"
    else:
        value = str(pub(world, "fin"))          # already 财务's key: a key belongs to one person
    err = refused(r, S, ["people", "add", "新同事", "--email", "new@example.gov.cn", "--key", value,
                         "--role", f"{JUR}:finance"], 2)
    assert len(err.strip().splitlines()) == 1
    if how == "another-persons-key":
        assert "财务" in err


@pytest.mark.parametrize("role", ["nosuch:finance", f"{JUR}:nosuch", "finance", f"{JUR}:"])
def test_unknown_jurisdiction_or_role_is_refused(world, st, role):
    r, S = st
    err = refused(r, S, ["people", "add", "新同事", "--email", "new@example.gov.cn", "--key", str(pub(world, "new")),
                         "--role", role], 2)
    assert len(err.strip().splitlines()) == 1
    if role == f"{JUR}:nosuch":
        assert "nosuch" in err and "finance" in err, "the known roles are listed"


def test_unit_binding(world, st):
    r, S = st
    refused(r, S, ["people", "add", "新同事", "--email", "new@example.gov.cn", "--key", str(pub(world, "new")),
                   "--role", f"{JUR}:finance", "--unit", UNIT], 2)
    refused(r, S, ["people", "add", "财务", "--email", "fin@example.gov.cn", "--unit", UNIT], 2)
    r.ok(S, "people", "add", "经办人", "--email", "new@example.gov.cn", "--key", str(pub(world, "new")),
         "--role", f"{JUR}:unit", "--unit", UNIT)
    _, doc = r.json(S, "people", "list")
    row = next(p for p in doc["people"] if p["name"] == "经办人")
    assert row["roles"] == [f"{JUR}:unit"] and row.get("units") == [UNIT]
    pol = tomllib.loads(policy_text(S))
    assert next(p for p in pol["person"] if p["name"] == "经办人")["units"] == [UNIT]
    # the bound clerk may change its own unit's case, not another unit's
    r.ok(S, "--key", str(world.keys["new"]), "set", world.hy1, "title=本单位改")
    _, d = r.json(S, "new", "--jurisdiction", JUR, "--title", "财政局的项目", "--unit", "河源市财政局",
                  "--set", "budget_wan=10", "--set", "category=professional")
    refused(r, S, ["--key", str(world.keys["new"]), "set", d["id"], "title=越权修改"], 1)
    refused(r, S, ["--key", str(world.keys["new"]), "set", world.hy1, "unit=河源市财政局"], 1)


@pytest.mark.parametrize("signer", ["fin", "stranger"])
def test_non_admin_cannot_change_people(world, st, signer):
    r, S = st
    # unrelated work in progress, staged and unstaged, must survive untouched
    (S / "草稿.txt").write_text("草稿\n", encoding="utf-8")
    (S / "jurisdictions" / "README.md").write_text("staged edit\n", encoding="utf-8")
    r.git(S, "add", "jurisdictions/README.md")
    key = str(world.keys[signer])
    before_policy = policy_text(S)
    err = refused(r, S, ["people", "add", "新同事", "--email", "new@example.gov.cn", "--key", str(pub(world, "new")),
                         "--role", "admin", "--signing-key", key], 1)
    assert fingerprint(pub(world, signer)) in err
    refused(r, S, ["people", "remove", "数据局", "--signing-key", key], 1)
    refused(r, S, ["--key", key, "people", "remove", "测试员", "--role", "admin"], 1)
    assert policy_text(S) == before_policy


@pytest.mark.parametrize("how", ["missing-file", "not-a-key"])
def test_policy_change_that_cannot_be_signed_changes_nothing(world, st, tmp_path, how):
    r, S = st
    key = tmp_path / "signing-key"
    if how == "not-a-key":
        key.write_text("not a key\n", encoding="utf-8")
    before_policy = policy_text(S)
    err = refused(r, S, ["people", "add", "新同事", "--email", "new@example.gov.cn", "--role", f"{JUR}:audit",
                         "--signing-key", str(key)], 2)
    assert len(err.strip().splitlines()) == 1 and str(key) in err
    assert policy_text(S) == before_policy


# ---------------------------------------------------------------------------------------
# people remove

def test_remove_a_role(world, st):
    r, S = st
    r.ok(S, "people", "add", "财务", "--email", "fin@example.gov.cn", "--role", f"{JUR}:audit")
    r.ok(S, "people", "remove", "财务", "--role", f"{JUR}:finance")
    row = people(r, S)["财务"]
    assert row["roles"] == [f"{JUR}:audit"]
    assert row["fingerprints"] == [fingerprint(pub(world, "fin"))], "the key stays"
    msg = r.out(S, "log", "-1", "--format=%B")
    assert "people-remove" in msg
    _, v = verify(r, S)
    assert v["ok"], v["problems"]


def test_remove_a_role_not_held_says_so(world, st):
    r, S = st
    err = refused(r, S, ["people", "remove", "财务", "--role", f"{JUR}:data_bureau"], 2)
    assert "签名失败" not in err and "signing failed" not in err, f"nothing failed to sign: {err}"


def test_remove_a_key_by_fingerprint(world, st):
    r, S = st
    fp = fingerprint(pub(world, "fin"))
    r.ok(S, "people", "remove", "财务", "--key", fp)
    row = people(r, S)["财务"]
    assert row["fingerprints"] == [] and row["roles"] == [f"{JUR}:finance"]
    assert key_line(pub(world, "fin")) not in policy_text(S)
    # the removed key no longer signs for the role
    refused(r, S, ["--key", str(world.keys["fin"]), "set", world.hy1, "title=撤销后"], 1)
    # and a person can be named by a key fingerprint
    r.ok(S, "people", "remove", fingerprint(pub(world, "db")))
    assert "数据局" not in people(r, S)
    _, v = verify(r, S)
    assert v["ok"], v["problems"]


def test_remove_a_key_by_key_line(world, st):
    r, S = st
    r.ok(S, "people", "remove", "数据局", "--key", str(pub(world, "db")))
    assert people(r, S)["数据局"]["fingerprints"] == []


def test_remove_unknown_person(world, st):
    r, S = st
    err = refused(r, S, ["people", "remove", "无此人"], 2)
    assert "无此人" in err


def test_last_admin_cannot_be_removed(world, st):
    r, S = st
    admin_fp = fingerprint(pub(world, "admin"))
    for args in (["people", "remove", "测试员"], ["people", "remove", "clerk@example.gov.cn"],
                 ["people", "remove", "测试员", "--role", "admin"], ["people", "remove", "测试员", "--key", admin_fp]):
        err = refused(r, S, args, 1)
        assert "管理员" in err, err
    # with a second admin holding a key, the first may go
    r.ok(S, "people", "add", "第二管理员", "--email", "admin2@example.gov.cn", "--key", str(pub(world, "admin2")),
         "--role", "admin")
    r.ok(S, "people", "remove", "测试员", "--role", "admin")
    assert people(r, S)["测试员"]["roles"] == [f"{JUR}:unit", "yunan:unit"]
    # …and now the first admin's key may not change the policy any more
    refused(r, S, ["people", "add", "新同事", "--email", "new@example.gov.cn", "--role", f"{JUR}:finance"], 1)
    r.ok(S, "people", "add", "新同事", "--email", "new@example.gov.cn", "--role", f"{JUR}:finance",
         "--signing-key", str(world.keys["admin2"]))
    # the second admin is the last one with a key now
    refused(r, S, ["people", "remove", "第二管理员", "--signing-key", str(world.keys["admin2"])], 1)
    _, v = verify(r, S)
    assert v["ok"], v["problems"]


# ---------------------------------------------------------------------------------------
# tracker init

def test_init_with_a_key(world, tmp_path):
    r = world.r
    key = keygen(tmp_path / "id_ed25519", "first-admin")
    S = tmp_path / "新案件库"
    p = r.tracker(tmp_path, "--key", str(key), "init", str(S), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["signed"] is True and "heyuan" in doc["jurisdictions"]
    assert "tracker verify" not in p.stderr, "no unsigned-store note when a key signs"
    pol = tomllib.loads(policy_text(S))["person"]
    assert len(pol) == 1 and pol[0]["roles"] == ["admin"]
    assert pol[0]["keys"] == [key_line(Path(f"{key}.pub"))]
    assert pol[0]["name"] == "测试员" and pol[0]["email"] == "clerk@example.gov.cn"
    cfg = tomllib.loads((S / ".tracker" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["signing"]["required"] is True
    root = r.out(S, "rev-list", "--max-parents=0", "HEAD")
    assert r.out(S, "rev-list", "--count", "HEAD") == "1"
    assert r.out(S, "config", "tracker.trustRoot") == root
    assert r.out(S, "config", "core.hooksPath") == "hooks"
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'clerk@example.gov.cn namespaces="git" {key_line(Path(f"{key}.pub"))}\n', encoding="utf-8")
    v = r.git(S, "-c", f"gpg.ssh.allowedSignersFile={signers}", "verify-commit", root, check=False)
    assert v.returncode == 0, v.stderr
    _, vd = verify(r, S)
    assert vd["ok"] and vd["checked"] == 1


def test_init_with_a_private_key_without_its_pub_file(world, tmp_path):
    r = world.r
    key = keygen(tmp_path / "lonely", "lonely")
    expected = key_line(Path(f"{key}.pub"))
    Path(f"{key}.pub").unlink()
    S = tmp_path / "s"
    r.ok(tmp_path, "--key", str(key), "init", str(S))
    assert tomllib.loads(policy_text(S))["person"][0]["keys"] == [expected]


def test_init_without_a_key(world, tmp_path):
    r = world.r
    S = tmp_path / "unsigned"
    p = r.tracker(tmp_path, "init", str(S))
    assert p.returncode == 0, p.stderr
    assert "签名" in p.stderr and "tracker verify" in p.stderr, f"a note about signing on stderr: {p.stderr!r}"
    assert "签名" not in p.stdout
    cfg = tomllib.loads((S / ".tracker" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["signing"]["required"] is False
    pol = tomllib.loads(policy_text(S))["person"]
    assert pol[0]["roles"] == ["admin"] and pol[0].get("keys", []) == []
    assert "gpgsig" not in r.out(S, "cat-file", "commit", "HEAD")
    # the store works unsigned, and verify reports every unsigned commit
    r.ok(S, "people", "add", "测试员", "--email", "clerk@example.gov.cn", "--role", "yunan:unit")
    _, d = r.json(S, "new", "--jurisdiction", "yunan", "--title", "未签名的案件", "--unit", "某单位",
                  "--set", "budget_wan=8")
    code, doc = verify(r, S)
    assert code == 1 and doc["ok"] is False
    after_root = r.out(S, "rev-list", "HEAD", "^HEAD~2").split()
    by = {}
    for prob in doc["problems"]:
        by.setdefault(prob["commit"], set()).add(prob["rule"])
    for sha in after_root:
        assert "unsigned" in by.get(sha, set()), f"{sha[:10]} is unsigned but not reported: {doc['problems']}"
    assert any(p["case"] == d["id"] for p in doc["problems"])
    _, log = r.json(S, "log", d["id"])
    assert [e["signature"] for e in log["entries"]] == ["unsigned"]


def test_signing_required_but_no_key_configured(world, st):
    r, S = st
    r.git(S, "config", "--unset", "user.signingkey")
    cases_before = sorted(p.name for p in (S / "cases").iterdir())
    for args in (["new", "--jurisdiction", JUR, "--title", "不该建成", "--unit", UNIT, "--set", "budget_wan=5"],
                 ["set", world.hy1, "title=不该改成"],
                 ["advance", world.hy1, "submit"],
                 ["people", "add", "新同事", "--email", "new@example.gov.cn", "--role", f"{JUR}:finance"]):
        err = refused(r, S, args, 2)
        assert len(err.strip().splitlines()) == 1, err
        assert "签名" in err and "user.signingkey" in err, err
    assert sorted(p.name for p in (S / "cases").iterdir()) == cases_before


# ---------------------------------------------------------------------------------------
# the commit-msg hook

def _stage_decision(world, S: Path) -> HandDecision:
    d = HandDecision(case=world.hy1, seq=1, action="submit", kind="submit", frm="proposal", to="application",
                     track="approval", role="unit")
    f = S / d.path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(d.text(), encoding="utf-8")
    world.r.git(S, "add", d.path)
    return d


def test_commit_msg_hook_lists_the_expected_trailers(world, st):
    r, S = st
    d = _stage_decision(world, S)
    before = head(r, S)
    p = commit_by_hand(r, S, f"{world.hy1} 手工提交\n\n没有尾注\n", sign_with=world.keys["admin"], no_verify=False,
                       check=False)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode != 0, "a decision commit without trailers must be refused"
    expected = [f"Case: {world.hy1}", "Action: submit", "Kind: submit", "From: proposal", "To: application",
                "Role: unit", f"Decided-On: {d.on}"]
    for line in expected:
        assert line in err, f"{line!r} missing from the hook's message:\n{err}"
    assert head(r, S) == before
    assert r.out(S, "diff", "--cached", "--name-only") == d.path, "the staged decision is kept"
    # the lines the hook printed, pasted at the end of the message, are accepted
    lines = [ln.strip() for ln in err.splitlines() if re.match(r"^\s*[A-Z][A-Za-z-]+: \S", ln)
             and ln.strip().split(":")[0] in {"Case", "Action", "Kind", "From", "To", "Role", "Decided-On"}]
    assert len(lines) == 7, lines
    commit_by_hand(r, S, f"{world.hy1} 手工提交\n\n补上尾注\n\n" + "\n".join(lines) + "\n",
                   sign_with=world.keys["admin"], no_verify=False)
    sha = head(r, S)
    assert sha != before
    _, v = verify(r, S)
    assert v["ok"], v["problems"]
    _, show = r.json(S, "show", world.hy1)
    assert show["stage"]["id"] == "application"


def test_commit_msg_hook_one_case_and_no_settings(world, st):
    r, S = st
    before = head(r, S)
    for cid in (world.hy1, world.yn1):
        f = S / "cases" / cid / "case.toml"
        f.write_text(f.read_text(encoding="utf-8").replace('title = "', 'title = "改：', 1), encoding="utf-8")
        r.git(S, "add", f"cases/{cid}/case.toml")
    p = commit_by_hand(r, S, "两个案件\n", sign_with=world.keys["admin"], no_verify=False, check=False)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode != 0 and world.hy1 in err and world.yn1 in err, err
    assert head(r, S) == before
    r.git(S, "reset", "-q", "--", f"cases/{world.yn1}/case.toml")
    pol = S / ".tracker" / "policy.toml"
    pol.write_text(pol.read_text(encoding="utf-8") + "# 注释\n", encoding="utf-8")
    r.git(S, "add", ".tracker/policy.toml")
    p = commit_by_hand(r, S, f"案件与策略\n\nCase: {world.hy1}\n", sign_with=world.keys["admin"], no_verify=False,
                       check=False)
    assert p.returncode != 0, "a case change and a policy change in one commit must be refused"
    assert head(r, S) == before
    # the case change alone goes through
    r.git(S, "reset", "-q", "--", ".tracker/policy.toml")
    commit_by_hand(r, S, f"{world.hy1} 改标题\n\nCase: {world.hy1}\n", sign_with=world.keys["admin"],
                   no_verify=False)
    assert head(r, S) != before
