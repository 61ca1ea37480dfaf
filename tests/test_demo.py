"""`tracker demo` rebuilds the sample cases with their full history, exactly."""

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest

from tracker import demo, services
from tracker.core import engine

SAMPLES = Path(__file__).resolve().parent.parent / "cases"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    import os

    home = tmp_path_factory.mktemp("demohome")
    old = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        return demo.build(tmp_path_factory.mktemp("d") / "demo-store", quiet=True)
    finally:
        if old is not None:
            os.environ["HOME"] = old


def _decisions(d: Path):
    out = []
    for f in sorted((d / "decisions").glob("*.toml")):
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        data.pop("recorded_at", None)
        out.append((f.name, data))
    return out


def test_samples_cover_every_jurisdiction_twice_at_different_stages():
    by_jur: dict[str, set[str]] = {}
    for d in SAMPLES.iterdir():
        if (d / "case.toml").is_file():
            c = tomllib.loads((d / "case.toml").read_text(encoding="utf-8"))
            by_jur.setdefault(c["jurisdiction"], set()).add(d.name)
    assert set(by_jur) == {"heyuan", "yeji", "yunfu", "golmud", "yunan"}
    assert all(len(v) >= 2 for v in by_jur.values())


def test_demo_replays_every_sample_exactly(demo_store):
    ids = [d.name for d in SAMPLES.iterdir() if (d / "case.toml").is_file()]
    assert sorted(demo_store.case_ids()) == sorted(ids)
    for cid in ids:
        assert _decisions(demo_store.case_dir(cid)) == _decisions(SAMPLES / cid), cid
        assert (demo_store.case_dir(cid) / "case.toml").read_text(encoding="utf-8") == \
            (SAMPLES / cid / "case.toml").read_text(encoding="utf-8"), cid


def test_demo_has_the_cases_the_ui_needs(demo_store, monkeypatch):
    monkeypatch.setenv("TRACKER_TODAY", "2026-11-24")
    rows, errors = services.list_cases(demo_store)
    assert not errors
    kinds = {r["stage"]["kind"] for r in rows}
    assert "closed" in kinds
    assert any(r["overdue"] for r in rows)
    decisions = [d for cid in demo_store.case_ids() for d in demo_store.load_case(cid).decisions]
    assert any(d.kind == "return" for d in decisions)
    assert any(d.kind == "request_change" for d in decisions)
    assert {r["track"] for r in rows} >= {"approval", "filing", "simplified", "exempt"}


def test_demo_history_is_clean_and_one_commit_per_event(demo_store):
    import subprocess

    on = dt.date(2026, 11, 24)
    for cid in demo_store.case_ids():
        view = demo_store.view(demo_store.load_case(cid), on)
        errors = [f for f in engine.findings(view) if f.severity == "error"]
        assert errors == [], (cid, errors)
    count = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=demo_store.root, capture_output=True,
                               text=True).stdout)
    events = sum(1 + len(demo_store.load_case(c).attachments) + len(demo_store.load_case(c).decisions)
                 for c in demo_store.case_ids())
    people = len({r for p in demo_store.packs.values() for r in p.roles})
    assert count == events + 1 + people  # + the initial commit + one policy commit per demo role


def test_demo_history_is_signed_per_role_and_verifies(demo_store):
    """Every demo commit is signed with its role's generated key, and the whole history verifies."""
    from tracker import trust

    report = trust.verify(demo_store.root)
    assert report.ok, [p.as_dict() for p in report.problems]
    assert {r.signature for r in report.results.values()} == {"good"}
    cid = next(c for c in demo_store.case_ids() if demo_store.load_case(c).decisions)
    entries = trust.log_entries(demo_store, cid)
    roles = {e["role"]: e["signer"] for e in entries if e["role"]}
    assert roles and all(f"demo-{role}@" in signer for role, signer in roles.items())


def test_demo_refuses_to_overwrite_a_non_demo_directory(tmp_path):
    from tracker.core.errors import InputError

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("重要")
    with pytest.raises(InputError):
        demo.build(tmp_path / "x", quiet=True)
    assert (tmp_path / "x" / "keep.txt").read_text() == "重要"
