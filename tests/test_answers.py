"""Replayed answers (tracker.store.answers): ``list --json`` / ``due --json`` on an unchanged store.

A replayed answer must be byte for byte what the command computes (``TRACKER_NO_INDEX=1``), and
any change to what it was computed from — a case file edited in place, a folder added or removed,
a rule pack, a calendar, the policy, the date, the language, the code — must make the command
compute again. Stores are generated as in test_index.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_index import MARGIN, gen, run, settle, some_case, template  # noqa: F401  (fixtures)
from tracker.cli import main
from tracker.store import answers, index

ARGS = [("list", "--json"), ("list", "--json", "--overdue"), ("list", "--json", "--stage", "implementation"),
        ("list", "--json", "--jurisdiction=heyuan"), ("due", "--json"), ("due", "--json", "--on", "2025-09-30"),
        ("due", "--json", "--all"), ("--lang", "en", "list", "--json")]


def replay(capsys, root: Path, *args: str, lang: str = "zh") -> str | None:
    """The replayed output of the command line, or None when it is not replayed."""
    capsys.readouterr()
    code = answers.replay(["--store", str(root), *args], "en" if "en" in args else lang)
    out = capsys.readouterr()
    if code is None:
        assert out.out == "" and out.err == ""
        return None
    return f"exit {code}\n{out.out}\n{out.err}"


def computed(capsys, monkeypatch, root: Path, *args: str) -> str:
    return run(capsys, monkeypatch, root, *args, indexed=False)


def kept(capsys, monkeypatch, root: Path, *args: str) -> str:
    """Run the command (which keeps its answer) and check that the answer now replays exactly."""
    plain = computed(capsys, monkeypatch, root, *args)
    assert run(capsys, monkeypatch, root, *args) == plain
    got = replay(capsys, root, *args)
    assert got == plain, args
    return plain


def answer_files(root: Path) -> list[Path]:
    return sorted((root / ".git" / "tracker-cache").glob("answer-*.bin"))


# ---------------------------------------------------------------------------------------

def test_every_command_line_replays_exactly(gen, capsys, monkeypatch):
    for args in ARGS:
        kept(capsys, monkeypatch, gen, *args)
    # the plain `tracker --json` is `list --json`: main completes the command line before replaying
    plain = run(capsys, monkeypatch, gen, "--json")
    assert replay(capsys, gen, "--json", "list") == plain
    assert replay(capsys, gen, "--json") is None
    assert len(answer_files(gen)) == answers.KEEP  # pruned to the most recent


def test_a_replayed_run_loads_neither_the_engine_nor_pydantic(gen, capsys, monkeypatch):
    kept(capsys, monkeypatch, gen, "list", "--json")
    code = ("import sys\nfrom tracker.cli import main\nrc = main(['--store', sys.argv[1], 'list', '--json'])\n"
            "print(rc, 'tracker.core.engine' in sys.modules, 'pydantic' in sys.modules, file=sys.stderr)")
    env = {**{k: v for k, v in os.environ.items() if k != index.DISABLE_ENV}, "TRACKER_LANG": "zh"}
    p = subprocess.run([sys.executable, "-c", code, str(gen)], capture_output=True, text=True, env=env)
    assert p.stderr.split() == ["0", "False", "False"], p.stderr
    assert p.stdout == computed(capsys, monkeypatch, gen, "list", "--json").split("\n", 1)[1][:-1]


@pytest.mark.parametrize("change", [
    "case.toml in place", "decision in place", "decision added", "decision removed", "touch",
    "case removed", "case added", "pack", "calendar", "policy", "attachments.toml",
])
def test_any_change_is_computed_again(gen, capsys, monkeypatch, change):
    for args in (("list", "--json"), ("due", "--json")):
        kept(capsys, monkeypatch, gen, *args)
    case = some_case(gen)
    decisions = sorted((case / "decisions").glob("*.toml"))
    if change == "case.toml in place":      # same size, same inode: only the stat times and bytes differ
        p = case / "case.toml"
        data = p.read_bytes()
        i = data.index(b'title = "') + len(b'title = "')
        assert len(data[i:i + 3].decode("utf-8")) == 1   # a Chinese character: replaced by another
        with open(p, "r+b") as f:
            f.seek(i)
            f.write("改".encode() if data[i:i + 3] != "改".encode() else "新".encode())
    elif change == "decision in place":
        text = decisions[-1].read_text(encoding="utf-8")
        decisions[-1].write_text(text.replace("opinion = \"", "opinion = \"补充：", 1), encoding="utf-8")
    elif change == "decision added":
        shutil.copy(decisions[-1], decisions[-1].with_name("9999-extra.toml"))
    elif change == "decision removed":
        decisions[-1].unlink()
    elif change == "touch":                 # same bytes, new stat data
        os.utime(case / "case.toml")
    elif change == "case removed":
        shutil.rmtree(case)
    elif change == "case added":
        new = case.with_name(case.name[:-4] + "9999")
        shutil.copytree(case, new)
        text = (new / "case.toml").read_text(encoding="utf-8")
        assert f'"{case.name}"' in text
        (new / "case.toml").write_text(text.replace(f'"{case.name}"', f'"{new.name}"'), encoding="utf-8")
    elif change == "pack":
        p = gen / "jurisdictions" / "heyuan.yaml"
        p.write_text(p.read_text(encoding="utf-8").replace("jurisdiction: 河源市", "jurisdiction: 河源市（改）", 1),
                     encoding="utf-8")
    elif change == "calendar":
        (gen / "jurisdictions" / "calendars" / "2025.yaml").unlink()
    elif change == "policy":
        with open(gen / ".tracker" / "policy.toml", "a", encoding="utf-8") as f:
            f.write("\n# 备注\n")
    elif change == "attachments.toml":
        p = next(gen.glob("cases/*/attachments.toml"))
        with open(p, "a", encoding="utf-8") as f:
            f.write("\n")
    for args in (("list", "--json"), ("due", "--json")):
        assert replay(capsys, gen, *args) is None, (change, args)
        plain = computed(capsys, monkeypatch, gen, *args)
        assert run(capsys, monkeypatch, gen, *args) == plain
    settle()  # once the changed files are older than the racy window, the answer is kept again
    for args in (("list", "--json"), ("due", "--json")):
        kept(capsys, monkeypatch, gen, *args)


def test_date_language_and_code_are_part_of_the_answer(gen, capsys, monkeypatch):
    kept(capsys, monkeypatch, gen, "list", "--json")
    kept(capsys, monkeypatch, gen, "due", "--json")
    monkeypatch.setenv("TRACKER_TODAY", "2031-01-06")
    assert replay(capsys, gen, "list", "--json") is None
    assert replay(capsys, gen, "due", "--json") is None
    kept(capsys, monkeypatch, gen, "due", "--json")
    monkeypatch.setenv("TRACKER_TODAY", "2031年1月6日")   # read by the full parser only: never replayed
    assert replay(capsys, gen, "due", "--json") is None
    monkeypatch.delenv("TRACKER_TODAY")
    assert replay(capsys, gen, "list", "--json", lang="en") is None
    monkeypatch.setattr(answers, "_CODE", b"other code")
    assert replay(capsys, gen, "list", "--json") is None


def test_what_is_never_kept(gen, capsys, monkeypatch):
    # an unreadable case: the command exits 2 and keeps nothing
    bad = some_case(gen) / "case.toml"
    bad.write_text("title = \n", encoding="utf-8")
    settle()
    for _ in range(2):
        assert run(capsys, monkeypatch, gen, "list", "--json").startswith("exit 2")
    assert replay(capsys, gen, "list", "--json") is None and not answer_files(gen)
    shutil.rmtree(bad.parent)
    # a folder changed within the racy window: computed, not indexed, so no answer either
    case = some_case(gen)
    monkeypatch.setattr(index, "MARGIN_NS", 3_600 * 10**9)
    with open(case / "case.toml", "a", encoding="utf-8") as f:
        f.write("\n")
    run(capsys, monkeypatch, gen, "list", "--json")
    assert replay(capsys, gen, "list", "--json") is None and not answer_files(gen)
    monkeypatch.setattr(index, "MARGIN_NS", int(MARGIN * 1e9))
    # the index turned off: nothing kept, nothing replayed
    run(capsys, monkeypatch, gen, "list", "--json", indexed=False)
    assert not answer_files(gen)
    kept(capsys, monkeypatch, gen, "list", "--json")
    monkeypatch.setenv(index.DISABLE_ENV, "1")
    assert replay(capsys, gen, "list", "--json") is None


def test_command_lines_it_does_not_know_are_run(gen, capsys, monkeypatch):
    for argv in (["list"], ["list", "--sto", str(gen), "--json"], ["list", "--json", "-h"], ["show", "X", "--json"],
                 ["list", "--json", "--overdue=yes"], ["list", "--json", "--stage"], ["list", "extra", "--json"],
                 ["--jurisdiction", "heyuan", "list", "--json"], ["list", "--json", "--bogus"]):
        assert answers._parse(argv) is None, argv
    assert answers._parse(["--store=a", "list", "--store", "b", "--json"]) == ("list", "b")
    assert answers._parse(["due", "--json", "--on=2025-01-02"]) == ("due", None)


def test_a_damaged_answer_is_computed_again(gen, capsys, monkeypatch):
    plain = kept(capsys, monkeypatch, gen, "list", "--json")
    (f,) = answer_files(gen)
    good = f.read_bytes()
    for damage in (good[:len(good) // 2], good[:-1] + bytes([good[-1] ^ 1]), b"garbage", b""):
        f.write_bytes(damage)
        assert replay(capsys, gen, "list", "--json") is None
        assert run(capsys, monkeypatch, gen, "list", "--json") == plain  # and kept again, whole
        assert f.read_bytes() == good


def test_a_pack_changed_during_the_run_is_not_replayed(gen, capsys, monkeypatch):
    from tracker import services

    real = services.list_cases
    pack = gen / "jurisdictions" / "yeji.yaml"

    def racing(*a, **k):
        got = real(*a, **k)
        pack.write_text(pack.read_text(encoding="utf-8") + "\n# 运行中修改\n", encoding="utf-8")
        return got

    monkeypatch.setattr(services, "list_cases", racing)
    run(capsys, monkeypatch, gen, "list", "--json")
    monkeypatch.setattr(services, "list_cases", real)
    assert replay(capsys, gen, "list", "--json") is None


def test_found_from_the_working_directory_and_chinese_paths(template, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(index, "MARGIN_NS", int(MARGIN * 1e9))
    root = tmp_path / "案件库" / "河源"
    shutil.copytree(template, root, symlinks=True)
    settle()
    (root / "cases" / "子目录").mkdir()
    monkeypatch.chdir(root / "cases" / "子目录")
    plain = computed(capsys, monkeypatch, root, "list", "--json")
    for argv in (["list", "--json"], ["list", "--json", "--store", "../.."]):
        capsys.readouterr()
        assert main(argv) == 0
        assert "exit 0\n" + capsys.readouterr().out + "\n" == plain
        assert answers.replay(argv, "zh") == 0
        assert "exit 0\n" + capsys.readouterr().out + "\n" == plain
    # an answer kept under one store is not replayed for another one with the same command line
    other = tmp_path / "other"
    shutil.copytree(template, other, symlinks=True)
    monkeypatch.chdir(other)
    assert answers.replay(["list", "--json"], "zh") is None


def test_a_checkout_during_the_run_keeps_nothing(gen, capsys, monkeypatch):
    """The rule packs change after the run hashed them and before it loads them, and change back
    after it: what it printed was computed from the other packs, so it must not be replayed."""
    from tracker import services

    real = services.list_cases
    pack = gen / "jurisdictions" / "heyuan.yaml"
    before = pack.read_bytes()
    other = before.decode("utf-8").replace("jurisdiction: 河源市", "jurisdiction: 河源市（分支）", 1).encode("utf-8")
    assert other != before

    def checkout_during(*a, **k):
        pack.write_bytes(other)
        return real(*a, **k)

    monkeypatch.setattr(services, "list_cases", checkout_during)
    out = run(capsys, monkeypatch, gen, "list", "--json")
    monkeypatch.setattr(services, "list_cases", real)
    assert "河源市（分支）" in out
    pack.write_bytes(before)
    assert replay(capsys, gen, "list", "--json") is None
    kept(capsys, monkeypatch, gen, "list", "--json")


def test_rows_are_filed_under_the_packs_they_were_computed_with(gen, capsys, monkeypatch):
    """A pull between loading the rule packs and keying the index must not file rows made with
    the old packs under the new ones."""
    from test_index import scan as index_scan
    from tracker.core.i18n import set_language
    from tracker.store.store import Store
    import datetime as dt

    set_language("zh")
    pack = gen / "jurisdictions" / "heyuan.yaml"
    store = Store(gen)
    store.packs, store.calendar           # loaded: the old packs
    pack.write_text(pack.read_text(encoding="utf-8").replace("jurisdiction: 河源市", "jurisdiction: 河源市（新）", 1),
                    encoding="utf-8")     # the pull
    stats = index.Stats()
    old_rows = [v for _, _, v in index.entries(store, dt.date(2025, 3, 3), "row", stats)]
    assert any(r["jurisdiction_name"] == "河源市" for r in old_rows)
    new_rows, stats = index_scan(gen)     # a later run with the new packs computes its own rows
    assert any(r["jurisdiction_name"] == "河源市（新）" for r in new_rows)
    assert not any(r["jurisdiction_name"] == "河源市" for r in new_rows)


def test_replay_without_a_byte_stream_is_a_normal_run(gen, capsys, monkeypatch):
    import io

    kept(capsys, monkeypatch, gen, "list", "--json")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert answers.replay(["--store", str(gen), "list", "--json"], "zh") is None
