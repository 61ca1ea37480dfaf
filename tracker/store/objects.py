"""Reading git objects in bulk: one ``git cat-file --batch`` process, one ``git log --raw`` pass.

The verifier reads every commit object (for its signature), the blobs that commits add, and the
paths each commit changes. Spawning git once per object would cost milliseconds each; these
helpers stream thousands of objects through a single process, writing requests from a thread so
the pipe never stalls.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from tracker.store.git import GitError, git_env

ZERO = "0" * 40


def _popen(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(["git", "-c", "core.quotepath=off", *args], cwd=cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=git_env())


class CatFile:
    """``git cat-file --batch``: object contents by name (an oid or ``rev:path``)."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self._proc is None:
            self._proc = _popen(["cat-file", "--batch"], self.cwd)
        return self._proc

    def _read_one(self, out) -> tuple[str, str, bytes] | None:
        header = out.readline()
        if not header:
            raise GitError("git cat-file stopped unexpectedly")
        parts = header.split()
        if len(parts) == 2 and parts[1] == b"missing" or len(parts) < 3:
            return None
        size = int(parts[2])
        data = out.read(size)
        out.read(1)  # the newline after the contents
        return parts[0].decode(), parts[1].decode(), data

    def get(self, name: str) -> tuple[str, str, bytes] | None:
        """(oid, type, data), or None when there is no such object."""
        if "\n" in name or "\r" in name:
            return None  # would be two requests: the replies would fall out of step
        p = self._start()
        p.stdin.write(name.encode("utf-8") + b"\n")
        p.stdin.flush()
        return self._read_one(p.stdout)

    def get_many(self, names: list[str]) -> Iterator[tuple[str, tuple[str, str, bytes] | None]]:
        """Stream many objects: the requests are written from a thread while replies are read."""
        if not names:
            return
        if any("\n" in n or "\r" in n for n in names):
            for n in names:
                yield n, self.get(n)
            return
        p = self._start()

        def feed() -> None:
            try:
                for n in names:
                    p.stdin.write(n.encode("utf-8") + b"\n")
                p.stdin.flush()
            except (BrokenPipeError, ValueError):  # pragma: no cover - the reader reports it
                pass

        th = threading.Thread(target=feed, daemon=True)
        th.start()
        for n in names:
            yield n, self._read_one(p.stdout)
        th.join()

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._proc.stdin.close()
            except OSError:  # pragma: no cover
                pass
            self._proc.wait()
            self._proc = None

    def __enter__(self) -> "CatFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------
# commits

@dataclass
class CommitObj:
    oid: str
    tree: str
    parents: list[str]
    author: str
    committer: str
    committed: int            # seconds since the epoch
    committer_tz: str
    message: str
    signature: bytes | None   # the armored signature, if any
    payload: bytes            # the object without its signature header: what was signed
    malformed: bool = False   # a header git would read differently (or reject)

    @property
    def sig_type(self) -> str | None:
        if not self.signature:
            return None
        if self.signature.startswith(b"-----BEGIN SSH SIGNATURE-----"):
            return "ssh"
        if self.signature.startswith(b"-----BEGIN PGP SIGNATURE-----"):
            return "openpgp"
        return "other"

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


def parse_commit(oid: str, raw: bytes) -> CommitObj:
    head, sep, message = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    tree, parents, author, committer = "", [], "", ""
    sig_lines: list[bytes] = []
    kept: list[bytes] = []
    in_sig = False
    malformed = False
    for i, ln in enumerate(lines):
        if in_sig and ln.startswith(b" "):
            sig_lines.append(ln[1:])
            continue
        in_sig = False
        if ln.startswith(b"gpgsig "):
            if sig_lines:
                malformed = True  # two signatures
            in_sig = True
            sig_lines.append(ln[7:])
            continue
        kept.append(ln)
        # read the header exactly as git does: "tree" first, then the "parent" lines, then
        # author and committer; anything else in that part makes the commit malformed
        if ln.startswith(b"tree "):
            if i != 0:
                malformed = True
            tree = ln[5:].decode("ascii", "replace")
        elif ln.startswith(b"parent "):
            if len(kept) != len(parents) + 2:
                malformed = True
            parents.append(ln[7:].decode("ascii", "replace"))
        elif ln.startswith(b"author "):
            if author or len(kept) != len(parents) + 2:
                malformed = True
            author = ln[7:].decode("utf-8", "replace")
        elif ln.startswith(b"committer "):
            if committer or not author:
                malformed = True
            committer = ln[10:].decode("utf-8", "replace")
    if not tree or not author or not committer:
        malformed = True
    when, tz = 0, "+0000"
    ident = committer.rsplit(" ", 2)
    if len(ident) == 3:
        try:
            when, tz = int(ident[1]), ident[2]
        except ValueError:
            pass
    payload = b"\n".join(kept) + sep + message
    signature = b"\n".join(sig_lines) + b"\n" if sig_lines else None
    return CommitObj(oid, tree, parents, _ident_name(author), _ident_name(committer), when, tz,
                     message.decode("utf-8", "replace"), signature, payload, malformed)


