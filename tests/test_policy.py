"""The authorization policy (tracker.core.policy) and the git object readers (tracker.store.objects).

Pure and fast: policy text in, answers out; the object tests build a small real git repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tracker.core.errors import InputError
from tracker.core.policy import (ADMIN, Need, Person, Policy, authorize, normalize_key, parse_policy,
                                 render_policy)
from tracker.store.objects import log_changes, parse_commit, parse_tree

# keys are only compared as text here; these are well-formed ed25519 public keys
K_ADMIN = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFSY/38wRA7xY2/HfQNH0V2rxvby1sHPKBtq5jtZsQrd"
K_FIN = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICTZ0QitVZQdGMlFAdXDimrOe9TFCewbM9R82RMK3ewq"
K_CLERK = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1lZDI1NTE5AAAAIA1lZDI1NTE5AAAAIA1lZDI1NTE5"
K_FREE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2lZDI1NTE5AAAAIA1lZDI1NTE5AAAAIA1lZDI1NTE5"
K_OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC3lZDI1NTE5AAAAIA1lZDI1NTE5AAAAIA1lZDI1NTE5"
K_STRANGER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID4lZDI1NTE5AAAAIA1lZDI1NTE5AAAAIA1lZDI1NTE5"
PGP = "openpgp:37AD33B02B4E97098ACAAD43F1D1066059483389"

GOOD = f"""\
# a comment
[[person]]
name = "管理员"
email = "admin@example.gov.cn"
keys = ["{K_ADMIN} admin@laptop"]
roles = ["admin"]

[[person]]
name = "财务甲"
email = "fin@example.gov.cn"
keys = ["{K_FIN}"]
roles = ["heyuan:finance"]

[[person]]
name = "教育局经办人"
email = "clerk@example.gov.cn"
keys = ["{K_CLERK}"]
roles = ["heyuan:unit"]
units = ["河源市教育局"]

[[person]]
name = "自由经办人"
email = "free@example.gov.cn"
keys = ["{K_FREE}", "{PGP.lower()}"]
roles = ["heyuan:unit", "yunan:unit"]

