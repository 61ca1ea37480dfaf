"""Text width in terminal cells (a Chinese character takes two), not in characters."""

from __future__ import annotations

from wcwidth import wcswidth


def cells(s: str) -> int:
    w = wcswidth(s)
    return w if w >= 0 else len(s)


def clip(s: str, width: int, mark: str = "…") -> str:
    """``s`` cut to at most ``width`` cells, ending in ``mark`` when cut. The terminal UI passes
    an ASCII mark: "…" is East Asian ambiguous-width, two cells in a Chinese-configured terminal."""
    if cells(s) <= width:
        return s
    room = width - cells(mark)
    out, w = "", 0
    for ch in s:
        cw = max(cells(ch), 0)
        if w + cw > room:
            break
        out += ch
        w += cw
    return out + mark
