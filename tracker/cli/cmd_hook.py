"""tracker hook NAME — entry points for the git hooks in hooks/."""

from tracker.cli.common import store_of
from tracker.cli.output import err
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("hook", parents=[parent], help=pick("git 钩子入口", "git hook entry points"))
    p.add_argument("name", choices=["pre-commit"])
    return p


def run(args) -> int:
    from tracker.store.staged import staged_findings

    store = store_of(args)
    blocking = [f for f in staged_findings(store) if f.severity == "error" and f.rule in STRUCTURAL]
    for f in blocking:
        where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
        err(f"{where}: {f.case or '-'} [{f.rule}] {f.message}")
    return 1 if blocking else 0


# What the pre-commit hook refuses: broken files and illegal history, not facts a clerk is
# still working on (those are findings for `tracker check`).
STRUCTURAL = {"malformed-file", "decision-sequence", "decision-date-order", "decision-from", "illegal-action",
              "decision-kind", "decision-role", "decision-target", "unknown-stage", "unknown-track",
              "decision-file-name", "attachment-missing", "attachment-hash", "decision-edited"}
