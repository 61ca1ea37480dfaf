"""Writing an exported file: atomically, to a directory that exists, with a one-line reason otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from tracker.core.errors import InputError
from tracker.core.i18n import pick
from tracker.store.fsutil import atomic_write

FORMATS = ("docx", "pdf")


def out_format(out: Path | None, fmt: str | None, allowed: tuple[str, ...], default: str) -> str:
    """The format to write: ``fmt`` when given, else the suffix of ``out``, else ``default``.
    A suffix that contradicts ``fmt`` (``--out a.pdf --format docx``) is bad input."""
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    if fmt is not None and fmt not in allowed:
        raise InputError(pick(f"不支持的格式“{fmt}”（可选：{'、'.join(allowed)}）",
                              f"unsupported format '{fmt}' (choose: {', '.join(allowed)})"))
    if fmt and suffix and suffix != fmt:
        raise InputError(pick(f"输出文件 {out} 的扩展名与格式 {fmt} 不符", f"output file {out} does not end in .{fmt}"))
    if fmt:
        return fmt
    if suffix in allowed:
        return suffix
    if suffix:
        raise InputError(pick(f"输出文件 {out} 的扩展名应为 {'、'.join('.' + a for a in allowed)}",
                              f"output file {out} must end in {', '.join('.' + a for a in allowed)}"))
    return default


def safe_file_name(name: str) -> str:
    """A default file name from a title: no path separators or characters Windows refuses."""
    return "".join("-" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in name).strip() or "export"


def write_file(path: Path, data: bytes) -> Path:
    path = path.expanduser()
    if path.is_dir():
        raise InputError(pick(f"{path} 是目录，请给出文件名", f"{path} is a directory; give a file name"))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(pick(f"无法写入 {path}：目录 {parent} 不存在", f"cannot write {path}: no directory {parent}"))
    try:
        atomic_write(path, data)
        umask = os.umask(0)
        os.umask(umask)
        path.chmod(0o666 & ~umask)  # like a file the user saved, not the temporary file's 0600
    except OSError as e:
        raise InputError(pick(f"无法写入 {path}：{e.strerror or e}", f"cannot write {path}: {e.strerror or e}")) from None
    return path.resolve()
