"""The case index (tracker.store.index): exact, disposable, never shown stale.

Every test builds a real git store with the benchmark generator (all five jurisdictions, cases at
every kind of stage, attachments, decisions), changes it from the outside the way people and git
do, and compares ``list --json`` / ``due --json`` with the index against the same commands
without it (``TRACKER_NO_INDEX=1``), byte for byte.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.store import folders, index
from tracker.store.store import Store

MARGIN = 0.05  # tests shorten the "racy" window and wait it out instead of 2 s


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from tracker.bench.generate import generate

    path = tmp_path_factory.mktemp("index-template") / "store"
    with pytest.MonkeyPatch.context() as mp:
        for k in list(os.environ):
            if k.startswith(("GIT_", "TRACKER_")):
                mp.delenv(k, raising=False)
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("HOME", str(path.parent))
        generate(path, 40, 400, repack=False)
    return path


@pytest.fixture
def gen(template, tmp_path, monkeypatch):
    """A fresh copy of the generated store, files older than the (shortened) racy window."""
    monkeypatch.setattr(index, "MARGIN_NS", int(MARGIN * 1e9))
    dst = tmp_path / "store"
    shutil.copytree(template, dst, symlinks=True)
    shutil.copytree(template.parent / f".{template.name}-keys", tmp_path / f".{dst.name}-keys")
    settle()
    return dst


def settle():
    time.sleep(MARGIN * 1.5)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def run(capsys, monkeypatch, root: Path, *args: str, indexed: bool = True) -> str:
    if indexed:
        monkeypatch.delenv(index.DISABLE_ENV, raising=False)
    else:
        monkeypatch.setenv(index.DISABLE_ENV, "1")
    capsys.readouterr()
    code = main(["--store", str(root), *args])
    out = capsys.readouterr()
    monkeypatch.delenv(index.DISABLE_ENV, raising=False)
    assert code in (0, 2), out.err
    return f"exit {code}\n{out.out}\n{out.err}"


def same(capsys, monkeypatch, root: Path, *args: str) -> str:
    """The command's output with the index (run twice: building it, then reading it) and without."""
    first = run(capsys, monkeypatch, root, *args)
    second = run(capsys, monkeypatch, root, *args)
    plain = run(capsys, monkeypatch, root, *args, indexed=False)
    assert first == plain
    assert second == plain
    return plain


def all_same(capsys, monkeypatch, root: Path) -> None:
    for args in (("list", "--json"), ("due", "--json"), ("list", "--json", "--overdue"),
                 ("list", "--json", "--stage", "implementation"), ("due", "--json", "--on", "2025-09-30"),
                 ("list",), ("--lang", "en", "list", "--json")):
        same(capsys, monkeypatch, root, *args)


def scan(root: Path, want: str = "row", on: dt.date = dt.date(2025, 3, 3)) -> tuple[list, index.Stats]:
    from tracker.core.i18n import set_language

    set_language("zh")  # as the CLI runs in the tests set it (the language is part of the key)
    stats = index.Stats()
    values = [v for _, _, v in index.entries(Store(root), on, want, stats)]
    return values, stats


def some_case(root: Path, with_decisions: bool = True) -> Path:
    for d in sorted((root / "cases").iterdir()):
        if d.is_dir() and (not with_decisions or any((d / "decisions").glob("*.toml"))):
            return d
    raise AssertionError("no case with decisions")


# ---------------------------------------------------------------------------------------

def test_generated_store_is_varied(gen):
    stages = {v["stage"]["kind"] for v in scan(gen)[0]}
    jurisdictions = {v["jurisdiction"] for v in scan(gen)[0]}
    assert jurisdictions == {"heyuan", "yeji", "yunfu", "golmud", "yunan"}
    assert len(stages) >= 5


def test_same_output_with_and_without_the_index(gen, capsys, monkeypatch):
    all_same(capsys, monkeypatch, gen)
    rows, stats = scan(gen)
    assert stats.reused == len(rows) and stats.computed == 0  # the second run read the index
    due, stats = scan(gen, "due")
    assert stats.reused == len(due) and stats.computed == 0


