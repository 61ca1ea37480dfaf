"""tracker hook NAME — entry points for the git hooks in hooks/."""

import sys
from pathlib import Path

from tracker.cli.common import store_of
from tracker.cli.output import err
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("hook", parents=[parent], help=pick("git 钩子入口", "git hook entry points"))
    p.add_argument("name", choices=["pre-commit", "commit-msg", "pre-receive"])
    p.add_argument("file", nargs="?", help=pick("commit-msg：提交说明文件", "commit-msg: the message file"))
    return p


def run(args) -> int:
    if args.name == "pre-receive":
        return _pre_receive()
    store = store_of(args)
    if args.name == "commit-msg":
        from tracker.store.hookchecks import commit_msg_problems

        if not args.file:
            err(pick("commit-msg 钩子需要提交说明文件", "the commit-msg hook needs the message file"))
            return 2
        message = Path(args.file).read_text(encoding="utf-8", errors="replace")
        problems = commit_msg_problems(store, message)
        for p in problems:
            err(f"tracker commit-msg: {p}")
        return 1 if problems else 0
    from tracker.store.staged import staged_findings

    blocking = [f for f in staged_findings(store) if f.severity == "error" and f.rule in STRUCTURAL]
    for f in blocking:
        where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
        err(f"{where}: {f.case or '-'} [{f.rule}] {f.message}")
    return 1 if blocking else 0


def _pre_receive() -> int:
    from tracker.store.hookchecks import RefUpdate, pre_receive

    updates = []
    for line in sys.stdin.read().splitlines():
        parts = line.split()
        if len(parts) == 3:
            updates.append(RefUpdate(*parts))
    problems = pre_receive(Path.cwd(), updates)
    if problems:
        err(pick("tracker：拒绝推送，以下提交未通过核验：", "tracker: push refused; these commits fail verification:"))
        for p in problems:
            err(f"  {p}")
    return 1 if problems else 0


# What the pre-commit hook refuses: broken files and illegal history, not facts a clerk is
# still working on (those are findings for `tracker check`).
STRUCTURAL = {"malformed-file", "decision-sequence", "decision-date-order", "decision-from", "illegal-action",
              "decision-kind", "decision-role", "decision-target", "unknown-stage", "unknown-track",
              "decision-file-name", "attachment-missing", "attachment-hash", "decision-edited",
              "attachment-changed", "file-mode", "unexpected-file"}
