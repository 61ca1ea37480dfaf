"""tracker attach CASE FILE --kind DOC_KIND — add a document."""

from pathlib import Path

from tracker import services
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("attach", parents=[parent], help=pick("添加材料", "attach a document"))
    p.add_argument("case")
    p.add_argument("file")
    p.add_argument("--kind", required=True, help=pick("材料类型（规则包中的编号或中文名称）", "document kind (id or name)"))
    p.add_argument("--name", help=pick("在案件中保存的文件名", "file name to store it under"))
    return p


def run(args) -> int:
    store = store_of(args)
    att = services.attach(store, args.case, Path(args.file), args.kind, args.name)
    if args.json:
        emit_json(att.as_dict())
    else:
        out(pick(f"已添加：{att.name}（{att.kind}，sha256 {att.sha256[:12]}…）",
                 f"attached: {att.name} ({att.kind}, sha256 {att.sha256[:12]}…)"))
    return 0
