"""The terminal UI, driven with Textual's Pilot on a copy of the demo store (real git, signed)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, TextArea

from tracker import services
from tracker.core.i18n import set_language
from tracker.store.store import Store
from tracker.store.verify import verify_history
from tracker.tui import data
from tracker.tui.screens.cases import CaseListScreen
from tracker.tui.screens.decide import ConfirmScreen, DecisionScreen, ResultScreen
from tracker.tui.screens.detail import CaseDetailScreen
from tracker.tui.screens.edit import AttachScreen, EditFactsScreen, NewCaseScreen
from tracker.tui.widgets.case_table import CaseTable
from tracker.tui.widgets.plain import Plain
from tui_helpers import loaded, make_app, open_case, plain, screen_text, until

SIZE = (120, 40)
ALLOWED_CASE = "HY-2025-0003"   # 变更部分预算审核: the finance department may approve today
REFUSED_CASE = "GEM-2025-0001"  # 自评价: "submit" lacks documents today
OVERDUE_CASE = "HY-2026-0001"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def table_keys(app) -> list[str]:
    return app.screen.query_one(CaseTable).keys()


def cell(app, key: str, column: str):
    return app.screen.query_one(CaseTable).row(key)[[c for c, _, _ in data.COLUMNS].index(column)]


def status(app) -> str:
    return plain(app.screen.query_one("#status", Plain))


# --- the case list ---------------------------------------------------------------------

async def test_list_shows_every_case_with_counts_and_colours(demo_copy):
    app = make_app(demo_copy)
    rows, _ = services.list_cases(Store(demo_copy))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert sorted(table_keys(app)) == sorted(r["id"] for r in rows)
        overdue = sum(1 for r in rows if r["overdue"])
        assert overdue >= 1
        text = status(app)
        assert f"共 {len(rows)} 件" in text and f"逾期 {overdue}" in text and "正在载入" not in text
        due = cell(app, OVERDUE_CASE, "due")
        assert "red" in str(due.style) or any("red" in str(s.style) for s in due.spans)
        on_time = cell(app, "GEM-2025-0001", "due")  # 2028: neither red nor yellow
        assert "red" not in str(on_time.style) and not on_time.spans


async def test_filter_by_text_and_by_pinyin_initials(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#filter", Input)
        await pilot.press(*"YF-2025")
        await until(pilot, lambda: table_keys(app) == ["YF-2025-0001", "YF-2025-0002"], what="text filter")
        assert "筛选后 2 件" in status(app)
        app.screen.query_one("#filter", Input).value = ""
        await until(pilot, lambda: len(table_keys(app)) == 16, what="filter cleared")
        # 拼音 initials: 格尔木 -> gem; 云浮 -> yf (jurisdiction names)
        app.screen.query_one("#filter", Input).value = "gem"
        await until(pilot, lambda: table_keys(app) == ["GEM-2025-0001", "GEM-2025-0002"], what="pinyin filter")
        app.screen.query_one("#filter", Input).value = "gem zzzz"  # every word must match
        await until(pilot, lambda: table_keys(app) == [], what="no match")
        await pilot.press("escape")  # clears the filter
        await until(pilot, lambda: len(table_keys(app)) == 16, what="escape clears")


async def test_sort_by_column_and_reverse(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        first = table_keys(app)
        assert first == sorted(first)
        await pilot.press("ctrl+o")  # id, descending
        assert table_keys(app) == sorted(first, reverse=True)
        screen = app.screen
        screen.sort_column, screen.sort_reverse = "budget", False
        screen.rebuild()
        budgets = [Store(demo_copy).load_case(k).facts.get("budget_wan") for k in table_keys(app)]
        present = [b for b in budgets if b is not None]
        assert present == sorted(present) and budgets[: len(present)] == present  # no budget: last


async def test_a_malformed_case_file_is_a_finding_in_the_list_not_a_crash(demo_copy):
    bad = demo_copy / "cases" / "YN-2025-0002" / "case.toml"
    bad.write_text('id = "YN-2025-0002"\njurisdiction = \n', encoding="utf-8")
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        keys = table_keys(app)
        assert "YN-2025-0002" not in keys and any(k.startswith("!") and "YN-2025-0002" in k for k in keys)
        assert "无法读取 1" in status(app)
        table = app.screen.query_one(CaseTable)
        row = table.row(next(k for k in keys if k.startswith("!")))
        assert "case.toml:2" in row[1].plain
        table.action_last()
        await pilot.press("enter")  # opening it explains instead of crashing
        assert isinstance(app.screen, CaseListScreen)


async def test_loading_runs_in_a_worker_with_progress_and_the_screen_stays_responsive(demo_copy, monkeypatch):
    gate = threading.Event()
    real = services.iter_case_rows

    def slow(store, on=None):
        for n, (done, total, row) in enumerate(real(store, on)):
            if n == 3:
                assert gate.wait(20)
            yield done, total, row

    monkeypatch.setattr(services, "iter_case_rows", slow)
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "正在载入" in status(app) and table_keys(app), what="progress")
        assert not app.loaded and 1 <= len(table_keys(app)) <= 3  # the first rows are already usable
        assert "/16" in status(app)
        await pilot.press("slash", "H")  # the UI answers keys while loading
        assert app.screen.query_one("#filter", Input).value == "H"
        gate.set()
        await loaded(pilot)
        assert "正在载入" not in status(app)


# --- the case detail -------------------------------------------------------------------

async def test_detail_shows_facts_attachments_plan_checklist_and_signed_history(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, ALLOWED_CASE)
        assert isinstance(app.screen, CaseDetailScreen)
        main = plain(app.screen.query_one("#case-main", Plain))
        case = Store(demo_copy).load_case(ALLOWED_CASE)
        assert case.title in main
        for heading in ("事实", "材料", "流程计划", "检查清单", "期限"):
            assert heading in main
        assert all(a.name in main for a in case.attachments)
        history = app.screen.query_one("#case-history", Plain)
        await until(pilot, lambda: "历史" in plain(history), what="history")
        text = plain(history)
        assert "已验证" in text and "未签名" not in text
        opinions = [d.opinion for d in case.decisions if d.opinion]
        assert opinions and all(line in text for o in opinions for line in o.splitlines())
        await pilot.press("escape")
        assert isinstance(app.screen, CaseListScreen)


# --- decisions -------------------------------------------------------------------------

OPINION = "同意变更。[/]资金按规定使用，[bold]不[/bold]得挪用"


async def test_full_decision_flow_ends_in_a_signed_commit_that_verify_accepts(demo_copy):
    app = make_app(demo_copy)
    before = git(demo_copy, "rev-parse", "HEAD").strip()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, ALLOWED_CASE)
        await pilot.press("f9")
        assert isinstance(app.screen, DecisionScreen)
        options = app.screen.query_one(OptionList)
        assert options.get_option_at_index(options.highlighted).id == "approve"
        await pilot.press("enter")  # choose it: focus moves to the opinion
        area = app.screen.query_one("#opinion", TextArea)
        assert app.focused is area
        area.insert(OPINION)
        await pilot.press("f9")
        assert isinstance(app.screen, ConfirmScreen)
        shown = plain(app.screen.query_one("#confirm-text", Plain))
        assert f"cases/{ALLOWED_CASE}/decisions/" in shown and "Case: " + ALLOWED_CASE in shown
        assert "[/]资金按规定使用，[bold]不[/bold]得挪用" in shown  # as typed, not eaten as markup
        assert "SSH SHA256:" in plain(app.screen.query_one("#confirm-signer", Plain))
        assert git(demo_copy, "rev-parse", "HEAD").strip() == before  # nothing written before confirming
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ResultScreen), what="the result")
        sha = git(demo_copy, "rev-parse", "HEAD").strip()
        assert sha != before and sha[:12] in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen, CaseDetailScreen)
        await until(pilot, lambda: "[/]资金" in plain(app.screen.query_one("#case-history", Plain)), what="history")
    message = git(demo_copy, "log", "-1", "--format=%B")
    assert OPINION in message and f"Case: {ALLOWED_CASE}" in message and "Action: approve" in message
    assert git(demo_copy, "log", "-1", "--format=%G?").strip() == "G"
    report = verify_history(demo_copy, use_cache=False)
    assert report.ok, [p.message for p in report.problems]
    case = Store(demo_copy).load_case(ALLOWED_CASE)
    assert case.decisions[-1].opinion == OPINION.strip()


async def test_refused_actions_are_listed_disabled_with_the_reason_and_article(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, REFUSED_CASE)
        await pilot.press("ctrl+d")
        options = app.screen.query_one(OptionList)
        option = options.get_option_at_index(0)
        assert option.disabled and option.id == "submit"
        label = option.prompt.plain
        refused = next(o for o in app.screen.options if o.id == "submit")
        assert "不可执行" in label and str(refused.missing[0].message) in label  # the reason
        assert refused.missing[0].cite and f"[{refused.missing[0].cite}]" in label  # and the article
        await pilot.press("f9")  # nothing usable: refused in words, no commit
        assert isinstance(app.screen, DecisionScreen)
        assert plain(app.screen.query_one("#decide-error", Plain))


async def test_a_key_without_the_role_is_refused_before_anything_is_written(demo_copy, monkeypatch, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "stranger")], check=True)
    monkeypatch.setenv("TRACKER_SIGNING_KEY", str(tmp_path / "stranger"))
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, ALLOWED_CASE)
        await pilot.press("f9")
        options = app.screen.query_one(OptionList)
        assert all(options.get_option_at_index(i).disabled for i in range(options.option_count))
        assert "无权" in options.get_option_at_index(0).prompt.plain
        assert "不在授权策略中" in plain(app.screen.query_one("#signer", Plain))


async def test_a_commit_that_cannot_be_signed_is_shown_and_leaves_the_store_unchanged(demo_copy):
    app = make_app(demo_copy)
    before = git(demo_copy, "rev-parse", "HEAD").strip()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, ALLOWED_CASE)
        await pilot.press("f9")
        await pilot.press("f9")
        assert isinstance(app.screen, ConfirmScreen)
        key = Path(app.screen.plan.signer.key)
        key.write_text("not a key\n")  # the key breaks between confirming and signing
        await pilot.press("f9")
        status_box = app.screen.query_one("#confirm-status", Plain)
        await until(pilot, lambda: "未提交" in plain(status_box), what="the refusal")
        assert isinstance(app.screen, ConfirmScreen)
    assert git(demo_copy, "rev-parse", "HEAD").strip() == before
    assert git(demo_copy, "status", "--porcelain") == ""


# --- editing ---------------------------------------------------------------------------

async def test_new_case_form_shows_problems_beside_fields_then_commits(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("f3")
        assert isinstance(app.screen, NewCaseScreen)
        await pilot.press("f9")
        assert plain(app.screen.query_one("#err-title", Plain)) == "必填"
        assert plain(app.screen.query_one("#err-unit", Plain)) == "必填"
        app.screen.query_one("#title", Input).value = "智慧[red]教育[/]平台"
        app.screen.query_one("#unit", Input).value = "河源市教育局"
        app.screen.query_one("#budget", Input).value = "十万"
        app.screen.query_one("#extra", TextArea).text = "no_such_fact=1"
        await pilot.press("f9")
        assert "金额" in plain(app.screen.query_one("#err-budget", Plain))
        assert plain(app.screen.query_one("#err-title", Plain)) == ""
        app.screen.query_one("#budget", Input).value = "86.5"
        await pilot.press("f9")
        assert "第 1 行" in plain(app.screen.query_one("#err-extra", Plain))
        app.screen.query_one("#extra", TextArea).text = "\nin_annual_plan=是\n"
        await pilot.press("f9")
        assert isinstance(app.screen, ConfirmScreen)
        new_id = app.screen.plan.result
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ResultScreen), what="the result")
        await pilot.press("escape")
        assert new_id in table_keys(app)
        assert cell(app, new_id, "title").plain.startswith("智慧[red]教育")  # user text is never markup
    case = Store(demo_copy).load_case(new_id)
    assert case.title == "智慧[red]教育[/]平台" and str(case.facts["budget_wan"]) == "86.5"
    assert case.facts["in_annual_plan"] is True
    assert verify_history(demo_copy).ok


async def test_edit_facts_commits_only_what_changed(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, ALLOWED_CASE)
        await pilot.press("f4")
        assert isinstance(app.screen, EditFactsScreen)
        await pilot.pause()
        app.screen.query_one("#fact-budget_wan", Input).value = "abc"
        await pilot.press("f9")
        assert plain(app.screen.query_one("#err-budget_wan", Plain))
        app.screen.query_one("#fact-budget_wan", Input).value = "199.5"
        await pilot.press("f9")
        assert isinstance(app.screen, ConfirmScreen)
        assert "budget_wan=199.5" in app.screen.plan.subject and "Facts: budget_wan" in app.screen.plan.message
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ResultScreen), what="the result")
    assert str(Store(demo_copy).load_case(ALLOWED_CASE).facts["budget_wan"]) == "199.5"
    assert git(demo_copy, "show", "--stat", "--format=", "HEAD").count("|") == 1
    assert verify_history(demo_copy).ok


async def test_attach_a_file_by_path_with_a_chinese_name_and_refuse_traversal(demo_copy, tmp_path):
    doc = tmp_path / "可行性研究报告（修订）.pdf"
    doc.write_bytes(b"%PDF-1.4 demo")
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, ALLOWED_CASE)
        await pilot.press("f6")
        assert isinstance(app.screen, AttachScreen)
        app.screen.query_one("#path", Input).value = str(tmp_path / "missing.pdf")
        await pilot.press("f9")
        assert "找不到文件" in plain(app.screen.query_one("#err-path", Plain))
        app.screen.query_one("#path", Input).value = str(doc)
        app.screen.query_one("#name", Input).value = "../../escape.pdf"
        await pilot.press("f9")
        assert plain(app.screen.query_one("#err-name", Plain))
        assert isinstance(app.screen, AttachScreen)
        app.screen.query_one("#name", Input).value = ""
        await pilot.press("f9")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, ResultScreen), what="the result")
    dest = demo_copy / "cases" / ALLOWED_CASE / "attachments" / doc.name
    assert dest.read_bytes() == doc.read_bytes()
    assert not (demo_copy / "escape.pdf").exists() and not (demo_copy.parent / "escape.pdf").exists()
    assert verify_history(demo_copy).ok


# --- dashboard, sync and verify --------------------------------------------------------

async def run_operation(pilot, key: str, timeout: float = 30) -> tuple[str, str]:
    """Press ``key`` (sync or verify), wait for the work to end; the report and the status line."""
    await pilot.press(key)
    screen = pilot.app.screen
    await until(pilot, lambda: not screen.running, timeout=timeout, what=key)
    return plain(screen.query_one("#ops-text", Plain)), plain(screen.query_one("#ops-status", Plain))


async def test_dashboard_groups_waiting_cases_by_role_and_lists_the_overdue(demo_copy):
    rows, _ = services.list_cases(Store(demo_copy))
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("f2")
        roles = app.screen.query_one("#roles", DataTable)
        waiting = {r["waiting_role"] for r in rows if r["waiting_role"]}
        assert {roles.coordinate_to_cell_key((i, 0)).row_key.value for i in range(roles.row_count)} == waiting
        finance = roles.get_row("finance")
        assert finance[1].plain == str(sum(1 for r in rows if r["waiting_role"] == "finance"))
        cases = app.screen.query_one("#dash-cases", DataTable)
        overdue = sorted(r["id"] for r in rows if r["overdue"])
        assert sorted(cases.coordinate_to_cell_key((i, 0)).row_key.value for i in range(cases.row_count)) == overdue
        roles.move_cursor(row=roles.get_row_index("finance"))
        await pilot.press("enter")
        assert cases.row_count == int(finance[1].plain)
        await pilot.press("enter")  # open the first of them
        assert isinstance(app.screen, CaseDetailScreen)


async def test_verify_from_the_ui_reports_ok_then_the_problem_of_a_tampered_history(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        text, _ = await run_operation(pilot, "f8")
        assert "核验通过" in text
        await pilot.press("escape")
        # a decision edited behind tracker's back, committed without signature or hooks
        f = next((demo_copy / "cases" / ALLOWED_CASE / "decisions").glob("*.toml"))
        f.write_text(f.read_text(encoding="utf-8").replace("opinion", "opinion_x", 1), encoding="utf-8")
        git(demo_copy, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-am", "edit")
        text, _ = await run_operation(pilot, "ctrl+k")
        assert "核验未通过" in text and "[unsigned]" in text and "[decision-edited]" in text


async def test_sync_from_the_ui_pushes_to_a_new_remote(demo_copy, tmp_path):
    from tracker import sync

    sync.remote_init(tmp_path / "remote.git", store=Store(demo_copy))
    git(demo_copy, "remote", "add", "origin", str(tmp_path / "remote.git"))
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        text, _ = await run_operation(pilot, "f7", timeout=60)
        assert "核验本地历史" in text and "已推送" in text
    head = git(demo_copy, "rev-parse", "HEAD").strip()
    assert git(tmp_path / "remote.git", "rev-parse", "main").strip() == head


async def test_sync_failure_is_reported_in_words(demo_copy):
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        text, status_line = await run_operation(pilot, "f7")
        assert "没有配置远程库" in text and "未完成" in status_line


# --- help, palette, language, glyphs ---------------------------------------------------

async def test_help_is_per_screen_and_the_palette_lists_every_action(demo_copy):
    from tracker.tui.screens.help import HelpScreen

    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen) and "案件列表" in screen_text(app)
        assert "拼音" in screen_text(app)
        await pilot.press("escape")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"作出决定", "修改事实", "添加材料", "筛选", "排序", "新建案件", "同步", "核验历史", "待办与逾期"} <= titles
        await open_case(pilot, ALLOWED_CASE)
        await pilot.press("f1")
        assert "案件详情" in screen_text(app)
        await pilot.press("f1")
        assert isinstance(app.screen, CaseDetailScreen)
        # every binding of every screen has a function key or a ctrl- key (letters go to the input method)
        from tracker.tui.app import TrackerApp
        from tracker.tui.screens import dashboard, decide, detail, edit, operations
        from tracker.tui.screens import cases as cases_mod

        for owner in (TrackerApp, cases_mod.CaseListScreen, detail.CaseDetailScreen, decide.DecisionScreen,
                      decide.ConfirmScreen, edit.NewCaseScreen, dashboard.DashboardScreen,
                      operations.OperationScreen):
            keys_of: dict[str, list[str]] = {}
            for b in owner.BINDINGS:
                keys_of.setdefault(b.action, []).extend(k.strip() for k in b.key.split(","))
            for action, keys in keys_of.items():
                assert any(k[:1] == "f" and k[1:].isdigit() or k.startswith("ctrl+") or k in ("escape", "enter")
                           for k in keys), (owner.__name__, action, keys)


async def test_english_on_request(demo_copy):
    set_language("en")
    try:
        app = make_app(demo_copy)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            text = screen_text(app)
            assert "Title" in text and "Next due" in text and "16 cases" in text and "项目名称" not in text
    finally:
        set_language("zh")


async def test_no_ambiguous_width_glyphs_in_our_chrome(demo_copy):
    """Characters drawn two cells wide by a Chinese-configured terminal may appear only where they
    come from the user's data (titles, names, commit subjects), never from the UI itself."""
    from tracker.tui.screens.help import HelpScreen

    data_text = git(demo_copy, "log", "--format=%an%n%B") + "".join(
        p.read_text(encoding="utf-8") for p in demo_copy.rglob("*.toml") if ".git" not in p.parts)
    allowed = data.ambiguous_chars(data_text)
    app = make_app(demo_copy)
    seen: dict[str, set[str]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        seen["list"] = data.ambiguous_chars(screen_text(app))
        await open_case(pilot, ALLOWED_CASE)
        await until(pilot, lambda: "历史" in plain(app.screen.query_one("#case-history", Plain)), what="history")
        seen["detail"] = data.ambiguous_chars(screen_text(app))
        await pilot.press("f9")
        seen["decide"] = data.ambiguous_chars(screen_text(app))
        await pilot.press("f9")
        seen["confirm"] = data.ambiguous_chars(screen_text(app))
        await pilot.press("escape", "escape", "escape", "f2")
        seen["dashboard"] = data.ambiguous_chars(screen_text(app))
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        seen["help"] = data.ambiguous_chars(screen_text(app))
        await pilot.press("escape", "escape", "f3")
        seen["new"] = data.ambiguous_chars(screen_text(app))
    bad = {k: v - allowed for k, v in seen.items() if v - allowed}
    assert not bad, bad


def test_exit_when_ready_runs_headless_and_returns(demo_copy):
    from tracker.tui import run_app

    assert run_app(Store(demo_copy), exit_when_ready=True) == 0


# --- the helpers behind the screens ----------------------------------------------------

def test_pinyin_initials_and_matching():
    assert data.initials("河源市教育局") == "hysjyj"
    assert data.initials("重庆") == "cq"  # polyphone read in context (not zhong)
    row = data.Row({"id": "HY-2025-0001", "title": "智慧教育平台", "unit": "河源市教育局", "jurisdiction_name": "河源市",
                    "track_name": "审批", "stage": {"name": "立项审批"}}, "", "hy-2025-0001 智慧教育平台 河源市教育局")
    assert data.matches(row, "zhjy") and data.matches(row, "HYSJYJ") and data.matches(row, "教育 hy")
    assert not data.matches(row, "zhjy xyz")


def test_urgency_counts_working_days():
    import datetime as dt

    from tracker.store.store import load_calendar_cached

    cal = load_calendar_cached(Path(services.data_dir("jurisdictions")).parent)
    friday = dt.date(2025, 9, 26)  # 10-01..10-08 are the National Day holidays
    assert data.urgency({"next_due": "2025-10-09"}, friday, cal) == ""  # 3 working days: 9-28, 9-29, 9-30
    assert data.urgency({"next_due": "2025-09-30"}, friday, cal) == "soon"
    assert data.urgency({"next_due": "2025-09-25"}, friday, cal) == "overdue"
    assert data.urgency({"next_due": None}, friday, cal) == ""


@pytest.mark.parametrize("width", [80, 120, 200])
def test_columns_fit_the_screen_and_clipping_uses_no_ambiguous_glyph(width):
    from tracker.core.cells import cells

    widths = data.column_widths(width)
    assert sum(widths.values()) + 2 * len(widths) + 2 <= max(width, sum(data.WIDTHS.values()) + 2 * 8 + 2 + 16)
    clipped = data.clipped({"title": "河源市智慧城市运行管理中心一期建设项目"}, {"title": 15})["title"]
    assert cells(clipped) <= 15 and clipped.endswith("..") and not data.ambiguous_chars(clipped)


async def test_export_a_form_from_the_ui(demo_copy, tmp_path):
    import docx

    out = tmp_path / "导出" / "立项申请表.docx"
    out.parent.mkdir()
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_case(pilot, ALLOWED_CASE)  # 河源: 附表1-3
        await pilot.press("f11")
        forms = app.screen.query_one("#forms", OptionList)
        assert forms.option_count >= 3
        app.screen.query_one("#out", Input).value = str(out)
        await pilot.press("f9")
        result = app.screen.query_one("#export-result", Plain)
        await until(pilot, lambda: "已导出" in plain(result) or "未" in plain(result), what="the export")
        assert str(out) in plain(result).replace("\n", "")
        await pilot.press("escape")
        await open_case_from_detail(pilot, "YF-2025-0002")  # 云浮: the measures have no forms
        await pilot.press("ctrl+x")
        assert "没有附带可填写的表格" in plain(app.screen.query_one("#export-result", Plain))
    text = "".join(c.text for t in docx.Document(str(out)).tables for r in t.rows for c in r.cells)
    assert Store(demo_copy).load_case(ALLOWED_CASE).title in text


async def open_case_from_detail(pilot, case_id: str) -> None:
    await pilot.press("escape")
    await open_case(pilot, case_id)


async def test_large_lists_filter_and_sort_in_a_worker(demo_copy, monkeypatch):
    """Above BACKGROUND_FROM rows the filter runs in a worker; the result is the same."""
    monkeypatch.setattr(CaseListScreen, "BACKGROUND_FROM", 1)
    app = make_app(demo_copy)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: all(r.initials is not None for r in app.rows), what="initials warmed by the loader")
        app.screen.query_one("#filter", Input).value = "gem"
        await until(pilot, lambda: app.screen.applied_query == "gem", what="the filter")
        assert table_keys(app) == ["GEM-2025-0001", "GEM-2025-0002"]
        await pilot.press("ctrl+o")
        await until(pilot, lambda: table_keys(app) == ["GEM-2025-0002", "GEM-2025-0001"], what="the sort")


