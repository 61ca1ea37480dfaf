"""tracker new — open a case."""

from tracker import services
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("new", parents=[parent], help=pick("新建案件", "open a case"))
    p.add_argument("--jurisdiction", required=True)
    p.add_argument("--title", required=True)
    p.add_argument("--unit", required=True)
    p.add_argument("--set", action="append", default=[], metavar="FACT=VALUE")
    return p


def run(args) -> int:
    store = store_of(args)
    cid = services.new_case(store, args.jurisdiction, args.title, args.unit, args.set)
    if args.json:
        emit_json({"id": cid})
    else:
        out(cid)
    return 0
