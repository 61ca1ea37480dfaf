"""Generate a realistic signed store for benchmarks: many cases, thousands of SSH-signed commits.

Running the CLI once per commit would take hours for 100,000 commits (Python start-up, git, and
ssh-keygen each time). The generator instead plays the same roles in-process: the rule engine
chooses each next legal decision exactly as ``tracker advance`` does, files are rendered by the
same code, and git objects (blobs, trees, commits with an SSH signature made by
:mod:`tracker.store.sshsig`) are written directly as loose objects, then packed by git.

The result is a normal store: ``tracker verify`` must accept it, and ``git verify-commit`` too.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import random
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tracker.core import engine
from tracker.core.casefile import decision_filename, render_attachments, render_case, render_decision
from tracker.core.errors import InputError, RulesSayNo
from tracker.core.models import Attachment, Case
from tracker.core.policy import Person, Policy, normalize_key, render_policy
from tracker.store import git, sshsig
from tracker.store.commit import format_message

TZ = _dt.timezone(_dt.timedelta(hours=8))

UNITS = {
    "heyuan": ["河源市教育局", "河源市卫生健康局", "河源市交通运输局", "河源市自然资源局", "河源市应急管理局"],
    "yeji": ["叶集区教育体育局", "叶集区卫生健康委员会", "叶集区市场监督管理局", "叶集区住房和城乡建设局"],
    "yunfu": ["云浮市公安局", "云浮市人力资源和社会保障局", "云浮市民政局", "云浮市水务局"],
    "golmud": ["格尔木市教育局", "格尔木市卫生健康委员会", "格尔木市城市管理局", "格尔木市农牧和乡村振兴局"],
    "yunan": ["郁南县教育局", "郁南县卫生健康局", "郁南县农业农村局", "都城镇人民政府"],
}
TITLES = ["政务服务一网通办平台升级", "智慧校园管理系统", "城市运行监测平台", "电子证照共享系统", "视频会议系统扩容",
          "数据共享交换平台", "应急指挥调度系统", "医保结算接口改造", "不动产登记信息系统", "基层治理网格化平台",
          "12345热线知识库", "档案数字化加工", "机房基础设施改造", "网络安全态势感知平台", "政务云资源租用"]
FACTS = {
    "contract_wan": "90", "completed_on": None, "accepted_on": None, "in_operation_on": None,
    "category": "professional", "change_reason": "optimization", "new_total_wan": "90", "change_wan": "5",
    "software_cost_wan": "30", "security_level": "2", "preliminary_accepted_on": None,
    "approved_estimate_wan": "100", "planned_start": None, "planned_end": None,
}
FORWARD = ("submit", "approve", "complete")
OPINIONS = ["同意。", "经审核，材料齐全，同意进入下一环节。", "同意，请按批复内容组织实施。",
            "经专家论证，方案可行，同意。", "资金来源已落实，同意。"]


# ---------------------------------------------------------------------------------------
# git objects

class ObjectWriter:
    """Loose git objects, written directly (zlib + sha1), as git itself stores them."""

    def __init__(self, gitdir: Path):
        self.dir = gitdir / "objects"
        self.written = 0

    def write(self, kind: str, data: bytes) -> str:
        raw = f"{kind} {len(data)}".encode() + b"\0" + data
        oid = hashlib.sha1(raw).hexdigest()
        path = self.dir / oid[:2] / oid[2:]
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_name(f".tmp-{oid[2:]}")
            tmp.write_bytes(zlib.compress(raw, 1))
            os.replace(tmp, path)
            self.written += 1
        return oid


class Tree:
    """A directory of the commit being built; tree ids are recomputed only along changed paths."""

    def __init__(self):
        self.entries: dict[str, tuple[str, str] | "Tree"] = {}
        self.oid: str | None = None

    def put(self, path: str, mode: str, oid: str) -> None:
        parts = path.split("/")
        node = self
        node.oid = None
        for p in parts[:-1]:
            nxt = node.entries.get(p)
            if not isinstance(nxt, Tree):
                nxt = node.entries[p] = Tree()
            nxt.oid = None
            node = nxt
        node.entries[parts[-1]] = (mode, oid)

    def write(self, w: ObjectWriter) -> str:
        if self.oid is not None:
            return self.oid

        def key(item):
            name, e = item
            return name.encode() + (b"/" if isinstance(e, Tree) else b"")

        out = bytearray()
        for name, e in sorted(self.entries.items(), key=key):
            if isinstance(e, Tree):
                out += b"40000 " + name.encode() + b"\0" + bytes.fromhex(e.write(w))
            else:
                out += e[0].encode() + b" " + name.encode() + b"\0" + bytes.fromhex(e[1])
        self.oid = w.write("tree", bytes(out))
        return self.oid


def signed_commit(tree: str, parents: list[str], ident: str, when: _dt.datetime, message: str, key) -> bytes:
    stamp = f"{int(when.timestamp())} +0800"
    head = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents) + \
        f"author {ident} {stamp}\ncommitter {ident} {stamp}\n"
    payload = (head + "\n" + message).encode("utf-8")
    sig = sshsig.sign(key, payload, "git")
    lines = sig.rstrip("\n").split("\n")
    sig_header = "gpgsig " + "\n ".join(lines) + "\n"
    return (head + sig_header + "\n" + message).encode("utf-8")


# ---------------------------------------------------------------------------------------

@dataclass
class Signer:
    name: str
    email: str
    key: object
    public: str

    @property
    def ident(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass
class CaseState:
    case: Case
    active: bool = True
    steps: int = 0


@dataclass
class Generated:
    path: Path
    cases: int
    commits: int
    seconds: float
    signers: int
    extra: dict = field(default_factory=dict)


def _new_key(seed: random.Random):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(bytes(seed.getrandbits(8) for _ in range(32)))


def generate(path: Path, cases: int, commits: int, *, seed: int = 20251124,
             progress: Callable[[int, int], None] | None = None, repack: bool = True) -> Generated:
    """Build a store at ``path`` with ``cases`` cases and about ``commits`` signed commits."""
    import time

    from tracker import services
    from tracker.demo import _make_key, _signing_as

    started = time.perf_counter()
    path = path.resolve()
    if path.exists() and any(path.iterdir()):
        raise InputError(f"{path} exists and is not empty")
    rng = random.Random(seed)
    keydir = path.parent / f".{path.name}-keys"
    keydir.mkdir(parents=True, exist_ok=True)
    admin_file = _make_key(keydir / "admin", "bench-admin@tracker.invalid")
    clock = _dt.datetime(2024, 1, 2, 9, 0, tzinfo=TZ)
    with _signing_as(admin_file):
        store = services.init_store(path, "基准管理员", "bench-admin@tracker.invalid", date=clock.date())
    gitdir = path / ".git"
    w = ObjectWriter(gitdir)
    head = git.run(["rev-parse", "HEAD"], path).strip()
    root = Tree()
    for line in git.run(["ls-tree", "-r", "-z", "HEAD"], path).split("\0"):
        if line:
            meta, _, p = line.partition("\t")
            mode, _, oid = meta.split()
            root.put(p, mode, oid)
    packs = store.packs
    calendar = store.calendar

    # people: an admin, and per jurisdiction one clerk and one person per reviewing role
    admin = Signer("基准管理员", "bench-admin@tracker.invalid", sshsig.load_private_key(admin_file),
                   normalize_key(sshsig.load_public_key_file(str(admin_file) + ".pub").openssh()))
    signers: dict[tuple[str, str], Signer] = {}
    policy = Policy([Person(admin.name, admin.email, [admin.public], ["admin"])])
    for j, pack in sorted(packs.items()):
        for rid, rdef in pack.roles.items():
            k = _new_key(rng)
            pub = normalize_key(sshsig.public_key_of(k).openssh())
            s = Signer(f"{pack.jurisdiction}{rdef.name}", f"{j}-{rid}@bench.invalid", k, pub)
            signers[(j, rid)] = s
            policy.people.append(Person(s.name, s.email, [pub], [f"{j}:{rid}"]))
    made = 0

    def commit(files: dict[str, bytes], subject: str, body: str, trailers: list[tuple[str, str]],
               who: Signer, when: _dt.datetime) -> None:
        nonlocal head, made
        for p, data in files.items():
            root.put(p, "100644", w.write("blob", data))
        tree = root.write(w)
        raw = signed_commit(tree, [head], who.ident, when, format_message(subject, body, trailers), who.key)
        head = w.write("commit", raw)
        made += 1
        if progress and (made % 500 == 0):
            progress(made, commits)

    clock += _dt.timedelta(hours=1)
    commit({".tracker/policy.toml": render_policy(policy).encode()}, "授权：基准测试人员",
           "", [("Tracker-Action", "people-add")], admin, clock)

    jurs = sorted(packs)
    states: list[CaseState] = []
    per_case = max(2, commits // max(1, cases))
    seq_by_year: dict[tuple[str, int], int] = {}
    step_minutes = max(1, int(2 * 365 * 24 * 60 / max(commits, 1)))

    def open_case(i: int) -> None:
        j = jurs[i % len(jurs)]
        pack = packs[j]
        year = clock.year
        n = seq_by_year[(j, year)] = seq_by_year.get((j, year), 0) + 1
        cid = f"{pack.case_prefix}-{year}-{n:04d}"
        budget = rng.choice(["8", "30", "45", "60", "95", "120", "260", "480", "650"])
        unit = rng.choice(UNITS.get(j, ["某单位"]))
        title = f"{unit.replace('人民政府', '')}{rng.choice(TITLES)}"
        facts = {"title": title, "unit": unit}
        values = engine.validate_set(pack, [("budget_wan", budget), ("category", rng.choice(["public", "professional"])),
                                            ("planned_start", clock.date().isoformat()),
                                            ("planned_end", (clock.date() + _dt.timedelta(days=300)).isoformat())])
        facts.update({k: v for k, v in values.items() if v is not None})
        case = Case(cid, pack.id, clock.date(), facts)
        commit({f"cases/{cid}/case.toml": render_case(case).encode()}, f"{cid} 新建案件：{title}", "",
               [("Case", cid), ("Action", "new"), ("Jurisdiction", pack.id)], signers[(j, "unit")], clock)
        states.append(CaseState(case))

    def step(st: CaseState) -> None:
        case = st.case
        pack = packs[case.jurisdiction]
        on = clock.date()
        view = engine.evaluate(pack, case, on, calendar)
        if view.ended or st.steps > per_case * 3:
            st.active = False
            return
        opts = engine.list_actions(view, on=on)
        fwd = [o for o in opts if o.kind in FORWARD] or [o for o in opts if o.allowed]
        if not fwd:
            st.active = False
            return
        opt = fwd[0]
        st.steps += 1
        for m in opt.missing:
            if m.type == "document":
                name = f"{pack.doc_label(m.id)}.pdf"
                data = f"%PDF-1.4 {case.id} {m.id} {rng.random()}\n".encode()
                att = Attachment(name=name, kind=m.id, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                 added_on=on)
                case.attachments.append(att)
                commit({f"cases/{case.id}/attachments/{name}": data,
                        f"cases/{case.id}/attachments.toml": render_attachments(case.attachments).encode()},
                       f"{case.id} 添加材料：{pack.doc_label(m.id)}（{name}）", "",
                       [("Case", case.id), ("Action", "attach"), ("Document", m.id), ("Sha256", att.sha256)],
                       signers[(case.jurisdiction, "unit")], clock)
                return
            if m.type == "fact":
                value = FACTS.get(m.id, "true") or on.isoformat()
                try:
                    values = engine.validate_set(pack, [(m.id, value)])
                except InputError:
                    st.active = False
                    return
                case.facts = engine.apply_facts(case.facts, values)
                commit({f"cases/{case.id}/case.toml": render_case(case).encode()},
                       f"{case.id} 修改事实：{m.id}={value}", "",
                       [("Case", case.id), ("Action", "set-facts"), ("Facts", m.id)],
                       signers[(case.jurisdiction, "unit")], clock)
                return
        if not opt.allowed:
            st.active = False
            return
        try:
            d = engine.decide(view, opt.id, role=opt.role, on=on, opinion=rng.choice(OPINIONS),
                              recorded_at=clock.isoformat(timespec="seconds"))
        except (RulesSayNo, InputError):
            st.active = False
            return
        who = signers.get((case.jurisdiction, d.role)) or signers[(case.jurisdiction, "unit")]
        d.by = who.ident
        case.decisions.append(d)
        trailers = [("Case", case.id), ("Action", d.action), ("Kind", d.kind), ("From", d.from_stage),
                    ("To", d.to_stage), ("Role", d.role), ("Track", d.track or ""),
                    ("Decided-On", d.decided_on.isoformat())]
        commit({f"cases/{case.id}/decisions/{decision_filename(d.seq, d.action)}": render_decision(d).encode()},
               f"{case.id} {pack.stages[d.from_stage].name} → {pack.stages[d.to_stage].name}",
               d.opinion, trailers, who, clock)

    opened = 0
    while made < commits:
        clock += _dt.timedelta(minutes=step_minutes)
        active = [s for s in states if s.active]
        if opened < cases and (not active or rng.random() < (cases - opened) / max(1, commits - made)):
            open_case(opened)
            opened += 1
            continue
        if not active:
            if opened >= cases:
                break
            continue
        step(rng.choice(active[-64:] if rng.random() < 0.7 else active))

    git.run(["update-ref", "refs/heads/main", head], path)
    git.run(["reset", "-q", "--hard", "HEAD"], path)
    from tracker.trust import refresh_allowed_signers

    refresh_allowed_signers(path)
    if repack:  # as git's own housekeeping leaves a store in use: packed, with a commit-graph
        subprocess.run(["git", "-c", "gc.writeCommitGraph=true", "gc", "-q"], cwd=path, env=git.git_env(), check=False)
    return Generated(path, opened, made + 2, time.perf_counter() - started, len(signers) + 1,
                     {"keys": str(keydir)})
