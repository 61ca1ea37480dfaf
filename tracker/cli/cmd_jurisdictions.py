"""tracker jurisdictions — the installed rule packs."""

from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out, table
from tracker.core.i18n import pick
from tracker.core.pack import builtin_packs_dir, load_packs
from tracker.store.store import find_root
from pathlib import Path


def register(sub, parent):
    return sub.add_parser("jurisdictions", parents=[parent], help=pick("已安装的规则包", "installed rule packs"))


def run(args) -> int:
    if args.store or find_root(Path.cwd()):
        packs = store_of(args).packs
    else:  # outside a store: the packs that `tracker init` would install
        d = builtin_packs_dir()
        packs = load_packs(d, d.parent)
    rows = [p.summary() for p in packs.values()]
    if args.json:
        emit_json({"jurisdictions": rows})
        return 0
    out(table([pick("编号", "id"), pick("名称", "name"), pick("文号", "document"), pick("印发", "issued"),
               pick("有效期至", "valid until")],
              [[r["id"], r["name"] if pick("zh", "en") == "zh" else (r["name_en"] or r["name"]),
                r["document"] or pick("（原文未载）", "(not in text)"), r["issued"] or "-",
                r["valid_until"] or (pick(f"{r['valid_years']}年", f"{r['valid_years']} years") if r["valid_years"] else "-")]
               for r in rows]))
    return 0