[[person]]
name = "双重身份"
email = "both@example.gov.cn"
keys = ["{K_OTHER}"]
roles = ["heyuan:unit", "heyuan:data_bureau"]
units = ["河源市教育局"]
"""


def person_block(name='"某人"', email='"a@example.gov.cn"', keys=f'["{K_FIN}"]', roles='["heyuan:finance"]',
                 extra="") -> str:
    """One [[person]] table; every argument is raw TOML (None leaves the key out)."""
    lines = ["[[person]]"]
    for k, v in (("name", name), ("email", email), ("keys", keys), ("roles", roles)):
        if v is not None:
            lines.append(f"{k} = {v}")
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def bad(text: str, display: str = ".tracker/policy.toml") -> InputError:
    with pytest.raises(InputError) as ei:
        parse_policy(text, display)
    return ei.value


# ---------------------------------------------------------------------------------------
# parsing

def test_parse_good_policy():
    pol = parse_policy(GOOD)
    assert [p.name for p in pol.people] == ["管理员", "财务甲", "教育局经办人", "自由经办人", "双重身份"]
    admin = pol.people[0]
    assert admin.keys == [K_ADMIN], "the key's comment is dropped"
    assert admin.is_admin and [p.name for p in pol.admins()] == ["管理员"]
    assert admin.line == 2
    assert pol.people[3].keys == [K_FREE, PGP], "openpgp fingerprints are upper-cased"
    assert pol.people[2].units == ["河源市教育局"]
    assert pol.by_key(K_FIN).name == "财务甲"
    assert pol.find("fin@example.gov.cn").name == pol.find("财务甲").name == "财务甲"
    assert pol.by_key(K_STRANGER) is None


def test_malformed_toml_names_file_and_line():
    text = GOOD + '\n[[person]]\nname = "坏"\nemail = \n'
    e = bad(text, "some/dir/policy.toml")
    expected_line = text.splitlines().index("email = ") + 1
    assert e.file == "some/dir/policy.toml"
    assert e.line == expected_line
    assert e.one_line().startswith(f"some/dir/policy.toml:{expected_line}:")
    assert e.exit_code == 2


@pytest.mark.parametrize("block, what", [
    (person_block(roles='"heyuan:finance"'), "roles"),
    (person_block(roles="[1, 2]"), "roles"),
    (person_block(keys=f'"{K_FIN}"'), "keys"),
    (person_block(keys="[42]"), "keys"),
    (person_block(keys="[[\"a\"]]"), "keys"),
    (person_block(extra='units = "河源市教育局"'), "units"),
    (person_block(name=None), "name"),
    (person_block(name='"   "'), "name"),
    (person_block(name="[\"x\"]"), "name"),
    (person_block(email=None), "email"),
    (person_block(email='"not-an-email"'), "email"),
    (person_block(email='"a b@example.gov.cn"'), "email"),
    (person_block(email='"<a@example.gov.cn>"'), "email"),
    (person_block(email="12"), "email"),
], ids=["roles-string", "roles-ints", "keys-string", "keys-int", "keys-nested", "units-string", "no-name",
        "blank-name", "name-list", "no-email", "email-no-at", "email-space", "email-brackets", "email-int"])
def test_wrong_types_are_errors_at_the_persons_line(block, what):
    text = GOOD + "\n" + block
    e = bad(text)
    assert e.file == ".tracker/policy.toml"
    assert e.line == len(GOOD.splitlines()) + 2, "the line of the offending [[person]]"
    assert what in e.message


@pytest.mark.parametrize("role", ["finance", "Heyuan:finance", "heyuan:Finance", "heyuan:", ":finance",
                                  "heyuan:finance:extra", "heyuan finance", "", "Admin", "1heyuan:finance",
                                  "heyuan:fin-ance"])
def test_bad_role_strings(role):
    e = bad(person_block(roles=f'["{role}"]'))
    assert e.line == 1
    assert "角色" in e.message and role in e.message


def test_person_table_instead_of_array_is_an_error():
    e = bad('[person]\nname = "x"\nemail = "x@example.gov.cn"\n')
    assert e.file == ".tracker/policy.toml" and e.line == 1


def test_same_key_for_two_people_is_an_error():
    text = GOOD + "\n" + person_block('"冒名者"', '"other@example.gov.cn"', keys=f'["{K_FIN} another-comment"]')
    e = bad(text)
    assert "财务甲" in e.message, "the error names the key's first owner"
    assert e.line == len(GOOD.splitlines()) + 2


def test_same_key_for_two_people_with_the_same_name_is_an_error():
    """Two policy entries (different emails) that happen to share a name must not share a key:
    by_key would silently give the key only the first entry's roles."""
    text = (person_block('"张三"', '"zhang1@example.gov.cn"', keys=f'["{K_FIN}"]', roles='["heyuan:finance"]') + "\n"
            + person_block('"张三"', '"zhang2@example.gov.cn"', keys=f'["{K_FIN}"]', roles='["heyuan:unit"]'))
    bad(text)


@pytest.mark.parametrize("key", ["", "not a key", "ssh-ed25519 !!!notbase64!!!", "openpgp:1234"])
def test_a_key_that_is_no_key_is_an_error(key):
    """Hand-edited policies are read by the verifier: a key entry that is not a public key must be
    reported (file and line), not kept as an unusable key that still counts as "having a key"."""
    e = bad(GOOD + "\n" + person_block(keys=f'["{key}"]'))
    assert e.line == len(GOOD.splitlines()) + 2


def test_same_key_twice_for_one_person_is_fine():
    pol = parse_policy(person_block(keys=f'["{K_FIN}", "{K_FIN} again"]'))
    assert pol.people[0].keys == [K_FIN, K_FIN]


def test_empty_policy():
    assert parse_policy("").people == []
    assert parse_policy("# nothing yet\n").people == []


def test_normalize_key():
    assert normalize_key(f"  {K_FIN} 财务甲@laptop  \n") == K_FIN
    assert normalize_key(f"key::{K_FIN}") == K_FIN
    assert normalize_key("OpenPGP:37ad 33b0 2b4e 9709 8aca ad43 f1d1 0660 5948 3389") == PGP


