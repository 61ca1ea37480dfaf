"""tracker init PATH — a new case store."""

from pathlib import Path

from tracker import services
from tracker.cli.output import emit_json, err, out
from tracker.core.i18n import pick, t
from tracker.store.signing import signatures_required


def register(sub, parent):
    p = sub.add_parser("init", parents=[parent], help=pick("新建案件库", "create a case store"))
    p.add_argument("path")
    p.add_argument("--name", help=pick("第一位管理员姓名（默认取 git user.name）", "first admin's name (default: git user.name)"))
    p.add_argument("--email", help=pick("第一位管理员邮箱", "first admin's email"))
    return p


def run(args) -> int:
    store = services.init_store(Path(args.path), args.name, args.email)
    if args.json:
        emit_json({"path": str(store.root), "jurisdictions": sorted(store.packs),
                   "signed": signatures_required(store.root)})
    else:
        out(pick(f"已创建案件库：{store.root}", f"created case store: {store.root}"))
        out(pick(f"规则包：{'、'.join(sorted(store.packs))}", f"rule packs: {', '.join(sorted(store.packs))}"))
    if not signatures_required(store.root):
        err(t("init_unsigned"))
    return 0
