"""Render a :class:`~tracker.forms.model.Form` as a Word document (python-docx).

Chinese text in Word takes its typeface from the run's East-Asian font (``w:rFonts/@w:eastAsia``);
setting only ``run.font.name`` changes the Latin font and leaves Chinese in whatever the reader's
Word substitutes. Every run therefore gets both: Times New Roman for Latin and digits, and the
official typeface for Chinese (方正小标宋简体 titles, 黑体 labels and headings, 仿宋_GB2312 lines,
宋体 table text), as the published forms are set.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tracker.forms.model import STYLES, Form, PageBreak, Para, Table

LATIN = "Times New Roman"
EAST_ASIAN = {"label": "黑体", "title": "方正小标宋简体", "heading": "黑体", "body": "仿宋_GB2312",
              "note": "仿宋_GB2312", "cell": "宋体", "small": "宋体"}
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
VALIGN = {"top": WD_CELL_VERTICAL_ALIGNMENT.TOP, "center": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
          "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM}
# page margins in mm (top, right, bottom, left); the forms' tables are laid out for the text width
PORTRAIT = (20, 25, 15, 25)
LANDSCAPE = (20, 20, 15, 20)


def set_fonts(run, style: str) -> None:
    size, bold = STYLES[style]
    run.font.name = LATIN
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN[style])
    fonts.set(qn("w:hint"), "eastAsia")


def _paragraph(p, text: str, style: str, align: str, before: float = 0, after: float = 0) -> None:
    p.alignment = ALIGN[align]
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), 1.0
    if text:
        set_fonts(p.add_run(text), style)


def _page(section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    top, right, bottom, left = LANDSCAPE if landscape else PORTRAIT
    section.top_margin, section.right_margin = Mm(top), Mm(right)
    section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)


def _no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tblpr.append(borders)


def _fixed_layout(table) -> None:
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)


def _table(doc, t: Table) -> None:
    grid = t.grid()
    table = doc.add_table(rows=len(t.rows), cols=len(t.widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    if t.borders:
        table.style = "Table Grid"
    else:
        _no_borders(table)
    _fixed_layout(table)
    for i, w in enumerate(t.widths):
        table.columns[i].width = Mm(w)
        for c in table.columns[i].cells:
            c.width = Mm(w)
    for r, row in enumerate(t.rows):
        table.rows[r].height = Mm(row.height)
        table.rows[r].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for r, placed in enumerate(grid):
        for c, slot in enumerate(placed):
            if slot is None:
                continue
            _, _, cl = slot
            target = table.cell(r, c)
            if cl.colspan > 1 or cl.rowspan > 1:
                target = target.merge(table.cell(r + cl.rowspan - 1, c + cl.colspan - 1))
            target.vertical_alignment = VALIGN[cl.valign]
            first = target.paragraphs[0]
            for extra in target.paragraphs[1:]:  # merging leaves one empty paragraph per merged cell
                extra._p.getparent().remove(extra._p)
            for k, line in enumerate(cl.lines):
                p = first if k == 0 else target.add_paragraph()
                _paragraph(p, line.text, t.style, line.align)


def render_docx(form: Form) -> bytes:
    doc = Document()
    _page(doc.sections[0], form.landscape)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN
    normal.font.size = Pt(STYLES["body"][0])
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN["body"])
    props = doc.core_properties
    props.title, props.subject, props.author = form.title, form.subject, "tracker"
    props.comments = "tracker export"
    for block in form.blocks:
        if isinstance(block, PageBreak):
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            _page(section, block.landscape)
        elif isinstance(block, Para):
            _paragraph(doc.add_paragraph(), block.text, block.style, block.align, block.space_before,
                       block.space_after)
        elif isinstance(block, Table):
            _table(doc, block)
            doc.add_paragraph().paragraph_format.space_after = Pt(0)  # Word needs a paragraph between tables
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
