"""A table that draws only the rows on screen (Textual's Line API).

Textual's DataTable measures every cell of every row it is given; at 10,000 cases that alone
takes seconds. This table holds its rows as a plain list of cells already clipped to their
column widths, so loading, filtering and sorting replace a list and redraw one screenful.
The header row stays in place while the rows scroll; the cursor is a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.core.cells import cells as cell_width


@dataclass
class Column:
    key: str
    label: str
    width: int
    justify: str = "left"


class CaseTable(ScrollView, can_focus=True):
    """Rows are ``(key, item)``; ``formatter(item)`` gives the row's cells (Text, clipped to the
    column widths) when the row is first drawn, so a row that is never on screen costs nothing."""

    COMPONENT_CLASSES = {"case-table--header", "case-table--cursor", "case-table--odd"}
    DEFAULT_CSS = """
    CaseTable { height: 1fr; background: $surface; }
    CaseTable > .case-table--header { background: $panel; text-style: bold; color: $foreground; }
    CaseTable > .case-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                      text-style: bold; }
    CaseTable > .case-table--odd { background: $surface-darken-1; }
    CaseTable:blur > .case-table--cursor { background: $block-cursor-blurred-background; text-style: none; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
        Binding("enter", "select", show=False),
    ]
    PADDING = 1  # cells on each side of a column

    cursor = reactive(0, always_update=True)

    class RowSelected(Message):
        def __init__(self, table: "CaseTable", key: str) -> None:
            super().__init__()
            self.table, self.key = table, key

    class RowHighlighted(Message):
        def __init__(self, table: "CaseTable", key: str | None) -> None:
            super().__init__()
            self.table, self.key = table, key

    class HeaderSelected(Message):
        def __init__(self, table: "CaseTable", column: str) -> None:
            super().__init__()
            self.table, self.column = table, column

    def __init__(self, columns: list[Column], formatter: Callable[[Any], list[Text]], **kw) -> None:
        super().__init__(**kw)
        self.columns = columns
        self.formatter = formatter
        self.rows: list[tuple[str, Any]] = []
        self._index: dict[str, int] = {}
        self._cells: dict[str, list[Text]] = {}  # formatted rows, by key

    # --- data -----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def keys(self) -> list[str]:
        return [k for k, _ in self.rows]

    def set_rows(self, rows: list[tuple[str, Any]], keep: str | None = None) -> None:
        """Replace every row; the cursor stays on ``keep`` when it is still there."""
        self.rows = rows
        self._index = {k: i for i, (k, _) in enumerate(rows)}
        self._resize()
        self.cursor = self._index.get(keep, min(self.cursor, max(0, len(rows) - 1))) if keep else \
            min(self.cursor, max(0, len(rows) - 1))

    def append_rows(self, rows: list[tuple[str, Any]]) -> None:
        start = len(self.rows)
        self.rows.extend(rows)
        for i, (k, _) in enumerate(rows, start):
            self._index[k] = i
        self._resize()
        self.refresh()

    def forget(self) -> None:
        """Format every row again when next drawn (widths or the items changed)."""
        self._cells.clear()
        self.refresh()

    def cells_of(self, i: int) -> list[Text]:
        key, item = self.rows[i]
        cells = self._cells.get(key)
        if cells is None:
            cells = self._cells[key] = self.formatter(item)
        return cells

    def row(self, key: str) -> list[Text]:
        return self.cells_of(self._index[key])

    def index_of(self, key: str) -> int:
        return self._index[key]

    @property
    def cursor_key(self) -> str | None:
        return self.rows[self.cursor][0] if 0 <= self.cursor < len(self.rows) else None

    def move_to(self, key: str) -> bool:
        i = self._index.get(key)
        if i is None:
            return False
        self.cursor = i
        return True

    def set_widths(self, widths: dict[str, int]) -> None:
        for c in self.columns:
            c.width = widths.get(c.key, c.width)
        self._resize()
        self.forget()

    def _resize(self) -> None:
        width = sum(c.width + 2 * self.PADDING for c in self.columns)
        self.virtual_size = Size(width, len(self.rows) + 1)

    # --- drawing --------------------------------------------------------------------------

    def _line(self, cells: list[Text], base: Style) -> list[Segment]:
        segs: list[Segment] = []
        pad = " " * self.PADDING
        for col, text in zip(self.columns, cells):
            plain = text.plain
            room = col.width - cell_width(plain)
            if room < 0:  # never expected (cells are clipped), but never overflow a column
                from tracker.core.cells import clip

                plain, room = clip(plain, col.width, ".."), 0
                text = Text(plain, style=text.style)
            left = room if col.justify == "right" else 0
            segs.append(Segment(pad + " " * left, base))
            if text.spans:
                for seg in text.render(self.app.console):
                    if seg.text != "\n":
                        segs.append(Segment(seg.text, base + seg.style if seg.style else base))
            else:
                own = text.style if isinstance(text.style, Style) else Style.parse(text.style)
                style = base + own if text.style else base
                segs.append(Segment(plain, style))
            segs.append(Segment(" " * (room - left) + pad, base))
        return segs

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = self.get_component_rich_style("case-table--header")
            segs = self._line([Text(c.label) for c in self.columns], style)
        else:
            i = scroll_y + y - 1
            if i >= len(self.rows):
                return Strip.blank(width, base)
            if i == self.cursor:
                style = self.get_component_rich_style("case-table--cursor")
            elif i % 2:
                style = self.get_component_rich_style("case-table--odd")
            else:
                style = base
            segs = self._line(self.cells_of(i), style)
        strip = Strip(segs).crop_extend(scroll_x, scroll_x + width, style)
        return strip

    # --- the cursor -----------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.rows:
            self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.RowHighlighted(self, self.cursor_key))

    def _scroll_to_cursor(self) -> None:
        body = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def action_page(self, step: int) -> None:
        self.action_cursor(step * max(1, self.size.height - 2))

    def action_first(self) -> None:
        if self.rows:
            self.cursor = 0

    def action_last(self) -> None:
        if self.rows:
            self.cursor = len(self.rows) - 1

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        x = event.x + self.scroll_offset.x
        if event.y == 0:
            edge = 0
            for c in self.columns:
                edge += c.width + 2 * self.PADDING
                if x < edge:
                    self.post_message(self.HeaderSelected(self, c.key))
                    return
            return
        i = self.scroll_offset.y + event.y - 1
        if 0 <= i < len(self.rows):
            if i == self.cursor and event.chain >= 2:
                self.action_select()
            self.cursor = i

    def on_resize(self) -> None:
        self._resize()

    def region_of_row(self, i: int) -> Region:  # pragma: no cover - for scrolling helpers
        return Region(0, i + 1, self.virtual_size.width, 1)
