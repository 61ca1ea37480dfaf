"""Shared by the terminal UI tests: a reproducible demo store and Pilot helpers."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

TODAY = "2026-11-24"
SEED = "tracker-tests"
FIXED_NOW = "2026-11-24T10:00:00+08:00"


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    """The demo store, built once per session with fixed keys: the same signed history every run."""
    from tracker import demo

    saved = {k: os.environ.get(k) for k in ("HOME", "TRACKER_DEMO_SEED", "GIT_CONFIG_NOSYSTEM")}
    home = tmp_path_factory.mktemp("tuihome")
    (home / ".gitconfig").write_text("[user]\n\tname = 测试员\n\temail = clerk@example.gov.cn\n"
                                     "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    os.environ.update(HOME=str(home), TRACKER_DEMO_SEED=SEED, GIT_CONFIG_NOSYSTEM="1")
    try:
        return demo.build(tmp_path_factory.mktemp("master") / "demo-store", quiet=True).root
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def demo_copy(demo_master, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo store (tests change it), with today fixed."""
    from tracker import services

    dest = tmp_path / "demo-store"
    shutil.copytree(demo_master, dest, symlinks=True)
    monkeypatch.setenv("TRACKER_TODAY", TODAY)
    monkeypatch.setattr(services, "now_iso", lambda: FIXED_NOW)
    return dest


def make_app(root: Path):
    from tracker.store.store import Store
    from tracker.tui.app import TrackerApp

    return TrackerApp(Store(root))


async def loaded(pilot, timeout: float = 30.0) -> None:
    """Wait until the app has read every case (polling, no fixed sleep)."""
    import time

    end = time.monotonic() + timeout
    while not pilot.app.loaded:
        assert time.monotonic() < end, "the case list did not finish loading"
        await pilot.pause(0.02)
    await pilot.pause()


async def until(pilot, predicate, timeout: float = 30.0, what: str = "condition") -> None:
    import time

    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        await pilot.pause(0.02)
    await pilot.pause()


def plain(widget) -> str:
    """The text a Static shows (its content, as the user reads it)."""
    content = widget.render()
    return str(getattr(content, "plain", content))


def screen_text(app) -> str:
    """Every character on the screen, from the SVG screenshot (text nodes only)."""
    import html

    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(re.sub(r"<[^>]+>", "", t) for t in texts)).replace("\xa0", " ")


async def open_case(pilot, case_id: str) -> None:
    from tracker.tui.widgets.case_table import CaseTable

    assert pilot.app.screen.query_one(CaseTable).move_to(case_id)
    await pilot.press("enter")
    await pilot.pause()
