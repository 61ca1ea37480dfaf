"""Scrollbars drawn with spaces only.

Textual draws the ends of a scrollbar thumb with block elements (▁▂▃ … ▉▊▋), which are East Asian
*ambiguous-width* characters: a terminal configured for Chinese draws them two cells wide and
every line with a scrollbar shifts. A thumb of plain coloured cells reads the same everywhere.
"""

from __future__ import annotations

from textual.scrollbar import ScrollBar, ScrollBarRender


class PlainScrollBarRender(ScrollBarRender):
    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


def use_plain_scrollbars() -> None:
    ScrollBar.renderer = PlainScrollBarRender
