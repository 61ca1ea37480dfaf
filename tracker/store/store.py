"""A case store on disk: discovery, reading cases, allocating ids, writing through commits."""

from __future__ import annotations

import datetime as _dt
import os
import re
from functools import cached_property
from pathlib import Path

from tracker.core.calendar import CALENDAR_DIR, WorkCalendar, load_calendar
from tracker.core.casefile import CASE_ID_RE, assemble_case
from tracker.core.errors import InputError
from tracker.core.facts import parse_date
from tracker.core.i18n import pick, t
from tracker.core.models import Case
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine and pydantic load only when a command needs them (start-up time)
    from tracker.core import engine
    from tracker.core.pack import Pack
from tracker.store.folders import MARKER  # defined in the light module the replayed answers use
from tracker.store.fsutil import sha256_file


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
        sources: list[tuple[str, bytes]] = []
        packs = load_packs_cached(self.root / "jurisdictions", self.root, sources)
        self.pack_sources = sources  # the bytes parsed (the case index keys its rows by them)
        return packs

    def pack(self, name: str) -> Pack:
        from tracker.core.pack import resolve_pack

        return resolve_pack(self.packs, name)

    @property
    def calendar(self) -> WorkCalendar:
        """The store's working-day calendar, read once from ``jurisdictions/calendars/<year>.yaml``.

        Years without a file are counted Monday to Friday and marked estimated. A malformed file is
        bad input (file:line), raised again on every use rather than read again for every case.
        """
        got = self.__dict__.get("_calendar")
        if got is None:
            sources: list[tuple[str, bytes]] = []
            try:
                got = load_calendar_cached(self.root, sources)
                self.__dict__["calendar_sources"] = sources  # the bytes parsed (see pack_sources)
            except InputError as e:
                got = e
            self.__dict__["_calendar"] = got
        if isinstance(got, InputError):
            raise InputError(got.message, file=got.file, line=got.line)
        return got

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
        man = d / "attachments.toml"
        ddir = d / "decisions"
        decisions = []
        if ddir.is_dir():
            decisions = [(f.name, _read_text(f, self.rel(f)), self.rel(f))
                         for f in sorted(ddir.iterdir()) if not f.name.startswith(".")]
        case = assemble_case(cid, _read_text(path, display), display,
                             (_read_text(man, self.rel(man)), self.rel(man)) if man.exists() else None,
                             decisions, self._extra_facts)
        if check_files:
            for a in case.attachments:
                f = d / "attachments" / a.name
                a.present = f.is_file()
                if a.present:
                    a.actual_sha256 = sha256_file(f)
        return case

    def view(self, case: Case, on: _dt.date | None = None) -> engine.CaseView:
        from tracker.core import engine

        pack = self.pack(case.jurisdiction)
        return engine.evaluate(pack, case, on or today(), self.calendar)

    def next_case_id(self, prefix: str, year: int, taken: set[str] | None = None) -> str:
        """The next free id. Ids already in the last fetched state of the shared remote count as
        used too, so offices that sync regularly rarely pick the same number; when they still
        do, ``tracker sync`` renumbers the case that was never shared."""
        pat = re.compile(rf"^{re.escape(prefix)}-{year}-(\d{{4,}})$")
        names = set(self.case_ids() if self.cases_dir.is_dir() else []) | (taken or set()) | self.remote_case_ids()
        used = [int(m.group(1)) for n in names if (m := pat.match(n))]
        n = max(used, default=0) + 1
        if n > 9999:
            raise InputError(t("id_exhausted", prefix=prefix, year=year))
        return f"{prefix}-{year}-{n:04d}"

    def remote_case_ids(self) -> set[str]:
        import subprocess

        from tracker.store.git import git_env

        out: set[str] = set()
        refs = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/remotes", "refs/tracker"],
                              cwd=self.root, capture_output=True, text=True, env=git_env()).stdout.split()
        for ref in refs:
            names = subprocess.run(["git", "ls-tree", "--name-only", f"{ref}:cases"], cwd=self.root,
                                   capture_output=True, text=True, env=git_env()).stdout.split()
            out.update(n for n in names if CASE_ID_RE.match(n))
        return out


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


