"""Replayed answers: ``tracker list --json`` and ``tracker due --json`` on a store that did not change.

With the case index a repeated ``list --json`` at 10,000 cases still imports the rule engine,
loads the rule packs, decodes 10,000 rows and encodes 6 MB of JSON: about 0.45 s, three quarters
of it not about the cases at all. So the last answer of such a command is kept beside the index
(``.git/tracker-cache/answer-*.bin``) with what it was computed from, and a later
run of the same command writes it again, after checking, in this light module (no engine, no
pydantic, no TOML), that nothing it was computed from changed:

- the same store, the same arguments, the same evaluation date ("today") and UI language;
- the same code (the source of the core, the store, the services and the CLI);
- the same bytes in every file of ``jurisdictions/`` (rule packs, calendars) and ``.tracker/``,
  read before the run that kept the answer and again after it (so a checkout during that run
  keeps nothing);
- the same case folders, each with the same stat data as when the index took its row (the index's
  own rules apply: a folder changed within its racy window was never indexed, so an answer that
  read it is never kept).

An answer is kept only when the command succeeded with no unreadable case and every row came
from the index for exactly the folder's present stat data. Anything else, or any doubt (a damaged
file, an option this module does not know, ``TRACKER_NO_INDEX=1``), takes the normal path, which
computes the same text.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import marshal
import os
import re
import sys
import zlib

from tracker.store.folders import MARKER, case_ids, scan

VERSION = 1
KEEP = 8                         # answers kept (one per command line, language and store)
_MAGIC = f"tracker-answer {VERSION} {sys.implementation.cache_tag} {marshal.version}\n".encode()
_ISO_DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

# the options of each replayable command (True: takes a value); anything else in the command line
# (an abbreviation, -h, an option this module does not know) means: do not replay
GLOBAL = {"--json": False, "--store": True, "--lang": True, "--key": True}
OPTIONS = {
    "list": {**GLOBAL, "--jurisdiction": True, "--stage": True, "--track": True, "--overdue": False},
    "due": {**GLOBAL, "--on": True, "--all": False},
}
_CODE_DIRS = ("core", "store", "cli")


def _parse(argv: list[str]) -> tuple[str, str | None] | None:
    """``(command, --store value)`` of a command line this module can replay, else None."""
    command, store, pending = None, None, None
    for a in argv:
        if pending is not None:     # the value of the option before
            if pending == "--store":
                store = a
            pending = None
            continue
        if not a.startswith("-"):
            if command is not None:
                return None
            command = a
            continue
        opts = GLOBAL if command is None else OPTIONS.get(command)
        name, eq, value = a.partition("=")
        if opts is None or name not in opts or eq and not opts[name]:
            return None
        if opts[name] and not eq:
            pending = name
        elif name == "--store":
            store = value
    if command not in OPTIONS or pending is not None or "--json" not in argv:
        return None
    return command, store


def _root(explicit: str | None) -> str | None:
    """The store's root as ``Store.discover`` finds it, or None (then the normal path reports it)."""
    try:
        if explicit:
            root = os.path.realpath(explicit)
            return root if os.path.isdir(os.path.join(root, MARKER)) else None
        p = os.path.realpath(os.getcwd())
        while True:
            if os.path.isdir(os.path.join(p, MARKER)):
                return p
            parent = os.path.dirname(p)
            if parent == p:
                return None
            p = parent
    except OSError:
        return None


def _today() -> str | None:
    """``tracker.store.store.today()`` as ISO text; None for a TRACKER_TODAY only the full parser reads."""
    raw = os.environ.get("TRACKER_TODAY")
    if not raw:
        return _dt.date.today().isoformat()
    if not _ISO_DATE.match(raw):
        return None
    try:
        return _dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


def _tree_bytes(h, top: str, label: bytes) -> None:
    """Every file under ``top`` (names and bytes, in name order) into the hash ``h``."""
    def walk(d: str, rel: str) -> None:
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            h.update(label + b"\0-" + rel.encode("utf-8", "surrogateescape") + b"\0")
            return
        for e in entries:
            name = rel + e.name
            if e.is_dir(follow_symlinks=False):
                h.update(label + b"\0d" + name.encode("utf-8", "surrogateescape") + b"\0")
                walk(e.path, name + "/")
            else:
                with open(e.path, "rb") as f:
                    data = f.read()
                h.update(label + b"\0f" + name.encode("utf-8", "surrogateescape") + b"\0%d\0" % len(data) + data)

    walk(top, "")


_CODE: bytes | None = None


