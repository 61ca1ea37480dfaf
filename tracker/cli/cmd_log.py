"""tracker log CASE — the audit trail from git."""

from tracker import services
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out
from tracker.core.i18n import pick

SIG_WORDS = {"good": ("已验证", "verified"), "bad": ("签名无效", "bad signature"), "unknown_key": ("未知密钥", "unknown key"),
             "unauthorized": ("未授权", "unauthorized"), "unsigned": ("未签名", "unsigned")}


def register(sub, parent):
    p = sub.add_parser("log", parents=[parent], help=pick("审计记录", "audit trail"))
    p.add_argument("case")
    return p


def run(args) -> int:
    store = store_of(args)
    entries = services.log_entries(store, args.case)
    if args.json:
        emit_json({"entries": entries})
        return 0
    for e in entries:
        sig = pick(*SIG_WORDS.get(e["signature"], (e["signature"], e["signature"])))
        decided = f"  {pick('决定日期', 'decided')} {e['decided_on']}" if e["decided_on"] else ""
        out(f"{e['commit'][:10]}  {e['committed_at']}{decided}  {e['signer']}  [{sig}]")
        out(f"    {e['subject']}")
        if e["opinion"]:
            for line in e["opinion"].splitlines():
                out(f"    > {line}")
    return 0
