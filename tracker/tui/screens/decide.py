"""Taking a decision: choose the action (refused ones stay listed, disabled, with the reason and
the article), write the opinion, confirm exactly what will be committed and signed, sign."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from tracker import services
from tracker.core import engine
from tracker.core.errors import RulesSayNo, TrackerError
from tracker.core.i18n import pick
from tracker.tui.signing import identity
from tracker.tui.widgets.plain import Plain
from tracker.core.i18n import Text as L
from tracker.tui.keys import bind


def refusal_text(e: TrackerError) -> Text:
    """A refusal in plain words: the message, then each reason on its own line."""
    t = Text(" ".join(e.message.split()), style="bold red")
    for r in getattr(e, "reasons", []) or []:
        t.append("\n  - " + str(r), style="red")
    return t


class DecisionScreen(ModalScreen):
    HELP = (L("作出决定", "Take a decision"), L(
        "列出本阶段的全部动作：可执行的在前；不可执行的以灰色显示，并说明缺少什么及法规依据。\n"
        "用上下方向键选择动作，Enter 确定，然后在“意见”中输入（可用中文输入法）。\n"
        "“同时设置事实”可选，格式为 名称=值，多个用空格分隔。\n"
        "F9/Ctrl+S 进入确认页面；Esc 取消。",
        "All actions of the current stage: those allowed first; refused ones greyed out, with what is missing "
        "and the article.\nChoose with the arrow keys and Enter, then type the opinion (Chinese input works).\n"
        "'Also set facts' is optional: name=value, several separated by spaces.\n"
        "F9/Ctrl+S goes on to the confirmation; Esc cancels."))

    BINDINGS = [
        bind("escape", "cancel", "取消", "Cancel"),
        bind("f9,ctrl+s", "next", "下一步：确认", "Next: confirm", priority=True),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.options: list[engine.ActionOption] = []
        self.refusals: dict[str, str] = {}
        self.identities: dict[str | None, object] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Plain(pick(f"对 {self.case_id} 作出决定", f"Decide on {self.case_id}"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Plain("", id="decide-stage", classes="hint")
                yield OptionList(id="actions")
                yield Plain("", id="action-detail")
                yield Label(pick("意见", "Opinion"), classes="field-label")
                yield TextArea(id="opinion")
                yield Label(pick("同时设置事实（可选，名称=值）", "Also set facts (optional, name=value)"), classes="field-label")
                yield Input(id="assign", placeholder="approved_wan=120")
                yield Plain("", id="signer", classes="hint")
            yield Plain("", id="decide-error", classes="error-box")
            with Horizontal(classes="buttons"):
                yield Button(pick("下一步：确认 (F9)", "Next: confirm (F9)"), id="next", variant="primary")
                yield Button(pick("取消 (Esc)", "Cancel (Esc)"), id="cancel")

    def on_mount(self) -> None:
        store = self.app.store
        try:
            ld = services.load(store, self.case_id, self.app.today)
        except TrackerError as e:
            self.show_error(refusal_text(e))
            self.query_one("#next", Button).disabled = True
            return
        self.view = ld.view
        stage = ld.view.stage_ref()
        self.query_one("#decide-stage", Plain).update(
            f"{ld.case.title}  |  {pick('当前阶段', 'stage')}: {stage.get('name') or stage['id']}")
        self.options = engine.list_actions(ld.view)
        ol = self.query_one(OptionList)
        if not self.options:
            self.show_error(Text(pick("案件已结束或本阶段没有动作", "the case has ended, or this stage has no actions")))
            self.query_one("#next", Button).disabled = True
        ordered = sorted(self.options, key=lambda o: not self.usable(o))
        self.options = ordered
        for o in ordered:
            ol.add_option(Option(self.option_label(o), id=o.id, disabled=not self.usable(o)))
        first = next((i for i, o in enumerate(ordered) if self.usable(o)), None)
        if first is not None:
            ol.highlighted = first
        ol.focus()
        self.show_detail(ordered[first] if first is not None else (ordered[0] if ordered else None))

    def usable(self, o: engine.ActionOption) -> bool:
        return o.allowed and self.refusal(o) is None

    def ident(self, o: engine.ActionOption | None):
        role = o.role if o else None
        if role not in self.identities:
            self.identities[role] = identity(self.app.store, role)
        return self.identities[role]

    def refusal(self, o: engine.ActionOption) -> str | None:
        if o.id not in self.refusals:
            self.refusals[o.id] = self.ident(o).may_decide(self.view.pack.id, o.role, self.view.case.unit) or ""
        return self.refusals[o.id] or None

    def option_label(self, o: engine.ActionOption) -> Text:
        t = Text(o.name, style="bold" if self.usable(o) else "dim")
        if o.to_name:
            t.append(f"  {pick('转入', 'to')}: {o.to_name}")
        role = self.view.pack.role_label(o.role) if o.role else ""
        if role:
            t.append(f"  ({role})", style="dim")
        if not o.allowed:
            first = o.missing[0] if o.missing else None
            if first:
                t.append(f"  {pick('不可执行', 'refused')}: {first.message}", style="red")
                if first.cite:
                    t.append(f" [{first.cite}]", style="dim")
        elif self.refusal(o):
            t.append(f"  {pick('无权', 'not authorized')}: {self.refusal(o)}", style="red")
        return t

    def show_detail(self, o: engine.ActionOption | None) -> None:
        self.query_one("#signer", Plain).update(pick("签名：", "Signing as: ") + self.ident(o).describe())
        t = Text()
        if o is not None:
            if o.cite:
                t.append(pick("依据：", "Basis: ") + o.cite + "\n", style="dim")
            for m in o.missing:
                t.append("  - " + str(m.message), style="red")
                if m.cite:
                    t.append(f"  [{m.cite}]", style="dim")
                t.append("\n")
            for w in o.warnings:
                t.append("  ! " + str(w.message), style="yellow")
                if w.cite:
                    t.append(f"  [{w.cite}]", style="dim")
                t.append("\n")
            if self.refusal(o):
                t.append(pick("  您的签名密钥无权作出此决定：", "  your signing key may not take this decision: ") +
                         str(self.refusal(o)) + "\n", style="red")
        self.query_one("#action-detail", Plain).update(t)

    @on(OptionList.OptionHighlighted)
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_detail(next((o for o in self.options if o.id == event.option.id), None))

    @on(OptionList.OptionSelected)
    def selected(self) -> None:
        self.query_one("#opinion", TextArea).focus()

    def show_error(self, text: Text | str) -> None:
        self.query_one("#decide-error", Plain).update(text)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.options:
            self.show_error(pick("请先选择一个动作", "choose an action first"))
            return
        option = self.options[ol.highlighted]
        if not self.usable(option):
            self.show_error(pick("该动作目前不可执行（原因见上）", "that action is refused now (see above why)"))
            return
        opinion = self.query_one("#opinion", TextArea).text
        assignments = self.query_one("#assign", Input).value.split()
        try:
            ident = self.ident(option)
            by = f"{ident.person.name} <{ident.person.email}>" if ident.person and ident.person.email else None
            plan = services.plan_advance(self.app.store, self.case_id, option.id, opinion=opinion,
                                         assignments=assignments or None, signer=ident.signer, by=by)
        except (RulesSayNo, TrackerError) as e:
            self.show_error(refusal_text(e))
            return
        self.show_error("")
        self.app.push_screen(ConfirmScreen(plan, pick(f"确认决定：{option.name}", f"Confirm: {option.name}"),
                                           self.case_id))


class ConfirmScreen(ModalScreen):
    """Shows exactly what will be committed and signed: the files with their full content, the
    commit message with its trailers, and the key. Confirming writes exactly this."""

    HELP = (L("确认提交", "Confirm the commit"), L(
        "这里显示将要写入的文件（全文）、提交信息（含 trailer）和签名密钥。\n"
        "F9/Ctrl+S 确认并签名；Esc 返回修改。签名在后台进行；如果密钥需要口令，界面会暂时让出终端以便输入。",
        "This shows the files to be written (in full), the commit message (with trailers) and the signing key.\n"
        "F9/Ctrl+S confirms and signs; Esc goes back. Signing runs in the background; if the key needs a "
        "passphrase, the UI hands the terminal over for the prompt."))

    BINDINGS = [
        bind("escape", "back", "返回修改", "Back"),
        bind("f9,ctrl+s", "confirm", "确认并签名", "Confirm and sign", priority=True),
    ]

    def __init__(self, plan: services.PlannedCommit, title: str, case_id: str | None, *, closes: int = 1) -> None:
        """``closes``: how many dialogs under this one close with it once the commit is made."""
        super().__init__()
        self.closes = closes
        self.plan = plan
        self.title_text = title
        self.case_id = case_id
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Plain(self.title_text, classes="dialog-title")
            with VerticalScroll(id="confirm-body", classes="dialog-body"):
                yield Plain(self.describe(), id="confirm-text")
            yield Plain(self.signer_line(), id="confirm-signer")
            yield Plain("", id="confirm-status", classes="error-box")
            with Horizontal(classes="buttons"):
                yield Button(pick("确认并签名 (F9)", "Confirm and sign (F9)"), id="confirm", variant="success")
                yield Button(pick("返回修改 (Esc)", "Back (Esc)"), id="back")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def describe(self) -> Text:
        root = self.app.store.root
        p = self.plan
        t = Text()
        t.append(pick("将提交的文件：\n", "Files to commit:\n"), style="bold")
        for (path, content), rel in zip(p.files, p.rel_paths(root)):
            t.append(f"  {rel}", style="bold")
            if content is None:
                t.append(pick("（删除）\n", " (deleted)\n"), style="red")
                continue
            try:
                body = content.decode("utf-8")
            except UnicodeDecodeError:
                t.append(pick(f"（二进制文件，{len(content):,} 字节）\n", f" (binary, {len(content):,} bytes)\n"))
                continue
            if rel.endswith(".toml") or len(body) <= 4000:
                t.append("\n")
                for line in body.splitlines():
                    t.append("    " + line + "\n")
            else:
                t.append(pick(f"（{len(content):,} 字节）\n", f" ({len(content):,} bytes)\n"))
        t.append(pick("\n提交信息：\n", "\nCommit message:\n"), style="bold")
        for line in p.message.splitlines():
            t.append("    " + line + "\n")
        return t

    def signer_line(self) -> Text:
        """Kept out of the scrolling body: the key is always in sight next to the confirm button."""
        t = Text(pick("签名：", "Signature: "), style="bold")
        s = self.plan.signer
        if s.fmt:
            t.append(f"{s.fmt.upper()} {s.fingerprint}")
        else:
            t.append(pick("不签名（未配置密钥）", "unsigned (no key configured)"), style="yellow")
        return t

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.query_one("#confirm", Button).disabled = True
        self.query_one("#confirm-status", Plain).update(Text(pick("正在签名并提交…", "signing and committing ..."),
                                                             style="bold"))
        from tracker.tui.signing import may_prompt

        if may_prompt(self.plan.signer):
            self.commit_in_terminal()
        else:
            self.run_worker(self.commit, thread=True, exclusive=True, group="commit")

    def commit_in_terminal(self) -> None:
        """The key may ask for a passphrase: give the terminal to the signing program."""
        try:
            with self.app.suspend():
                print(pick("正在签名：如提示输入密钥口令，请在此输入。", "Signing: enter the key's passphrase if asked."),
                      flush=True)
                outcome = self._commit()
        except Exception:  # suspend is not possible (tests, some terminals): sign in the background
            self.run_worker(self.commit, thread=True, exclusive=True, group="commit")
            return
        self.finish(outcome)

    def _commit(self):
        try:
            return ("ok", services.commit_planned(self.app.store, self.plan))
        except TrackerError as e:
            return ("refused", e)
        except Exception as e:  # a bug or a git failure: shown in words, never a crash
            return ("error", e)

    def commit(self) -> None:
        outcome = self._commit()
        self.app.call_from_thread(self.finish, outcome)

    def finish(self, outcome) -> None:
        kind, value = outcome
        self.busy = False
        if kind == "ok":
            if self.case_id:
                self.app.refresh_case(self.case_id)
            for _ in range(1 + self.closes):
                self.app.pop_screen()
            self.app.push_screen(ResultScreen(value, self.plan))
            self.app.after_commit(value, self.plan)
            return
        self.query_one("#confirm", Button).disabled = False
        text = refusal_text(value) if isinstance(value, TrackerError) else Text(f"{type(value).__name__}: {value}",
                                                                             style="bold red")
        prefix = Text(pick("未提交：", "Not committed: "), style="bold red")
        self.query_one("#confirm-status", Plain).update(prefix + text)


class ResultScreen(ModalScreen):
    """The outcome in plain words: what was committed, and its signature."""

    HELP = (L("结果", "Result"), L("Enter 或 Esc 关闭。", "Enter or Esc closes."))
    BINDINGS = [bind("escape,enter", "close", "关闭", "Close")]

    def __init__(self, sha: str, plan: services.PlannedCommit) -> None:
        super().__init__()
        self.sha, self.plan = sha, plan

    def compose(self) -> ComposeResult:
        s = self.plan.signer
        signed = pick(f"已用 {s.fmt.upper()} 密钥 {s.fingerprint} 签名", f"signed with {s.fmt.upper()} key {s.fingerprint}") \
            if s.fmt else pick("未签名（没有配置签名密钥）", "unsigned (no signing key configured)")
        with Vertical(classes="dialog"):
            yield Plain(pick("已提交", "Committed"), classes="dialog-title")
            yield Plain(f"{self.sha[:12]}  {self.plan.subject}\n{signed}")
            with Horizontal(classes="buttons"):
                yield Button(pick("关闭 (Enter)", "Close (Enter)"), id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
