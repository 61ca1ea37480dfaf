"""One case: facts, attachments, the plan of stages ahead, obligations and findings as a
checklist with citations, and the history from git with signature status and opinions in full."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from tracker import services, trust
from tracker.core.errors import TrackerError
from tracker.core.i18n import pick
from tracker.tui import data
from tracker.tui.screens.cases import title_bar
from tracker.tui.widgets.plain import Plain
from tracker.core.i18n import Text as L
from tracker.tui.keys import bind

SIGNATURE_STYLE = {"good": "bold green", "unsigned": "bold red", "bad": "bold red", "unauthorized": "bold red",
                   "unknown": "bold yellow", "expired": "yellow"}
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}
STATUS_WORD = {"overdue": ("逾期", "overdue", "bold red"), "pending": ("待办", "pending", ""),
               "done": ("已完成", "done", "green")}


def _check(met) -> tuple[str, str]:
    if met is True:
        return "[x]", "green"
    if met is False:
        return "[ ]", "red"
    return "[?]", "yellow"


def heading(text: Text, title: str) -> None:
    text.append("\n" + title + "\n", style="bold underline")


class CaseDetailScreen(Screen):
    HELP = (L("案件详情", "Case detail"), L(
        "上方是案件的事实、材料、后续阶段（含办理角色和到期日）和检查清单（含法规条款）。\n"
        "下方是 git 历史：每个提交的签名状态（已验证为绿色，未签名、签名无效或未授权为红色），决定意见全文显示。\n"
        "F9/Ctrl+D 作出决定；F4/Ctrl+E 修改事实；F6/Ctrl+T 添加材料；F11/Ctrl+X 导出表格；Esc 返回列表。\n"
        "用方向键、PageUp/PageDown 滚动。",
        "Above: the case's facts, attachments, the stages ahead (with role and due date) and the checklist "
        "(with the articles it rests on).\nBelow: the git history, each commit's signature status (verified in "
        "green; unsigned, bad or unauthorized in red) and the opinions in full.\n"
        "F9/Ctrl+D decides; F4/Ctrl+E edits facts; F6/Ctrl+T attaches a file; F11/Ctrl+X exports a form; "
        "Esc goes back.\n"
        "Scroll with the arrow keys and PageUp/PageDown."))

    BINDINGS = [
        bind("escape", "app.pop_screen", "返回", "Back"),
        bind("f9,ctrl+d", "decide", "决定", "Decide"),
        bind("f4,ctrl+e", "edit", "改事实", "Edit"),
        bind("f6,ctrl+t", "attach", "材料", "Attach"),
        bind("f11,ctrl+x", "export", "导出", "Export"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield title_bar(self.app.store, self.case_id)
        with VerticalScroll(id="detail-body"):
            yield Plain("", id="case-main")
            yield Plain(pick("正在读取历史与签名…", "reading history and signatures ..."), id="case-history")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.refresh_case()

    def refresh_case(self) -> None:
        self.query_one("#case-main", Plain).update(self.render_main())
        self.load_history()

    # --- the case -----------------------------------------------------------------------

    def render_main(self) -> Text:
        store = self.app.store
        try:
            d = services.show_case(store, self.case_id)
        except TrackerError as e:
            t = Text(pick("无法读取此案件：", "this case cannot be read: "), style="bold red")
            t.append(e.one_line())
            return t
        self.shown = d
        pack = store.pack(d["jurisdiction"])
        t = Text()
        t.append(f"{d['id']}  ", style="bold")
        t.append(d["title"], style="bold")
        t.append(f"\n{d['jurisdiction_name']}  {d['unit']}\n")
        t.append(pick("办理类型：", "Track: ") + d["track_name"])
        if d.get("track_reason"):
            reason = d["track_reason"]
            t.append(pick(f"（{reason['text']}；{reason['cite']}）", f" ({reason['text']}; {reason['cite']})"))
        t.append("\n" + pick("当前阶段：", "Stage: ") + (d["stage"].get("name") or d["stage"]["id"]))
        if d.get("next_due"):
            t.append("    " + pick("下一期限：", "Next due: "))
            row = self.app.row(self.case_id)
            t.append(f"{d['next_due']} {d.get('next_due_what') or ''}",
                     style={"overdue": "bold red", "soon": "yellow"}.get(row.urgency if row else "", ""))
        t.append("\n")

        heading(t, pick("事实", "Facts"))
        specs = {s.name: s for s in data.editable_specs(pack)}
        for name, value in d["facts"].items():
            spec = specs.get(name)
            label = pick(spec.label, spec.label_en) if spec else name
            t.append(f"  {label}: ", style="bold")
            t.append(data.fact_edit_text(spec.type if spec else "text", value) + "\n")

        heading(t, pick("材料", "Attachments"))
        if not d["attachments"]:
            t.append("  " + pick("（无）", "(none)") + "\n")
        for a in d["attachments"]:
            t.append(f"  {pack.doc_label(a['kind'])}: {a['name']}  {a['size']:,} B  {a['added_on']}  "
                     f"sha256 {a['sha256'][:12]}\n")

        heading(t, pick("流程计划", "Plan"))
        for p in d["plan"]:
            mark = ">" if p["current"] else " "
            t.append(f" {mark} {p['name']}", style="bold" if p["current"] else "")
            t.append(f"  {pick('办理', 'by')}: {p['role_name'] or '-'}")
            if p["due"]:
                t.append(f"  {pick('到期', 'due')}: {p['due']}{pick('（估）', ' (est.)') if p['estimated'] else ''}")
            elif p["period"]:
                t.append(f"  {pick('时限', 'period')}: {p['period']}")
            if p["conditional"]:
                t.append(pick("  （视事实而定）", "  (depends on facts)"), style="italic")
            if p["cite"]:
                t.append(f"  [{p['cite']}]", style="dim")
            t.append("\n")

        heading(t, pick("检查清单", "Checklist"))
        for o in d["obligations"]:
            box, style = _check(o["met"])
            t.append(f"  {box} ", style=style)
            t.append(o["text"])
            t.append(f"  [{o['cite']}]\n", style="dim")
        for f in d["findings"]:
            sev = f.get("severity", "info")
            t.append("  (!) ", style=SEVERITY_STYLE.get(sev, ""))
            t.append(f.get("message", ""))
            if f.get("cite"):
                t.append(f"  [{f['cite']}]", style="dim")
            t.append("\n")
        if not d["obligations"] and not d["findings"]:
            t.append("  " + pick("（无）", "(none)") + "\n")

        heading(t, pick("期限", "Deadlines"))
        for i in d["deadlines"]:
            zh, en, style = STATUS_WORD.get(i["status"], (i["status"], i["status"], ""))
            t.append(f"  {i['due']}  ")
            t.append(pick(zh, en), style=style)
            t.append(f"  {i['what']}{pick('（估）', ' (est.)') if i['estimated'] else ''}  ")
            t.append(f"[{i['cite']}]\n", style="dim")
        if not d["deadlines"]:
            t.append("  " + pick("（无）", "(none)") + "\n")
        return t

    # --- the history (verification may take a moment on a large store) ------------------

    @work(thread=True, exclusive=True, group="history")
    def load_history(self) -> None:
        try:
            entries = trust.log_entries(self.app.store, self.case_id)
            text = self.render_history(entries)
        except TrackerError as e:
            text = Text(e.one_line(), style="red")
        except Exception as e:  # git missing, a broken repository: say so, never crash the screen
            text = Text(f"{type(e).__name__}: {e}", style="red")
        self.app.call_from_thread(self.query_one("#case-history", Plain).update, text)

    def render_history(self, entries: list[dict]) -> Text:
        t = Text()
        heading(t, pick("历史（git 提交，最新在前）", "History (git commits, newest first)"))
        for e in entries:
            t.append(f"  {e['commit'][:10]}  {e['committed_at'][:10]}  ")
            t.append(e["signature_text"], style=SIGNATURE_STYLE.get(e["signature"], ""))
            if e.get("signer"):
                t.append(f"  {e['signer']}")
            if e.get("role"):
                t.append(f"  ({e['role']})", style="dim")
            t.append("\n    " + e["subject"] + "\n")
            if e.get("decided_on"):
                t.append("    " + pick("决定日期：", "decided on: ") + e["decided_on"] + "\n", style="dim")
            if e.get("opinion"):
                for line in e["opinion"].splitlines():
                    t.append("    | " + line + "\n", style="italic")
            for p in e.get("problems", []):
                t.append(f"    (!) [{p.get('rule')}] {p.get('message')}\n", style="red")
        if not entries:
            t.append("  " + pick("（尚无提交）", "(no commits yet)") + "\n")
        return t

    # --- actions ------------------------------------------------------------------------

    def action_decide(self) -> None:
        from tracker.tui.screens.decide import DecisionScreen

        self.app.push_screen(DecisionScreen(self.case_id))

    def action_edit(self) -> None:
        from tracker.tui.screens.edit import EditFactsScreen

        self.app.push_screen(EditFactsScreen(self.case_id))

    def action_attach(self) -> None:
        from tracker.tui.screens.edit import AttachScreen

        self.app.push_screen(AttachScreen(self.case_id))

    def action_export(self) -> None:
        from tracker.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.case_id))

    def rows_changed(self, msg) -> None:
        if msg is None:  # a change made here: show it
            self.refresh_case()

    def palette_commands(self):
        return [
            (pick("作出决定", "Decide"), pick("对本案件作出决定（F9）", "decide on this case (F9)"), self.action_decide),
            (pick("修改事实", "Edit facts"), pick("修改本案件的事实（F4）", "edit this case's facts (F4)"), self.action_edit),
            (pick("添加材料", "Attach file"), pick("为本案件添加材料（F6）", "attach a file (F6)"), self.action_attach),
            (pick("导出表格", "Export a form"), pick("导出本案件的 Word/PDF 表格（F11）", "export a Word/PDF form (F11)"),
             self.action_export),
            (pick("返回列表", "Back to the list"), pick("返回（Esc）", "back (Esc)"), self.app.pop_screen),
        ]
