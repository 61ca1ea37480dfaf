"""Bad input through the real CLI: exit codes, one-line reasons naming file:line, nothing lost.

DESIGN.md, "Command-line contract": exit 0 success, 1 the rules say no, 2 bad usage or bad input
with a ONE-LINE reason on stderr naming ``file:line`` where there is one, never a traceback.
"Quality bars": bad input gets a clear error naming the file and line, and loses nothing.

Every test drives ``python -m tracker`` in a subprocess (the ``cli`` fixture) against a real
temporary store; ``tracker.services`` is only used to set up data quickly.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tracker import services
from tracker.core import engine

TODAY = _dt.date(2025, 3, 3)  # the conftest fixture sets TRACKER_TODAY=2025-03-03
FORWARD = ("submit", "approve", "complete")
FILL = {  # values used to satisfy "missing fact" while preparing a case that can advance
    "contract_wan": "90", "completed_on": "2025-06-30", "accepted_on": "2025-09-30",
    "in_operation_on": "2025-10-08", "budget_wan": "100", "category": "professional",
    "change_reason": "optimization", "new_total_wan": "90", "change_wan": "5",
    "software_cost_wan": "30", "security_level": "2",
}


# ---------------------------------------------------------------------------------------
# helpers

def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True,
                          encoding="utf-8").stdout


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def porcelain(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


def snapshot(root: Path) -> dict:
    """HEAD, index, status and every byte of the working tree (outside .git)."""
    files = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if rel.parts[0] == ".git":
            continue
        files[str(rel)] = p.read_bytes() if p.is_file() else None
    return {"head": head(root), "index": git(root, "ls-files", "-s"), "status": porcelain(root), "files": files}


def assert_unchanged(before: dict, root: Path) -> None:
    after = snapshot(root)
    assert after["head"] == before["head"], "a commit was made"
    assert after["index"] == before["index"], "the index changed"
    assert after["status"] == before["status"], f"git status changed:\n{before['status']}\n→\n{after['status']}"
    added = set(after["files"]) - set(before["files"])
    removed = set(before["files"]) - set(after["files"])
    assert not added and not removed, f"files added {sorted(added)} / removed {sorted(removed)}"
    changed = [k for k in before["files"] if before["files"][k] != after["files"][k]]
    assert not changed, f"files changed: {changed}"


def assert_error(r, code: int = 2, where: str | None = None) -> str:
    """Exit ``code``, a single non-empty line on stderr (no traceback), naming ``where`` if given."""
    assert r.returncode == code, f"exit {r.returncode}, want {code}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    err = r.stderr.rstrip("\n")
    assert err.strip(), "no reason on stderr"
    if code == 2:
        assert "\n" not in err, f"reason is not one line:\n{r.stderr}"
    if where is not None:
        assert re.search(re.escape(where) + r"(?!\d)", err), f"{where!r} not named in: {err!r}"
    return err


def line_of(path: Path, needle: str) -> int:
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return no
    raise AssertionError(f"{needle!r} not in {path}")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def commit_all(root: Path, msg: str = "test setup") -> None:
    """Commit hand-made changes with the hooks bypassed (tests simulate an outside edit)."""
    git(root, "add", "-A")
    subprocess.run(["git", "commit", "-q", "--no-verify", "-m", msg], cwd=root, check=True)


def new_case(store, facts=("budget_wan=100",), jurisdiction="heyuan", on=None) -> str:
    return services.new_case(store, jurisdiction, "测试项目", "测试单位", list(facts), on=on)


def prepare(store, cid: str, tmp: Path, on: _dt.date = TODAY) -> str:
    """Supply what the first forward action lacks (documents, facts) until it is allowed."""
    for _ in range(6):
        ld = services.load(store, cid, on)
        opts = [o for o in engine.list_actions(ld.view, on=on) if o.kind in FORWARD]
        assert opts, f"no forward action at {ld.view.stage_id}"
        opt = opts[0]
        if opt.allowed:
            return opt.id
        for m in opt.missing:
            if m.type == "document":
                f = tmp / f"{cid}-{m.id}.txt"
                f.write_text(f"{m.id} 材料\n", encoding="utf-8")
                services.attach(store, cid, f, m.id, on=on)
            elif m.type == "fact":
                services.set_facts(store, cid, [f"{m.id}={FILL.get(m.id, 'true')}"], on=on)
    raise AssertionError(f"could not make {cid} ready to advance")


def step(store, cid: str, tmp: Path, on: _dt.date = TODAY) -> None:
    action = prepare(store, cid, tmp, on)
    services.advance(store, cid, action, opinion="同意", on=on, historical=True)


@pytest.fixture
def store(store):
    """The conftest store, keeping only the Heyuan rule pack: every CLI call loads all packs, and
    one pack halves the start-up time of each subprocess (the behaviour under test is the same)."""
    for p in sorted((store.root / "jurisdictions").glob("*.yaml")):
        if p.name != "heyuan.yaml":
            git(store.root, "rm", "-q", str(p.relative_to(store.root)))
    commit_all(store.root, "keep only the Heyuan rule pack")
    return store


@pytest.fixture
def root(store) -> Path:
    return store.root


@pytest.fixture
def run(cli, root):
    def _run(*args: str, **kw):
        return cli(*args, "--store", str(root), **kw)
    return _run


# ---------------------------------------------------------------------------------------
# malformed case.toml

CASE_TOML_BREAKS = {
    # name: (old line, new text, marker of the line that must be named)
    "toml-syntax": ("budget_wan = 100", "budget_wan = 100 万元", "budget_wan = 100 万元"),
    "toml-unclosed-string": ('unit = "测试单位"', 'unit = "测试单位', 'unit = "测试单位'),
    "money-not-a-number": ("budget_wan = 100", 'budget_wan = "abc"', 'budget_wan = "abc"'),
    "money-negative": ("budget_wan = 100", "budget_wan = -5", "budget_wan = -5"),
    "money-nan": ("budget_wan = 100", "budget_wan = nan", "budget_wan = nan"),
    "level-wrong-type": ("security_level = 2", 'security_level = "high"', 'security_level = "high"'),
    "unknown-fact": ("security_level = 2", "security_level = 2\nbudjet_wan = 5", "budjet_wan"),
    "impossible-date-string": ("planned_start = 2025-04-01", 'planned_start = "2025-02-30"', "2025-02-30"),
    "impossible-date-literal": ("planned_start = 2025-04-01", "planned_start = 2025-02-30", "2025-02-30"),
    "created-on-string": ("created_on = 2025-03-03", 'created_on = "yesterday"', "created_on"),
}


@pytest.fixture
def broken_case(store, root):
    """A case whose case.toml is broken in a given way (committed, so the tree starts clean)."""
    def _make(kind: str):
        cid = new_case(store, ["budget_wan=100", "security_level=2", "planned_start=2025-04-01"])
        path = root / "cases" / cid / "case.toml"
        old, new, marker = CASE_TOML_BREAKS[kind]
        replace_once(path, old, new)
        commit_all(root)
        return cid, path, line_of(path, marker)
    return _make


# the kinds the contract names are run through show, actions and set; the others through show
CORE_BREAKS = {"toml-syntax", "money-not-a-number", "level-wrong-type", "unknown-fact", "impossible-date-string"}


@pytest.mark.parametrize("kind", sorted(CASE_TOML_BREAKS))
def test_malformed_case_toml_show_actions_set(kind, broken_case, run, root):
    cid, path, line = broken_case(kind)
    where = f"cases/{cid}/case.toml:{line}"
    before = snapshot(root)
    commands = [["show", cid]]
    if kind in CORE_BREAKS:
        commands += [["actions", cid], ["set", cid, "title=新名称"]]
    if kind == "toml-syntax":
        commands += [["show", cid, "--json"]]
    for args in commands:
        r = run(*args)
        assert_error(r, 2, where)
        if "--json" in args:
            assert r.stdout == "", "an error must not print a partial JSON document"
    assert_unchanged(before, root)


def test_malformed_cases_are_check_findings_and_list_goes_on(store, broken_case, run, root):
    good = new_case(store, ["budget_wan=30"])
    bad = {}
    for kind in ("toml-syntax", "money-not-a-number", "impossible-date-string"):
        cid, _, line = broken_case(kind)
        bad[cid] = (f"cases/{cid}/case.toml", line)
    before = snapshot(root)

    # a file that cannot be read is bad input: exit 2, with the findings still reported
    r = run("check", "--all", "--json")
    assert r.returncode == 2, r.stderr
    doc = json.loads(r.stdout)
    for cid, (where, line) in bad.items():
        mine = [f for f in doc["findings"] if f["case"] == cid]
        assert [(f["rule"], f["severity"], f["file"], f["line"]) for f in mine] == \
            [("malformed-file", "error", where, line)], mine

    r = run("check", "--all")
    assert r.returncode == 2
    for where, line in bad.values():
        assert f"{where}:{line}" in r.stdout

    r = run("list", "--json")
    assert r.returncode == 2
    doc = json.loads(r.stdout)
    assert [c["id"] for c in doc["cases"]] == [good]
    assert sorted((e["file"], e["line"]) for e in doc["errors"]) == sorted(bad.values())

    r = run("list")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert good in r.stdout and not any(cid in r.stdout for cid in bad)
    err = r.stderr.rstrip("\n").split("\n")
    assert len(err) == len(bad)  # one line per broken case
    for where, line in bad.values():
        assert any(e.startswith(f"{where}:{line}:") for e in err), err
    assert_unchanged(before, root)


def test_case_toml_not_utf8(store, run, root):
    cid = new_case(store)
    path = root / "cases" / cid / "case.toml"
    path.write_bytes(path.read_bytes().replace("测试单位".encode(), "测试单位".encode("gbk")))
    commit_all(root)
    before = snapshot(root)
    assert_error(run("show", cid), 2, f"cases/{cid}/case.toml:1")
    assert_unchanged(before, root)


def test_unknown_jurisdiction_in_case_toml_names_its_line(store, run, root):
    cid = new_case(store)
    path = root / "cases" / cid / "case.toml"
    replace_once(path, 'jurisdiction = "heyuan"', 'jurisdiction = "nowhere"')
    commit_all(root)
    before = snapshot(root)
    line = line_of(path, 'jurisdiction = "nowhere"')
    assert line != 1
    assert_error(run("show", cid), 2, f"cases/{cid}/case.toml:{line}")
    assert_unchanged(before, root)


def test_toml_error_at_end_of_document_names_a_line(store, run, root):
    cid = new_case(store)
    path = root / "cases" / cid / "case.toml"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\nsecurity_level ="
    path.write_text(text, encoding="utf-8")
    commit_all(root)
    before = snapshot(root)
    last = len(text.splitlines())
    assert_error(run("show", cid), 2, f"cases/{cid}/case.toml:{last}")
    assert_unchanged(before, root)


def test_literal_quoted_key_names_its_line(store, run, root):
    cid = new_case(store, ["budget_wan=100", "security_level=2"])
    path = root / "cases" / cid / "case.toml"
    replace_once(path, "security_level = 2", "'security_level' = \"high\"")
    commit_all(root)
    line = line_of(path, "'security_level'")
    assert_error(run("show", cid), 2, f"cases/{cid}/case.toml:{line}")


# ---------------------------------------------------------------------------------------
# malformed rule packs

def _first_line_after(lines: list[str], start_marker: str, needle: str) -> int:
    i = lines.index(start_marker)
    for j in range(i, len(lines)):
        if lines[j].strip() == needle:
            return j
    raise AssertionError(needle)


def _break_pack(root: Path, kind: str) -> int:
    """Break jurisdictions/heyuan.yaml in one way; return the 1-based line that must be named."""
    path = root / "jurisdictions" / "heyuan.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    if kind == "yaml-syntax":
        j = _first_line_after(lines, "stages:", "name: 方案编制及论证")
        lines[j] = lines[j] + ": 多余的冒号"
    elif kind == "unknown-stage-kind":
        j = _first_line_after(lines, "stages:", "kind: proposal")
        lines[j] = lines[j].replace("proposal", "proposel")
    elif kind in ("import-expression", "unknown-name"):
        j = next(i for i, l in enumerate(lines) if l.strip().startswith("check:"))
        indent = lines[j][: len(lines[j]) - len(lines[j].lstrip())]
        expr = ("__import__('os').system('touch PWNED')" if kind == "import-expression"
                else "budget_wan > no_such_fact")
        lines[j] = f'{indent}check: "{expr}"'
    elif kind == "duplicate-key":
        j = next(i for i, l in enumerate(lines) if l.startswith("case_prefix:"))
        lines.insert(j + 1, "case_prefix: HX")
        j += 1
    elif kind == "impossible-date":
        j = next(i for i, l in enumerate(lines) if l.startswith("issued:"))
        lines[j] = "issued: 2021-02-30"
    else:  # pragma: no cover
        raise AssertionError(kind)
    path.write_text("\n".join(lines), encoding="utf-8")
    return j + 1


PACK_BREAKS = ["yaml-syntax", "unknown-stage-kind", "import-expression", "unknown-name", "duplicate-key",
               "impossible-date"]


@pytest.mark.parametrize("kind", PACK_BREAKS)
def test_malformed_rule_pack(kind, store, run, root, tmp_path):
    cid = new_case(store)
    line = _break_pack(root, kind)
    commit_all(root)
    before = snapshot(root)
    where = f"jurisdictions/heyuan.yaml:{line}"
    assert_error(run("show", cid, cwd=tmp_path), 2, where)
    if kind == "yaml-syntax":
        assert_error(run("jurisdictions", "--json"), 2, where)
    assert_error(run("set", cid, "budget_wan=20"), 2, where)
    assert not (tmp_path / "PWNED").exists() and not (root / "PWNED").exists()
    assert_unchanged(before, root)


# ---------------------------------------------------------------------------------------
# unknown names: case, jurisdiction, fact, action, document kind, role

@pytest.mark.parametrize("args", [
    ["show", "HY-2025-0099"],
    ["set", "HY-2025-0099", "budget_wan=1"],
    ["advance", "HY-2025-0099", "submit"],
    ["check", "HY-2025-0099"],
    ["show", "../../etc"],
    ["show", ""],
    ["new", "--jurisdiction", "atlantis", "--title", "T", "--unit", "U"],
    ["list", "--jurisdiction", "atlantis"],
    ["new", "--jurisdiction", "heyuan", "--title", "T", "--unit", "U", "--set", "budjet_wan=5"],
    ["new", "--jurisdiction", "heyuan", "--title", "T", "--unit", "U", "--set", "budget_wan"],
    ["new", "--jurisdiction", "heyuan", "--title", "", "--unit", "U"],
    ["set", "{cid}", "budjet_wan=5"],
    ["set", "{cid}", "budget_wan=5", "no_such_fact=1"],
    ["set", "{cid}", "title="],
    ["advance", "{cid}", "no_such_action"],
    ["advance", "{cid}", "submit", "--set", "no_such_fact=1"],
    ["attach", "{cid}", "{file}", "--kind", "no_such_kind"],
    ["attach", "HY-2025-0099", "{file}", "--kind", "project_plan"],
], ids=lambda a: "-".join(x.strip("{}") or "empty" for x in a[:3]))
def test_unknown_names_exit_2_and_change_nothing(args, store, run, root, tmp_path):
    cid = new_case(store)
    f = tmp_path / "plan.txt"
    f.write_text("方案\n", encoding="utf-8")
    args = [a.format(cid=cid, file=f) for a in args]
    before = snapshot(root)
    assert porcelain(root) == ""
    r = run(*args)
    assert_error(r, 2)
    assert_unchanged(before, root)
    assert porcelain(root) == ""


def test_unknown_case_with_json_prints_nothing_on_stdout(run):
    r = run("show", "HY-2025-0099", "--json")
    assert_error(r, 2)
    assert r.stdout == ""


def test_advance_as_unknown_role_is_bad_input(store, run, root, tmp_path):
    cid = new_case(store)
    prepare(store, cid, tmp_path)
    before = snapshot(root)
    assert_error(run("advance", cid, "submit", "--as", "no_such_role"), 2)
    assert_unchanged(before, root)


def test_list_filter_typos_are_bad_input(store, run):
    new_case(store)
    assert_error(run("list", "--stage", "procurment"), 2)
    assert_error(run("list", "--track", "aproval", "--json"), 2)


def test_no_store_found(cli, tmp_path):
    r = cli("list", cwd=tmp_path)
    assert_error(r, 2)
    r = cli("list", "--store", str(tmp_path / "nowhere"))
    assert_error(r, 2)


def test_store_discovered_from_cwd(store, cli, root):
    cid = new_case(store)
    sub = root / "cases" / cid
    r = cli("show", cid, "--json", cwd=sub)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["id"] == cid
    assert_error(cli("show", "HY-2025-0099", cwd=sub), 2)


def test_bad_tracker_today(store, cli, root):
    cid = new_case(store)
    r = cli("show", cid, "--store", str(root), env={"TRACKER_TODAY": "2025-02-30"})
    assert_error(r, 2)
    assert "2025-02-30" in r.stderr


def test_usage_errors_are_one_line(run):
    assert_error(run("advance"), 2)
    assert_error(run("attach", "HY-2025-0001", "x.txt"), 2)  # --kind is required
    assert_error(run("no-such-command"), 2)


# ---------------------------------------------------------------------------------------
# money

@pytest.mark.parametrize("value", ["-5", "abc", "NaN", "inf", "1e3", "1.1234567", "五十",
                                   "100000001"])
def test_bad_money_is_refused_and_nothing_changes(value, store, run, root):
    cid = new_case(store, ["budget_wan=100"])
    before = snapshot(root)
    r = run("set", cid, f"budget_wan={value}")
    assert_error(r, 2)
    assert "budget_wan" in r.stderr
    assert_unchanged(before, root)


def test_bad_money_on_new_opens_no_case(run, root):
    before = snapshot(root)
    r = run("new", "--jurisdiction", "heyuan", "--title", "T", "--unit", "U", "--set", "budget_wan=-1")
    assert_error(r, 2)
    assert_unchanged(before, root)
    assert not [p for p in (root / "cases").iterdir() if p.is_dir()]


def test_exact_decimals_round_trip(run, root):
    r = run("new", "--jurisdiction", "heyuan", "--title", "精度", "--unit", "U", "--set", "budget_wan=50.5",
            "--json")
    assert r.returncode == 0, r.stderr
    cid = json.loads(r.stdout)["id"]
    r = run("set", cid, "software_cost_wan=0.1", "contract_wan=0.30", "new_total_wan=1234567.891234",
            "funding=财政:0.1,自筹:0.2", "--json")
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)

    r = run("show", cid, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout, parse_float=Decimal)
    facts = doc["facts"]
    assert facts["budget_wan"] == Decimal("50.5")
    assert facts["software_cost_wan"] == Decimal("0.1")
    assert facts["contract_wan"] == Decimal("0.3")
    assert facts["new_total_wan"] == Decimal("1234567.891234")
    assert facts["funding"] == {"财政": Decimal("0.1"), "自筹": Decimal("0.2")}
    # the text itself carries no binary-float artefacts
    for literal in ('"budget_wan": 50.5', '"software_cost_wan": 0.1', '"contract_wan": 0.3',
                    '"new_total_wan": 1234567.891234'):
        assert literal in r.stdout, literal
    assert not re.search(r"\d\.\d*(0000000|9999999)\d", r.stdout)

    toml_text = (root / "cases" / cid / "case.toml").read_text(encoding="utf-8")
    for literal in ("budget_wan = 50.5", "software_cost_wan = 0.1", "new_total_wan = 1234567.891234"):
        assert literal in toml_text, literal

    r = run("list", "--json")
    row = json.loads(r.stdout, parse_float=Decimal)["cases"][0]
    assert row["budget_wan"] == Decimal("50.5")


@pytest.mark.parametrize("assignment", ["budget_wan=100.000", "planned_end="])
def test_set_to_the_current_value(assignment, store, run, root):
    cid = new_case(store, ["budget_wan=100"])
    before = snapshot(root)
    r = run("set", cid, assignment)
    assert "Traceback" not in r.stderr
    if r.returncode != 0:
        err = assert_error(r, 2)
        assert "git" not in err.lower(), err  # a reason a clerk can act on, not a leaked git failure
    assert_unchanged(before, root)


# ---------------------------------------------------------------------------------------
# dates

@pytest.mark.parametrize("value", ["2025-13-01", "2025-02-29", "2025-04-31", "2025-04-01T10:00"])
def test_bad_fact_date(value, store, run, root):
    cid = new_case(store)
    before = snapshot(root)
    r = run("set", cid, f"planned_start={value}")
    assert_error(r, 2)
    assert "planned_start" in r.stderr
    assert_unchanged(before, root)


@pytest.fixture
def ready(store, tmp_path):
    """A case (opened 2025-02-03) whose first forward action is allowed."""
    cid = new_case(store, on=_dt.date(2025, 2, 3))
    return cid, prepare(store, cid, tmp_path)


@pytest.mark.parametrize("on", ["2025-13-01", "2025-02-29", "", "03/03/2025"])
def test_advance_bad_on_date(on, ready, run, root):
    cid, action = ready
    before = snapshot(root)
    assert_error(run("advance", cid, action, "--on", on), 2)
    assert_unchanged(before, root)


def test_advance_on_in_the_future(ready, run, root):
    cid, action = ready
    before = snapshot(root)
    r = run("advance", cid, action, "--on", "2025-03-04")
    assert_error(r, 2)
    assert "2025-03-04" in r.stderr
    assert_unchanged(before, root)
    # the same with TRACKER_TODAY moved forward is fine: the date is not the problem otherwise
    r = run("advance", cid, action, "--on", "2025-03-04", env={"TRACKER_TODAY": "2025-03-04"})
    assert r.returncode == 0, r.stderr
    assert head(root) != before["head"]


def test_advance_on_before_previous_decision(store, run, root, tmp_path):
    cid = new_case(store, on=_dt.date(2025, 1, 6))
    step(store, cid, tmp_path, on=_dt.date(2025, 2, 10))
    action = prepare(store, cid, tmp_path, on=_dt.date(2025, 2, 11))
    before = snapshot(root)
    r = run("advance", cid, action, "--on", "2025-02-07")
    assert_error(r, 2)
    assert "2025-02-10" in r.stderr
    r = run("advance", cid, action, "--on", "2025-01-01")  # before the case was even opened
    assert_error(r, 2)
    assert_unchanged(before, root)


@pytest.mark.parametrize("on", ["2025-02-29", ""])
def test_due_bad_on_date(on, run):
    assert_error(run("due", "--on", on), 2)


# ---------------------------------------------------------------------------------------
# attachments

BAD_NAMES = ["../evil.txt", "/tmp/evil.txt", ".hidden", "a\x07b.txt", "a\nb.txt", "dir\\evil.txt",
             "C:evil.txt", "-rf", " padded.txt", "x" * 250 + ".txt"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda n: repr(n)[:24])
def test_attach_bad_name(name, store, run, root, tmp_path):
    cid = new_case(store)
    src = tmp_path / "plan.txt"
    src.write_text("方案\n", encoding="utf-8")
    before = snapshot(root)
    r = run("attach", cid, str(src), "--kind", "project_plan", "--name", name)
    assert_error(r, 2)
    assert_unchanged(before, root)
    assert not (root / "cases" / cid / "attachments").exists()
    assert not (root / "cases" / "evil.txt").exists() and not (root / "evil.txt").exists()
    assert not Path("/tmp/evil.txt").exists() or Path("/tmp/evil.txt").read_bytes() != b"\xe6\x96\xb9\xe6\xa1\x88\n"


def test_attach_missing_file_or_directory(store, run, root, tmp_path):
    cid = new_case(store)
    before = snapshot(root)
    assert_error(run("attach", cid, str(tmp_path / "nope.docx"), "--kind", "project_plan"), 2)
    (tmp_path / "adir").mkdir()
    assert_error(run("attach", cid, str(tmp_path / "adir"), "--kind", "project_plan"), 2)
    assert_unchanged(before, root)


def test_attach_same_name_twice_is_refused(store, run, root, tmp_path):
    cid = new_case(store)
    src = tmp_path / "plan.txt"
    src.write_text("v1\n", encoding="utf-8")
    assert run("attach", cid, str(src), "--kind", "project_plan").returncode == 0
    before = snapshot(root)
    src.write_text("v2\n", encoding="utf-8")
    assert_error(run("attach", cid, str(src), "--kind", "project_plan"), 2)
    assert_unchanged(before, root)


def test_attach_through_symlinked_attachments_dir_writes_nothing_outside(store, run, root, tmp_path):
    """cases/<ID>/attachments arriving from a clone as a symlink must not let attach write outside the store."""
    cid = new_case(store)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "cases" / cid / "attachments").symlink_to(outside, target_is_directory=True)
    commit_all(root)
    src = tmp_path / "plan.txt"
    src.write_text("方案\n", encoding="utf-8")
    before = snapshot(root)
    assert_error(run("attach", cid, str(src), "--kind", "project_plan", "--name", "sneaky.txt"), 2)
    assert list(outside.iterdir()) == []
    assert_unchanged(before, root)


def test_attach_chinese_name(store, run, root, tmp_path):
    cid = new_case(store)
    name = "项目方案（修订稿）.docx"
    src = tmp_path / name
    data = "项目方案 修订稿\n".encode("utf-8") + bytes(range(256))
    src.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    before = head(root)

    r = run("attach", cid, str(src), "--kind", "项目方案", "--json")
    assert r.returncode == 0, r.stderr
    att = json.loads(r.stdout)
    assert (att["name"], att["kind"], att["sha256"]) == (name, "project_plan", digest)
    assert head(root) != before and porcelain(root) == ""
    assert (root / "cases" / cid / "attachments" / name).read_bytes() == data

    r = run("show", cid, "--json")
    assert r.returncode == 0, r.stderr
    atts = json.loads(r.stdout)["attachments"]
    assert [(a["name"], a["kind"], a["sha256"]) for a in atts] == [(name, "project_plan", digest)]
    r = run("check", cid, "--json")
    assert not [f for f in json.loads(r.stdout)["findings"] if f["rule"].startswith("attachment")]


def test_manifest_with_nul_in_name_names_its_line(store, root, run, tmp_path):
    """A NUL cannot travel through argv; a hand-edited manifest can carry one (as a TOML escape)."""
    cid = new_case(store)
    src = tmp_path / "plan.txt"
    src.write_text("方案\n", encoding="utf-8")
    services.attach(store, cid, src, "project_plan")
    man = root / "cases" / cid / "attachments.toml"
    replace_once(man, 'name = "plan.txt"', 'name = "plan\\u0000.txt"')
    commit_all(root)
    before = snapshot(root)
    line = line_of(man, "[[attachment]]")
    assert_error(run("show", cid), 2, f"cases/{cid}/attachments.toml:{line}")
    assert_unchanged(before, root)


# ---------------------------------------------------------------------------------------
# advance refused by the rules

def test_advance_refused_exit_1_with_reasons(store, run, root):
    cid = new_case(store, ["budget_wan=100", "category=professional", "security_level=2"])
    case_toml = root / "cases" / cid / "case.toml"
    before = snapshot(root)
    r = run("advance", cid, "submit", "--opinion", "请审核", "--set", "budget_wan=120")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.rstrip("\n").split("\n")
    reasons = [l for l in lines[1:] if l.strip().startswith("- ")]
    assert len(reasons) >= 1 and len(reasons) == len(lines) - 1, r.stderr
    assert any("项目方案" in l for l in reasons), r.stderr  # the missing document is named
    assert_unchanged(before, root)
    assert porcelain(root) == ""
    assert "budget_wan = 100" in case_toml.read_text(encoding="utf-8")  # --set was not applied
    assert not (root / "cases" / cid / "decisions").exists()

    r = run("actions", cid, "--json")
    doc = json.loads(r.stdout)
    submit = next(a for a in doc["actions"] if a["action"] == "submit")
    assert submit["allowed"] is False
    assert "project_plan" in [m["id"] for m in submit["missing"] if m["type"] == "document"]


# ---------------------------------------------------------------------------------------
# tampering

def test_attachment_bytes_edited_after_attach(store, run, root, tmp_path):
    cid = new_case(store)
    src = tmp_path / "方案.txt"
    src.write_text("原稿\n", encoding="utf-8")
    assert run("attach", cid, str(src), "--kind", "project_plan").returncode == 0
    r = run("check", cid, "--json")
    assert not [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "attachment-hash"]

    (root / "cases" / cid / "attachments" / "方案.txt").write_text("改过的稿\n", encoding="utf-8")
    r = run("check", cid, "--json")
    assert r.returncode == 1, r.stdout
    hits = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "attachment-hash"]
    assert len(hits) == 1 and hits[0]["severity"] == "error" and hits[0]["case"] == cid
    assert hits[0]["file"] == f"cases/{cid}/attachments.toml"
    r = run("check", "--all")
    assert r.returncode == 1 and "attachment-hash" in r.stdout


def test_attachment_deleted(store, run, root, tmp_path):
    cid = new_case(store)
    src = tmp_path / "plan.txt"
    src.write_text("方案\n", encoding="utf-8")
    services.attach(store, cid, src, "project_plan")
    (root / "cases" / cid / "attachments" / "plan.txt").unlink()
    r = run("check", cid, "--json")
    assert r.returncode == 1
    assert "attachment-missing" in [f["rule"] for f in json.loads(r.stdout)["findings"]]


@pytest.fixture
def walked(store, root, tmp_path):
    """A case with three decisions, all committed and clean."""
    cid = new_case(store, on=_dt.date(2025, 1, 6))
    for day in (10, 11, 12):
        step(store, cid, tmp_path, on=_dt.date(2025, 2, day))
    files = sorted((root / "cases" / cid / "decisions").iterdir())
    assert [f.name[:4] for f in files] == ["0001", "0002", "0003"]
    return cid, files


def _rules(r) -> list[str]:
    return [f["rule"] for f in json.loads(r.stdout)["findings"] if f["severity"] == "error"]


def test_clean_walked_case_has_no_decision_findings(walked, run):
    cid, _ = walked
    r = run("check", cid, "--json")
    assert not [x for x in _rules(r) if x.startswith("decision") or x == "malformed-file"], r.stdout


def test_decision_deleted_in_the_middle(walked, run, root):
    cid, files = walked
    files[1].unlink()
    r = run("check", cid, "--json")
    assert r.returncode == 1
    rules = _rules(r)
    assert "decision-sequence" in rules, rules
    f = next(f for f in json.loads(r.stdout)["findings"] if f["rule"] == "decision-sequence")
    assert f["file"] == f"cases/{cid}/decisions/{files[2].name}"


def _set_to(path: Path, stage: str) -> None:
    text = path.read_text(encoding="utf-8")
    new = re.sub(r'^to = "[^"]+"$', f'to = "{stage}"', text, count=1, flags=re.M)
    assert new != text
    path.write_text(new, encoding="utf-8")


def _findings(r) -> list[dict]:
    return json.loads(r.stdout)["findings"]


def test_decision_to_edited_in_the_middle(walked, run):
    """0001 proposal → application, edited to → initial_review: 0002 no longer starts where the case is."""
    cid, files = walked
    _set_to(files[0], "initial_review")
    r = run("check", cid, "--json")
    assert r.returncode == 1
    hits = [f for f in _findings(r) if f["rule"] == "decision-from"]
    assert [f["file"] for f in hits] == [f"cases/{cid}/decisions/{files[1].name}"]
    assert hits[0]["severity"] == "error"


def test_last_decision_to_edited_backwards(walked, run):
    cid, files = walked
    _set_to(files[2], "proposal")
    r = run("check", cid, "--json")
    assert r.returncode == 1
    hits = [f for f in _findings(r) if f["rule"] == "decision-target"]
    assert [f["file"] for f in hits] == [f"cases/{cid}/decisions/{files[2].name}"]


def test_last_decision_to_edited_to_closed_is_an_error(walked, run):
    cid, files = walked
    _set_to(files[2], "closed")
    r = run("check", cid, "--json")
    assert r.returncode == 1, [(f["rule"], f["severity"]) for f in _findings(r)]
    assert any(f["rule"].startswith("decision") and f["severity"] == "error" for f in _findings(r))


def test_decision_to_unknown_stage(walked, run):
    cid, files = walked
    text = files[1].read_text(encoding="utf-8")
    files[1].write_text(re.sub(r'^to = "[^"]+"$', 'to = "nirvana"', text, count=1, flags=re.M), encoding="utf-8")
    r = run("check", cid, "--json")
    assert r.returncode == 1
    assert "unknown-stage" in _rules(r)


def test_decision_file_malformed(walked, run, root):
    cid, files = walked
    text = files[1].read_text(encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("kind = "))
    files[1].write_text(re.sub(r'^kind = "[^"]+"$', 'kind = "bribe"', text, count=1, flags=re.M), encoding="utf-8")
    where = f"cases/{cid}/decisions/{files[1].name}:{line}"
    assert_error(run("show", cid), 2, where)
    r = run("check", "--all", "--json")
    assert r.returncode == 2
    f = next(f for f in json.loads(r.stdout)["findings"] if f["case"] == cid)
    assert (f["rule"], f"{f['file']}:{f['line']}") == ("malformed-file", where)


def test_decision_file_toml_syntax(walked, run, root):
    cid, files = walked
    with files[2].open("a", encoding="utf-8") as fh:
        fh.write("opinion2 = 同意\n")
    line = len(files[2].read_text(encoding="utf-8").splitlines())
    head_before = head(root)
    assert_error(run("show", cid), 2, f"cases/{cid}/decisions/{files[2].name}:{line}")
    assert_error(run("advance", cid, "submit"), 2, f"cases/{cid}/decisions/{files[2].name}:{line}")
    assert head(root) == head_before


# ---------------------------------------------------------------------------------------
# --json prints exactly one JSON document

def test_json_commands_print_one_document(store, run, root, tmp_path):
    docs = {}

    def j(*args):
        r = run(*args, "--json")
        assert r.returncode in (0, 1), f"{args}: {r.stderr}"
        docs[args[0]] = json.loads(r.stdout)  # fails on zero or on two documents
        return docs[args[0]]

    cid = j("new", "--jurisdiction", "heyuan", "--title", "JSON", "--unit", "U", "--set", "budget_wan=30")["id"]
    j("set", cid, "category=public")
    src = tmp_path / "plan.txt"
    src.write_text("方案\n", encoding="utf-8")
    j("attach", cid, str(src), "--kind", "project_plan")
    j("jurisdictions")
    j("list")
    j("show", cid)
    j("actions", cid)
    j("check", cid)
    j("due")
    j("log", cid)
    action = prepare(store, cid, tmp_path)
    d = j("advance", cid, action, "--opinion", "同意")
    assert d["decision"]["action"] == action
    assert set(docs["list"]) >= {"cases"} and set(docs["show"]) >= {"id", "facts", "stage", "attachments"}
    assert set(docs["check"]) >= {"findings"} and set(docs["due"]) >= {"items"}
    assert {e["action"] for e in j("log", cid)["entries"]} >= {"new", action}
