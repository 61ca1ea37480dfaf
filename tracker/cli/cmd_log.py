"""tracker log CASE — the audit trail from git, with each signature verified."""

from tracker import trust
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("log", parents=[parent], help=pick("审计记录（含签名核验）", "audit trail (signatures verified)"))
    p.add_argument("case")
    return p


def run(args) -> int:
    store = store_of(args)
    entries = trust.log_entries(store, args.case)
    if args.json:
        emit_json({"entries": entries})
        return 0
    for e in entries:
        decided = f"  {pick('决定日期', 'decided on')} {e['decided_on']}" if e["decided_on"] else ""
        who = e["signer"] or pick("（无签名人）", "(no signer)")
        role = f"  {pick('角色', 'role')} {e['role']}" if e["role"] else ""
        out(f"{e['commit'][:10]}  {pick('提交', 'committed')} {e['committed_at']}{decided}")
        out(f"    [{e['signature_text']}] {who}{role}")
        out(f"    {e['subject']}")
        if e["opinion"]:
            for line in e["opinion"].splitlines():
                out(f"    > {line}")
        for p in e["problems"]:
            out(f"    ! [{p['rule']}] {p['message']}")
    return 0
