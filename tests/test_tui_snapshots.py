"""SVG snapshots of every screen and dialog at 120x40 (pytest-textual-snapshot).

The demo store is built with fixed keys, dates and clock, so its history, commit ids and
signatures are the same on every run. After a deliberate change to the UI, review the new
pictures and accept them with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import Input, TextArea

from tracker.core.i18n import set_language
from tracker.tui.widgets.case_table import CaseTable
from tui_helpers import FIXED_NOW, loaded, make_app, plain, until

SIZE = (120, 40)
ALLOWED_CASE = "HY-2025-0003"
REFUSED_CASE = "GEM-2025-0001"


@pytest.fixture
def store(demo_copy):
    shutil.rmtree(demo_copy / ".git" / "tracker-cache", ignore_errors=True)  # same verify work every run
    return demo_copy


def at_case(case_id: str, *keys: str):
    async def run(pilot):
        await loaded(pilot)
        assert pilot.app.screen.query_one(CaseTable).move_to(case_id)
        await pilot.pause()
        for k in keys:
            await pilot.press(k)
            await pilot.pause()
        screen = pilot.app.screen
        history = screen.query("#case-history")
        if history:
            await until(pilot, lambda: "历史" in plain(history.first()) or "History" in plain(history.first()),
                        what="history")
    return run


def test_snapshot_case_list(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=at_case("GEM-2025-0001"))


def test_snapshot_case_list_filtered_by_pinyin(snap_compare, store):
    async def run(pilot):
        from tracker.tui import data

        await loaded(pilot)
        await pilot.press("slash", *"hys")
        want = sum(1 for r in pilot.app.rows if data.matches(r, "hys"))
        screen = pilot.app.screen
        await until(pilot, lambda: screen.applied_query == "hys", what="the filter")
        assert screen.query_one(CaseTable).row_count == want
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=run)


def test_snapshot_case_list_with_a_malformed_case(snap_compare, store):
    (store / "cases" / "YN-2025-0002" / "case.toml").write_text("id = [\n", encoding="utf-8")
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=at_case("YN-2025-0001"))


def test_snapshot_case_detail(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=at_case(ALLOWED_CASE, "enter"))


def test_snapshot_case_detail_history(snap_compare, store):
    async def run(pilot):
        await at_case(ALLOWED_CASE, "enter")(pilot)
        await pilot.press("end")
        await pilot.pause()
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=run)


def test_snapshot_decision_dialog(snap_compare, store):
    async def run(pilot):
        await at_case(ALLOWED_CASE, "f9")(pilot)
        await pilot.press("enter")
        pilot.app.screen.query_one("#opinion", TextArea).insert("同意变更。[/]按规定使用资金")
        await pilot.pause()
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=run)


def test_snapshot_decision_dialog_refused(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=at_case(REFUSED_CASE, "f9"))


def _to_confirm(pilot):
    async def run():
        await at_case(ALLOWED_CASE, "f9")(pilot)
        pilot.app.screen.query_one("#opinion", TextArea).insert("同意变更。[/]按规定使用资金")
        await pilot.press("f9")
        await pilot.pause()
    return run()


def test_snapshot_confirmation(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=_to_confirm)


def test_snapshot_result(snap_compare, store):
    async def run(pilot):
        await _to_confirm(pilot)
        pilot.app.screen.plan.date = FIXED_NOW  # a fixed commit date: the same commit id every run
        await pilot.press("f9")
        from tracker.tui.screens.decide import ResultScreen

        await until(pilot, lambda: isinstance(pilot.app.screen, ResultScreen), what="the result")
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=run)


def test_snapshot_new_case_with_problems(snap_compare, store):
    async def run(pilot):
        await loaded(pilot)
        await pilot.press("f3")
        screen = pilot.app.screen
        screen.query_one("#title", Input).value = "河源市智慧应急指挥平台"
        screen.query_one("#budget", Input).value = "十万"
        await pilot.press("f9")
        await pilot.pause()
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=run)


def test_snapshot_edit_facts(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=at_case(ALLOWED_CASE, "f4"))


def test_snapshot_attach(snap_compare, store):
    async def run(pilot):
        await at_case(ALLOWED_CASE, "f6")(pilot)
        pilot.app.screen.query_one("#path", Input).value = "/nonexistent/可研报告.pdf"
        await pilot.press("f9")
        await pilot.pause()
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=run)


def after_load(*keys: str):
    async def run(pilot):
        await loaded(pilot)
        for k in keys:
            await pilot.press(k)
        await pilot.pause()
    return run


def test_snapshot_dashboard(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=after_load("f2"))


def test_snapshot_verify(snap_compare, store):
    async def run(pilot):
        await loaded(pilot)
        await pilot.press("f8")
        screen = pilot.app.screen
        await until(pilot, lambda: not screen.running, what="verify")
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=run)


def test_snapshot_help(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=after_load("f1"))


def test_snapshot_case_list_in_english(snap_compare, store):
    set_language("en")
    try:
        assert snap_compare(make_app(store), terminal_size=SIZE, run_before=at_case("GEM-2025-0001"))
    finally:
        set_language("zh")


def test_snapshot_export(snap_compare, store):
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=at_case(ALLOWED_CASE, "enter", "f11"))
