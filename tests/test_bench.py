"""The benchmark generator (tracker bench generate) and the fast JSON writer behind --json."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.bench.generate import apply_delta, make_delta
from tracker.cli import fastjson
from tracker.cli.output import _default


def git(root, *args) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_generate_cli_makes_a_varied_store_that_verifies(cli, tmp_path):
    path = tmp_path / "gen"
    r = cli("bench", "generate", str(path), "--cases", "30", "--commits", "500", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["cases"] == 30 and info["commits"] == 500
    assert "500/500" in r.stderr and "git index-pack" in r.stderr  # progress on stderr
    assert git(path, "rev-list", "--count", "HEAD").strip() == "500"
    assert git(path, "status", "--porcelain") == ""
    fsck = subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=path, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    v = json.loads(cli("verify", "--json", "--store", str(path)).stdout)
    assert v["ok"], v["problems"][:3]
    assert v["checked"] == 500
    listed = json.loads(cli("list", "--json", "--store", str(path)).stdout)["cases"]
    assert {c["jurisdiction"] for c in listed} == {"heyuan", "yeji", "yunfu", "golmud", "yunan"}
    assert len({c["stage"]["kind"] for c in listed}) >= 5
    assert any("\u4e00" <= ch <= "\u9fff" for ch in listed[0]["title"])
    authors = set(git(path, "log", "--format=%an").split("\n")) - {""}
    assert len(authors) >= 10
    assert list(path.glob("cases/*/attachments/*.pdf"))
    log = git(path, "log", "--format=%B", "--grep=^Action: return", "-E")
    assert "Action: return" in log or "Action: reject" in git(path, "log", "--format=%B")
    # git itself accepts the in-process SSH signatures
    head = git(path, "rev-parse", "HEAD").strip()
    ok = subprocess.run(["git", "verify-commit", head], cwd=path, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    # an existing store is never overwritten
    again = cli("bench", "generate", str(path), "--cases", "3", "--commits", "10")
    assert again.returncode == 2 and "不为空" in again.stderr


def test_generator_reaches_every_stage_with_enough_commits(tmp_path):
    from tracker.bench.generate import generate

    g = generate(tmp_path / "s", 250, 5000, repack=False)
    missing = {j: s for j, s in g.extra["stages_missing"].items() if s}
    # a few conditional stages need rare facts; with 5,000 commits nearly all are reached
    assert sum(len(s) for s in missing.values()) <= 4, missing
    assert all({"closed", "rejected"} <= set(s) for s in g.extra["stages"].values())


def test_bench_usage_errors(cli, tmp_path):
    assert cli("bench").returncode == 2
    r = cli("bench", "generate", str(tmp_path / "x"), "--cases", "5", "--commits", "3")
    assert r.returncode == 2 and "--commits" in r.stderr


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.binary(max_size=600), st.binary(max_size=300), st.integers(0, 3))
def test_git_delta_round_trip(base, target, common, where):
    if where == 1:
        base, target = common + base, common + target
    elif where == 2:
        base, target = base + common, target + common
    elif where == 3:
        base, target = common + base + common, common + target + common
    assert apply_delta(base, make_delta(base, target)) == target


def test_git_delta_long_copies():
    base = bytes(range(256)) * 300_000   # 76 MB: copies longer than one copy op can hold
    target = base[:40_000_000] + b"new" + base[40_000_001:]
    d = make_delta(base, target)
    assert len(d) < 100 and apply_delta(base, d) == target


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text() |
    st.decimals(allow_nan=False, allow_infinity=False, places=3) | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) |
    st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4),
    max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_fast_json_is_exactly_json_dumps(doc):
    try:
        want = json.dumps(doc, ensure_ascii=False, indent=2, default=_default)
    except Exception as e:  # whatever json refuses, fastjson refuses the same way
        try:
            fastjson.dumps(doc, default=_default)
        except type(e):
            return
        raise AssertionError("fastjson accepted what json refuses")
    assert fastjson.dumps(doc, default=_default) == want


def test_fast_json_subclasses_and_odd_keys():
    class S(str):
        pass

    class F(float):
        def __repr__(self):
            return "nope"

    for doc in ({"a": S("x")}, [F(1.5)], {1: "x", None: 2, 2.5: True}, {"d": Decimal("1.50")},
                {"on": dt.date(2025, 3, 3)}, [float("inf"), float("nan")], {"": {}, "l": [[], {}]}):
        assert fastjson.dumps(doc, default=_default) == json.dumps(doc, ensure_ascii=False, indent=2,
                                                                   default=_default)