def test_iter_case_rows_contract(gen):
    from tracker import services

    store = Store(gen)
    got = list(services.iter_case_rows(store))
    total = len(store.case_ids())
    assert [(d, t) for d, t, _ in got] == [(n, total) for n in range(1, total + 1)]
    assert [r["id"] for _, _, r in got] == store.case_ids()
    again = list(services.iter_case_rows(store))
    assert again == got


def test_hand_edits_are_never_shown_stale(gen, capsys, monkeypatch):
    all_same(capsys, monkeypatch, gen)
    case = some_case(gen)
    toml = case / "case.toml"
    # an editor writing in place (same inode), keeping the size: only the bytes differ
    text = toml.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title"))
    new_title = title[:-2] + ("甲" if title[-2] != "甲" else "乙") + '"'
    with open(toml, "r+", encoding="utf-8") as f:
        f.write(text.replace(title, new_title))
    assert toml.stat().st_size == len(text.encode())
    out = same(capsys, monkeypatch, gen, "list", "--json")
    assert new_title.split('"')[1] in out
    all_same(capsys, monkeypatch, gen)
    # a decision file edited by hand (the case's history now reads differently)
    dec = sorted((case / "decisions").glob("*.toml"))[0]
    dec.write_text(dec.read_text(encoding="utf-8").replace("decided_on", "decided_onX", 1), encoding="utf-8")
    out = same(capsys, monkeypatch, gen, "list", "--json")
    assert case.name in out and '"errors": [\n    {' in out  # now unreadable: an error, not the old row
    # a stray file dropped into decisions/, then removed again
    dec.write_text(git(gen, "show", f"HEAD:{dec.relative_to(gen)}"), encoding="utf-8")
    (case / "decisions" / "9999-approve.toml").write_text("not = [valid", encoding="utf-8")
    all_same(capsys, monkeypatch, gen)
    (case / "decisions" / "9999-approve.toml").unlink()
    all_same(capsys, monkeypatch, gen)
    # attachments.toml removed, a whole case folder removed, a new one copied in by hand
    other = some_case(gen, with_decisions=False)
    (other / "attachments.toml").unlink(missing_ok=True)
    all_same(capsys, monkeypatch, gen)
    shutil.copytree(case, gen / "cases" / (case.name[:-4] + "9876"))
    shutil.rmtree(other)
    all_same(capsys, monkeypatch, gen)


def test_touch_and_rewrite_with_same_bytes_reuse_the_row(gen):
    scan(gen)
    case = some_case(gen)
    toml = case / "case.toml"
    toml.write_bytes(toml.read_bytes())      # new stat data, same bytes
    os.utime(case / "decisions", None)
    settle()
    rows, stats = scan(gen)
    assert stats.hashed == 1 and stats.computed == 0
    rows, stats = scan(gen)
    assert stats.hashed == 0 and stats.reused == len(rows)


def test_git_pull_checkout_and_reset_are_never_shown_stale(gen, tmp_path, capsys, monkeypatch):
    from tracker.bench.generate import generate

    all_same(capsys, monkeypatch, gen)
    old = git(gen, "rev-parse", "HEAD~150").strip()
    git(gen, "checkout", "-q", old)        # many cases back in time, some not yet opened
    all_same(capsys, monkeypatch, gen)
    git(gen, "checkout", "-q", "main")
    all_same(capsys, monkeypatch, gen)
    # a pull bringing other history: a second office's clone moves ahead, this one pulls
    other = tmp_path / "other"
    generate(other, 12, 150, repack=False, seed=7)
    git(gen, "fetch", "-q", str(other), "main")
    git(gen, "reset", "-q", "--hard", "FETCH_HEAD")  # every case folder replaced by another store's
    all_same(capsys, monkeypatch, gen)


def test_shared_files_date_and_language_are_part_of_the_key(gen, capsys, monkeypatch):
    all_same(capsys, monkeypatch, gen)
    # a rule pack edited: the jurisdiction's name, which every heyuan row shows
    pack = gen / "jurisdictions" / "heyuan.yaml"
    text = pack.read_text(encoding="utf-8")
    assert "\njurisdiction: 河源市\n" in text
    pack.write_text(text.replace("\njurisdiction: 河源市\n", "\njurisdiction: 河源市（改）\n"), encoding="utf-8")
    assert "河源市（改）" in same(capsys, monkeypatch, gen, "list", "--json")
    all_same(capsys, monkeypatch, gen)
    # a calendar year removed: dates become estimated
    (gen / "jurisdictions" / "calendars" / "2025.yaml").unlink()
    out = same(capsys, monkeypatch, gen, "due", "--json")
    assert '"estimated": true' in out
    all_same(capsys, monkeypatch, gen)
    # "today" moves on
    monkeypatch.setenv("TRACKER_TODAY", "2026-01-05")
    all_same(capsys, monkeypatch, gen)


