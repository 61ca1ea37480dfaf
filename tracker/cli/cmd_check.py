"""tracker check [CASE … | --all | --staged] — findings."""

from tracker import services
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core.errors import InputError
from tracker.core.i18n import pick, t
from tracker.cli.common import severity_word


def register(sub, parent):
    p = sub.add_parser("check", parents=[parent], help=pick("检查案件", "check cases"))
    p.add_argument("cases", nargs="*")
    p.add_argument("--all", action="store_true")
    p.add_argument("--staged", action="store_true", help=pick("检查暂存区中改动的案件", "check cases changed in the index"))
    return p


def run(args) -> int:
    store = store_of(args)
    if args.staged and (args.all or args.cases):
        raise InputError(t("exclusive", a="--staged", b="--all / CASE"))
    if args.all and args.cases:
        raise InputError(t("exclusive", a="--all", b="CASE"))
    if args.staged:
        from tracker.store.staged import staged_findings

        findings = staged_findings(store)
    else:
        findings = services.check_cases(store, None if args.all else args.cases)
    if args.json:
        emit_json({"findings": [f.as_dict() for f in findings],
                   "errors": sum(1 for f in findings if f.severity == "error")})
    else:
        for f in findings:
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
            out(f"{where}: {f.case or '-'} {severity_word(f.severity)} [{f.rule}] {f.message}"
                + (f"（{f.cite}）" if f.cite else ""))
        n = sum(1 for f in findings if f.severity == "error")
        out(pick(f"错误 {n} 项，共 {len(findings)} 项", f"{n} errors, {len(findings)} findings"))
    # a file that cannot be read is bad input (exit 2); other errors are the rules saying no (exit 1)
    if any(f.rule == "malformed-file" for f in findings):
        return 2
    return 1 if any(f.severity == "error" for f in findings) else 0