def test_render_then_parse_round_trip():
    pol = parse_policy(GOOD)
    text = render_policy(pol)
    again = parse_policy(text)
    assert [p.as_dict() for p in again.people] == [p.as_dict() for p in pol.people]
    assert render_policy(again) == text, "rendering is stable"
    # a fresh policy with awkward text survives too
    odd = Policy([Person('引号"与\\反斜杠', "odd+tag@example.gov.cn", [K_ADMIN], [ADMIN, "yunan:unit"],
                         ["某某（集团）有限公司"])])
    back = parse_policy(render_policy(odd))
    assert back.people[0].as_dict() == odd.people[0].as_dict()
    assert back.people[0].line is not None
    assert render_policy(Policy()).startswith("#")
    assert parse_policy(render_policy(Policy())).people == []


# ---------------------------------------------------------------------------------------
# authorize()

@pytest.fixture(scope="module")
def pol() -> Policy:
    return parse_policy(GOOD)


def test_admin_need(pol):
    v = authorize(pol, K_ADMIN, Need("admin"))
    assert v.status == "good" and v.person.name == "管理员"
    v = authorize(pol, K_FIN, Need("admin"))
    assert v.status == "unauthorized" and v.person.name == "财务甲"
    assert "管理员" in v.reason.zh and "admin" in v.reason.en


def test_unknown_key(pol):
    for need in (Need("admin"), Need("member"), Need("decision", "heyuan", "finance"), Need("case", "heyuan")):
        v = authorize(pol, K_STRANGER, need)
        assert v.status == "unknown_key" and v.person is None and v.reason is not None
    # an empty policy knows nobody
    assert authorize(Policy(), K_ADMIN, Need("member")).status == "unknown_key"


def test_decision_role_held_or_not(pol):
    assert authorize(pol, K_FIN, Need("decision", "heyuan", "finance", ("河源市教育局",))).status == "good"
    v = authorize(pol, K_FIN, Need("decision", "heyuan", "data_bureau", ("河源市教育局",)))
    assert v.status == "unauthorized" and "heyuan:data_bureau" in v.reason.zh
    # the same role in another jurisdiction is another role
    assert authorize(pol, K_FIN, Need("decision", "yunan", "finance")).status == "unauthorized"
    # being admin grants no workflow role
    assert authorize(pol, K_ADMIN, Need("decision", "heyuan", "finance")).status == "unauthorized"


def test_bound_clerk_decides_only_for_its_unit(pol):
    ok = authorize(pol, K_CLERK, Need("decision", "heyuan", "unit", ("河源市教育局",)))
    assert ok.status == "good"
    v = authorize(pol, K_CLERK, Need("decision", "heyuan", "unit", ("河源市财政局",)))
    assert v.status == "unauthorized"
    assert "河源市教育局" in v.reason.zh and "河源市财政局" in v.reason.zh and "只能代表" in v.reason.zh
    # a commit that moves a case out of the clerk's unit involves both units: refused
    v = authorize(pol, K_CLERK, Need("decision", "heyuan", "unit", ("河源市教育局", "河源市财政局")))
    assert v.status == "unauthorized"


def test_unbound_clerk_acts_for_any_unit(pol):
    for unit in ("河源市教育局", "河源市财政局", "任何单位"):
        assert authorize(pol, K_FREE, Need("decision", "heyuan", "unit", (unit,))).status == "good"
        assert authorize(pol, K_FREE, Need("case", "heyuan", None, (unit,))).status == "good"
    assert authorize(pol, K_FREE, Need("decision", "yunan", "unit", ("x",))).status == "good"
    # the OpenPGP key of the same person is the same person
    assert authorize(pol, PGP, Need("decision", "heyuan", "unit", ("x",))).person.name == "自由经办人"


