"""Stat data of case folders: how the case index and the replayed answers know that nothing changed.

A light module (os, struct, marshal): ``tracker list --json`` on an unchanged store replays its
answer after importing little more than this (tracker.store.answers).
"""

from __future__ import annotations

import marshal
import os
import struct
import threading
from typing import TYPE_CHECKING
from stat import S_ISDIR, S_ISREG

from tracker.core.ids import CASE_ID_RE

if TYPE_CHECKING:
    from pathlib import Path

MARKER = ".tracker"   # the directory that makes a folder a case store (tracker.store.store re-exports it)


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


