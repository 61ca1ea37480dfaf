"""tracker actions CASE — each possible action now, allowed or not, and what is missing."""

from tracker import services
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core import engine
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("actions", parents=[parent], help=pick("可执行的动作", "possible actions"))
    p.add_argument("case")
    return p


def run(args) -> int:
    store = store_of(args)
    ld = services.load(store, args.case)
    acts = engine.list_actions(ld.view)
    if args.json:
        emit_json({"id": ld.case.id, "stage": ld.view.stage_ref(), "actions": [a.as_dict() for a in acts]})
        return 0
    out(pick(f"{ld.case.id} 当前阶段：{ld.view.stage_ref()['name']}", f"{ld.case.id} at: {ld.view.stage_ref()['name']}"))
    if not acts:
        out(pick("  （没有可执行的动作）", "  (no actions)"))
    for a in acts:
        mark = pick("可执行", "allowed") if a.allowed else pick("不可执行", "blocked")
        out(f"  {a.id:<18} {a.name} → {a.to_name or '?'}  [{ld.view.pack.role_label(a.role) or '?'}]  {mark}")
        for m in a.missing:
            out(f"      - {m.message}" + (f"（{m.cite}）" if m.cite else ""))
    return 0