def test_case_need(pol):
    # any role in the jurisdiction may change a case's facts and documents
    assert authorize(pol, K_FIN, Need("case", "heyuan", None, ("河源市财政局",))).status == "good"
    v = authorize(pol, K_FIN, Need("case", "yunan", None, ("某单位",)))
    assert v.status == "unauthorized" and "yunan" in v.reason.zh
    v = authorize(pol, K_ADMIN, Need("case", "heyuan", None, ("河源市教育局",)))
    assert v.status == "unauthorized", "admin alone holds no role in heyuan"
    # a clerk bound to a unit: only its unit's cases
    assert authorize(pol, K_CLERK, Need("case", "heyuan", None, ("河源市教育局",))).status == "good"
    v = authorize(pol, K_CLERK, Need("case", "heyuan", None, ("河源市财政局",)))
    assert v.status == "unauthorized" and "只能代表" in v.reason.zh
    assert authorize(pol, K_CLERK, Need("case", "heyuan", None, ("河源市教育局", "河源市财政局"))).status \
        == "unauthorized"
    # a reviewing role besides the bound clerk role acts on any case of the jurisdiction
    assert authorize(pol, K_OTHER, Need("case", "heyuan", None, ("河源市财政局",))).status == "good"
    # but the binding still holds for the clerk's own decisions
    assert authorize(pol, K_OTHER, Need("decision", "heyuan", "unit", ("河源市财政局",))).status == "unauthorized"
    assert authorize(pol, K_OTHER, Need("decision", "heyuan", "data_bureau", ("河源市财政局",))).status == "good"


def test_member_need(pol):
    for k in (K_ADMIN, K_FIN, K_CLERK, PGP):
        assert authorize(pol, k, Need("member")).status == "good"


def test_need_describe():
    assert Need("decision", "heyuan", "finance").describe().en == "heyuan:finance"
    assert "admin" in Need("admin").describe().en
    assert "heyuan" in Need("case", "heyuan").describe().zh


# ---------------------------------------------------------------------------------------
# git objects

pytestmark_ssh = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen not installed")


def _git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    p = subprocess.run(["git", *args], cwd=repo, capture_output=True, input=input)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    return r


def _raw(repo: Path, rev: str) -> tuple[str, bytes]:
    oid = _git(repo, "rev-parse", rev).decode().strip()
    return oid, _git(repo, "cat-file", "commit", oid)


