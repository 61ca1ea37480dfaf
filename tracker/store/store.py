"""A case store on disk: discovery, reading cases, allocating ids, writing through commits."""

from __future__ import annotations

import datetime as _dt
import os
import re
from functools import cached_property
from pathlib import Path

from tracker.core import engine
from tracker.core.calendar import WorkCalendar, weekday_calendar
from tracker.core.casefile import (CASE_ID_RE, DECISION_FILE_RE, parse_attachments, parse_case, parse_decision)
from tracker.core.errors import InputError
from tracker.core.facts import parse_date
from tracker.core.i18n import pick, t
from tracker.core.models import Case, Finding
from tracker.core.i18n import Text
from tracker.core.pack import Pack, load_packs, resolve_pack
from tracker.store.fsutil import sha256_file

MARKER = ".tracker"


def today() -> _dt.date:
    raw = os.environ.get("TRACKER_TODAY")
    if raw:
        try:
            return parse_date("TRACKER_TODAY", raw)
        except InputError:
            raise InputError(t("bad_today", value=raw)) from None
    return _dt.date.today()


def find_root(start: Path) -> Path | None:
    p = start.resolve()
    for cand in (p, *p.parents):
        if (cand / MARKER).is_dir():
            return cand
    return None


class Store:
    def __init__(self, root: Path):
        self.root = root.resolve()
        if not (self.root / MARKER).is_dir():
            raise InputError(t("not_a_store", path=root))

    @classmethod
    def discover(cls, explicit: str | None = None, cwd: Path | None = None) -> "Store":
        if explicit:
            return cls(Path(explicit))
        root = find_root(cwd or Path.cwd())
        if root is None:
            raise InputError(t("no_store"))
        return cls(root)

    # -- rule packs ----------------------------------------------------------------------
    @cached_property
    def packs(self) -> dict[str, Pack]:
        return load_packs_cached(self.root / "jurisdictions", self.root)

    def pack(self, name: str) -> Pack:
        return resolve_pack(self.packs, name)

    @cached_property
    def calendar(self) -> WorkCalendar:
        return weekday_calendar()

    # -- cases ---------------------------------------------------------------------------
    @property
    def cases_dir(self) -> Path:
        return self.root / "cases"

    def case_dir(self, case_id: str) -> Path:
        return self.cases_dir / case_id

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def case_ids(self) -> list[str]:
        if not self.cases_dir.is_dir():
            return []
        return sorted(p.name for p in self.cases_dir.iterdir() if p.is_dir() and CASE_ID_RE.match(p.name))

    def _extra_facts(self, jurisdiction: str):
        pack = self.packs.get(jurisdiction)
        if pack is None:
            raise InputError(t("unknown_jurisdiction", name=jurisdiction, known=", ".join(sorted(self.packs))))
        return pack.fact_specs()

    def resolve_case_id(self, text: str) -> str:
        cid = text.strip().upper()
        if not CASE_ID_RE.match(cid) or not (self.case_dir(cid) / "case.toml").is_file():
            raise InputError(t("unknown_case", case=text))
        return cid

    def load_case(self, case_id: str, *, check_files: bool = True) -> Case:
        cid = self.resolve_case_id(case_id)
        d = self.case_dir(cid)
        path = d / "case.toml"
        display = self.rel(path)
        text = _read_text(path, display)
        try:
            case = parse_case(text, display, self._extra_facts)
        except InputError as e:
            if e.file is None:
                raise InputError(e.message, file=display, line=1) from None
            raise
        if case.id != cid:
            raise InputError(t("bad_case_file", error=pick(f"编号 {case.id!r} 与所在目录 {cid!r} 不符", f"id {case.id!r} does not match its folder {cid!r}")),
                             file=display, line=1)
        man = d / "attachments.toml"
        if man.exists():
            case.attachments = parse_attachments(_read_text(man, self.rel(man)), self.rel(man))
            if check_files:
                for a in case.attachments:
                    f = d / "attachments" / a.name
                    a.present = f.is_file()
                    if a.present:
                        a.actual_sha256 = sha256_file(f)
        ddir = d / "decisions"
        if ddir.is_dir():
            for f in sorted(ddir.iterdir()):
                if f.name.startswith("."):
                    continue
                m = DECISION_FILE_RE.match(f.name)
                if not m:
                    case.problems.append(Finding(cid, "decision-file-name", "error",
                                                 Text(f"决定文件名不合规范：{f.name}", f"badly named decision file: {f.name}"),
                                                 None, self.rel(f), None))
                    continue
                dec = parse_decision(_read_text(f, self.rel(f)), self.rel(f))
                if dec.seq != int(m.group(1)) or dec.action != m.group(2):
                    case.problems.append(Finding(cid, "decision-file-name", "error",
                                                 Text("决定文件名与内容不符", "decision file name does not match its content"),
                                                 None, self.rel(f), 1))
                case.decisions.append(dec)
        return case

    def view(self, case: Case, on: _dt.date | None = None) -> engine.CaseView:
        pack = self.pack(case.jurisdiction)
        return engine.evaluate(pack, case, on or today(), self.calendar)

    def next_case_id(self, prefix: str, year: int) -> str:
        pat = re.compile(rf"^{re.escape(prefix)}-{year}-(\d{{4,}})$")
        used = [int(m.group(1)) for n in (self.case_ids() if self.cases_dir.is_dir() else [])
                if (m := pat.match(n))]
        n = max(used, default=0) + 1
        if n > 9999:
            raise InputError(t("id_exhausted", prefix=prefix, year=year))
        return f"{prefix}-{year}-{n:04d}"


