"""Render a :class:`~tracker.forms.model.Form` as PDF with fpdf2, embedding a system CJK font.

Why fpdf2: Debian's fonts-noto-cjk ships OpenType *collections* (``.ttc``) with CFF (PostScript)
outlines. ReportLab's TTFont reads TrueType outlines only ("postscript outlines are not
supported"); fpdf2 parses fonts with fontTools, embeds CID-keyed CFF fonts and, since 2.8.6,
picks a face out of a collection (``collection_font_number``). It subsets the font, so a form
stays small.

The font is found with fontconfig (``fc-list :lang=zh-cn``), else at Debian's known paths;
``TRACKER_CJK_FONT=/path/font.ttc[#face]`` names one explicitly. With none, exporting a PDF is
bad input (exit 2) with a message naming the package to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from tracker.core.errors import InputError
from tracker.core.i18n import pick
from tracker.forms.model import STYLES, Cell, Form, PageBreak, Para, Table

ENV_FONT = "TRACKER_CJK_FONT"
PACKAGE = "fonts-noto-cjk"
# preferred families: a Song (serif) face for text, a Hei (sans) face for titles; Simplified Chinese first
TEXT_FAMILIES = ("Noto Serif CJK SC", "Source Han Serif SC", "Noto Sans CJK SC", "Source Han Sans SC",
                 "AR PL UMing CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback")
TITLE_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
KNOWN_PATHS = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
               "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
               "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
               "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
               "/usr/share/fonts/truetype/arphic/uming.ttc",
               "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
TITLE_STYLES = ("label", "title", "heading")


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int = 0
    family: str = ""
    style: str = ""


def no_font_error() -> InputError:
    return InputError(pick(
        f"无法生成 PDF：本机没有中文字体。请安装 {PACKAGE}（Debian/Ubuntu：apt-get install {PACKAGE}），"
        f"或用环境变量 {ENV_FONT}=字体文件路径 指定一个中文字体（.ttc 可加 #序号）；也可改用 --format docx",
        f"cannot make a PDF: no CJK font is installed. Install {PACKAGE} (Debian/Ubuntu: apt-get install "
        f"{PACKAGE}), or set {ENV_FONT}=/path/to/font (add #N for a face of a .ttc); or use --format docx"))


def _fc_list() -> list[FontFace]:
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh-cn", "--format", "%{file}|%{index}|%{family}|%{style}\n"],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 4 and parts[0] and parts[1].isdigit():
            faces.append(FontFace(parts[0], int(parts[1]), parts[2], parts[3]))
    return faces


def _known_faces() -> list[FontFace]:
    """Without fontconfig: the faces of the fonts at Debian's paths, named from their own tables."""
    from fontTools.ttLib import TTCollection, TTFont

    faces = []
    for path in KNOWN_PATHS:
        if not os.path.isfile(path):
            continue
        try:
            fonts = TTCollection(path, lazy=True).fonts if path.endswith(".ttc") else [TTFont(path, lazy=True)]
            for i, font in enumerate(fonts):
                name = font["name"]
                faces.append(FontFace(path, i, name.getDebugName(1) or "", name.getDebugName(2) or ""))
        except Exception:  # an unreadable file is no font
            continue
    return faces


def _choose(faces: list[FontFace], families: tuple[str, ...], bold: bool) -> FontFace | None:
    def weight_ok(f: FontFace) -> bool:
        styles = f.style.lower()
        return ("bold" in styles) == bold and not any(w in styles for w in ("light", "thin", "medium", "black"))

    for fam in families:
        for f in faces:
            if fam in [n.strip() for n in f.family.split(",")] and weight_ok(f):
                return f
    return None


def _explicit() -> FontFace | None:
    raw = os.environ.get(ENV_FONT, "").strip()
    if not raw:
        return None
    path, _, idx = raw.partition("#")
    if not os.path.isfile(path) or (idx and not idx.isdigit()):
        raise InputError(pick(f"{ENV_FONT} 指向的字体文件不存在或格式不对：{raw}",
                              f"{ENV_FONT} does not name a font file: {raw}"))
    face = FontFace(path, int(idx or 0))
    if not _covers_chinese(face):
        raise InputError(pick(f"{ENV_FONT} 指向的字体没有中文字形：{raw}（请安装 {PACKAGE} 或换一个中文字体）",
                              f"{ENV_FONT} names a font without Chinese glyphs: {raw} (install {PACKAGE} or "
                              f"choose a CJK font)"))
    return face


def _covers_chinese(face: FontFace) -> bool:
    from fontTools.ttLib import TTFont

    try:
        cmap = TTFont(face.path, fontNumber=face.index, lazy=True).getBestCmap() or {}
    except Exception:  # not a font fontTools can read
        return False
    return all(ord(ch) in cmap for ch in "项目申请表")


def find_cjk_fonts() -> tuple[FontFace, FontFace] | None:
    """(text face, title face) of an installed CJK font, or None when there is none."""
    explicit = _explicit()
    if explicit:
        return explicit, explicit
    faces = _fc_list() or _known_faces()
    text = _choose(faces, TEXT_FAMILIES, False)
    if text is None:
        regular = [f for f in faces if "bold" not in f.style.lower()]
        text = regular[0] if regular else (faces[0] if faces else None)
    if text is None:
        return None
    title = _choose(faces, TITLE_FAMILIES, True) or _choose(faces, TITLE_FAMILIES, False) or text
    return text, title


# ---------------------------------------------------------------------------------------
# layout

