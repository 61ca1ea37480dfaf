"""The case index: list rows and deadlines of unchanged cases, kept between runs.

Listing 10,000 cases means reading and evaluating 10,000 folders of TOML (seconds); with the index
a repeated ``tracker list``, ``tracker due`` or the terminal UI's start reads only what changed.

It is a disposable cache in ``.git/tracker-cache/`` (``index-<VERSION>-*.bin``), and it is exact:

- a case folder is known by exactly what ``Store.load_case`` reads from it (``case.toml``,
  ``attachments.toml``, the files of ``decisions/``): first by their stat data (mtime, ctime,
  size, inode and the names in ``decisions/``), as git's own index does, and when that changed by
  a hash of their bytes (a ``touch`` or a checkout that rewrote the same bytes costs one read);
- a row is reused only for the same folder bytes *and* the same context: the rule packs' bytes,
  the calendar files' bytes, the source of the code that computes rows, the evaluation date
  (due status depends on "today") and the UI language (rows carry names in it);
- stat data is trusted only for files last changed at least MARGIN_NS before the scan, measured
  on the file system's own clock ("racy git": a file written twice within one timestamp tick
  keeps its stat data); a folder changed more recently is read and evaluated, never stored;
- a row is stored only if the folder's stat data is the same after it was read as before, so a
  row is never paired with bytes it was not computed from;
- anything wrong with the cache (corrupt, truncated, locked, read-only, other version) is
  ignored: the rows are computed as without it and the file is rebuilt when it can be.

The pre-commit hook, ``tracker check`` and ``tracker verify`` never read it. ``TRACKER_NO_INDEX=1``
turns it off (the tests compare both paths).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import marshal
import os
import pickle
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.core.errors import TrackerError
from tracker.core.i18n import language
from tracker.store.folders import _STAT, case_ids, folder_sig, scan  # noqa: F401  (case_ids, scan: re-exported)

if TYPE_CHECKING:
    from tracker.store.store import Store

VERSION = 2
DISABLE_ENV = "TRACKER_NO_INDEX"
MARGIN_NS = 2_000_000_000      # stat data of files changed less than this before the scan is not kept
KEEP_CONTEXTS = 4              # contexts (date × language × packs …) whose rows are kept
FLUSH_EVERY = 2000             # computed rows between writes (an interrupted build keeps its work)

# ---------------------------------------------------------------------------------------
# what a row depends on besides its folder

_CODE: bytes | None = None


def _code_fingerprint() -> bytes:
    """The source of everything that computes a row: a row is only reused by the code that made it."""
    global _CODE
    if _CODE is None:
        import tracker
        import tracker.services as services
        import tracker.store.store as store_mod
        from tracker.store.store import _core_fingerprint

        h = hashlib.sha256(tracker.__version__.encode() + b"\0" + _core_fingerprint())
        import tracker.store.folders as folders_mod

        for f in (services.__file__, store_mod.__file__, folders_mod.__file__, __file__):
            h.update(Path(f).read_bytes())
        _CODE = h.digest()
    return _CODE


def context_key(store: "Store", on: _dt.date) -> bytes:
    """Everything shared that a case's row and deadlines depend on, hashed: the rule packs and
    calendar files by the bytes the store parsed (read now if it has not loaded them), so that a
    `git pull` between loading them and this never files rows made with the old ones under the new."""
    from tracker.store.store import calendar_sources

    packs = store.__dict__.get("pack_sources")
    if packs is None:   # as load_packs_cached reads them
        packs = [(p.name, p.read_bytes()) for p in sorted((store.root / "jurisdictions").glob("*.yaml"))]
    calendar = store.__dict__.get("calendar_sources")
    if calendar is None:
        calendar = calendar_sources(store.root)
    h = hashlib.sha256(b"tracker-index-%d\0" % VERSION + _code_fingerprint())
    for name, data in packs:
        h.update(b"pack\0" + name.encode() + b"\0" + data + b"\0")
    for name, data in calendar:
        h.update(b"calendar\0" + name.encode() + b"\0" + data + b"\0")
    h.update(f"{on.isoformat()}\0{language()}".encode())
    return h.digest()


# ---------------------------------------------------------------------------------------
# case folders (their stat data: tracker.store.folders)

def _newest(key: bytes) -> int:
    """The latest mtime or ctime in a folder key."""
    size = _STAT.size
    stats = [key[:size]]
    i = size
    while i < len(key):
        flag = key[i:i + 1]
        i += 1
        if flag in (b"a", b"d"):
            stats.append(key[i:i + size])
            i += size
            if flag == b"d":
                stats += [key[j:j + size] for j in range(i, len(key), size)]
                break
    return max(max(m, c) for m, c, _, _ in map(_STAT.unpack, stats))


def folder_digest(folder: str, attachments: bool, names_str: str) -> bytes:
    """A hash of the bytes of the files a folder key covers (OSError if one cannot be read)."""
    h = hashlib.sha256()
    names = names_str.split("\0") if names_str else []
    files = ["case.toml", *(["attachments.toml"] if attachments else []), *(f"decisions/{n}" for n in names)]
    for name in files:
        with open(f"{folder}/{name}", "rb") as f:
            data = f.read()
        h.update(name.encode() + b"\0%d\0" % len(data) + data)
    return h.digest()


def compute(store: "Store", cid: str, on: _dt.date) -> tuple[dict, str, list]:
    """A case's list row, its jurisdiction and its deadlines, computed from its files (the
    uncached path: what the index stores and what it is compared with)."""
    from tracker.core import engine
    from tracker.services import case_row

    case = store.load_case(cid, check_files=False)
    view = store.view(case, on)
    return case_row(store, view), view.pack.id, engine.deadlines(view)


# ---------------------------------------------------------------------------------------
# storage: a few self-checking files, each replaced atomically

_MAGIC = f"tracker-index {VERSION} {sys.implementation.cache_tag} {marshal.version}\n".encode()


def _read(path: Path, ctx: bytes) -> dict:
    """A stored map, or {} when the file is missing, damaged or from another version or context."""
    try:
        data = path.read_bytes()
        head = len(_MAGIC) + 1 + 32 + 4
        if not data.startswith(_MAGIC) or data[len(_MAGIC) + 1:head - 4] != ctx or \
                int.from_bytes(data[head - 4:head], "big") != zlib.crc32(memoryview(data)[head:]):
            return {}
        codec, body = data[len(_MAGIC)], memoryview(data)[head:]
        got = marshal.loads(body) if codec == 0x6D else pickle.loads(body) if codec == 0x70 else None
        return got if isinstance(got, dict) else {}
    except Exception:  # missing, unreadable, truncated, corrupt: start again (the index is disposable)
        return {}


def _write(path: Path, ctx: bytes, value: dict) -> None:
    try:
        body, codec = marshal.dumps(value), b"m"       # plain data (rows, stat data): fast to load
    except ValueError:
        body, codec = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), b"p"   # deadlines
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(_MAGIC + codec + ctx + zlib.crc32(body).to_bytes(4, "big"))
            f.write(body)
        os.replace(tmp, path)
    except OSError:  # read-only, full disk: the index just waits
        try:
            tmp.unlink()
        except OSError:
            pass


def _fs_now(cache_dir: Path) -> int | None:
    """The file system's clock: the mtime of a file written now (None if it cannot be written)."""
    p = cache_dir / "index-clock"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with open(p, "wb") as f:
            f.write(b"%d" % os.getpid())
        return os.stat(p).st_mtime_ns
    except OSError:
        return None


