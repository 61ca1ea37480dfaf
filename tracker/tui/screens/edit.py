"""Editing: a new case, a case's facts, attaching a file. Each is one commit, confirmed first on
the same confirmation screen as decisions; problems are shown beside the field they concern."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from tracker import services
from tracker.core import engine
from tracker.core.errors import TrackerError
from tracker.core.casefile import safe_name
from tracker.core.i18n import pick, t
from tracker.tui import data
from tracker.tui.screens.decide import ConfirmScreen, refusal_text
from tracker.tui.signing import signer_for
from tracker.tui.widgets.plain import Plain
from tracker.core.i18n import Text as L
from tracker.tui.keys import bind

FORM_HELP = L(
    "Tab / Shift+Tab 在字段间移动；F9/Ctrl+S 检查并进入确认页面；Esc 取消。\n"
    "有问题的字段旁边会显示原因；确认页面列出将提交的文件和签名密钥。",
    "Tab / Shift+Tab moves between fields; F9/Ctrl+S checks the form and goes on to the confirmation; Esc cancels.\n"
    "A problem is shown beside its field; the confirmation lists the files to commit and the signing key.")


def field_error(value_id: str) -> Plain:
    return Plain("", id=f"err-{value_id}", classes="field-error")


class FormScreen(ModalScreen):
    BINDINGS = [
        bind("escape", "cancel", "取消", "Cancel"),
        bind("f9,ctrl+s", "submit", "下一步：确认", "Next: confirm", priority=True),
    ]

    def buttons(self) -> ComposeResult:
        yield Plain("", id="form-error", classes="error-box")
        with Horizontal(classes="buttons"):
            yield Button(pick("下一步：确认 (F9)", "Next: confirm (F9)"), id="submit", variant="primary")
            yield Button(pick("取消 (Esc)", "Cancel (Esc)"), id="cancel")

    def set_error(self, field: str, message: str | Text) -> None:
        self.query_one(f"#err-{field}", Plain).update(message)

    def clear_errors(self) -> None:
        for w in self.query(".field-error"):
            w.update("")
        self.query_one("#form-error", Plain).update("")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#submit")
    def submit_pressed(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:  # pragma: no cover - each form defines it
        raise NotImplementedError

    def confirm(self, plan, title: str, case_id: str | None) -> None:
        self.app.push_screen(ConfirmScreen(plan, title, case_id))


class NewCaseScreen(FormScreen):
    HELP = (L("新建案件", "New case"), L(
        "选择辖区，填写项目名称、建设单位，可填预算（万元）和其他事实（每行一个 名称=值）。\n", "Choose the jurisdiction, "
        "fill in title and unit, optionally the budget (万元) and other facts (one name=value per line).\n") + FORM_HELP)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Plain(pick("新建案件", "New case"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Label(pick("辖区", "Jurisdiction"), classes="field-label")
                yield OptionList(id="jurisdiction")
                yield field_error("jurisdiction")
                yield Label(pick("项目名称", "Title"), classes="field-label")
                yield Input(id="title")
                yield field_error("title")
                yield Label(pick("项目建设单位", "Unit"), classes="field-label")
                yield Input(id="unit")
                yield field_error("unit")
                yield Label(pick("预算（万元，可不填）", "Budget (万元, optional)"), classes="field-label")
                yield Input(id="budget")
                yield field_error("budget")
                yield Label(pick("其他事实（可不填，每行一个：名称=值）", "Other facts (optional, one name=value per line)"),
                            classes="field-label")
                yield TextArea(id="extra")
                yield field_error("extra")
            yield from self.buttons()

    def on_mount(self) -> None:
        ol = self.query_one("#jurisdiction", OptionList)
        self.pack_ids = []
        for pid, pack in sorted(self.app.store.packs.items()):
            ol.add_option(Option(Text(f"{pick(pack.jurisdiction, pack.jurisdiction_en)}  ({pid})"), id=pid))
            self.pack_ids.append(pid)
        if self.pack_ids:
            ol.highlighted = 0
        ol.focus()

    def action_submit(self) -> None:
        self.clear_errors()
        ol = self.query_one("#jurisdiction", OptionList)
        ok = True
        if ol.highlighted is None:
            self.set_error("jurisdiction", pick("请选择辖区", "choose a jurisdiction"))
            return
        pack = self.app.store.pack(self.pack_ids[ol.highlighted])
        title = self.query_one("#title", Input).value.strip()
        unit = self.query_one("#unit", Input).value.strip()
        budget = self.query_one("#budget", Input).value.strip()
        for name, value in (("title", title), ("unit", unit)):
            if not value:
                self.set_error(name, pick("必填", "required"))
                ok = False
            else:
                ok &= self.check(pack, name, name, value)
        if budget:
            ok &= self.check(pack, "budget", "budget_wan", budget)
        extra = []
        for n, line in enumerate(self.query_one("#extra", TextArea).text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                name, value = services.parse_assignments([line.strip()])[0]
                if name in ("title", "unit", "budget_wan"):
                    raise TrackerError(pick(f"“{name}”请在上面的字段中填写", f"fill in {name!r} in its field above"))
                engine.validate_set(pack, [(name, value)])
            except TrackerError as e:
                self.set_error("extra", pick(f"第 {n} 行：", f"line {n}: ") + e.message)
                ok = False
                break
            extra.append(line.strip())
        if not ok:
            return
        assignments = ([f"budget_wan={budget}"] if budget else []) + extra
        try:
            plan = services.plan_new_case(self.app.store, pack.id, title, unit, assignments,
                                          signer=signer_for(self.app.store))
        except TrackerError as e:
            self.query_one("#form-error", Plain).update(refusal_text(e))
            return
        self.confirm(plan, pick(f"确认新建案件 {plan.result}", f"Confirm new case {plan.result}"), plan.result)

    def check(self, pack, field: str, fact: str, value: str) -> bool:
        try:
            engine.validate_set(pack, [(fact, value)])
        except TrackerError as e:
            self.set_error(field, e.message)
            return False
        return True


class EditFactsScreen(FormScreen):
    HELP = (L("修改事实", "Edit facts"), L(
        "每个事实一行；清空一个字段即删除该事实（项目名称和建设单位除外）。是/否字段填“是”或“否”；\n"
        "多选用逗号分隔；资金来源写作 来源:金额,来源:金额。只有改动的事实会提交。\n",
        "One field per fact; emptying a field removes the fact (except title and unit). Yes/no fields take 是/否 "
        "(or yes/no);\nseveral choices are separated by commas; funding is source:amount,source:amount. Only "
        "changed facts are committed.\n") + FORM_HELP)

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.original: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Plain(pick(f"修改事实：{self.case_id}", f"Edit facts: {self.case_id}"), classes="dialog-title")
            yield VerticalScroll(classes="dialog-body", id="facts")
            yield from self.buttons()

    def on_mount(self) -> None:
        store = self.app.store
        try:
            case = store.load_case(self.case_id, check_files=False)
        except TrackerError as e:
            self.query_one("#form-error", Plain).update(refusal_text(e))
            return
        pack = store.pack(case.jurisdiction)
        box = self.query_one("#facts", VerticalScroll)
        for spec in data.editable_specs(pack):
            value = data.fact_edit_text(spec.type, case.facts.get(spec.name))
            self.original[spec.name] = value
            hint = f"  [{'/'.join(spec.choices)}]" if spec.choices else ""
            row = Horizontal(Label(Text(pick(spec.label, spec.label_en) + hint)),
                             Input(value=value, id=f"fact-{spec.name}"), field_error(spec.name), classes="fact-row")
            box.mount(row)
        self.pack = pack
        self.call_after_refresh(self.focus_first)

    def focus_first(self) -> None:
        inputs = list(self.query(Input))
        if inputs:
            inputs[0].focus()

    def action_submit(self) -> None:
        self.clear_errors()
        changed: list[str] = []
        ok = True
        for name, before in self.original.items():
            value = self.query_one(f"#fact-{name}", Input).value.strip()
            if value == before:
                continue
            try:
                engine.validate_set(self.pack, [(name, value)])
            except TrackerError as e:
                self.set_error(name, e.message)
                ok = False
                continue
            changed.append(f"{name}={value}")
        if not ok:
            return
        if not changed:
            self.query_one("#form-error", Plain).update(pick("没有改动", "nothing changed"))
            return
        try:
            plan = services.plan_set_facts(self.app.store, self.case_id, changed, signer=signer_for(self.app.store))
        except TrackerError as e:
            self.query_one("#form-error", Plain).update(refusal_text(e))
            return
        if plan is None:
            self.query_one("#form-error", Plain).update(pick("没有改动", "nothing changed"))
            return
        self.confirm(plan, pick(f"确认修改 {self.case_id} 的事实", f"Confirm the facts of {self.case_id}"), self.case_id)


class AttachScreen(FormScreen):
    HELP = (L("添加材料", "Attach a file"), L(
        "输入文件路径（可用 ~），选择材料类别，可另起文件名（默认用原文件名）。文件原样复制进案件的 attachments/。\n",
        "Give the file's path (~ works), choose the kind of document, optionally a new name (default: the file's "
        "own). The file is copied as is into the case's attachments/.\n") + FORM_HELP)

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.kinds: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Plain(pick(f"添加材料：{self.case_id}", f"Attach a file: {self.case_id}"), classes="dialog-title")
            yield Label(pick("文件路径", "File path"), classes="field-label")
            yield Input(id="path", placeholder="~/文件/可行性研究报告.pdf")
            yield field_error("path")
            yield Label(pick("材料类别", "Kind of document"), classes="field-label")
            yield OptionList(id="kind")
            yield field_error("kind")
            yield Label(pick("保存为（可不填）", "Save as (optional)"), classes="field-label")
            yield Input(id="name")
            yield field_error("name")
            yield from self.buttons()

    def on_mount(self) -> None:
        store = self.app.store
        ol = self.query_one("#kind", OptionList)
        try:
            case = store.load_case(self.case_id, check_files=False)
            pack = store.pack(case.jurisdiction)
        except TrackerError as e:
            self.query_one("#form-error", Plain).update(refusal_text(e))
            return
        for kind in [*pack.documents, "other"]:
            label = pack.doc_label(kind) if kind != "other" else pick("其他材料", "other")
            ol.add_option(Option(Text(f"{label}  ({kind})"), id=kind))
            self.kinds.append(kind)
        ol.highlighted = 0
        self.query_one("#path", Input).focus()

    def action_submit(self) -> None:
        self.clear_errors()
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.set_error("path", pick("请填写文件路径", "give the file's path"))
            return
        path = Path(raw).expanduser()
        if not path.is_file():
            self.set_error("path", pick(f"找不到文件：{path}", f"no such file: {path}"))
            return
        ol = self.query_one("#kind", OptionList)
        if ol.highlighted is None:
            self.set_error("kind", pick("请选择材料类别", "choose a kind"))
            return
        name = self.query_one("#name", Input).value.strip() or None
        if not safe_name(name or path.name):
            self.set_error("name", t("bad_attachment_name", name=name or path.name))
            return
        try:
            plan = services.plan_attach(self.app.store, self.case_id, path, self.kinds[ol.highlighted], name,
                                        signer=signer_for(self.app.store))
        except TrackerError as e:
            self.query_one("#form-error", Plain).update(refusal_text(e))
            return
        self.confirm(plan, pick(f"确认为 {self.case_id} 添加材料", f"Confirm the attachment to {self.case_id}"),
                     self.case_id)
