"""tracker remote init PATH — a bare shared remote whose pre-receive hook runs the verifier."""

from pathlib import Path

from tracker import sync
from tracker.cli.output import emit_json, out
from tracker.core.i18n import pick
from tracker.store.store import Store, find_root


def register(sub, parent):
    p = sub.add_parser("remote", parents=[parent], help=pick("共享远程库", "shared remote"))
    ps = p.add_subparsers(dest="remote_cmd", required=True, parser_class=type(p))
    i = ps.add_parser("init", parents=[parent], help=pick("新建共享远程库（裸库，推送须通过核验）",
                                                          "create a bare shared remote that verifies every push"))
    i.add_argument("path")
    i.add_argument("--trust-root", metavar="COMMIT", help=pick("信任根（默认取当前案件库的信任根）",
                                                               "trust root (default: the current store's)"))
    return p


def run(args) -> int:
    store = None
    if args.store:
        store = Store.discover(args.store)
    else:
        root = find_root(Path.cwd())
        store = Store(root) if root else None
    res = sync.remote_init(Path(args.path), trust_root=args.trust_root, store=store)
    if args.json:
        emit_json(res)
        return 0
    out(pick(f"已创建共享远程库：{res['path']}", f"created shared remote: {res['path']}"))
    if res["trust_root"]:
        out(pick(f"信任根：{res['trust_root']}", f"trust root: {res['trust_root']}"))
    else:
        out(pick("信任根将在第一次推送时固定", "the trust root is pinned by the first push"))
    out(pick(f"各办公室同步：tracker sync {res['path']}", f"each office syncs with: tracker sync {res['path']}"))
    return 0
