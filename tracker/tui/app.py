"""The Textual application: global keys, the command palette, and loading the store's cases.

Every action has a function key or a ctrl- key as well as any letter key, because with a Chinese
input method on, letter keys go to the input method. Slow work (loading 10,000 cases, reading
history, verifying, syncing, signing) runs in workers, never on the screen's thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from tracker import services
from tracker.core.errors import TrackerError
from tracker.core.i18n import pick
from tracker.store.store import Store, today
from tracker.tui import data
from tracker.tui.keys import bind, relabel
from tracker.tui.widgets.scrollbar import use_plain_scrollbars


class RowsLoaded(Message):
    """A batch of case rows has been read (``done`` of ``total`` so far)."""

    def __init__(self, rows: list[data.Row], broken: list[data.BrokenCase], done: int, total: int,
                 final: bool, generation: int) -> None:
        super().__init__()
        self.rows, self.broken, self.done, self.total, self.final = rows, broken, done, total, final
        self.generation = generation


class TrackerApp(App):
    CSS_PATH = "tracker.tcss"
    TITLE = "tracker"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        bind("f1", "help", "帮助", "Help"),
        bind("question_mark", "help", "帮助", "Help", show=False),
        bind("f2,ctrl+b", "dashboard", "待办", "To do"),
        bind("f3,ctrl+n", "new_case", "新建", "New"),
        bind("f5,ctrl+r", "reload", "刷新", "Reload"),
        bind("f7,ctrl+y", "sync", "同步", "Sync"),
        bind("f8,ctrl+k", "verify", "核验", "Verify"),
        bind("f10,ctrl+q", "quit", "退出", "Quit", priority=True),
        bind("ctrl+p", "command_palette", "命令", "Commands", show=False, priority=True),
    ]

    def __init__(self, store: Store, *, exit_when_ready: bool = False) -> None:
        _relabel_all()
        super().__init__()
        use_plain_scrollbars()
        self.store = store
        self.exit_when_ready = exit_when_ready
        self.today = today()
        self.rows: list[data.Row] = []
        self.broken: list[data.BrokenCase] = []
        self.loaded = False
        self.generation = 0
        self.started = time.perf_counter()
        self.ready_seconds: float | None = None

    # --- start-up ---------------------------------------------------------------------

    def on_mount(self) -> None:
        from tracker.tui.screens.cases import CaseListScreen

        self.theme = "textual-dark"
        self.push_screen(CaseListScreen())
        self.reload_rows()

    def reload_rows(self) -> None:
        """(Re)read every case in a worker; the list fills in batches with progress."""
        self.generation += 1
        self.loaded = False
        self.rows, self.broken = [], []
        self._load(self.generation)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, generation: int) -> None:
        worker = get_current_worker()
        store = self.store
        try:
            cal = store.calendar
            on = self.today
            batch: list[data.Row] = []
            broken: list[data.BrokenCase] = []
            made: list[data.Row] = []
            last = 0.0  # the first row shows at once, then ten updates a second at most
            done = total = 0
            for done, total, item in services.iter_case_rows(store, on):
                if worker.is_cancelled:
                    return
                if isinstance(item, TrackerError):
                    broken.append(_broken(store, item))
                else:
                    batch.append(data.make_row(item, on, cal))
                    made.append(batch[-1])
                now = time.perf_counter()
                if now - last > 0.1:
                    self.post_message(RowsLoaded(batch, broken, done, total, False, generation))
                    batch, broken, last = [], [], now
            self.post_message(RowsLoaded(batch, broken, done, total, True, generation))
            for row in made:  # 拼音 initials ahead of the first filter (a second at 10,000)
                if worker.is_cancelled:
                    return
                data.fill_initials(row)
        except TrackerError as e:  # a broken rule pack or calendar: nothing can be evaluated
            self.post_message(RowsLoaded([], [data.BrokenCase("", e.file, e.line, e.message)], 0, 0, True, generation))

    def on_rows_loaded(self, msg: RowsLoaded) -> None:
        if msg.generation != self.generation:
            return
        self.rows.extend(msg.rows)
        self.broken.extend(msg.broken)
        self.loaded = msg.final
        for screen in self.screen_stack:
            handler = getattr(screen, "rows_changed", None)
            if handler:
                handler(msg)
        if msg.final and self.ready_seconds is None:
            self.ready_seconds = time.perf_counter() - self.started
            if self.exit_when_ready:
                self.call_after_refresh(self.exit, 0)

    def row(self, case_id: str) -> data.Row | None:
        for r in self.rows:
            if r.id == case_id:
                return r
        return None

    def refresh_case(self, case_id: str) -> None:
        """Re-read one case after a change made here (the others are unchanged)."""
        try:
            ld = services.load(self.store, case_id, self.today)
            new = data.make_row(services.case_row(self.store, ld.view), self.today, self.store.calendar)
        except TrackerError as e:
            self.broken = [b for b in self.broken if b.case != case_id] + [_broken(self.store, e, case_id)]
            self.rows = [r for r in self.rows if r.id != case_id]
        else:
            self.broken = [b for b in self.broken if b.case != case_id]
            for i, r in enumerate(self.rows):
                if r.id == case_id:
                    self.rows[i] = new
                    break
            else:
                self.rows.append(new)
        for screen in self.screen_stack:
            handler = getattr(screen, "rows_changed", None)
            if handler:
                handler(None)

    def after_commit(self, sha: str, plan) -> None:
        """A change was committed here: a new case is opened in the list and selected."""
        if dict(plan.trailers).get("Action") == "new":
            for screen in self.screen_stack:
                select = getattr(screen, "select_case", None)
                if select:
                    select(plan.result)

    # --- actions reachable from every screen --------------------------------------------

    def action_help(self) -> None:
        from tracker.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

    def action_dashboard(self) -> None:
        from tracker.tui.screens.dashboard import DashboardScreen

        if not isinstance(self.screen, DashboardScreen):
            self.push_screen(DashboardScreen())

    def action_new_case(self) -> None:
        from tracker.tui.screens.edit import NewCaseScreen

        self.push_screen(NewCaseScreen())

    def action_reload(self) -> None:
        self.store = Store(self.store.root)  # forget cached packs/calendar: they may have changed
        self.today = today()
        self.reload_rows()
        self.notify(pick("正在重新读取案件库", "reloading the store"), timeout=2)

    def action_sync(self) -> None:
        from tracker.tui.screens.operations import OperationScreen

        self.push_screen(OperationScreen("sync"))

    def action_verify(self) -> None:
        from tracker.tui.screens.operations import OperationScreen

        self.push_screen(OperationScreen("verify"))

    def open_case(self, case_id: str) -> None:
        from tracker.tui.screens.detail import CaseDetailScreen

        self.push_screen(CaseDetailScreen(case_id))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (Ctrl+P) lists every action of the app and of the current screen."""
        yield SystemCommand(pick("待办与逾期", "To do and overdue"), pick("各角色待办与逾期案件（F2）", "what waits for each role (F2)"),
                            self.action_dashboard)
        yield SystemCommand(pick("新建案件", "New case"), pick("填写新案件（F3）", "open a new case (F3)"), self.action_new_case)
        yield SystemCommand(pick("同步", "Sync"), pick("与共享远程库同步（F7）", "sync with the shared remote (F7)"), self.action_sync)
        yield SystemCommand(pick("核验历史", "Verify history"), pick("核验签名、授权与流程（F8）", "check signatures, authority and workflow (F8)"),
                            self.action_verify)
        yield SystemCommand(pick("刷新", "Reload"), pick("重新读取案件库（F5）", "read the store again (F5)"), self.action_reload)
        yield SystemCommand(pick("帮助", "Help"), pick("本屏幕的按键与说明（F1）", "keys and help for this screen (F1)"), self.action_help)
        for title, help_text, callback in getattr(screen, "palette_commands", lambda: [])():
            yield SystemCommand(title, help_text, callback)
        yield SystemCommand(pick("退出", "Quit"), pick("退出 tracker（F10）", "quit tracker (F10)"), self.action_quit)


def _broken(store: Store, e: TrackerError, case_id: str | None = None) -> data.BrokenCase:
    cid = case_id or ""
    if not cid and e.file:
        parts = Path(e.file).parts
        if len(parts) >= 2 and parts[0] == "cases":
            cid = parts[1]
    return data.BrokenCase(cid, e.file, e.line, e.message)


def _relabel_all() -> None:
    """Key labels in the language chosen now (the classes were made at import)."""
    from tracker.tui.screens import cases, dashboard, decide, detail, edit, export, help, operations

    relabel(TrackerApp, cases.CaseListScreen, detail.CaseDetailScreen, decide.DecisionScreen, decide.ConfirmScreen,
            decide.ResultScreen, edit.NewCaseScreen, edit.EditFactsScreen, edit.AttachScreen,
            dashboard.DashboardScreen, operations.OperationScreen, help.HelpScreen, export.ExportScreen)