def load_packs_cached(directory: Path, root: Path, sources: list | None = None) -> dict[str, Pack]:
    """Rule packs, parsed once per content: a disposable cache under .git keyed by the file's sha256.

    Parsing and validating the five packs costs ~0.4 s; the cache makes every later command start
    fast. A pack that changes has another hash, so the cache can never serve a stale pack.
    ``sources`` receives each file's name and the bytes parsed.
    """
    cache = root / ".git" / "tracker-cache" if (root / ".git").is_dir() else None
    packs: dict[str, Pack] = {}
    for path in sorted(directory.glob("*.yaml")):
        display = str(path.relative_to(root))
        data = path.read_bytes()
        if sources is not None:
            sources.append((path.name, data))
        pack = pack_from_bytes(data, display, cache)
        if pack.id in packs:
            raise InputError(t("bad_pack", error=f"duplicate pack id {pack.id!r}"), file=display, line=1)
        packs[pack.id] = pack
    return packs


def pack_from_bytes(data: bytes, display: str, cache: Path | None) -> Pack:
    """Parse a rule pack, reusing the pickled result for the same bytes, path and code."""
    import hashlib
    import pickle

    from tracker import __version__
    from tracker.core.pack import load_pack_text

    key = hashlib.sha256(data + display.encode() + __version__.encode() + _core_fingerprint()).hexdigest()
    if cache is not None:
        try:
            return pickle.loads((cache / f"pack-{key}.pickle").read_bytes())
        except Exception:  # missing, truncated or from another version: rebuild
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(t("bad_yaml", error=f"not UTF-8 ({e.reason})"), file=display) from None
    pack = load_pack_text(text, display)
    if cache is not None:
        try:
            cache.mkdir(exist_ok=True)
            tmp = cache / f".pack-{key}.{os.getpid()}"
            tmp.write_bytes(pickle.dumps(pack))
            os.replace(tmp, cache / f"pack-{key}.pickle")
        except OSError:
            pass
    return pack


def calendar_cache_key(files: list[tuple[str, bytes]]) -> str:
    """Cache key of a calendar: its files (name and bytes, in name order) and the code reading them.
    The verifier computes the same key from the blobs of old commits."""
    import hashlib

    from tracker import __version__

    h = hashlib.sha256(__version__.encode() + _core_fingerprint())
    for name, data in sorted(files):
        h.update(name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def calendar_sources(root: Path) -> list[tuple[str, bytes]]:
    """The calendar files of a store (name and bytes, in name order), as ``load_calendar`` reads them."""
    directory = root / CALENDAR_DIR
    if not directory.is_dir():
        return []
    return [(f.name, f.read_bytes()) for f in sorted(directory.iterdir())
            if f.is_file() and f.suffix.lower() in (".yaml", ".yml")]


def load_calendar_cached(root: Path, sources: list | None = None) -> WorkCalendar:
    """The store's working-day calendar, parsed once per content of its files (a disposable cache
    under .git keyed by every file's name and bytes and by the code, like the rule packs).
    ``sources`` receives each file's name and the bytes parsed."""
    import pickle

    directory = root / CALENDAR_DIR
    try:
        files = calendar_sources(root)
    except OSError:  # unreadable: the plain reader says which file, as bad input
        return load_calendar(directory, root)
    if sources is not None:
        sources.extend(files)
    cache = root / ".git" / "tracker-cache" if (root / ".git").is_dir() else None
    if cache is None or not files:
        return load_calendar(directory, root, texts=dict(files))
    key = calendar_cache_key(files)
    path = cache / f"calendar-{key}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # missing, truncated or from another version: rebuild
        pass
    cal = load_calendar(directory, root, texts=dict(files))  # a malformed file raises and is never cached
    try:
        cache.mkdir(exist_ok=True)
        tmp = cache / f".calendar-{key}.{os.getpid()}"
        tmp.write_bytes(pickle.dumps(cal))
        os.replace(tmp, path)
    except OSError:
        pass
    return cal


def _read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(t("file_missing", path=display), file=display) from None
    except UnicodeDecodeError:
        raise InputError(t("bad_case_file", error=pick("不是 UTF-8 文本", "not UTF-8 text")), file=display, line=1) from None
