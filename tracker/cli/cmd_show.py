"""tracker show CASE — facts, track, stage, plan, decisions, attachments, findings."""

from tracker import services
from tracker.cli.common import severity_word, store_of, yes_no
from tracker.cli.output import emit_json, out, table
from tracker.core.i18n import pick


def register(sub, parent):
    p = sub.add_parser("show", parents=[parent], help=pick("案件详情", "show a case"))
    p.add_argument("case")
    return p


def run(args) -> int:
    store = store_of(args)
    doc = services.show_case(store, args.case)
    if args.json:
        emit_json(doc)
        return 0
    out(f"{doc['id']}  {doc['title']}")
    out(pick(f"辖区：{doc['jurisdiction_name']}（{doc['jurisdiction_document'] or '-'}）",
             f"jurisdiction: {doc['jurisdiction']} ({doc['jurisdiction_document'] or '-'})"))
    track = doc["track_name"] + ("" if doc["track_certain"] else pick("（待定：缺少 ", " (tentative: missing ")
                                 + ", ".join(doc["track_missing"]) + pick("）", ")"))
    out(pick("办理类型：", "track: ") + track + (f"  [{doc['track_reason']['cite']}]" if doc["track_reason"] else ""))
    out(pick("当前阶段：", "stage: ") + f"{doc['stage']['name']} ({doc['stage']['kind']})")
    out()
    out(pick("【事实】", "[facts]"))
    for k, v in doc["facts"].items():
        if isinstance(v, bool):
            v = yes_no(v)
        elif isinstance(v, list):
            v = "、".join(map(str, v))
        elif isinstance(v, dict):
            v = "，".join(f"{a} {b}" for a, b in v.items())
        out(f"  {k} = {v}")
    out()
    out(pick("【后续环节】", "[plan]"))
    out(table([pick("环节", "stage"), pick("类别", "kind"), pick("办理角色", "role"), pick("期限", "due"),
               pick("依据", "cite")],
              [[("▶ " if p["current"] else "  ") + p["name"] + ("?" if p["conditional"] else ""), p["kind"],
                p["role_name"] or "-", (p["due"] or p["period"] or "-") + ("~" if p["estimated"] else ""), p["cite"] or ""]
               for p in doc["plan"]]))
    notes = sorted({p["calendar_note"] for p in doc["plan"] if p.get("estimated") and p.get("calendar_note")})
    for note in notes:
        out(f"  ~ {note}")
    if doc["obligations"]:
        out()
        out(pick("【义务】", "[obligations]"))
        for o in doc["obligations"]:
            mark = {True: "[x]", False: "[ ]", None: "[?]"}[o["met"]]
            out(f"  {mark} {o['text']}  ({o['cite']})")
    if doc["checklist"]:
        out()
        out(pick("【人工核对事项】", "[checklist]"))
        for c in doc["checklist"]:
            out(f"  [ ] {c['text']}  ({c['cite']})")
    out()
    out(pick("【决定】", "[decisions]"))
    for d in doc["decisions"]:
        out(f"  {d['seq']:>3}. {d['decided_on']}  {d['from_name']} → {d['to_name']}  ({d['action']}, {d['role']})")
        if d["opinion"]:
            out(f"       {d['opinion']}")
    out()
    out(pick("【材料】", "[attachments]"))
    for a in doc["attachments"]:
        out(f"  {a['name']}  ({a['kind']})  {a['sha256'][:12]}…")
    if doc["findings"]:
        out()
        out(pick("【检查结果】", "[findings]"))
        for f in doc["findings"]:
            out(f"  {severity_word(f['severity'])}: {f['message']}" + (f"  ({f['cite']})" if f["cite"] else ""))
    return 0
