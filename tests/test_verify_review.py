"""Attacks found by the security review of the verifier, each now refused (see issue 3)."""

from __future__ import annotations

import os

import pytest

from offices_helpers import JUR, attach_doc, head, problems_by_commit
from trust_helpers import UNIT, build_store, commit_all, copy_store, edit, verify


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    s = build_store(tmp_path_factory.mktemp("review"))
    r, S = s.r, s.path
    _, d = r.json(S, "new", "--jurisdiction", JUR, "--title", "智慧教育平台", "--unit", UNIT,
                  "--set", "budget_wan=80", "--set", "category=professional")
    s.hy1 = d["id"]
    attach_doc(r, S, s.hy1, "project_plan")
    _, doc = verify(r, S)
    assert doc["ok"], doc
    return s


@pytest.fixture
def st(world, tmp_path):
    return world.r, copy_store(world.path, tmp_path / "store")


def rules_of(r, S, sha: str) -> set[str]:
    code, doc = verify(r, S)
    assert code == 1, doc
    return problems_by_commit(doc).get(sha, set())


def test_a_symlink_in_a_case_folder_is_refused(world, st):
    r, S = st
    os.symlink("../../jurisdictions", S / "cases" / world.hy1 / "decisions")
    commit_all(r, S, [f"cases/{world.hy1}/decisions"], "链接\n", sign_with=world.keys["admin"])
    assert "file-mode" in rules_of(r, S, head(r, S))


def test_a_file_tracker_never_writes_is_refused_in_a_case_folder(world, st):
    r, S = st
    (S / "cases" / world.hy1 / ".gitattributes").write_text("decisions/* working-tree-encoding=UTF-16LE\n")
    commit_all(r, S, [f"cases/{world.hy1}/.gitattributes"], "属性\n", sign_with=world.keys["admin"])
    assert "unexpected-file" in rules_of(r, S, head(r, S))


def test_replacing_an_attached_document_is_refused(world, st):
    r, S = st
    att = next((S / "cases" / world.hy1 / "attachments").iterdir())
    att.write_bytes(b"another document")
    commit_all(r, S, [f"cases/{world.hy1}/attachments/{att.name}"], "换材料\n", sign_with=world.keys["admin"])
    assert "attachment-changed" in rules_of(r, S, head(r, S))


def test_moving_a_case_to_another_jurisdiction_is_refused(world, st):
    r, S = st
    edit(S / "cases" / world.hy1 / "case.toml", 'jurisdiction = "heyuan"', 'jurisdiction = "yunan"')
    commit_all(r, S, [f"cases/{world.hy1}/case.toml"], f"改辖区\n\nCase: {world.hy1}\n", sign_with=world.keys["admin"])
    assert "case-identity-changed" in rules_of(r, S, head(r, S))


def test_a_policy_role_no_rule_pack_has_is_refused(world, st):
    r, S = st
    edit(S / ".tracker" / "policy.toml", '"heyuan:finance"', '"heyuan:finance", "nowhere:boss"')
    commit_all(r, S, [".tracker/policy.toml"], "授权\n", sign_with=world.keys["admin"])
    assert "unknown-role" in rules_of(r, S, head(r, S))


def test_a_commit_header_git_reads_differently_is_refused(world, st):
    """A second `tree` line after the parents: git reads the first, a careless parser the last."""
    r, S = st
    raw = r.git(S, "cat-file", "commit", "HEAD").stdout
    lines = raw.split(b"\n")
    parent_at = max(i for i, ln in enumerate(lines) if ln.startswith(b"parent "))
    lines.insert(parent_at + 1, lines[0])  # the same tree again, where git does not look
    forged = r.git(S, "hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=b"\n".join(lines))
    sha = forged.stdout.decode().strip()
    r.git(S, "update-ref", "refs/heads/main", sha)
    assert "malformed-commit" in rules_of(r, S, sha)


def test_global_key_signs_people_commits(world, st):
    r, S = st
    r.git(S, "config", "--unset", "user.signingkey", check=False)
    r.ok(S, "--key", str(world.keys["admin"]), "people", "add", "新同事", "--email", "new@example.gov.cn",
         "--role", f"{JUR}:audit")
    _, doc = verify(r, S)
    assert doc["ok"], doc


def test_a_plain_git_clone_pins_its_trust_root_on_first_verify(world, tmp_path):
    """`git clone` instead of `tracker clone`: the first verify pins the history's only root (and
    turns the hooks on), says so once, and the history verifies."""
    r = world.r
    dest = tmp_path / "plain"
    r.git(tmp_path, "clone", "-q", str(world.path), str(dest))
    p = r.tracker(dest, "verify", "--json")
    assert p.returncode == 0, p.stdout + p.stderr
    root = r.out(dest, "rev-list", "--max-parents=0", "HEAD")
    assert r.out(dest, "config", "tracker.trustRoot") == root and root in p.stderr
    assert r.out(dest, "config", "core.hooksPath") == "hooks"
    again = r.tracker(dest, "verify", "--json")
    assert again.returncode == 0 and root not in again.stderr