@pytestmark_ssh
def test_parse_signed_commit(repo, tmp_path):
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "k", "-f", str(key)], check=True)
    (repo / "案件.txt").write_text("内容\n", encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "--no-verify", "-m", "first")
    (repo / "案件.txt").write_text("内容二\n", encoding="utf-8")
    _git(repo, "add", ".")
    msg = "第二个提交：修改\n\n正文第一段\n 以空格开头的一行\n\nCase: HY-2025-0001\nAction: submit\n"
    env_date = {"GIT_COMMITTER_DATE": "2025-03-03T09:30:00+08:00", "GIT_AUTHOR_DATE": "2025-03-02T08:00:00+08:00"}
    p = subprocess.run(["git", "-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit", "-q", "-S",
                        "--no-verify", "-F", "-"], cwd=repo, input=msg.encode(), capture_output=True,
                       env={**os.environ, **env_date})
    assert p.returncode == 0, p.stderr
    oid, raw = _raw(repo, "HEAD")
    c = parse_commit(oid, raw)
    assert c.oid == oid
    assert c.parents == [_git(repo, "rev-parse", "HEAD~1").decode().strip()]
    assert c.tree == _git(repo, "rev-parse", "HEAD^{tree}").decode().strip()
    assert c.author == "测试员 <clerk@example.gov.cn>" == c.committer
    assert c.committed == 1740965400 and c.committer_tz == "+0800"
    assert c.message == msg
    assert c.subject == "第二个提交：修改"
    assert c.sig_type == "ssh"
    # the payload is the object without the gpgsig header (what git signed)
    lines = raw.split(b"\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith(b"gpgsig "))
    end = start + 1
    while lines[end].startswith(b" "):
        end += 1
    assert c.payload == b"\n".join(lines[:start] + lines[end:])
    assert b"gpgsig" not in c.payload and c.payload.endswith(msg.encode())
    sig = b"\n".join([lines[start][7:]] + [ln[1:] for ln in lines[start + 1:end]]) + b"\n"
    assert c.signature == sig
    assert c.signature.startswith(b"-----BEGIN SSH SIGNATURE-----")
    # and ssh-keygen agrees that the signature covers exactly the payload
    (tmp_path / "sig").write_bytes(c.signature)
    (tmp_path / "allowed").write_text("k@x " + (tmp_path / "k.pub").read_text())
    v = subprocess.run(["ssh-keygen", "-Y", "verify", "-n", "git", "-f", str(tmp_path / "allowed"), "-I", "k@x",
                        "-s", str(tmp_path / "sig")], input=c.payload, capture_output=True)
    assert v.returncode == 0, v.stderr
    # an unsigned commit: no signature, the payload is the whole object
    first_oid, first_raw = _raw(repo, "HEAD~1")
    first = parse_commit(first_oid, first_raw)
    assert first.signature is None and first.sig_type is None and first.payload == first_raw
    assert first.parents == []


def test_parse_merge_commit_and_its_changes(repo):
    (repo / "a.txt").write_text("a\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "side")
    (repo / "旁支.txt").write_text("side\n", encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "side")
    side = _git(repo, "rev-parse", "HEAD").decode().strip()
    _git(repo, "checkout", "-q", "main")
    (repo / "主干.txt").write_text("main\n", encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "main")
    main = _git(repo, "rev-parse", "HEAD").decode().strip()
    _git(repo, "merge", "-q", "--no-ff", "-m", "合并", "side")
    oid, raw = _raw(repo, "HEAD")
    c = parse_commit(oid, raw)
    assert c.parents == [main, side]
    assert c.message == "合并\n" and c.signature is None
    changes = log_changes(repo, [oid, main])
    assert changes[oid].parents == [main, side]
    assert len(changes[oid].diffs) == 2
    assert [ch.path for ch in changes[oid].diffs[0]] == ["旁支.txt"], "against the first parent: the side's file"
    assert [ch.path for ch in changes[oid].diffs[1]] == ["主干.txt"]
    assert [(ch.status, ch.path) for ch in changes[main].diffs[0]] == [("A", "主干.txt")]


def test_parse_tree_with_chinese_names(repo):
    d = repo / "cases" / "HY-2025-0001" / "附件"
    d.mkdir(parents=True)
    (d / "项目方案（第二版）.docx").write_bytes(b"\x00\x01binary")
    (d / "可行性 研究 报告.pdf").write_bytes(b"pdf")
    (repo / "运行.sh").write_text("#!/bin/sh\n")
    (repo / "运行.sh").chmod(0o755)
    (repo / "链接").symlink_to("运行.sh")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "t")
    root_tree = _git(repo, "rev-parse", "HEAD^{tree}").decode().strip()

    def entries(tree: str) -> list[tuple[str, str, str]]:
        raw = _git(repo, "cat-file", "tree", tree)
        return parse_tree(raw)

    def ls(tree: str) -> list[tuple[str, str, str]]:
        out = _git(repo, "-c", "core.quotepath=off", "ls-tree", "-z", tree).decode("utf-8")
        res = []
        for item in filter(None, out.split("\0")):
            meta, name = item.split("\t", 1)
            mode, _, oid = meta.split()
            res.append((mode.lstrip("0") if mode == "040000" else mode, name, oid))
        return res

    top = entries(root_tree)
    assert top == ls(root_tree)
    assert {n for _, n, _ in top} == {"cases", "运行.sh", "链接"}
    modes = {n: m for m, n, _ in top}
    assert modes == {"cases": "40000", "运行.sh": "100755", "链接": "120000"}
    att_tree = _git(repo, "rev-parse", "HEAD:cases/HY-2025-0001/附件").decode().strip()
    att = entries(att_tree)
    assert att == ls(att_tree)
    assert sorted(n for _, n, _ in att) == sorted(["项目方案（第二版）.docx", "可行性 研究 报告.pdf"])
    assert parse_tree(b"") == []
