"""A small layout model of the regulations' forms, rendered to Word (docx.py) and PDF (pdf.py).

A form is a sequence of blocks on A4 pages: paragraphs (the 附表 label, the title, the lines with
盖章 / 日期 above or below a table, notes) and tables on a grid of column widths in millimetres.
A table cell spans columns and rows; its text is one or more lines, each aligned on its own (so a
signature block can put 主要领导签字 and 年 月 日 at the bottom right of an opinion box).

Text styles name the role of the text, not a font: each renderer maps them to its fonts
(Word: 方正小标宋简体 / 黑体 / 仿宋_GB2312 with the East-Asian font set; PDF: the embedded CJK font).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# style → (point size, bold); renderers choose the typeface from the style
STYLES: dict[str, tuple[float, bool]] = {
    "label": (16, False),    # 附表1 / 附件1 (黑体 三号)
    "title": (18, False),    # form title (方正小标宋简体 小二)
    "heading": (14, False),  # section heading inside a form (黑体 四号)
    "body": (12, False),     # lines around tables (仿宋 小四)
    "cell": (11, False),     # table text
    "small": (9, False),     # dense tables (13 columns) and notes
    "note": (10.5, False),   # 注 / 说明 (仿宋 五号)
}


@dataclass
class Line:
    text: str
    align: str = "left"  # left | center | right


@dataclass
class Para:
    text: str
    style: str = "body"
    align: str = "left"
    space_before: float = 0  # points
    space_after: float = 4


@dataclass
class Cell:
    lines: list[Line]
    colspan: int = 1
    rowspan: int = 1
    valign: str = "center"  # top | center | bottom
    fact: str | None = None  # the fact this cell shows (for tests and the missing list)
    filled: bool = False  # True when the cell shows a value taken from the case


def cell(text: str = "", align: str = "center", *, colspan: int = 1, rowspan: int = 1, valign: str = "center",
         fact: str | None = None, filled: bool = False) -> Cell:
    """A cell with one line per ``\\n`` of text, all with the same alignment."""
    return Cell([Line(t, align) for t in text.split("\n")], colspan, rowspan, valign, fact, filled)


@dataclass
class Row:
    cells: list[Cell]
    height: float = 8.0  # minimum height in mm


@dataclass
class Table:
    widths: list[float]  # column widths in mm
    rows: list[Row]
    style: str = "cell"
    borders: bool = True

    def grid(self) -> list[list[tuple[int, int, Cell] | None]]:
        """Place the cells on the grid: for each row, each column holds ``(row, col, cell)`` of the
        cell that starts there, or None where a span from elsewhere covers it. Raises ValueError
        when a row does not add up to the number of columns (a bug in a form definition)."""
        n = len(self.widths)
        taken = [[False] * n for _ in self.rows]
        out: list[list[tuple[int, int, Cell] | None]] = [[None] * n for _ in self.rows]
        for r, row in enumerate(self.rows):
            c = 0
            for cl in row.cells:
                while c < n and taken[r][c]:
                    c += 1
                if c + cl.colspan > n or r + cl.rowspan > len(self.rows):
                    raise ValueError(f"row {r}: cells overflow the grid")
                for dr in range(cl.rowspan):
                    for dc in range(cl.colspan):
                        if taken[r + dr][c + dc]:
                            raise ValueError(f"row {r}: overlapping cells")
                        taken[r + dr][c + dc] = True
                out[r][c] = (r, c, cl)
                c += cl.colspan
            if not all(taken[r]):
                raise ValueError(f"row {r}: {taken[r].count(False)} columns left empty")
        return out


@dataclass
class PageBreak:
    landscape: bool = False


Block = Para | Table | PageBreak


@dataclass
class Form:
    form_id: str
    title: str
    blocks: list[Block]
    landscape: bool = False
    subject: str = ""  # document properties: case ids, so a printed copy can be traced
    missing: list[str] = field(default_factory=list)  # labels of facts the case lacks