def test_passphrase_prompts_are_foreseen(tmp_path, monkeypatch):
    """Signing suspends the UI (hands the terminal over) exactly when a prompt may appear."""
    from tracker.store.signing import Signer
    from tracker.tui.signing import may_prompt

    for name, passphrase in (("plain", ""), ("locked", "口令 secret")):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", str(tmp_path / name)], check=True)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    assert not may_prompt(Signer("ssh", str(tmp_path / "plain"), None))
    assert may_prompt(Signer("ssh", str(tmp_path / "locked"), None))
    assert may_prompt(Signer("ssh", str(tmp_path / "locked.pub"), None))  # the private half is locked
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "agent.sock"))
    assert not may_prompt(Signer("ssh", str(tmp_path / "locked.pub"), None))  # the agent signs
    assert may_prompt(Signer("openpgp", "ABCDEF0123456789", "openpgp:ABCDEF0123456789"))  # pinentry
    assert not may_prompt(Signer(None, None, None))


def test_plain_tracker_opens_the_ui_and_json_still_lists(demo_copy, monkeypatch):
    import json

    from tracker import cli

    opened = []
    monkeypatch.setattr("tracker.tui.run_app", lambda store, **kw: opened.append(store.root) or 0)
    assert cli.main(["--store", str(demo_copy)]) == 0 and opened == [demo_copy]
    out = subprocess.run([sys.executable, "-m", "tracker", "--store", str(demo_copy), "--json"], capture_output=True,
                         text=True, check=True).stdout
    assert len(json.loads(out)["cases"]) == 16