_FINGERPRINT: bytes | None = None


def _core_fingerprint() -> bytes:
    """A hash of the domain core's source: a cached pack is only reused by the code that made it."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import hashlib

        import tracker.core as core

        h = hashlib.sha256()
        for f in sorted(Path(core.__file__).parent.glob("*.py")):
            h.update(f.name.encode() + f.read_bytes())
        _FINGERPRINT = h.digest()
    return _FINGERPRINT


def load_packs_cached(directory: Path, root: Path) -> dict[str, Pack]:
    """Rule packs, parsed once per content: a disposable cache under .git keyed by the file's sha256.

    Parsing and validating the five packs costs ~0.4 s; the cache makes every later command start
    fast. A pack that changes has another hash, so the cache can never serve a stale pack.
    """
    import hashlib
    import pickle

    from tracker import __version__
    from tracker.core.pack import load_pack

    cache = root / ".git" / "tracker-cache" if (root / ".git").is_dir() else None
    code = _core_fingerprint()
    packs: dict[str, Pack] = {}
    for path in sorted(directory.glob("*.yaml")):
        display = str(path.relative_to(root))
        data = path.read_bytes()
        key = hashlib.sha256(data + display.encode() + __version__.encode() + code).hexdigest()
        pack = None
        if cache is not None:
            f = cache / f"pack-{key}.pickle"
            try:
                pack = pickle.loads(f.read_bytes())
            except Exception:  # missing, truncated or from another version: rebuild
                pack = None
        if pack is None:
            pack = load_pack(path, display)
            if cache is not None:
                try:
                    cache.mkdir(exist_ok=True)
                    tmp = cache / f".pack-{key}.{os.getpid()}"
                    tmp.write_bytes(pickle.dumps(pack))
                    os.replace(tmp, cache / f"pack-{key}.pickle")
                except OSError:
                    pass
        if pack.id in packs:
            raise InputError(t("bad_pack", error=f"duplicate pack id {pack.id!r}"), file=display, line=1)
        packs[pack.id] = pack
    return packs


def _read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(t("file_missing", path=display), file=display) from None
    except UnicodeDecodeError:
        raise InputError(t("bad_case_file", error=pick("不是 UTF-8 文本", "not UTF-8 text")), file=display, line=1) from None
