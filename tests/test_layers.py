"""The domain core imports neither git nor Textual nor any outer layer."""

import ast
from pathlib import Path

import tracker

CORE = Path(tracker.__file__).parent / "core"
FORBIDDEN = ("git", "subprocess", "textual", "tracker.store", "tracker.cli", "tracker.services", "tracker.demo",
             "tracker.tui", "os.system", "shutil")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_is_pure():
    files = sorted(CORE.glob("*.py"))
    assert len(files) >= 8
    for f in files:
        for name in imports_of(f):
            for bad in FORBIDDEN:
                assert not (name == bad or name.startswith(bad + ".")), f"{f.name} imports {name}"


def test_checker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from tracker.store import git\nimport subprocess\n")
    assert {"tracker.store", "subprocess"} <= imports_of(bad)


def test_store_does_not_import_the_cli():
    for f in (Path(tracker.__file__).parent / "store").glob("*.py"):
        assert not any(n.startswith("tracker.cli") for n in imports_of(f)), f.name


def test_ui_and_inner_layers_stay_apart():
    """The terminal UI is a shell beside the CLI: neither imports the other, and nothing inside
    (core, store, services) imports the UI."""
    root = Path(tracker.__file__).parent
    for f in (root / "tui").rglob("*.py"):
        assert not any(n.startswith("tracker.cli") for n in imports_of(f)), f
    for f in [*(root / "cli").glob("*.py"), *(root / "store").glob("*.py"), root / "services.py"]:
        bad = [n for n in imports_of(f) if n.startswith("tracker.tui") or n.startswith("textual")]
        assert not bad or f.name == "cmd_tui.py" or f.name == "cmd_demo.py", (f, bad)
