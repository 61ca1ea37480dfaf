"""tracker tui (also plain ``tracker``) — the terminal UI on the current store."""

import argparse

from tracker.cli.common import store_of
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("tui", parents=[parent], help=pick("终端界面", "the terminal UI"))
    # benchmarks: run headless, exit 0 as soon as the case list is usable (every row loaded)
    p.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    return p


def run(args) -> int:
    from tracker.tui import run_app

    return run_app(store_of(args), exit_when_ready=args.exit_when_ready)
