"""Check what is staged in the git index (for the pre-commit hook and `check --staged`)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from tracker.core import engine
from tracker.core.errors import TrackerError
from tracker.core.i18n import Text
from tracker.core.models import Finding, malformed_finding
from tracker.store import git
from tracker.store.objects import CatFile
from tracker.store.store import Store, today

_CASE_PATH = re.compile(r"^cases/([^/]+)/(.*)$")


def _raw_changes(store: Store) -> list[tuple[str, str, list[str], str]]:
    """(status, new mode, paths, new blob id) of each staged change against HEAD, where paths is
    [path], or [old, new] for a rename or copy: one `git diff --cached --raw` (renames found as
    `git diff` finds them) serves the changes, the modes and the staged files' contents (each git
    run reads the whole index: 5 MB at 10,000 cases)."""
    if not git.has_commits(store.root):
        out = git.run(["diff", "--cached", "--raw", "--no-abbrev", "-z", "--root"], store.root, check=False)
    else:
        out = git.run(["diff", "--cached", "--raw", "--no-abbrev", "-z", "HEAD"], store.root)
    toks = out.split("\0")
    raw = []
    i = 0
    while i < len(toks):
        meta = toks[i].split()
        if len(meta) < 5:
            i += 1
            continue
        n = 2 if meta[4].startswith(("R", "C")) else 1
        raw.append((meta[4], meta[1], toks[i + 1:i + 1 + n], meta[3]))
        i += 1 + n
    return raw


def staged_changes(store: Store, raw: list | None = None) -> list[tuple[str, str]]:
    changes = []
    for status, _, paths, _ in (raw if raw is not None else _raw_changes(store)):
        changes.append((status[0], paths[0]))
        if len(paths) == 2:
            changes.append(("A", paths[1]))
    return changes


def staged_findings(store: Store) -> list[Finding]:
    findings: list[Finding] = []
    cases: set[str] = set()
    raw = _raw_changes(store)
    for status, path in staged_changes(store, raw):
        m = _CASE_PATH.match(path)
        if not m:
            if status != "D":
                findings.extend(_shared_file_findings(store, path))
            continue
        cid, rest = m.group(1), m.group(2)
        cases.add(cid)
        if rest.startswith("decisions/") and status in ("M", "D", "R"):
            findings.append(Finding(cid, "decision-edited", "error",
                                    Text("决定记录一经写入不得修改或删除", "a decision record may never be edited or deleted"),
                                    None, path, None))
        elif rest.startswith("attachments/") and status in ("M", "D", "R", "T"):
            findings.append(Finding(cid, "attachment-changed", "error",
                                    Text("已附的材料不得替换或删除", "an attached document may never be replaced or removed"),
                                    None, path, None))
    odd = _mode_findings(store, raw)
    if odd:  # links or stray files: refused as they are, the cases are not read through them
        return findings + odd
    if not cases:
        return findings
    with tempfile.TemporaryDirectory(prefix="tracker-staged-") as tmp:
        root = Path(tmp)
        os.symlink(store.root / ".tracker", root / ".tracker")
        os.symlink(store.root / "jurisdictions", root / "jurisdictions")
        _write_staged(store, root, sorted(cases), raw)
        shadow = Store(root)
        shadow.__dict__["packs"] = store.packs
        try:  # the store's calendar, from its cache (the shadow has none: parsing it took 0.2 s)
            store.calendar
        except TrackerError:
            pass  # kept as the error it is: the shadow raises it again, as before
        shadow.__dict__["_calendar"] = store.__dict__.get("_calendar")
        on = today()
        for cid in sorted(cases):
            if not (root / "cases" / cid / "case.toml").exists():
                continue
            try:
                case = shadow.load_case(cid)
                view = shadow.view(case, on)
            except TrackerError as e:
                findings.append(malformed_finding(cid, e))
                continue
            findings.extend(engine.findings(view))
    return findings


def _write_staged(store: Store, dest: Path, cases: list[str], raw: list) -> None:
    """Write the staged files of these case folders under ``dest``: their files in HEAD with the
    staged changes applied, read as objects (not through the index, which every git command
    reads whole: this keeps the hook as fast with 10,000 cases as with 1,000)."""
    files: dict[str, str] = {}
    if git.has_commits(store.root):
        out = git.run(["ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", *[f"cases/{c}" for c in cases]], store.root)
        for entry in out.split("\0"):
            if entry:
                meta, _, path = entry.partition("\t")
                files[path] = meta.split()[2]
    prefixes = tuple(f"cases/{c}/" for c in cases)
    for status, _, paths, new in raw:
        if status.startswith(("D", "R")):
            files.pop(paths[0], None)
        if not status.startswith("D") and paths[-1].startswith(prefixes):
            files[paths[-1]] = new
    cat = CatFile(store.root)
    try:
        for path, got in zip(files, (g for _, g in cat.get_many(list(files.values())))):
            target = dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(got[2] if got else b"")
    finally:
        cat.close()


_CALENDAR = re.compile(r"^jurisdictions/calendars/(\d{4})\.ya?ml$")
_PACK = re.compile(r"^jurisdictions/[^/]+\.ya?ml$")


def _shared_file_findings(store: Store, path: str) -> list[Finding]:
    """A staged rule pack or calendar file that does not parse is refused like a broken case."""
    from tracker.core.calendar import parse_calendar_text
    from tracker.core.pack import load_pack_text

    cal, pack = _CALENDAR.match(path), _PACK.match(path)
    if not (cal or pack):
        return []
    raw = git.run_bytes(["cat-file", "blob", f":{path}"], store.root, check=False)
    try:
        text = raw.decode("utf-8")
        if cal:
            parse_calendar_text(text, path, int(cal.group(1)))
        else:
            load_pack_text(text, path)
    except UnicodeDecodeError:
        return [Finding(None, "malformed-file", "error", Text("不是 UTF-8 文本", "not UTF-8 text"), None, path, 1)]
    except TrackerError as e:
        return [malformed_finding(None, e)]
    return []


def _mode_findings(store: Store, raw: list) -> list[Finding]:
    """Staged files that are not plain files (links, submodules, executables outside hooks/), or
    that tracker never writes into a case folder: `tracker verify` and the remote refuse them.
    Every file staged as it is now counts, renamed and copied ones too, in path order."""
    from tracker.core.casefile import case_file_allowed

    found: list[Finding] = []
    for path, mode in sorted((paths[-1], mode) for status, mode, paths, _ in raw if not status.startswith("D")):
        m = _CASE_PATH.match(path)
        if mode != "100644" and not (mode == "100755" and path.startswith("hooks/")):
            found.append(Finding(m.group(1) if m else None, "file-mode", "error",
                                 Text(f"{path} 不是普通文件（模式 {mode}）", f"{path} is not a plain file (mode {mode})"),
                                 None, path, None))
        if m:
            rest = m.group(2)
            if not case_file_allowed(rest):
                found.append(Finding(m.group(1), "unexpected-file", "error",
                                     Text(f"案件目录中不应有 {path}", f"{path} does not belong in a case folder"),
                                     None, path, None))
    return found