PORTRAIT = (20, 25, 15, 25)  # top, right, bottom, left (mm), as the Word rendering
LANDSCAPE = (20, 20, 15, 20)
PAD = 1.2  # cell padding (mm)
ALIGN = {"left": "L", "center": "C", "right": "R"}


def _line_h(style: str) -> float:
    return STYLES[style][0] * 0.3528 * 1.4


class _Renderer:
    def __init__(self, fonts: tuple[FontFace, FontFace]):
        from fpdf import FPDF

        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.c_margin = 0  # cells are padded by PAD here; fpdf2's own margin would wrap early
        text, title = fonts
        self.pdf.add_font("cjk", "", text.path, collection_font_number=text.index)
        if title == text:
            self.title_family = "cjk"
        else:
            self.pdf.add_font("cjkhei", "", title.path, collection_font_number=title.index)
            self.title_family = "cjkhei"
        self.landscape = False

    def font(self, style: str) -> None:
        self.pdf.set_font(self.title_family if style in TITLE_STYLES else "cjk", size=STYLES[style][0])

    def page(self, landscape: bool) -> None:
        self.landscape = landscape
        self.pdf.add_page(orientation="L" if landscape else "P")
        top, right, bottom, left = LANDSCAPE if landscape else PORTRAIT
        self.left, self.top, self.bottom = left, top, self.pdf.h - bottom
        self.width = self.pdf.w - left - right
        self.pdf.set_xy(left, top)

    def wrap(self, text: str, width: float) -> list[str]:
        if not text:
            return [""]
        return self.pdf.multi_cell(width, 5, text, dry_run=True, output="LINES", new_x="LEFT")

    def para(self, p: Para) -> None:
        self.font(p.style)
        lh = _line_h(p.style)
        lines = self.wrap(p.text, self.width)
        need = p.space_before * 0.3528 + lh * len(lines) + p.space_after * 0.3528
        if self.pdf.get_y() + need > self.bottom:
            self.page(self.landscape)
        y = self.pdf.get_y() + p.space_before * 0.3528
        for line in lines:
            self.pdf.set_xy(self.left, y)
            self.pdf.cell(self.width, lh, line, align=ALIGN[p.align])
            y += lh
        self.pdf.set_xy(self.left, y + p.space_after * 0.3528)

    def _cell_lines(self, cl: Cell, width: float) -> list[tuple[str, str]]:
        out = []
        for line in cl.lines:
            out += [(w, line.align) for w in self.wrap(line.text, width - 2 * PAD)]
        return out

    def table(self, t: Table) -> None:
        self.font(t.style)
        lh = _line_h(t.style)
        grid = t.grid()
        scale = min(1.0, self.width / sum(t.widths))
        widths = [w * scale for w in t.widths]
        xs = [self.left + (self.width - sum(widths)) / 2]
        for w in widths:
            xs.append(xs[-1] + w)
        heights = [row.height for row in t.rows]
        placed = [slot for row in grid for slot in row if slot is not None]
        texts = {}
        for r, c, cl in sorted(placed, key=lambda s: s[2].rowspan):
            lines = self._cell_lines(cl, xs[c + cl.colspan] - xs[c])
            texts[(r, c)] = lines
            need = len(lines) * lh + 2 * PAD
            have = sum(heights[r:r + cl.rowspan])
            if need > have:
                heights[r + cl.rowspan - 1] += need - have
        # rows tied together by a vertical span stay on one page
        blocks, start, reach = [], 0, 0
        for r in range(len(t.rows)):
            reach = max([reach] + [r + s[2].rowspan for s in grid[r] if s is not None])
            if reach == r + 1:
                blocks.append((start, r + 1))
                start = r + 1
        y = self.pdf.get_y()
        for b0, b1 in blocks:
            if y + sum(heights[b0:b1]) > self.bottom and y > self.top + 1:
                self.page(self.landscape)
                self.font(t.style)
                y = self.top
            row_y = y
            for r in range(b0, b1):
                for slot in grid[r]:
                    if slot is None:
                        continue
                    _, c, cl = slot
                    self._draw(cl, xs[c], row_y, xs[c + cl.colspan] - xs[c], sum(heights[r:r + cl.rowspan]),
                               texts[(r, c)], lh, t.borders)
                row_y += heights[r]
            y = row_y
        self.pdf.set_xy(self.left, y + 2)

    def _draw(self, cl: Cell, x: float, y: float, w: float, h: float, lines, lh: float, borders: bool) -> None:
        if borders:
            self.pdf.rect(x, y, w, h)
        text_h = len(lines) * lh
        ty = {"top": y + PAD, "center": y + (h - text_h) / 2, "bottom": y + h - PAD - text_h}[cl.valign]
        for text, align in lines:
            if text:
                self.pdf.set_xy(x + PAD, ty)
                self.pdf.cell(w - 2 * PAD, lh, text, align=ALIGN[align])
            ty += lh


def render_pdf(form: Form) -> bytes:
    fonts = find_cjk_fonts()
    if fonts is None:
        raise no_font_error()
    r = _Renderer(fonts)
    r.pdf.set_title(form.title)
    r.pdf.set_subject(form.subject)
    r.pdf.set_creator("tracker")
    r.page(form.landscape)
    for block in form.blocks:
        if isinstance(block, PageBreak):
            r.page(block.landscape)
        elif isinstance(block, Para):
            r.para(block)
        elif isinstance(block, Table):
            r.table(block)
    return bytes(r.pdf.output())
