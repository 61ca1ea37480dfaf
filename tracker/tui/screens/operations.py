"""Sync and verify from the UI: run in a worker with progress, then a readable report."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from tracker.core.errors import TrackerError
from tracker.core.i18n import pick
from tracker.tui.screens.cases import title_bar
from tracker.tui.screens.decide import refusal_text
from tracker.tui.widgets.plain import Plain
from tracker.core.i18n import Text as L
from tracker.tui.keys import bind


class OperationScreen(Screen):
    HELP = (L("同步与核验", "Sync and verify"), L(
        "同步（F7）：核验本地历史，从远程库获取，核验收到的提交，整合，再推送。\n"
        "核验（F8）：逐个检查全部提交的签名、授权和流程合法性；已核验过的提交使用缓存。\n"
        "发现的问题逐条列出：提交号、案件、规则编号和说明。Esc 返回。",
        "Sync (F7): verify the local history, fetch from the remote, verify what arrived, integrate, push.\n"
        "Verify (F8): check every commit's signature, authority and legality; commits checked before come from "
        "the cache.\nEach problem is listed with commit, case, rule id and explanation. Esc goes back."))

    BINDINGS = [bind("escape", "back", "返回", "Back")]

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.lines = Text()
        self.running = True

    def compose(self) -> ComposeResult:
        what = pick("同步", "sync") if self.kind == "sync" else pick("核验历史", "verify history")
        yield title_bar(self.app.store, what)
        yield Plain("", id="ops-status", classes="bar")
        with VerticalScroll(id="ops-log"):
            yield Plain("", id="ops-text")
        yield Footer()

    def on_mount(self) -> None:
        self.status(pick("进行中…", "working ..."))
        self.run_worker(self.work, thread=True, exclusive=True, group="ops")

    def status(self, text: str) -> None:
        self.query_one("#ops-status", Plain).update(text)

    def say(self, text: str | Text, style: str = "") -> None:
        self.lines.append(text if isinstance(text, Text) else Text(text, style=style))
        self.lines.append("\n")
        self.query_one("#ops-text", Plain).update(self.lines)

    def from_thread(self, fn, *args) -> None:
        self.app.call_from_thread(fn, *args)

    def work(self) -> None:
        try:
            if self.kind == "sync":
                self.do_sync()
            else:
                self.do_verify()
        except TrackerError as e:
            self.from_thread(self.say, refusal_text(e))
            self.from_thread(self.status, pick("未完成：见下方说明", "not done: see below"))
        except Exception as e:  # git missing, network down: in words, never a crash
            self.from_thread(self.say, f"{type(e).__name__}: {e}", "bold red")
            self.from_thread(self.status, pick("出错", "failed"))
        else:
            self.from_thread(self.status, pick("完成", "done"))
        finally:
            self.running = False

    def do_verify(self) -> None:
        from tracker.store.verify import verify_history

        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 0.1 or done == total:
                last[0] = now
                self.from_thread(self.status, pick(f"核验中 {done}/{total}", f"verifying {done}/{total}"))

        report = verify_history(self.app.store.root, progress=progress)
        if report.pinned_now:
            self.from_thread(self.say, pick(f"已固定信任根 {report.pinned_now}（请与管理员核对）",
                                            f"pinned the trust root {report.pinned_now} (check it with your admin)"),
                             "yellow")
        if report.ok:
            self.from_thread(self.say, pick(f"核验通过：{report.checked} 个提交（本次新核验 {report.new} 个）",
                                            f"verified: {report.checked} commits ({report.new} new)"), "bold green")
            return
        self.from_thread(self.say, pick(f"核验未通过：{len(report.problems)} 个问题，共 {report.checked} 个提交",
                                        f"verification failed: {len(report.problems)} problems in {report.checked} commits"),
                         "bold red")
        for p in report.problems:
            t = Text(f"{p.commit[:10]}  {p.case or '-'}  ", style="bold")
            t.append(f"[{p.rule}] ", style="red")
            t.append(str(p.message))
            self.from_thread(self.say, t)

    def do_sync(self) -> None:
        from tracker import sync

        res = sync.sync(self.app.store, step=lambda s: self.from_thread(self.say, "> " + s))
        for old, new in res.renumbered:
            self.from_thread(self.say, pick(f"本处新建的 {old} 与远程库的案件同号，已重新编号为 {new}",
                                            f"{old}, opened here, had the same number as a case on the remote; it is now {new}"),
                             "yellow")
        if res.incoming:
            how = pick("快进", "fast-forward") if res.fast_forward else pick(f"合并提交 {res.merged[:10]}",
                                                                           f"merge {res.merged[:10]}")
            self.from_thread(self.say, pick(f"收到 {res.incoming} 个提交，核验通过，已整合（{how}）",
                                            f"received {res.incoming} commits, verified, integrated ({how})"), "green")
        else:
            self.from_thread(self.say, pick("远程库没有新的提交", "nothing new on the remote"))
        self.from_thread(self.say, pick("已推送到 " + res.remote, "pushed to " + res.remote) if res.pushed
                         else pick("无需推送", "nothing to push"))
        self.from_thread(self.say, pick(f"本地历史核验通过：{res.verified} 个提交", f"local history verified: {res.verified} commits"),
                         "bold green")
        if res.incoming or res.renumbered:
            self.from_thread(self.app.reload_rows)

    def action_back(self) -> None:
        if self.running:
            self.app.notify(pick("仍在进行中，请稍候", "still working; please wait"), severity="warning")
            return
        self.app.pop_screen()
