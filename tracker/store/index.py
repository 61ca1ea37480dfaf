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
import struct
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import TYPE_CHECKING, Any

from tracker.core.casefile import CASE_ID_RE
from tracker.core.errors import TrackerError
from tracker.core.i18n import language

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
        for f in (services.__file__, store_mod.__file__, __file__):
            h.update(Path(f).read_bytes())
        _CODE = h.digest()
    return _CODE


def context_key(store: "Store", on: _dt.date) -> bytes:
    """Everything shared that a case's row and deadlines depend on, hashed."""
    from tracker.core.calendar import CALENDAR_DIR

    h = hashlib.sha256(b"tracker-index-%d\0" % VERSION + _code_fingerprint())
    for path in sorted((store.root / "jurisdictions").glob("*.yaml")):  # as load_packs_cached reads them
        h.update(b"pack\0" + path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    cal = store.root / CALENDAR_DIR
    if cal.is_dir():
        for f in sorted(cal.iterdir()):
            if f.is_file():
                h.update(b"calendar\0" + f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(f"{on.isoformat()}\0{language()}".encode())
    return h.digest()


# ---------------------------------------------------------------------------------------
# case folders

def case_ids(cases_dir: Path) -> list[str]:
    """The same list as ``Store.case_ids`` (directories named like a case id), without pathlib."""
    try:
        with os.scandir(cases_dir) as it:
            return sorted(e.name for e in it if CASE_ID_RE.match(e.name) and e.is_dir())
    except (FileNotFoundError, NotADirectoryError):
        return []


_STAT = struct.Struct("<qqQQ")   # mtime_ns, ctime_ns, size, inode


def folder_sig(folder: str, prev_dir: bytes = b"", prev_names: str = "") -> tuple | None:
    """Stat data of what ``load_case`` reads in a case folder, as ``(key, decisions/ stat,
    decision file names "\0"-joined, has attachments.toml)``; ``key`` packs the stat data
    (mtime, ctime, size, inode) of case.toml, attachments.toml, decisions/ and each decision file,
    so two equal keys mean nothing changed. None when the index does not keep the folder (no
    case.toml, unreadable, something other than a file in decisions/).

    Adding, removing or renaming a file in ``decisions/`` changes that directory's own mtime, so
    when its stat data is ``prev_dir`` the names are ``prev_names`` and it is not read again."""
    stat, pack = os.stat, _STAT.pack
    try:
        st = stat(folder + "/case.toml")
        parts = [pack(st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)]
        try:
            st = stat(folder + "/attachments.toml")
            parts.append(b"a" + pack(st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino))
            att = True
        except FileNotFoundError:
            parts.append(b"-")
            att = False
        ddir = folder + "/decisions"
        try:
            st = stat(ddir)
        except FileNotFoundError:
            st = None
        if st is None or not S_ISDIR(st.st_mode):
            parts.append(b"-")
            return b"".join(parts), b"", "", att
        dkey = pack(st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        parts.append(b"d" + dkey)
        if dkey == prev_dir:
            names_str = prev_names
        else:
            names_str = "\0".join(sorted(n for n in os.listdir(ddir) if not n.startswith(".")))
        ddir += "/"
        for n in names_str.split("\0") if names_str else ():
            st = stat(ddir + n)
            if not S_ISREG(st.st_mode):
                return None
            parts.append(pack(st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino))
        return b"".join(parts), dkey, names_str, att
    except OSError:
        return None


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
    """What the last scan did (for tests and the benchmark)."""

    def __init__(self) -> None:
        self.reused = self.hashed = self.computed = self.stored = 0


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
    try:
        for n, cid in enumerate(ids, 1):
            folder = base + cid
            got = known.get(cid)
            sig = sigs[n - 1]
            value = None
            digest = None
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
            if value is None:
                try:
                    row, jur, due = compute(store, cid, on)
                    value = row if want == "row" else (jur, due)
                    stats.computed += 1
                    again = folder_sig(folder, sig[1], sig[2]) if sig is not None else None
                    if digest is not None and again is not None and again[0] == sig[0]:  # read what was hashed
                        fresh[cid] = (sig[0], sig[1], sig[2], digest, _freeze(value))
                except TrackerError as e:
                    value = e
                if len(fresh) >= FLUSH_EVERY:
                    flush()
            yield n, total, value
        idset = set(ids)
        gone = [cid for cid in known if cid not in idset]
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


PARALLEL_MIN = 4000   # cases from which the stat scan is split with a second process


def scan(base: str, ids: list[str], known: dict[str, tuple]) -> list:
    """``folder_sig`` of every case folder. On a store this large the stat calls (one per file,
    about 2 µs each in a VM) dominate a warm list, so half of them are made by a forked child, as
    verify does, when this process has no other thread (forking a threaded one, such as the
    terminal UI, could leave the child waiting on a lock another thread held)."""
    def sig_of(cid: str):
        got = known.get(cid)
        return folder_sig(base + cid, got[1], got[2]) if got else folder_sig(base + cid)

    if len(ids) < PARALLEL_MIN or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork") \
            or threading.active_count() != 1:
        return [sig_of(cid) for cid in ids]
    half = len(ids) // 2
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the second half, sent back as one marshal blob, then exit at once
        try:
            os.close(r)
            data = marshal.dumps([sig_of(cid) for cid in ids[half:]])
            with os.fdopen(w, "wb") as f:
                f.write(data)
        finally:
            os._exit(0)
    os.close(w)
    try:
        first = [sig_of(cid) for cid in ids[:half]]
        with os.fdopen(r, "rb") as f:
            data = f.read()
    finally:
        os.waitpid(pid, 0)
    try:
        second = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        second = None
    if not isinstance(second, list) or len(second) != len(ids) - half:  # the child failed: do it here
        second = [sig_of(cid) for cid in ids[half:]]
    return first + second


def cache_dir_of(root: Path) -> Path | None:
    """Where the index of the store at ``root`` lives (None: no index for this store)."""
    if os.environ.get(DISABLE_ENV):
        return None
    gitdir = root / ".git"
    return gitdir / "tracker-cache" if gitdir.is_dir() else None
