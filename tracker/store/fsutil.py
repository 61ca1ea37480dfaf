"""Atomic file writes and a transaction that puts every file back if the commit fails."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class FileTransaction:
    """Remember what each touched file held, so a failed commit leaves the tree as it was."""

    def __init__(self, root: Path):
        self.root = root
        self._backup: dict[Path, bytes | None] = {}
        self._dirs: list[Path] = []

    def _remember(self, path: Path) -> None:
        if path not in self._backup:
            self._backup[path] = path.read_bytes() if path.exists() else None
            d = path.parent
            missing = []
            while not d.exists() and d != self.root:
                missing.append(d)
                d = d.parent
            self._dirs.extend(missing)

    def write_bytes(self, path: Path, data: bytes) -> None:
        self._remember(path)
        atomic_write(path, data)

    def write_text(self, path: Path, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    def delete(self, path: Path) -> None:
        self._remember(path)
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    @property
    def paths(self) -> list[Path]:
        return list(self._backup)

    def rollback(self) -> None:
        for path, data in self._backup.items():
            if data is None:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
            else:
                atomic_write(path, data)
        for d in sorted(set(self._dirs), key=lambda p: len(p.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                pass
