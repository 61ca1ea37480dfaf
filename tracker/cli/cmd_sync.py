"""tracker sync [REMOTE] — fetch, verify what arrives, integrate, push."""

from tracker import sync
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("sync", parents=[parent], help=pick("与共享远程库同步", "sync with the shared remote"))
    p.add_argument("remote", nargs="?", help=pick("远程库名称、路径或网址（默认 origin）", "remote name, path or URL (default: origin)"))
    return p


def run(args) -> int:
    store = store_of(args)
    res = sync.sync(store, args.remote)
    if args.json:
        emit_json(res.as_dict())
        return 0
    for old, new in res.renumbered:
        out(pick(f"本处新建的 {old} 与远程库的案件同号，已重新编号为 {new}",
                 f"{old}, opened here, had the same number as a case on the remote; it is now {new}"))
    if res.incoming:
        how = pick("快进", "fast-forward") if res.fast_forward else pick(f"合并提交 {res.merged[:10]}", f"merge {res.merged[:10]}")
        out(pick(f"收到 {res.incoming} 个提交，核验通过，已整合（{how}）",
                 f"received {res.incoming} commits, verified, integrated ({how})"))
    else:
        out(pick("远程库没有新的提交", "nothing new on the remote"))
    out(pick("已推送到 " + res.remote, "pushed to " + res.remote) if res.pushed else pick("无需推送", "nothing to push"))
    out(pick(f"本地历史核验通过：{res.verified} 个提交", f"local history verified: {res.verified} commits"))
    return 0