def _prune(cache_dir: Path, kind: str, keep: Path) -> None:
    """Keep the KEEP_CONTEXTS most recently written maps of a kind; drop those of other versions."""
    try:
        for old in cache_dir.glob("index-*.bin"):
            if not old.name.startswith(f"index-{VERSION}-"):
                old.unlink()
        maps = sorted(cache_dir.glob(f"index-{VERSION}-{kind}-*.bin"), key=lambda p: p.stat().st_mtime_ns,
                      reverse=True)
        for old in maps[KEEP_CONTEXTS:]:
            if old != keep:
                old.unlink()
    except OSError:
        pass


class Stats:
    """What the last scan did (for tests, the benchmark and the replayed answers)."""

    def __init__(self) -> None:
        self.reused = self.hashed = self.computed = self.stored = 0
        # after a complete scan: every case's folder key, and whether each value handed out is the
        # one the index holds for exactly that key (then an answer built from them can be replayed
        # while the keys stay the same: tracker.store.answers)
        self.ids: list[str] = []
        self.keys: list[tuple] = []
        self.exact = False


def entries(store: "Store", on: _dt.date, want: str = "row", stats: Stats | None = None
            ) -> Iterator[tuple[int, int, Any]]:
    """``(done, total, value)`` for every case in id order, where value is the case's row
    (``want="row"``), ``(jurisdiction, deadlines)`` (``want="due"``), or the TrackerError that
    reading it raised."""
    assert want in ("row", "due")
    stats = stats if stats is not None else Stats()
    ids = case_ids(store.cases_dir)
    total = len(ids)
    cache_dir = cache_dir_of(store.root)
    if cache_dir is None:  # no index: the plain path
        for n, cid in enumerate(ids, 1):
            try:
                row, jur, due = compute(store, cid, on)
                value: Any = row if want == "row" else (jur, due)
            except TrackerError as e:
                value = e
            stats.computed += 1
            yield n, total, value
        return

    ctx = context_key(store, on)
    path = cache_dir / f"index-{VERSION}-{want}-{ctx.hex()[:32]}.bin"
    known: dict[str, tuple] = _read(path, ctx)  # id -> (key, decisions/ stat, names, digest, value)
    base = str(store.cases_dir) + "/"
    now: int | None = -1  # the file system's clock, read when first needed (after the stat calls,
    # by at most a fraction of a second: far less than MARGIN_NS)
    fresh: dict[str, tuple] = {}   # computed in this run: id -> (key, dir, names, digest, value frozen)
    resig: dict[str, tuple] = {}   # same bytes, new stat data (touched, checked out again)
    gone: list[str] = []

    def flush() -> None:
        """Write what changed. The values handed out may have been changed by the caller, so the
        map written is the one on disk (read again) with this run's changes."""
        nonlocal fresh, resig, gone
        if fresh or resig or gone:
            stored = _read(path, ctx)
            for cid in gone:
                stored.pop(cid, None)
            for cid, (key, dkey, names, digest) in resig.items():
                old = stored.get(cid)
                if old is not None and old[3] == digest:
                    stored[cid] = (key, dkey, names, digest, old[4])
            stored.update((cid, (*head, _restore(v))) for cid, (*head, v) in fresh.items())
            _write(path, ctx, stored)
            _prune(cache_dir, want, path)
            stats.stored += len(fresh)
        fresh, resig, gone = {}, {}, []

    sigs = scan(base, ids, known)
    exact = True   # every value so far is the index's for its folder's current key
    try:
        for n, cid in enumerate(ids, 1):
            folder = base + cid
            got = known.get(cid)
            sig = sigs[n - 1]
            value = None
            digest = None
            kept = False
            if sig is not None:
                if got is not None and got[0] == sig[0]:
                    digest = got[3]
                else:
                    if now == -1:
                        now = _fs_now(cache_dir)
                    if now is not None and _newest(sig[0]) < now - MARGIN_NS:  # else: racy, not kept
                        try:
                            digest = folder_digest(folder, sig[3], sig[2])
                            stats.hashed += 1
                        except OSError:
                            digest = None
                        if digest is not None and got is not None and got[3] == digest:
                            resig[cid] = (sig[0], sig[1], sig[2], digest)
                if digest is not None and got is not None and got[3] == digest:
                    value = got[4]
                    stats.reused += 1
                    kept = True
            if value is None:
                try:
                    row, jur, due = compute(store, cid, on)
                    value = row if want == "row" else (jur, due)
                    stats.computed += 1
                    again = folder_sig(folder, sig[1], sig[2]) if sig is not None else None
                    if digest is not None and again is not None and again[0] == sig[0]:  # read what was hashed
                        fresh[cid] = (sig[0], sig[1], sig[2], digest, _freeze(value))
                        kept = True
                except TrackerError as e:
                    value = e
                if len(fresh) >= FLUSH_EVERY:
                    flush()
            exact = exact and kept
            yield n, total, value
        idset = set(ids)
        gone = [cid for cid in known if cid not in idset]
        stats.ids = ids
        stats.keys = [s[:3] for s in sigs] if exact else []
        stats.exact = exact
    finally:
        flush()  # also when the consumer stops early: keep what was computed


def _freeze(value: Any) -> bytes:
    """A value as it was computed, safe from later changes by the caller."""
    try:
        return b"m" + marshal.dumps(value)
    except ValueError:
        return b"p" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _restore(blob: bytes) -> Any:
    return marshal.loads(memoryview(blob)[1:]) if blob[:1] == b"m" else pickle.loads(memoryview(blob)[1:])


def cache_dir_of(root: Path) -> Path | None:
    """Where the index of the store at ``root`` lives (None: no index for this store)."""
    if os.environ.get(DISABLE_ENV):
        return None
    gitdir = root / ".git"
    return gitdir / "tracker-cache" if gitdir.is_dir() else None
