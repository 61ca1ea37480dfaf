"""tracker demo [PATH] — build a demo store from the sample cases."""

from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("demo", parents=[parent], help=pick("构建演示案件库", "build a demo store"))
    p.add_argument("path", nargs="?", default="demo-store")
    p.add_argument("--no-tui", action="store_true")
    p.add_argument("--tour", action="store_true")
    return p


def run(args) -> int:
    from tracker import demo

    return demo.main(args)
