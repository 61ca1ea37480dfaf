"""tracker verify [--from REV] — replay history: signatures, authorization, legal transitions."""

import sys

from tracker.cli.common import store_of
from tracker.cli.output import emit_json, err, out
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("verify", parents=[parent], help=pick("核验全部历史", "verify the history"))
    p.add_argument("--from", dest="since", metavar="REV", help=pick("只核验该提交之后的提交", "only commits after REV"))
    return p


def run(args) -> int:
    store = store_of(args)
    shown = [False]

    def progress(done: int, total: int) -> None:
        if total >= 2000 and sys.stderr.isatty():
            shown[0] = True
            sys.stderr.write(f"\r{pick('核验', 'verifying')} {done}/{total}")
            sys.stderr.flush()

    from tracker.store.verify import verify_history

    report = verify_history(store.root, since=args.since, progress=progress)
    if shown[0]:
        sys.stderr.write("\n")
    if report.pinned_now:
        err(pick(f"提示：本克隆尚未固定信任根，已固定为历史的起点 {report.pinned_now}（请与管理员核对此提交号）",
                 f"note: this clone had no pinned trust root; pinned the history's root {report.pinned_now} "
                 f"(check this id with your admin)"))
    if args.json:
        emit_json(report.as_dict())
        return 0 if report.ok else 1
    for p in report.problems:
        out(f"{p.commit[:10]}  {p.case or '-'}  [{p.rule}] {p.message}")
    if report.ok:
        out(pick(f"核验通过：{report.checked} 个提交（本次新核验 {report.new} 个，{report.seconds:.2f} 秒）",
                 f"verified: {report.checked} commits ({report.new} new, {report.seconds:.2f} s)"))
        return 0
    err(pick(f"核验未通过：{len(report.problems)} 个问题，共 {report.checked} 个提交",
             f"verification failed: {len(report.problems)} problems in {report.checked} commits"))
    return 1
