"""The case list: every case with its stage and next deadline; filter (also by 拼音 initials),
sort by any column, counts in the status bar. Rows arrive in batches from the app's loader."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker
from textual.widgets import Footer, Input, Label

from tracker.core.i18n import pick
from tracker.tui import data
from tracker.tui.widgets.case_table import CaseTable, Column
from tracker.tui.widgets.plain import Plain
from tracker.core.i18n import Text as L
from tracker.tui.keys import bind

STYLE = {"overdue": "bold red", "soon": "yellow"}


def title_bar(store, extra: str = "") -> Plain:
    text = f"tracker  {pick('案件库', 'store')}: {store.root.name}  {extra}".rstrip()
    return Plain(text, classes="bar")


class CaseListScreen(Screen):
    HELP = (L("案件列表", "Case list"), L(
        "每行一个案件：编号、项目名称、辖区、建设单位、预算、办理类型、当前阶段和下一期限。\n"
        "逾期的期限显示为红色，三个工作日内到期的显示为黄色。\n"
        "筛选：按 / 或 Ctrl+F，输入任意文字，也可输入拼音首字母（如 hysjyj 匹配“河源市教育局”）；多个词须同时匹配。\n"
        "排序：按 Ctrl+O（或 s）依次切换排序列与顺序/倒序；也可点击列标题。\n"
        "Enter 打开案件详情；F9/Ctrl+D 对所选案件作出决定；F4/Ctrl+E 修改事实；F6/Ctrl+T 添加材料；F11/Ctrl+X 导出表格。\n"
        "无法读取的案件文件列在表格末尾，标明文件和行号。",
        "One row per case: id, title, jurisdiction, unit, budget, track, current stage and next deadline.\n"
        "Overdue deadlines are red; those due within three working days are yellow.\n"
        "Filter: press / or Ctrl+F and type any text, or 拼音 initials (hysjyj matches 河源市教育局); all words must match.\n"
        "Sort: Ctrl+O (or s) steps through the columns, each ascending then descending; or click a heading.\n"
        "Enter opens the case; F9/Ctrl+D decides on it; F4/Ctrl+E edits facts; F6/Ctrl+T attaches a file; "
        "F11/Ctrl+X exports a form.\n"
        "Case files that cannot be read are listed at the end of the table with file and line."))

    BINDINGS = [
        bind("slash,ctrl+f", "filter", "筛选", "Filter"),
        bind("ctrl+o,s", "sort", "排序", "Sort"),
        bind("enter", "open", "打开", "Open", show=False),
        bind("f9,ctrl+d", "decide", "决定", "Decide"),
        bind("f4,ctrl+e", "edit", "改事实", "Edit"),
        bind("f6,ctrl+t", "attach", "材料", "Attach"),
        bind("f11,ctrl+x", "export", "导出", "Export"),
        bind("escape", "clear_filter", "清除筛选", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.applied_query = ""  # the filter the table shows now (typing is debounced)
        self.sort_column = "id"
        self.sort_reverse = False
        self.shown_rows: list[data.Row] = []
        self.progress = (0, 0)
        self._filter_timer: Timer | None = None
        self._pending_full = False

    def compose(self) -> ComposeResult:
        yield title_bar(self.app.store, f"{pick('今天', 'today')} {self.app.today.isoformat()}")
        with Horizontal(id="filter-row"):
            yield Label(pick("筛选", "Filter"), id="filter-label")
            yield Input(placeholder=pick("文字或拼音首字母，如 hysjyj（/ 或 Ctrl+F）",
                                         "text or 拼音 initials, e.g. hysjyj (/ or Ctrl+F)"), id="filter")
        self.widths = data.column_widths(self.app.size.width)
        yield CaseTable([Column(key, pick(zh, en), self.widths[key], "right" if key == "budget" else "left")
                         for key, zh, en in data.COLUMNS], self.format_item, id="cases")
        yield Plain("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CaseTable).focus()
        self.update_status()

    # --- rows ---------------------------------------------------------------------------

    def rows_changed(self, msg) -> None:
        if msg is not None:
            self.progress = (msg.done, msg.total)
        appending = not self.query_text and self.sort_column == "id" and not self.sort_reverse
        if msg is not None and appending and len(self.shown_rows) + len(msg.rows) == len(self.app.rows):
            self.append(msg.rows)  # loading in id order: rows show as they come, nothing redrawn twice
            if msg.final and self.app.broken:
                self.rebuild()
        else:
            self.rebuild()
        self.update_status()

    def append(self, rows: list[data.Row]) -> None:
        self.query_one(CaseTable).append_rows([(r.id, r) for r in rows])
        self.shown_rows.extend(rows)

    BACKGROUND_FROM = 2000  # rows: filter and sort in a worker above this, so typing never stalls

    def rebuild(self) -> None:
        """Refill the table from the app's rows, filtered and sorted; the cursor stays on its case."""
        query, column, reverse = self.query_text, self.sort_column, self.sort_reverse
        rows, broken = list(self.app.rows), list(self.app.broken)
        if len(rows) >= self.BACKGROUND_FROM:
            self._arrange_in_worker(rows, broken, query, column, reverse)
        else:
            self.show_arranged(self.filter_and_sort(rows, broken, query, column, reverse), query)

    @staticmethod
    def filter_and_sort(rows: list[data.Row], broken: list[data.BrokenCase], query: str, column: str,
                reverse: bool) -> tuple[list[data.Row], list[tuple[str, data.Row | data.BrokenCase]]]:
        if query:
            rows = [r for r in rows if data.matches(r, query)]
        rows.sort(key=data.sort_key(column), reverse=reverse)
        lines: list[tuple[str, data.Row | data.BrokenCase]] = [(r.id, r) for r in rows]
        for b in broken:
            if not query or query.lower() in (b.case + " " + b.message).lower():
                lines.append((f"!{b.case or b.where}", b))
        return rows, lines

    @work(thread=True, exclusive=True, group="arrange")
    def _arrange_in_worker(self, rows, broken, query, column, reverse) -> None:
        worker = get_current_worker()
        arranged = self.filter_and_sort(rows, broken, query, column, reverse)
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_arranged, arranged, query)

    def show_arranged(self, arranged, query: str) -> None:
        rows, lines = arranged
        table = self.query_one(CaseTable)
        self.shown_rows = rows
        table.forget()  # a case may have changed (refresh_case): format again what is drawn
        table.set_rows(lines, keep=table.cursor_key)
        self.applied_query = query
        self.update_status()

    def format_item(self, item: data.Row | data.BrokenCase) -> list[Text]:
        return self.broken_cells(item) if isinstance(item, data.BrokenCase) else self.cells(item)

    def cells(self, r: data.Row) -> list[Text]:
        c = data.clipped(data.cell_texts(r.data), self.widths)
        out = [Text(c[key]) for key, _, _ in data.COLUMNS]
        style = STYLE.get(r.urgency)
        if style:
            out[-1].stylize(style)
        out[4].justify = "right"
        return out

    def broken_cells(self, b: data.BrokenCase) -> list[Text]:
        from pathlib import PurePosixPath

        from tracker.core.cells import clip

        where = f"{PurePosixPath(b.file).name}:{b.line}" if b.file and b.line else (b.file or "")
        text = f"{pick('无法读取', 'unreadable')} {where}: {' '.join(b.message.split())}"
        msg = Text(clip(text, self.widths["title"], data.CLIP_MARK), style="red")
        return [Text(b.case or "?", style="red"), msg] + [Text("") for _ in data.COLUMNS[2:]]

    def on_resize(self, event) -> None:
        widths = data.column_widths(event.size.width)
        if widths != self.widths:
            self.widths = widths
            self.query_one(CaseTable).set_widths(widths)
            self.rebuild()

    def select_case(self, case_id: str) -> None:
        self.query_one(CaseTable).move_to(case_id)

    def current_id(self) -> str | None:
        return self.query_one(CaseTable).cursor_key

    def update_status(self) -> None:
        rows = self.app.rows
        overdue = sum(1 for r in rows if r.urgency == "overdue")
        soon = sum(1 for r in rows if r.urgency == "soon")
        done, total = self.progress
        col = next(pick(zh, en) for k, zh, en in data.COLUMNS if k == self.sort_column)
        parts = []
        if not self.app.loaded:
            pct = f" ({done * 100 // total}%)" if total else ""
            parts.append(pick(f"正在载入 {done}/{total}{pct}", f"loading {done}/{total}{pct}"))
        parts.append(pick(f"共 {len(rows)} 件", f"{len(rows)} cases"))
        if self.query_text:
            parts.append(pick(f"筛选后 {len(self.shown_rows)} 件", f"{len(self.shown_rows)} shown"))
        parts.append(pick(f"逾期 {overdue}", f"{overdue} overdue"))
        parts.append(pick(f"3个工作日内到期 {soon}", f"{soon} due within 3 working days"))
        if self.app.broken:
            parts.append(pick(f"无法读取 {len(self.app.broken)}", f"{len(self.app.broken)} unreadable"))
        parts.append(pick(f"按{col}{'倒序' if self.sort_reverse else '排序'}",
                          f"sorted by {col}{' (reversed)' if self.sort_reverse else ''}"))
        self.query_one("#status", Plain).update("  |  ".join(parts))

    # --- filter and sort ----------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.15, self.rebuild)  # debounce: typing stays fluid

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(CaseTable).focus()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        self.query_one(CaseTable).focus()

    def action_sort(self) -> None:
        keys = [k for k, _, _ in data.COLUMNS]  # each column ascending, then descending, then the next
        if self.sort_reverse:
            self.sort_column, self.sort_reverse = keys[(keys.index(self.sort_column) + 1) % len(keys)], False
        else:
            self.sort_reverse = True
        self.rebuild()

    @on(CaseTable.HeaderSelected)
    def header_selected(self, event: CaseTable.HeaderSelected) -> None:
        key = event.column
        if key == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = key, False
        self.rebuild()

    # --- actions on the selected case ---------------------------------------------------

    def selected(self) -> str | None:
        cid = self.current_id()
        if cid and cid.startswith("!"):
            self.app.notify(pick("该案件文件无法读取，请先修复文件", "this case's files cannot be read; fix them first"),
                            severity="warning")
            return None
        if not cid:
            self.app.notify(pick("没有选中的案件", "no case selected"), severity="warning")
        return cid

    @on(CaseTable.RowSelected)
    def row_selected(self, event: CaseTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        cid = self.selected()
        if cid:
            self.app.open_case(cid)

    def action_decide(self) -> None:
        cid = self.selected()
        if cid:
            from tracker.tui.screens.decide import DecisionScreen

            self.app.push_screen(DecisionScreen(cid))

    def action_edit(self) -> None:
        cid = self.selected()
        if cid:
            from tracker.tui.screens.edit import EditFactsScreen

            self.app.push_screen(EditFactsScreen(cid))

    def action_attach(self) -> None:
        cid = self.selected()
        if cid:
            from tracker.tui.screens.edit import AttachScreen

            self.app.push_screen(AttachScreen(cid))

    def action_export(self) -> None:
        cid = self.selected()
        if cid:
            from tracker.tui.screens.export import ExportScreen

            self.app.push_screen(ExportScreen(cid))

    def palette_commands(self):
        return [
            (pick("筛选", "Filter"), pick("按文字或拼音首字母筛选（/ 或 Ctrl+F）", "filter by text or 拼音 initials (/ or Ctrl+F)"), self.action_filter),
            (pick("排序", "Sort"), pick("切换排序列（Ctrl+O）", "change the sort column (Ctrl+O)"), self.action_sort),
            (pick("打开案件", "Open case"), pick("查看所选案件（Enter）", "show the selected case (Enter)"), self.action_open),
            (pick("作出决定", "Decide"), pick("对所选案件作出决定（F9）", "decide on the selected case (F9)"), self.action_decide),
            (pick("修改事实", "Edit facts"), pick("修改所选案件的事实（F4）", "edit the selected case's facts (F4)"), self.action_edit),
            (pick("添加材料", "Attach file"), pick("为所选案件添加材料（F6）", "attach a file to the selected case (F6)"), self.action_attach),
            (pick("导出表格", "Export a form"), pick("导出所选案件的 Word/PDF 表格（F11）", "export a Word/PDF form of the selected case (F11)"),
             self.action_export),
        ]