def _code() -> bytes:
    """A hash of the source that computes and prints the answers."""
    global _CODE
    if _CODE is None:
        import tracker

        pkg = os.path.dirname(tracker.__file__)
        h = hashlib.sha256(tracker.__version__.encode() + b"\0")
        for name in ("__init__.py", "services.py"):
            with open(os.path.join(pkg, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
        for sub in _CODE_DIRS:
            d = os.path.join(pkg, sub)
            for name in sorted(n for n in os.listdir(d) if n.endswith(".py")):
                with open(os.path.join(d, name), "rb") as f:
                    h.update(f"{sub}/{name}".encode() + b"\0" + f.read())
        _CODE = h.digest()
    return _CODE


def _inputs(root: str, argv: list[str], today: str, lang: str) -> bytes:
    """Everything an answer depends on besides the case folders, hashed."""
    h = hashlib.sha256(_MAGIC + _code())
    h.update("\0".join([root, today, lang, *argv]).encode("utf-8", "surrogateescape") + b"\0\0")
    _tree_bytes(h, os.path.join(root, "jurisdictions"), b"jurisdictions")
    _tree_bytes(h, os.path.join(root, MARKER), b"marker")
    return h.digest()


def _path(root: str, argv: list[str], lang: str) -> str:
    """One file per command line and language (a newer answer replaces the older one)."""
    name = hashlib.sha256("\0".join([lang, *argv]).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return os.path.join(root, ".git", "tracker-cache", f"answer-{VERSION}-{name}.bin")


def replay(argv: list[str], lang: str) -> int | None:
    """Write the kept answer of ``argv`` and return its exit status, or None: run the command."""
    if os.environ.get("TRACKER_NO_INDEX"):
        return None
    try:
        _code()   # the code as started, before the full path imports any more of it
        return _replay(argv, lang)
    except Exception:  # anything unexpected (unreadable folders …): the full path says what is wrong
        return None


def _replay(argv: list[str], lang: str) -> int | None:
    parsed = _parse(argv)
    if parsed is None:
        return None
    root = _root(parsed[1])
    today = _today()
    if root is None or today is None or not os.path.isdir(os.path.join(root, ".git")):
        return None
    try:
        with open(_path(root, argv, lang), "rb") as f:
            data = f.read()
        head = len(_MAGIC) + 32 + 4
        if not data.startswith(_MAGIC) or \
                int.from_bytes(data[head - 4:head], "big") != zlib.crc32(memoryview(data)[head:]):
            return None
        if data[len(_MAGIC):head - 4] != _inputs(root, argv, today, lang):
            return None
        ids, keys, out, code = marshal.loads(memoryview(data)[head:])
    except (OSError, ValueError, EOFError, TypeError):
        return None
    base = os.path.join(root, "cases") + "/"
    if case_ids(base[:-1]) != ids:
        return None
    known = dict(zip(ids, keys))
    now = scan(base, ids, known)
    for sig, key in zip(now, keys):
        if sig is None or sig[0] != key[0]:
            return None
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:      # an in-process caller's text stream
        return None
    try:
        sys.stdout.flush()
        buffer.write(out)
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return code


class Pending:
    """What a run that may keep its answer read before anything else (see ``begin``)."""

    def __init__(self, root: str, argv: list[str], lang: str, today: str, inputs: bytes) -> None:
        self.root, self.argv, self.lang, self.today, self.inputs = root, argv, lang, today, inputs


def begin(argv: list[str] | None, lang: str) -> Pending | None:
    """Called by a replayable command before it reads the store: the inputs its answer will be
    computed from, hashed now (so a rule pack edited during the run leaves an answer no later run
    replays). None when the answer will not be kept."""
    if argv is None or os.environ.get("TRACKER_NO_INDEX"):
        return None
    parsed = _parse(argv)
    if parsed is None:
        return None
    root, today = _root(parsed[1]), _today()
    if root is None or today is None or not os.path.isdir(os.path.join(root, ".git")):
        return None
    try:
        return Pending(root, argv, lang, today, _inputs(root, argv, today, lang))
    except OSError:
        return None


def keep(pending: Pending | None, root, stats, out: bytes) -> None:
    """Keep ``out`` as the answer of the command line of ``pending``, if ``stats``
    (tracker.store.index.Stats of the successful run that computed it) says every row came from
    the index for the folder's present stat data."""
    if pending is None or not stats.exact or str(root) != pending.root or _today() != pending.today:
        return      # (another store than replay would find, or midnight passed during the run)
    path = _path(pending.root, pending.argv, pending.lang)
    tmp = f"{os.path.dirname(path)}/.{os.path.basename(path)}.{os.getpid()}"
    try:
        if _inputs(pending.root, pending.argv, pending.today, pending.lang) != pending.inputs:
            return  # a pack, calendar or the policy changed during the run (a checkout, a pull)
        body = marshal.dumps((list(stats.ids), list(stats.keys), out, 0))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(_MAGIC + pending.inputs + zlib.crc32(body).to_bytes(4, "big"))
            f.write(body)
        os.replace(tmp, path)
        _prune(os.path.dirname(path), path)
    except (OSError, ValueError):   # read-only, full disk: the answer is just computed next time
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _prune(directory: str, keep_path: str) -> None:
    try:
        got = [e for e in os.scandir(directory) if e.name.startswith("answer-") and e.name.endswith(".bin")]
        got.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for e in got[KEEP:]:
            if e.path != keep_path:
                os.unlink(e.path)
    except OSError:
        pass
