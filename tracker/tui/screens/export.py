"""Export an official form of a case (Word or PDF), as `tracker export` does."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from tracker.core.errors import TrackerError
from tracker.core.i18n import pick
from tracker.tui.screens.decide import refusal_text
from tracker.tui.widgets.plain import Plain
from tracker.core.i18n import Text as L
from tracker.tui.keys import bind


class ExportScreen(ModalScreen):
    HELP = (L("导出表格", "Export a form"), L(
        "选择本辖区办法附带的表格和格式（Word 或 PDF），可修改保存路径（默认在当前目录）。\n"
        "案件缺少的事实在表中留空，供手工填写，并在下方列出。F9/Ctrl+S 导出；Esc 关闭。",
        "Choose one of the forms of this jurisdiction's measures and the format (Word or PDF); the path may be "
        "changed (default: the current directory).\nFacts the case lacks are left blank for hand completion "
        "and listed below. F9/Ctrl+S exports; Esc closes."))

    BINDINGS = [
        bind("escape", "close", "关闭", "Close"),
        bind("f9,ctrl+s", "export", "导出", "Export", priority=True),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.forms: list[str] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Plain(pick(f"导出表格：{self.case_id}", f"Export a form: {self.case_id}"), classes="dialog-title")
            yield Label(pick("表格", "Form"), classes="field-label")
            yield OptionList(id="forms")
            yield Label(pick("格式", "Format"), classes="field-label")
            yield OptionList(Option("Word (.docx)", id="docx"), Option("PDF (.pdf)", id="pdf"), id="format")
            yield Label(pick("保存为（可不填）", "Save as (optional)"), classes="field-label")
            yield Input(id="out")
            yield Plain("", id="export-result", classes="error-box")
            with Horizontal(classes="buttons"):
                yield Button(pick("导出 (F9)", "Export (F9)"), id="export", variant="primary")
                yield Button(pick("关闭 (Esc)", "Close (Esc)"), id="close")

    def on_mount(self) -> None:
        from tracker import forms

        self.query_one("#format", OptionList).highlighted = 0
        try:
            case = self.app.store.load_case(self.case_id, check_files=False)
        except TrackerError as e:
            self.show(refusal_text(e))
            return
        ol = self.query_one("#forms", OptionList)
        for fid, zh, en in forms.available_forms(case.jurisdiction):
            ol.add_option(Option(Text(pick(zh, en)), id=fid))
            self.forms.append(fid)
        if self.forms:
            ol.highlighted = 0
            ol.focus()
        else:
            self.show(Text(pick("本辖区的办法没有附带可填写的表格", "this jurisdiction's measures come with no forms"),
                           style="yellow"))
            self.query_one("#export", Button).disabled = True

    def show(self, text: Text | str) -> None:
        self.query_one("#export-result", Plain).update(text)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        ol = self.query_one("#forms", OptionList)
        if self.busy or not self.forms or ol.highlighted is None:
            return
        fmt = ("docx", "pdf")[self.query_one("#format", OptionList).highlighted or 0]
        raw = self.query_one("#out", Input).value.strip()
        out = Path(raw).expanduser() if raw else None
        self.busy = True
        self.show(Text(pick("正在导出…", "exporting ..."), style="bold"))
        self.run_worker(lambda: self.work(self.forms[ol.highlighted], fmt, out), thread=True, exclusive=True)

    def work(self, form: str, fmt: str, out: Path | None) -> None:
        from tracker import forms

        try:
            result = forms.export_form(self.app.store, [self.case_id], form, out, fmt)
            t = Text(pick("已导出：", "Exported: "), style="bold green")
            t.append(str(Path(result.path).resolve()))
            if result.missing:
                t.append(pick("\n以下事实缺失，表中留空待手工填写：", "\nThese facts are missing and left blank "
                              "for hand completion: "), style="yellow")
                t.append(pick("、", ", ").join(result.missing))
        except TrackerError as e:
            t = refusal_text(e)
        except Exception as e:  # an unwritable place, a broken font: in words, never a crash
            t = Text(f"{type(e).__name__}: {e}", style="bold red")
        self.app.call_from_thread(self.done, t)

    def done(self, text: Text) -> None:
        self.busy = False
        self.show(text)
