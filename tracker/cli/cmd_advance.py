"""tracker advance CASE ACTION — take a decision (one commit)."""

from tracker import services
from tracker.cli.common import date_arg, store_of
from tracker.cli.output import emit_json, out
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("advance", parents=[parent], help=pick("作出决定", "take a decision"))
    p.add_argument("case")
    p.add_argument("action")
    p.add_argument("--opinion", default="", help=pick("意见", "opinion"))
    p.add_argument("--on", help=pick("决定作出日期（补录历史）", "date the decision was taken"))
    p.add_argument("--as", dest="role", help=pick("以该角色作出", "act in this role"))
    p.add_argument("--set", action="append", default=[], metavar="FACT=VALUE")
    return p


def run(args) -> int:
    store = store_of(args)
    on = date_arg("--on", args.on)
    sha, d = services.advance(store, args.case, args.action, opinion=args.opinion, on=on, role=args.role,
                              assignments=args.set)
    if args.json:
        emit_json({"id": args.case.upper(), "commit": sha, "decision": d.as_dict()})
    else:
        pack = store.pack(store.load_case(args.case).jurisdiction)
        frm, to = (pick(pack.stages[x].name, pack.stages[x].name_en) for x in (d.from_stage, d.to_stage))
        out(pick(f"已记录：{frm} → {to}（{d.action}），提交 {sha[:10]}",
                 f"recorded: {frm} → {to} ({d.action}), commit {sha[:10]}"))
    return 0