def test_a_damaged_index_is_ignored_and_rebuilt(gen, capsys, monkeypatch):
    plain = same(capsys, monkeypatch, gen, "list", "--json")
    cache = gen / ".git" / "tracker-cache"
    maps = sorted([*cache.glob("index-*-row-*.bin"), *cache.glob("answer-*.bin")])  # the kept answer too
    assert len(maps) >= 2
    for damage in (lambda b: b[:len(b) // 2], lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:],
                   lambda b: b"garbage", lambda b: b""):
        for m in maps:
            m.write_bytes(damage(m.read_bytes()) if m.stat().st_size else b"x")
        assert run(capsys, monkeypatch, gen, "list", "--json") == plain
        rows, stats = scan(gen)
        assert stats.reused == len(rows)  # rebuilt by the run above
        maps = sorted([*cache.glob("index-*-row-*.bin"), *cache.glob("answer-*.bin")])
    # a cache directory that cannot be written: still the same answers
    shutil.rmtree(gen / ".git" / "tracker-cache")
    (gen / ".git" / "tracker-cache").write_text("not a directory")
    assert run(capsys, monkeypatch, gen, "list", "--json") == plain


def test_verify_and_hook_do_not_read_the_index(gen, capsys, monkeypatch):
    same(capsys, monkeypatch, gen, "list", "--json")
    for m in (gen / ".git" / "tracker-cache").glob("index-*.bin"):
        m.write_bytes(b"garbage")
    r = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "verify-commit", "HEAD"], cwd=gen,
                       capture_output=True)
    assert r.returncode in (0, 1)  # (git's own check; ours follows)
    capsys.readouterr()
    assert main(["--store", str(gen), "verify", "--json"]) == 0
    case = some_case(gen)
    with open(case / "case.toml", "a", encoding="utf-8") as f:
        f.write("\n[broken\n")
    git(gen, "add", str(case / "case.toml"))
    assert main(["--store", str(gen), "hook", "pre-commit"]) == 1


def test_recent_changes_are_read_again_until_they_settle(gen, monkeypatch):
    monkeypatch.setattr(index, "MARGIN_NS", 3_600 * 10**9)  # as if every file had just changed
    rows, stats = scan(gen)
    assert stats.stored == 0 and stats.computed == len(rows)
    monkeypatch.setattr(index, "MARGIN_NS", int(MARGIN * 1e9))
    rows2, stats = scan(gen)
    assert rows2 == rows and stats.stored == len(rows)
    case = some_case(gen)
    (case / "case.toml").write_text((case / "case.toml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    rows3, stats = scan(gen)  # changed a moment ago: evaluated, not stored
    assert rows3 == rows and stats.computed == 1 and stats.stored == 0


def test_values_handed_out_can_be_changed_by_the_caller(gen):
    rows, _ = scan(gen)
    store = Store(gen)
    on = dt.date(2025, 3, 3)
    case = some_case(gen)
    (case / "case.toml").write_text((case / "case.toml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    settle()
    for _, _, row in index.entries(store, on):  # the caller scribbles on every row it gets
        row["title"] = "改过"
        row["stage"]["name"] = "改过"
    again, stats = scan(gen)
    assert again == rows and stats.reused == len(rows)


def test_the_stat_scan_split_over_two_processes_is_the_same(gen, monkeypatch):
    rows, _ = scan(gen)
    store = Store(gen)
    base = str(store.cases_dir) + "/"
    ids = index.case_ids(store.cases_dir)
    serial = index.scan(base, ids, {})
    monkeypatch.setattr(folders, "PARALLEL_MIN", 2)
    assert index.scan(base, ids, {}) == serial
    assert all(s is not None for s in serial)
    again, stats = scan(gen)  # the whole path, forked, still reads the index exactly
    assert again == rows and stats.reused == len(rows)
