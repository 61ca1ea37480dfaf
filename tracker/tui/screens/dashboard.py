"""待办 / 逾期: what waits for each role, and what is overdue, across the store."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from tracker.core.i18n import pick
from tracker.tui import data
from tracker.tui.screens.cases import STYLE, title_bar
from tracker.tui.widgets.plain import Plain
from tracker.core.i18n import Text as L
from tracker.tui.keys import bind


class DashboardScreen(Screen):
    HELP = (L("待办与逾期", "To do and overdue"), L(
        "上表：按办理角色列出等待其处理的案件数及最早期限；选中一行按 Enter，下表列出该角色的案件。\n"
        "下表：所选角色的案件（初始为全部逾期案件，最早逾期的在前）；Enter 打开案件。\n"
        "Tab 在两个表之间切换；Esc 返回列表。",
        "Top: for each role, how many cases wait for it and the earliest deadline; Enter on a row lists that "
        "role's cases below.\nBottom: the chosen role's cases (at first every overdue case, the longest overdue "
        "first); Enter opens a case.\nTab switches between the tables; Esc goes back."))

    BINDINGS = [bind("escape", "app.pop_screen", "返回", "Back")]

    def compose(self) -> ComposeResult:
        yield title_bar(self.app.store, pick("待办与逾期", "to do and overdue"))
        yield Plain("", id="roles-title", classes="section-title")
        yield DataTable(id="roles", cursor_type="row")
        yield Plain("", id="cases-title", classes="section-title")
        yield DataTable(id="dash-cases", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        roles = self.query_one("#roles", DataTable)
        roles.add_column(pick("办理角色", "Role"), key="role")
        roles.add_column(pick("待办", "Waiting"), key="n")
        roles.add_column(pick("其中逾期", "Overdue"), key="late")
        roles.add_column(pick("最早期限", "Earliest due"), key="due")
        cases = self.query_one("#dash-cases", DataTable)
        for key, zh, en in (("id", "编号", "ID"), ("title", "项目名称", "Title"), ("unit", "建设单位", "Unit"),
                            ("stage", "阶段", "Stage"), ("due", "期限", "Due"), ("what", "事项", "What")):
            cases.add_column(pick(zh, en), key=key)
        roles.styles.height = 12
        self.selected_role: str | None = None
        self.fill()
        roles.focus()

    def role_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for pack in self.app.store.packs.values():
            for rid in pack.roles:
                names.setdefault(rid, pack.role_label(rid))
        return names

    def fill(self) -> None:
        self.waiting, self.overdue = data.dashboard(self.app.rows, self.role_names())
        roles = self.query_one("#roles", DataTable)
        roles.clear()
        for g in self.waiting:
            late = sum(1 for r in g.rows if r.urgency == "overdue")
            due = next((r.data["next_due"] for r in g.rows if r.data.get("next_due")), "")
            roles.add_row(Text(g.role_name), Text(str(len(g.rows)), justify="right"),
                          Text(str(late), style="bold red" if late else "", justify="right"), Text(due), key=g.role)
        loading = "" if self.app.loaded else pick("（仍在载入）", " (still loading)")
        self.query_one("#roles-title", Plain).update(pick(f"各角色待办{loading}", f"Waiting for each role{loading}"))
        self.show_cases(self.selected_role)

    def show_cases(self, role: str | None) -> None:
        self.selected_role = role
        if role is None:
            rows, title = self.overdue, pick(f"逾期案件（{len(self.overdue)}）", f"Overdue cases ({len(self.overdue)})")
        else:
            g = next((g for g in self.waiting if g.role == role), None)
            rows = g.rows if g else []
            title = pick(f"等待“{g.role_name if g else role}”办理（{len(rows)}）",
                         f"Waiting for {g.role_name if g else role} ({len(rows)})")
        self.query_one("#cases-title", Plain).update(title)
        table = self.query_one("#dash-cases", DataTable)
        table.clear()
        for r in rows:
            c = data.cell_texts(r.data)
            due = Text(c["due"], style=STYLE.get(r.urgency, ""))
            table.add_row(Text(c["id"]), Text(c["title"]), Text(c["unit"]), Text(c["stage"]), due,
                          Text(r.data.get("next_due_what") or ""), key=r.id)

    @on(DataTable.RowSelected, "#roles")
    def role_chosen(self, event: DataTable.RowSelected) -> None:
        self.show_cases(event.row_key.value)
        self.query_one("#dash-cases", DataTable).focus()

    @on(DataTable.RowSelected, "#dash-cases")
    def case_chosen(self, event: DataTable.RowSelected) -> None:
        self.app.open_case(event.row_key.value)

    def rows_changed(self, msg) -> None:
        if msg is None or msg.final:
            self.fill()

    def palette_commands(self):
        return [(pick("全部逾期案件", "All overdue cases"), pick("下表显示全部逾期案件", "list every overdue case below"),
                 lambda: self.show_cases(None)),
                (pick("返回列表", "Back to the list"), pick("返回（Esc）", "back (Esc)"), self.app.pop_screen)]
