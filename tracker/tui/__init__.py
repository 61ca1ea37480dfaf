"""The Textual terminal UI: a thin shell over :mod:`tracker.services` (see README, "终端界面")."""

from __future__ import annotations

from tracker.store.store import Store


def run_app(store: Store, *, exit_when_ready: bool = False) -> int:
    from tracker.tui.app import TrackerApp

    app = TrackerApp(store, exit_when_ready=exit_when_ready)
    app.run(headless=exit_when_ready)
    return app.return_code or 0
