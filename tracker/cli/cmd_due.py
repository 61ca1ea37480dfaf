"""tracker due [--on DATE] — deadlines and windows."""

from tracker import services
from tracker.cli.common import date_arg, store_of
from tracker.cli.output import emit_json, err, out, table
from tracker.core.engine import calendar_files, calendar_note
from tracker.core.i18n import language, pick
from tracker.store import answers, index
from tracker.store.store import today


def register(sub, parent):
    p = sub.add_parser("due", parents=[parent], help=pick("期限", "deadlines"))
    p.add_argument("--on", help=pick("以该日期为“今天”", "take this date as today"))
    p.add_argument("--all", action="store_true", help=pick("包括已完成的", "include done items"))
    return p


def run(args) -> int:
    pending = answers.begin(getattr(args, "argv", None), language())  # an unchanged store replays this
    store = store_of(args)
    on = date_arg("--on", args.on) or today()
    store.calendar  # a malformed calendar file is bad input for every case: report it once (exit 2, file:line)
    stats = index.Stats()
    items, errors = services.due_items(store, on, stats)
    for e in errors:
        err(e.one_line())
    missing = sorted({y for i in items for y in i.missing_years})
    if args.json:
        text = emit_json({"on": on.isoformat(), "items": [i.as_dict() for i in items],
                          "calendar_missing": calendar_files(missing), "calendar_note": calendar_note(missing)})
        if not errors:
            answers.keep(pending, store.root, stats, text.encode("utf-8"))
        return 2 if errors else 0
    status = {"pending": pick("待办", "pending"), "overdue": pick("逾期", "overdue"), "done": pick("已完成", "done")}
    shown = [i for i in items if args.all or i.status != "done"]
    out(table([pick("案件", "case"), pick("事项", "what"), pick("期限", "due"), pick("状态", "status"), pick("依据", "cite")],
              [[i.case or "-", str(i.what), i.due.isoformat() + ("~" if i.estimated else ""), status[i.status], i.cite]
               for i in shown], [0, 40, 0, 0, 0]))
    shown_missing = sorted({y for i in shown for y in i.missing_years})
    if shown_missing:
        out("~ " + calendar_note(shown_missing))
    return 2 if errors else 0
