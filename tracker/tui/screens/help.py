"""`?` / F1: the help of the screen it was opened from, and the keys that work everywhere."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen

from tracker.core.i18n import pick
from tracker.tui.widgets.plain import Plain
from tracker.tui.keys import bind

GLOBAL_KEYS = [
    ("F1 / ?", "帮助（本页）", "help (this page)"),
    ("Ctrl+P", "命令面板：列出全部操作，可搜索", "command palette: every action, searchable"),
    ("F2 / Ctrl+B", "待办与逾期", "to do and overdue"),
    ("F3 / Ctrl+N", "新建案件", "new case"),
    ("F5 / Ctrl+R", "重新读取案件库", "reload the store"),
    ("F7 / Ctrl+Y", "同步", "sync"),
    ("F8 / Ctrl+K", "核验历史", "verify the history"),
    ("F10 / Ctrl+Q", "退出", "quit"),
]


class HelpScreen(ModalScreen):
    BINDINGS = [bind("escape,f1,question_mark", "close", "关闭", "Close")]

    def __init__(self, parent: Screen) -> None:
        super().__init__()
        self.for_screen = parent

    def compose(self) -> ComposeResult:
        title, body = (str(x) for x in getattr(self.for_screen, "HELP", (pick("帮助", "Help"), "")))
        t = Text()
        t.append(body + "\n\n")
        t.append(pick("本屏幕的按键\n", "Keys on this screen\n"), style="bold")
        for b in getattr(self.for_screen, "BINDINGS", []):
            if isinstance(b, Binding) and b.description:
                keys = " / ".join(k.strip().replace("ctrl+", "Ctrl+").replace("slash", "/").upper()
                                  if k.strip().startswith("f") and k.strip()[1:].isdigit()
                                  else k.strip().replace("ctrl+", "Ctrl+").replace("slash", "/").capitalize()
                                  for k in b.key.split(","))
                t.append(f"  {keys:<22} {b.description}\n")
        t.append(pick("\n全局按键（字母键在中文输入法开启时会被输入法接收，因此每个操作都有功能键或 Ctrl 键）\n",
                      "\nEverywhere (letter keys go to the input method when Chinese input is on, so every action "
                      "also has a function key or a Ctrl key)\n"), style="bold")
        for keys, zh, en in GLOBAL_KEYS:
            t.append(f"  {keys:<22} {pick(zh, en)}\n")
        with Vertical(classes="dialog tall"):
            yield Plain(pick(f"帮助：{title}", f"Help: {title}"), classes="dialog-title")
            with VerticalScroll(id="help-body", classes="dialog-body"):
                yield Plain(t)
            yield Plain(pick("Esc 或 F1 关闭", "Esc or F1 closes"), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
