"""tracker list — the cases, one row each."""

from tracker import services
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, err, out, table
from tracker.core.i18n import language, pick
from tracker.store import answers, index


def register(sub, parent):
    p = sub.add_parser("list", parents=[parent], help=pick("案件列表", "list cases"))
    p.add_argument("--jurisdiction")
    p.add_argument("--stage", help=pick("阶段类别或编号", "stage kind or id"))
    p.add_argument("--track", help=pick("办理类型", "track kind or id"))
    p.add_argument("--overdue", action="store_true")
    return p


def run(args) -> int:
    pending = answers.begin(getattr(args, "argv", None), language())  # an unchanged store replays this
    store = store_of(args)
    stats = index.Stats()
    rows, errors = services.list_cases(store, jurisdiction=args.jurisdiction, stage=args.stage,
                                       track=args.track, overdue=args.overdue, stats=stats)
    for e in errors:
        err(e.one_line())
    if args.json:
        text = emit_json({"cases": rows, "errors": [{"file": e.file, "line": e.line, "message": e.message}
                                                    for e in errors]})
        if not errors:
            answers.keep(pending, store.root, stats, text.encode("utf-8"))
    else:
        out(table([pick("编号", "id"), pick("辖区", "jurisdiction"), pick("项目名称", "title"), pick("建设单位", "unit"),
                   pick("预算(万元)", "budget (万元)"), pick("办理类型", "track"), pick("阶段", "stage"),
                   pick("下一期限", "next due")],
                  [[r["id"], r["jurisdiction_name"], r["title"], r["unit"],
                    "-" if r["budget_wan"] is None else str(r["budget_wan"]), r["track_name"], r["stage"]["name"],
                    (r["next_due"] or "-") + ("!" if r["overdue"] else "") + ("~" if r["next_due_estimated"] else "")]
                   for r in rows], [0, 0, 30, 20, 0, 0, 0, 0]))
        out(pick(f"共 {len(rows)} 件", f"{len(rows)} cases") + (pick("（~ 为估算日期，! 为已逾期）", " (~ estimated, ! overdue)") if rows else ""))
    return 2 if errors else 0
