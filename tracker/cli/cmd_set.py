"""tracker set CASE FACT=VALUE … — change facts (one commit)."""

from tracker import services
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core.facts import to_plain
from tracker.core.i18n import pick, t


def register(sub, parent):
    p = sub.add_parser("set", parents=[parent], help=pick("修改事实", "change facts"))
    p.add_argument("case")
    p.add_argument("assignments", nargs="+", metavar="FACT=VALUE")
    return p


def run(args) -> int:
    store = store_of(args)
    values = services.set_facts(store, args.case, args.assignments)
    if args.json:
        emit_json({"id": args.case.upper(), "set": {k: to_plain(v) for k, v in values.items()}})
    elif not values:
        out(t("no_change"))
    else:
        out(pick("已修改：", "changed: ") + ", ".join(values))
    return 0
