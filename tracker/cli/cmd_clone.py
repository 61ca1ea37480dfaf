"""tracker clone URL [PATH] — clone a shared store: hooks active, trust root pinned, history verified."""

from pathlib import Path

from tracker import sync, trust
from tracker.cli.output import emit_json, err, out
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("clone", parents=[parent], help=pick("克隆共享案件库", "clone a shared store"))
    p.add_argument("url")
    p.add_argument("path", nargs="?")
    p.add_argument("--trust-root", metavar="COMMIT",
                   help=pick("另行得到的信任根提交号（默认信任历史的起点）", "trust root obtained out of band (default: the history's root)"))
    return p


def run(args) -> int:
    dest = Path(args.path) if args.path else Path(Path(args.url.rstrip("/")).name.removesuffix(".git"))
    root = sync.clone(args.url, dest, args.trust_root)
    report = trust.verify(root)
    if args.json:
        emit_json({"path": str(root), **report.as_dict()})
        return 0 if report.ok else 1
    out(pick(f"已克隆到 {root}，信任根 {report.trust_root}", f"cloned into {root}, trust root {report.trust_root}"))
    for p in report.problems:
        err(f"{p.commit[:10]} {p.case or '-'} [{p.rule}] {p.message}")
    out(pick(f"核验{'通过' if report.ok else '未通过'}：{report.checked} 个提交",
             f"verification {'passed' if report.ok else 'FAILED'}: {report.checked} commits"))
    return 0 if report.ok else 1