def _ident_name(ident: str) -> str:
    """``Name <email>`` of an author/committer line (without the timestamp)."""
    return ident.rsplit(" ", 2)[0] if ident.count(" ") >= 2 else ident


# ---------------------------------------------------------------------------------------
# trees

def parse_tree(raw: bytes) -> list[tuple[str, str, str]]:
    """Entries of a tree object: (mode, name, oid)."""
    out = []
    i, n = 0, len(raw)
    while i < n:
        sp = raw.index(b" ", i)
        nul = raw.index(b"\0", sp)
        mode = raw[i:sp].decode()
        name = raw[sp + 1:nul].decode("utf-8", "surrogateescape")
        oid = raw[nul + 1:nul + 21].hex()
        out.append((mode, name, oid))
        i = nul + 21
    return out


# ---------------------------------------------------------------------------------------
# what each commit changes

@dataclass(frozen=True)
class Change:
    status: str      # A, M, D, T
    path: str
    old_mode: str
    new_mode: str
    old: str         # blob/tree oid before (ZERO when added)
    new: str         # after (ZERO when deleted)

    @property
    def is_tree(self) -> bool:
        return self.new_mode == "040000" or (self.status == "D" and self.old_mode == "040000")


@dataclass
class CommitChanges:
    oid: str
    parents: list[str]
    # one list of changes per parent (a root commit has one list, against the empty tree)
    diffs: list[list[Change]] = field(default_factory=list)


def log_changes(cwd: Path, oids: Iterable[str]) -> dict[str, CommitChanges]:
    """The files each commit changes against its first parent (``git log --raw``); merges are
    diffed against each parent separately by the caller."""
    oids = list(oids)
    if not oids:
        return {}
    proc = subprocess.run(
        ["git", "-c", "core.quotepath=off", "log", "--stdin", "--no-walk=unsorted", "-z", "--raw", "-m",
         "--root", "--no-renames", "--no-abbrev", "--no-ext-diff", "--format=%x01%H %P"],
        cwd=cwd, input=("\n".join(oids) + "\n").encode(), capture_output=True, env=git_env())
    if proc.returncode != 0:
        raise GitError("git log: " + proc.stderr.decode("utf-8", "replace").strip())
    out: dict[str, CommitChanges] = {}
    cur: list[Change] | None = None
    meta: list[str] | None = None
    for tok in proc.stdout.split(b"\0"):
        if meta is not None:
            cur.append(Change(meta[4][0], tok.decode("utf-8", "surrogateescape"), meta[0][1:], meta[1],
                              meta[2], meta[3]))
            meta = None
            continue
        tok = tok.lstrip(b"\n")
        if not tok:
            continue
        if tok.startswith(b"\x01"):
            header, _, rest = tok[1:].partition(b"\n")
            ids = header.decode().split()
            cc = out.get(ids[0])
            if cc is None:
                cc = out[ids[0]] = CommitChanges(ids[0], ids[1:])
            cur = []
            cc.diffs.append(cur)
            tok = rest
            if not tok:
                continue
        if tok.startswith(b":"):
            meta = tok.decode().split()
    for cc in out.values():
        while len(cc.diffs) < max(1, len(cc.parents)):  # a parent with no difference prints nothing
            cc.diffs.append([])
    return out
