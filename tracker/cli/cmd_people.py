"""tracker people add|remove|list — who may sign what (the store's authorization policy)."""

import argparse

from tracker import trust
from tracker.cli.common import store_of
from tracker.cli.output import emit_json, out, table
from tracker.core.i18n import pick


def register(sub, parent):
    from tracker.cli import common_parent

    parent = common_parent(with_key=False)  # here --key is the person's public key (the contract)
    p = sub.add_parser("people", parents=[parent], help=pick("人员、密钥与角色", "people, keys and roles"))
    ps = p.add_subparsers(dest="people_cmd", required=True, parser_class=type(p))
    a = ps.add_parser("add", parents=[parent], help=pick("授予角色（管理员签名的策略提交）", "grant roles (a signed policy commit by an admin)"))
    a.add_argument("name")
    a.add_argument("--email")
    a.add_argument("--key", dest="pubkeys", action="append", default=[], metavar="PUBKEY",
                   help=pick("公钥：.pub 文件或 ssh-ed25519 AAAA… 一行；可重复", "public key: a .pub file or a key line; repeatable"))
    a.add_argument("--role", dest="roles", action="append", default=[], metavar="JURISDICTION:ROLE",
                   help=pick("角色，如 heyuan:finance 或 admin；可重复", "role such as heyuan:finance or admin; repeatable"))
    a.add_argument("--unit", dest="units", action="append", default=[],
                   help=pick("项目建设单位角色只代表该单位；可重复", "bind the clerk role to this unit; repeatable"))
    a.add_argument("--signing-key", dest="key", default=argparse.SUPPRESS, metavar="PATH",
                   help=pick("用于签名本次策略提交的私钥（同全局 --key）", "key that signs this policy commit (same as the global --key)"))
    r = ps.add_parser("remove", parents=[parent], help=pick("撤销人员、角色或密钥", "revoke a person, roles or keys"))
    r.add_argument("who", help=pick("姓名、邮箱或密钥指纹", "name, email or key fingerprint"))
    r.add_argument("--role", dest="roles", action="append", default=[])
    r.add_argument("--key", dest="pubkeys", action="append", default=[], metavar="PUBKEY_OR_FINGERPRINT")
    r.add_argument("--signing-key", dest="key", default=argparse.SUPPRESS, metavar="PATH")
    ps.add_parser("list", parents=[parent], help=pick("列出人员", "list people"))
    return p


def run(args) -> int:
    store = store_of(args)
    if args.people_cmd == "list":
        people = trust.people_list(store)
        if args.json:
            emit_json({"people": [{k: v for k, v in p.items()} for p in people]})
            return 0
        rows = [[p["name"], p["email"], "、".join(p["roles"]) + (f"（{'、'.join(p['units'])}）" if p["units"] else ""),
                 " ".join(p["fingerprints"]) or pick("（无密钥）", "(no key)")] for p in people]
        out(table([pick("姓名", "name"), pick("邮箱", "email"), pick("角色", "roles"), pick("密钥指纹", "key fingerprints")], rows))
        return 0
    if args.people_cmd == "add":
        res = trust.people_add(store, args.name, args.email, args.pubkeys, args.roles, args.units)
    else:
        res = trust.people_remove(store, args.who, args.roles, args.pubkeys)
    if args.json:
        emit_json(res)
    else:
        p = res["person"]
        out(pick(f"已提交策略修改 {res['commit'][:10]}：{p['name']} <{p['email']}> 角色 {'、'.join(p['roles']) or '无'}",
                 f"policy change committed {res['commit'][:10]}: {p['name']} <{p['email']}> roles {', '.join(p['roles']) or 'none'}"))
    return 0
