"""tracker due [--on DATE] — deadlines and windows."""

from tracker import services
from tracker.cli.common import date_arg, store_of
from tracker.cli.output import emit_json, err, out, table
from tracker.core.i18n import pick
from tracker.store.store import today


def register(sub, parent):
    p = sub.add_parser("due", parents=[parent], help=pick("期限", "deadlines"))
    p.add_argument("--on", help=pick("以该日期为“今天”", "take this date as today"))
    p.add_argument("--all", action="store_true", help=pick("包括已完成的", "include done items"))
    return p


def run(args) -> int:
    store = store_of(args)
    on = date_arg("--on", args.on) or today()
    items, errors = services.due_items(store, on)
    for e in errors:
        err(e.one_line())
    if args.json:
        emit_json({"on": on.isoformat(), "items": [i.as_dict() for i in items]})
        return 2 if errors else 0
    status = {"pending": pick("待办", "pending"), "overdue": pick("逾期", "overdue"), "done": pick("已完成", "done")}
    shown = [i for i in items if args.all or i.status != "done"]
    out(table([pick("案件", "case"), pick("事项", "what"), pick("期限", "due"), pick("状态", "status"), pick("依据", "cite")],
              [[i.case or "-", str(i.what), i.due.isoformat() + ("~" if i.estimated else ""), status[i.status], i.cite]
               for i in shown], [0, 40, 0, 0, 0]))
    if any(i.estimated for i in shown):
        out(pick("~ 估算日期：该年度没有官方节假日数据，按周一至周五计算", "~ estimated: no official holiday data for that year; Monday–Friday counted"))
    return 2 if errors else 0
