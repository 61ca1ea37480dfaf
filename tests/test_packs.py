"""Rule packs: schema, citations, and errors that name file:line."""

import shutil
from pathlib import Path

import pytest

from helpers import PACKS, ROOT
from tracker.core.errors import InputError
from tracker.core.pack import load_pack


def _cites(pack):
    yield "scope", [s.cite for s in pack.scope]
    yield "rules", [r.cite for r in pack.rules]
    yield "obligations", [o.cite for o in pack.obligations]
    yield "deadlines", [d.cite for d in pack.deadlines]
    yield "checklist", [c.cite for c in pack.checklist]
    yield "due", [s.due.cite for s in pack.stages.values() if s.due]
    yield "stages", [s.cite for s in pack.stages.values() if not s.terminal]
    yield "stage checklist", [c.cite for s in pack.stages.values() for c in s.checklist]


@pytest.mark.parametrize("pid", sorted(PACKS))
def test_every_rule_cites_its_document_and_article(pid):
    pack = PACKS[pid]
    ref = pack.document or pack.name
    for what, cites in _cites(pack):
        for c in cites:
            assert c and ref in c, f"{pid} {what}: {c!r}"
            assert any(ch in c for ch in "条一二三四五六七八九十附"), f"{pid} {what}: no article in {c!r}"


@pytest.mark.parametrize("pid", sorted(PACKS))
def test_tracks_end_closed_and_kinds_from_vocabulary(pid):
    pack = PACKS[pid]
    assert {t.kind for t in pack.tracks.values()} >= {"approval", "exempt"}
    for t in pack.tracks.values():
        assert pack.stages[t.stages[-1]].kind == "closed"


def _broken(tmp_path, old, new):
    src = ROOT / "jurisdictions" / "heyuan.yaml"
    text = src.read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "heyuan.yaml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return p, line


@pytest.mark.parametrize("old,new,needle", [
    ("    kind: crypto_review\n", "    kind: crypto_reviewing\n", "unknown stage kind"),
    ("  crypto: involves_crypto or", "  crypto: __import__('os') or", "may be called"),
    ("  - when: budget_wan <= 50\n", "  - when: budjet_wan <= 50\n", "unknown name"),
    ("    track: filing\n", "    track: filling\n", "unknown track"),
    ("        to: proposal\n", "        to: nowhere\n", "nowhere"),
])
def test_broken_pack_names_file_and_line(tmp_path, old, new, needle):
    p, line = _broken(tmp_path, old, new)
    with pytest.raises(InputError) as e:
        load_pack(p, "jurisdictions/heyuan.yaml")
    assert needle in e.value.message
    assert e.value.file == "jurisdictions/heyuan.yaml"
    assert e.value.line == line


def test_yaml_syntax_error_line(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("id: x\nroles: [unclosed\nname: y\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_pack(p, "jurisdictions/x.yaml")
    assert e.value.line in (2, 3) and "YAML" in e.value.message


def test_broken_pack_in_store_makes_cli_exit_2(cli, store):
    f = store.root / "jurisdictions" / "yeji.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("level: district", "level: galaxy"), encoding="utf-8")
    r = cli("list", "--store", str(store.root))
    assert r.returncode == 2
    assert r.stderr.startswith("jurisdictions/yeji.yaml:") and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_pack_cache_is_keyed_by_content(cli, store):
    s = str(store.root)
    r = cli("jurisdictions", "--json", "--store", s)
    assert r.returncode == 0
    assert list((store.root / ".git" / "tracker-cache").glob("pack-*.pickle"))
    f = store.root / "jurisdictions" / "yunan.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("name: 郁南县政务信息化服务项目管理办法",
                                                       "name: 郁南县办法（修订）", 1), encoding="utf-8")
    r = cli("jurisdictions", "--json", "--store", s)
    names = {j["id"]: j["name"] for j in __import__("json").loads(r.stdout)["jurisdictions"]}
    assert names["yunan"] == "郁南县办法（修订）"
    # a corrupt cache entry is rebuilt, not trusted
    for c in (store.root / ".git" / "tracker-cache").glob("pack-*.pickle"):
        c.write_bytes(b"garbage")
    assert cli("jurisdictions", "--json", "--store", s).returncode == 0
