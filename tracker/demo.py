"""`tracker demo`: build a demo store from the sample cases in cases/, with real history.

Every sample case is replayed event by event — opened, documents attached, decisions taken —
in date order across all cases, each event one commit dated on the day it happened, so the demo
store's `git log` reads like a year of an office's work.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

from tracker import services
from tracker.core.casefile import parse_attachments, parse_decision, DECISION_FILE_RE
from tracker.core.errors import InputError
from tracker.core.i18n import pick
from tracker.store.store import Store

DEMO_MARK = "tracker-demo"
DEMO_NAME, DEMO_EMAIL = "演示管理员", "demo-admin@tracker.invalid"
# one demo person per role id, named generically since they act in every jurisdiction that has the role
ROLE_NAMES = {"unit": "项目建设单位", "data_bureau": "数据管理部门", "finance": "财政部门", "crypto": "密码管理部门",
              "audit": "审计部门", "ndrc": "发展改革部门", "trading_center": "公共资源交易中心", "cac": "网信部门",
              "government": "人民政府", "gov_office": "政府办公室", "industry": "工业和信息化部门"}
KEY_DIR = "tracker-demo-keys"  # under .git: never committed, thrown away with the demo store


def _make_key(path: Path, comment: str) -> Path:
    """A throwaway ed25519 key pair in OpenSSH format (what ssh-keygen would write)."""
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = os.environ.get("TRACKER_DEMO_SEED")
    if seed:  # tests: the same keys, hence the same signed history, on every run
        import hashlib

        key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"{seed}:{path.name}".encode()).digest())
    else:
        key = Ed25519PrivateKey.generate()
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(priv)
    Path(str(path) + ".pub").write_bytes(pub + b" " + comment.encode() + b"\n")
    return path


class _signing_as:
    """Sign the commits made inside the block with one demo key (TRACKER_SIGNING_KEY)."""

    def __init__(self, key: Path, identity: str = ""):
        from tracker.store.signing import ENV_KEY

        self.values = {ENV_KEY: str(key), "TRACKER_IDENTITY": identity}

    def __enter__(self):
        import os

        self.old = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc):
        import os

        for k, v in self.old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def samples_dir() -> Path:
    base = services.data_dir("jurisdictions").parent
    p = base / "cases"
    if not p.is_dir():
        raise InputError("sample cases not found in the installation")  # pragma: no cover
    return p


def _facts_for_new(case_toml: dict, later_sets: set[str]) -> list[str]:
    out = []
    for k, v in case_toml.get("facts", {}).items():
        if k in ("title", "unit") or k in later_sets:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, list):
            v = ",".join(v)
        elif isinstance(v, dict):
            v = ",".join(f"{a}={b}" for a, b in v.items())
        out.append(f"{k}={v}")
    return out


def build(path: Path, *, quiet: bool = False) -> Store:
    path = path.resolve()
    if path.exists():
        if (path / ".git" / DEMO_MARK).exists():
            shutil.rmtree(path)
        elif any(path.iterdir()):
            raise InputError(pick(f"{path} 已存在且不是演示库，未做改动", f"{path} exists and is not a demo store; left alone"))
    src = samples_dir()
    events = []
    for d in sorted(p for p in src.iterdir() if (p / "case.toml").is_file()):
        data = tomllib.loads((d / "case.toml").read_text(encoding="utf-8"), parse_float=Decimal)
        decisions = []
        ddir = d / "decisions"
        if ddir.is_dir():
            for f in sorted(ddir.iterdir()):
                if DECISION_FILE_RE.match(f.name):
                    decisions.append(parse_decision(f.read_text(encoding="utf-8"), str(f)))
        atts = []
        if (d / "attachments.toml").is_file():
            atts = parse_attachments((d / "attachments.toml").read_text(encoding="utf-8"), str(d / "attachments.toml"))
        later = {k for dec in decisions for k in dec.set_facts}
        created = data["created_on"]
        events.append((created, 0, d.name, "new", (data, later)))
        for a in atts:
            events.append((a.added_on or created, 1, d.name, "attach", (d / "attachments" / a.name, a)))
        for dec in decisions:
            events.append((dec.decided_on, 2, d.name, "decide", dec))
    if not events:
        raise InputError("no sample cases")
    events.sort(key=lambda e: (e[0], e[2], e[1], getattr(e[4], "seq", 0)))
    first = events[0][0]
    import tempfile

    from tracker import trust

    with tempfile.TemporaryDirectory(prefix="tracker-demo-keys-") as tmp:
        admin_key = _make_key(Path(tmp) / "admin", DEMO_EMAIL)
        with _signing_as(admin_key):
            store = services.init_store(path, DEMO_NAME, DEMO_EMAIL, date=first)
        keydir = path / ".git" / KEY_DIR
        keydir.mkdir()
        for f in Path(tmp).iterdir():
            (keydir / f.name).write_bytes(f.read_bytes())
            (keydir / f.name).chmod(0o600)
    admin_key = keydir / "admin"
    (path / ".git" / DEMO_MARK).write_text("built by `tracker demo`\n", encoding="utf-8")
    # one demo person and key per role, holding that role in every jurisdiction that has it
    roles: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for pack in store.packs.values():
        for rid, rdef in pack.roles.items():
            roles.setdefault(rid, []).append(f"{pack.id}:{rid}")
            names.setdefault(rid, ROLE_NAMES.get(rid, rdef.name))
    keys: dict[str, tuple[Path, str]] = {}
    for rid in sorted(roles):
        name, email = f"演示·{names[rid]}", f"demo-{rid}@tracker.invalid"
        keys[rid] = (_make_key(keydir / rid, email), f"{name} <{email}>")
        with _signing_as(admin_key):
            trust.people_add(store, name, email, [str(keys[rid][0]) + ".pub"], roles[rid],
                             date=services.commit_date(first))
    clerk = keys.get("unit", (admin_key, ""))
    for n, (on, _, cid, kind, payload) in enumerate(events, 1):
        key, ident = keys.get(payload.role, (admin_key, "")) if kind == "decide" else clerk
        with _signing_as(key, ident):
            _replay(store, on, cid, kind, payload)
        if not quiet and (n % 20 == 0 or n == len(events)):
            sys.stderr.write(pick(f"  已回放 {n}/{len(events)} 个事件\r", f"  replayed {n}/{len(events)} events\r"))
    if not quiet:
        sys.stderr.write("\n")
    return store


def _replay(store: Store, on: _dt.date, cid: str, kind: str, payload) -> None:
    if kind == "new":
        data, later = payload
        facts = data.get("facts", {})
        services.new_case(store, data["jurisdiction"], facts["title"], facts["unit"], _facts_for_new(data, later),
                          on=on, case_id=cid)
    elif kind == "attach":
        file, a = payload
        services.attach(store, cid, file, a.kind, a.name, on=on)
    else:
        dec = payload
        sets = [f"{k}={'true' if v is True else 'false' if v is False else v}" for k, v in dec.set_facts.items()]
        services.advance(store, cid, dec.action, opinion=dec.opinion, on=on, role=dec.role,
                         assignments=sets, by=dec.by, historical=True)


TOUR = [
    ("jurisdictions", [], "已安装的规则包（五部办法）", "installed rule packs (five measures)"),
    ("list", [], "全部案件", "all cases"),
    ("show", ["@first"], "一件案件的详情：事实、办理类型、后续环节、义务、决定、材料、检查结果",
     "one case: facts, track, plan, obligations, decisions, attachments, findings"),
    ("actions", ["@first"], "现在可以作出的决定，以及缺少什么", "what can be decided now and what is missing"),
    ("due", [], "期限与窗口", "deadlines and windows"),
    ("log", ["@first"], "来自 git 的审计记录", "the audit trail from git"),
    ("check", ["--all"], "检查全部案件", "check every case"),
    ("people", ["list"], "授权策略：人员、角色与密钥指纹", "the policy: people, roles and key fingerprints"),
    ("verify", [], "核验全部历史：签名、授权、流转合规", "verify the whole history: signatures, authorization, transitions"),
]


def tour(store: Store) -> None:
    from tracker.cli import main as cli_main

    rows, _ = services.list_cases(store)
    open_rows = [r for r in rows if r["stage"]["kind"] not in ("closed", "rejected", "terminated")]
    first = (open_rows or rows)[0]["id"] if rows else None
    for cmd, args, zh, en in TOUR:
        args = [first if a == "@first" else a for a in args]
        if None in args:
            continue
        shown = " ".join(["tracker", cmd, *args])
        print(f"\n==== {shown}   # {pick(zh, en)}")
        sys.stdout.flush()
        cli_main([cmd, *args, "--store", str(store.root)])
        sys.stdout.flush()


def main(args) -> int:
    store = build(Path(args.path))
    if args.json:
        from tracker.cli.output import emit_json

        emit_json({"path": str(store.root), "cases": len(store.case_ids())})
        return 0
    if args.tour:
        tour(store)
        print()
    if args.no_tui:
        print(store.root)
        return 0
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(pick(f"演示案件库：{store.root}（不是终端，未打开界面；在终端中运行 tracker --store {store.root}）",
                   f"demo store: {store.root} (not a terminal, so the UI was not opened; run tracker --store "
                   f"{store.root} in a terminal)"))
        return 0
    from tracker.tui import run_app

    return run_app(store)
    return 0
