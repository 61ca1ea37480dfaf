"""The CLI contract end to end: commands, --json shapes, exit codes, one commit per change."""

import json
import subprocess


def git(store, *args):
    return subprocess.run(["git", *args], cwd=store.root, capture_output=True, text=True, check=True).stdout.strip()


def j(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_init_makes_store_with_first_commit_and_hooks(cli, tmp_path):
    r = cli("init", str(tmp_path / "s"), "--name", "管理员", "--email", "admin@example.gov.cn")
    assert r.returncode == 0, r.stderr
    root = tmp_path / "s"
    assert (root / ".tracker" / "policy.toml").is_file()
    assert len(list((root / "jurisdictions").glob("*.yaml"))) == 5
    out = subprocess.run(["git", "config", "core.hooksPath"], cwd=root, capture_output=True, text=True).stdout.strip()
    assert out == "hooks"
    assert subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, capture_output=True,
                          text=True).stdout.strip() == "1"
    again = cli("init", str(root))
    assert again.returncode == 2


def test_full_cycle_through_cli(cli, store, tmp_path):
    s = str(store.root)
    cid = j(cli("new", "--store", s, "--jurisdiction", "heyuan", "--title", "市政务服务一体化平台升级",
                "--unit", "市政务服务数据管理局", "--set", "budget_wan=45", "--set", "category=professional",
                "--json"))["id"]
    assert cid == "HY-2025-0001"
    head0 = git(store, "rev-parse", "HEAD")
    acts = j(cli("actions", cid, "--store", s, "--json"))["actions"]
    sub = [a for a in acts if a["kind"] == "submit"][0]
    assert sub["allowed"] is False
    assert {m["id"] for m in sub["missing"] if m["type"] == "document"} == {"project_plan", "review_opinion"}
    assert all(m["cite"] for m in sub["missing"])
    # refused: exit 1, nothing committed
    r = cli("advance", cid, "submit", "--store", s)
    assert r.returncode == 1 and "项目方案" in r.stderr
    assert git(store, "rev-parse", "HEAD") == head0 and git(store, "status", "--porcelain") == ""
    for kind, name in (("project_plan", "项目方案.docx"), ("论证意见", "论证意见.pdf")):
        f = tmp_path / name
        f.write_bytes(name.encode())
        assert cli("attach", cid, str(f), "--kind", kind, "--store", s).returncode == 0
    r = cli("advance", cid, "submit", "--opinion", "方案已论证，提交备案 [/]", "--store", s, "--json")
    d = j(r)["decision"]
    assert (d["from"], d["to"], d["kind"]) == ("proposal", "filing", "submit")
    show = j(cli("show", cid, "--store", s, "--json"))
    assert show["stage"]["kind"] == "filing"
    assert show["decisions"][0]["opinion"] == "方案已论证，提交备案 [/]"
    assert {a["name"] for a in show["attachments"]} == {"项目方案.docx", "论证意见.pdf"}
    for key in ("id", "jurisdiction", "facts", "track", "stage", "plan", "obligations", "decisions", "attachments",
                "findings"):
        assert key in show
    # one commit per change: new + 2 attachments + decision
    assert int(git(store, "rev-list", "--count", "HEAD")) == 5
    log = j(cli("log", cid, "--store", s, "--json"))["entries"]
    assert log[0]["action"] == "submit" and log[0]["from"] == "proposal" and log[0]["to"] == "filing"
    assert log[0]["opinion"] == "方案已论证，提交备案 [/]"
    assert log[0]["signature"] in ("unsigned", "good", "bad", "unknown_key", "unauthorized")
    for key in ("commit", "committed_at", "decided_on", "signer", "role"):
        assert key in log[0]
    trailers = git(store, "log", "-1", "--format=%B")
    assert f"Case: {cid}" in trailers and "Action: submit" in trailers and "Role: unit" in trailers


def test_advance_by_kind_and_role_check(cli, store, tmp_path):
    s = str(store.root)
    cid = j(cli("new", "--store", s, "--jurisdiction", "yunan", "--title", "t", "--unit", "u",
                "--set", "budget_wan=8", "--json"))["id"]
    r = cli("advance", cid, "complete", "--as", "data_bureau", "--store", s)
    assert r.returncode == 1
    assert cli("advance", cid, "complete", "--as", "unit", "--store", s).returncode == 0
    assert j(cli("show", cid, "--store", s, "--json"))["stage"]["kind"] == "closed"
    r = cli("advance", cid, "complete", "--store", s)
    assert r.returncode == 1


def test_set_check_due_and_list_filters(cli, store):
    s = str(store.root)
    a = j(cli("new", "--store", s, "--jurisdiction", "yunfu", "--title", "a", "--unit", "u", "--set", "budget_wan=120",
              "--set", "category=professional", "--json"))["id"]
    j(cli("new", "--store", s, "--jurisdiction", "yunan", "--title", "b", "--unit", "u", "--set", "budget_wan=30",
          "--json"))
    assert cli("set", a, "supports_ipv6=否", "--store", s).returncode == 0
    rows = j(cli("list", "--store", s, "--json", "--jurisdiction", "云浮"))["cases"]
    assert [r["id"] for r in rows] == [a]
    assert [r["track"] for r in j(cli("list", "--store", s, "--json", "--track", "filing"))["cases"]] == ["filing"]
    assert j(cli("list", "--store", s, "--json", "--stage", "proposal"))["cases"]
    chk = cli("check", a, "--store", s, "--json")
    findings = json.loads(chk.stdout)["findings"]
    assert {"case", "rule", "severity", "message", "cite", "file", "line"} <= set(findings[0])
    due = j(cli("due", "--store", s, "--json", "--on", "2025-03-03"))
    assert all({"case", "kind", "what", "due", "status", "estimated", "cite"} <= set(i) for i in due["items"])
    kinds = {i["kind"] for i in due["items"]}
    assert "declaration" in kinds and "regulation_validity" in kinds


def test_review_deadline_in_due_and_plan(cli, store, tmp_path):
    from tracker import services

    cid = services.new_case(store, "heyuan", "t", "u", ["budget_wan=120", "category=professional",
                                                        "in_annual_plan=true"])
    for k in ("project_plan", "review_opinion", "application_form", "data_checklist", "necessity_docs"):
        f = tmp_path / f"{k}.txt"
        f.write_text(k)
        services.attach(store, cid, f, k)
    services.advance(store, cid, "submit")
    services.advance(store, cid, "submit")  # application → initial review (10 working days)
    show = j(cli("show", cid, "--store", str(store.root), "--json"))
    assert show["stage"]["kind"] == "initial_review"
    # 10 working days after Mon 2025-03-03 on the official 2025 calendar (no holiday in March)
    assert show["plan"][0]["due"] == "2025-03-17" and show["plan"][0]["estimated"] is False
    items = j(cli("due", "--store", str(store.root), "--json", "--on", "2025-03-18"))["items"]
    review = [i for i in items if i["kind"] == "review"][0]
    assert (review["due"], review["status"]) == ("2025-03-17", "overdue")
