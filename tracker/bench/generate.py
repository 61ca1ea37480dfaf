"""Generate a realistic signed store for benchmarks: many cases, thousands of SSH-signed commits.

Running the CLI once per commit would take hours for 100,000 commits (Python start-up, git, and
ssh-keygen each time). The generator instead plays the same roles in-process: the rule engine
chooses each next legal decision exactly as ``tracker advance`` does, files are rendered by the
same code, and git objects (blobs, trees, commits with an SSH signature made by
:mod:`tracker.store.sshsig`) are written straight into one pack file, which ``git index-pack``
then indexes (the large ``cases/`` tree as a delta on its previous version, as git stores it).

What it makes: all five jurisdictions; facts spread so that every track and conditional stage
occurs; forward decisions mostly, with returns, rejections, change and extension requests and
terminations at realistic rates (and each stage not yet seen tried first, so that a store of
~10 commits per case reaches every stage); Chinese titles, units and opinions; attachments;
two signers per role of each jurisdiction, each decision signed by a holder of its role.

The result is a normal store: ``tracker verify`` must accept it, and ``git verify-commit`` too.
About 1,000 commits a second (10,000 cases / 100,000 commits: three minutes with ``git gc``).
"""

from __future__ import annotations

import bisect
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
from tracker.core.casefile import decision_filename, render_attachments, render_case, render_decision, safe_name
from tracker.core.errors import InputError, RulesSayNo
from tracker.core.i18n import pick
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

PACK_TYPES = {"commit": 1, "tree": 2, "blob": 3}
OFS_DELTA = 6
DELTA_MIN = 4096      # trees at least this large are stored as a delta on their previous version
DELTA_DEPTH = 100     # then a full copy again: git reads a chain from its full base


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length of the longest common prefix (binary search over slices: memcmp in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b), limit)
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid:la - lo] == b[lb - mid:lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _copy_op(offset: int, size: int) -> bytes:
    op, args = 0x80, bytearray()
    for i in range(4):
        byte = (offset >> (8 * i)) & 0xFF
        if byte:
            op |= 1 << i
            args.append(byte)
    if size != 0x10000:
        for i in range(3):
            byte = (size >> (8 * i)) & 0xFF
            if byte:
                op |= 1 << (4 + i)
                args.append(byte)
    return bytes([op]) + bytes(args)


def make_delta(base: bytes, target: bytes) -> bytes:
    """A git delta turning ``base`` into ``target``: copy the common prefix and suffix, insert the
    middle. Exact for any two byte strings; small when one region changed (a tree in which one
    entry changed, the generator's case)."""
    p = _common_prefix(base, target)
    s = _common_suffix(base, target, min(len(base), len(target)) - p)
    out = bytearray(_varint(len(base)) + _varint(len(target)))

    def copy(offset: int, size: int) -> None:
        while size > 0:
            n = min(size, 0xFFFFFF)
            out.extend(_copy_op(offset, n))
            offset += n
            size -= n

    copy(0, p)
    middle = target[p:len(target) - s]
    for i in range(0, len(middle), 127):
        chunk = middle[i:i + 127]
        out.append(len(chunk))
        out.extend(chunk)
    copy(len(base) - s, s)
    return bytes(out)


def apply_delta(base: bytes, delta: bytes) -> bytes:
    """Inverse of :func:`make_delta` for any git delta (used by the tests)."""
    def varint(i: int) -> tuple[int, int]:
        n = shift = 0
        while True:
            b = delta[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n, i

    size, i = varint(0)
    if size != len(base):
        raise ValueError("delta base size mismatch")
    want, i = varint(i)
    out = bytearray()
    while i < len(delta):
        op = delta[i]
        i += 1
        if op & 0x80:
            offset = size = 0
            for k in range(4):
                if op & (1 << k):
                    offset |= delta[i] << (8 * k)
                    i += 1
            for k in range(3):
                if op & (1 << (4 + k)):
                    size |= delta[i] << (8 * k)
                    i += 1
            out += base[offset:offset + (size or 0x10000)]
        elif op:
            out += delta[i:i + op]
            i += op
        else:
            raise ValueError("delta opcode 0")
    if len(out) != want:
        raise ValueError("delta result size mismatch")
    return bytes(out)


class PackWriter:
    """Git objects written straight into one pack file (then indexed by ``git index-pack``).

    Loose objects would not do at this scale: with 10,000 cases the ``cases/`` tree is ~400 KB and
    every commit makes a new one. Here that tree is stored as a delta on its previous version
    (a few dozen bytes), as ``git gc`` would store it, with a full copy every DELTA_DEPTH versions."""

    def __init__(self, gitdir: Path):
        self.packdir = gitdir / "objects" / "pack"
        self.packdir.mkdir(parents=True, exist_ok=True)
        self.tmp = self.packdir / f"tmp-generate-{os.getpid()}.pack"
        self.f = open(self.tmp, "wb")
        self.f.write(b"PACK" + (2).to_bytes(4, "big") + (0).to_bytes(4, "big"))
        self.count = 0
        self.seen: set[str] = set()
        self.prev: dict[str, tuple[int, bytes, int]] = {}  # delta key -> (offset, data, depth)

    @property
    def written(self) -> int:
        return self.count

    def _header(self, kind: int, size: int) -> bytes:
        out = bytearray([(kind << 4) | (size & 0x0F)])
        size >>= 4
        while size:
            out[-1] |= 0x80
            out.append(size & 0x7F)
            size >>= 7
        return bytes(out)

    def write(self, kind: str, data: bytes, delta_key: str | None = None) -> str:
        oid = hashlib.sha1(f"{kind} {len(data)}".encode() + b"\0" + data).hexdigest()
        if oid in self.seen:
            return oid
        self.seen.add(oid)
        offset = self.f.tell()
        base = self.prev.get(delta_key) if delta_key and len(data) >= DELTA_MIN else None
        if base is not None and base[2] < DELTA_DEPTH:
            delta = make_delta(base[1], data)
            rel = offset - base[0]
            ofs = bytearray([rel & 0x7F])
            rel >>= 7
            while rel:
                rel -= 1
                ofs.insert(0, 0x80 | (rel & 0x7F))
                rel >>= 7
            self.f.write(self._header(OFS_DELTA, len(delta)) + bytes(ofs) + zlib.compress(delta, 1))
            depth = base[2] + 1
        else:
            self.f.write(self._header(PACK_TYPES[kind], len(data)) + zlib.compress(data, 1))
            depth = 0
        if delta_key and len(data) >= DELTA_MIN:
            self.prev[delta_key] = (offset, data, depth)
        self.count += 1
        return oid

    def finish(self, cwd: Path) -> None:
        """Write the object count and the trailing checksum, index the pack, move it in place."""
        self.f.seek(8)
        self.f.write(self.count.to_bytes(4, "big"))
        self.f.close()
        h = hashlib.sha1()
        with open(self.tmp, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        digest = h.digest()
        with open(self.tmp, "ab") as f:
            f.write(digest)
        name = self.packdir / f"pack-{digest.hex()}"
        subprocess.run(["git", "index-pack", "-o", str(name) + ".idx", str(self.tmp)], cwd=cwd,
                       env=git.git_env(), check=True, capture_output=True)
        os.replace(self.tmp, str(name) + ".pack")

    def abort(self) -> None:
        try:
            self.f.close()
        finally:
            self.tmp.unlink(missing_ok=True)


class Tree:
    """A directory of the commit being built. Each entry's line is kept serialized and its sort
    key in order, so a new version of a large tree (``cases/``) costs one join, not a sort."""

    def __init__(self, path: str = ""):
        self.path = path
        self.entries: dict[str, tuple[str, str] | "Tree"] = {}
        self.keys: list[bytes] = []            # git's order: name, plus "/" for a directory
        self.lines: dict[bytes, bytes] = {}
        self.dirty: set[str] = set()           # subtrees whose id must be recomputed
        self.oid: str | None = None

    def put(self, path: str, mode: str, oid: str) -> None:
        parts = path.split("/")
        node = self
        for p in parts[:-1]:
            node.oid = None
            nxt = node.entries.get(p)
            if not isinstance(nxt, Tree):
                nxt = node.entries[p] = Tree(f"{node.path}/{p}".lstrip("/"))
                bisect.insort(node.keys, p.encode() + b"/")
            node.dirty.add(p)
            node = nxt
        node.oid = None
        name = parts[-1]
        if name not in node.entries:
            bisect.insort(node.keys, name.encode())
        node.entries[name] = (mode, oid)
        node.lines[name.encode()] = mode.encode() + b" " + name.encode() + b"\0" + bytes.fromhex(oid)

    def write(self, w: PackWriter) -> str:
        if self.oid is not None:
            return self.oid
        for name in self.dirty:
            sub = self.entries[name]
            assert isinstance(sub, Tree)
            self.lines[name.encode() + b"/"] = b"40000 " + name.encode() + b"\0" + bytes.fromhex(sub.write(w))
        self.dirty.clear()
        data = b"".join(map(self.lines.__getitem__, self.keys))
        self.oid = w.write("tree", data, delta_key=f"tree:{self.path}")
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
    budget: int                   # how many steps this case may take (cases differ in how far they get)
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


# How often a reviewer takes each kind of decision when it may (the rest: forward)
KIND_WEIGHTS = {"return": 0.07, "request_change": 0.05, "request_extension": 0.04, "reject": 0.015,
                "terminate": 0.01, "withdraw": 0.01}
RETURN_OPINIONS = ["材料不全，请补充后重新报送。", "建设内容与年度计划不一致，请修改后重新报送。",
                   "投资估算依据不足，请补充说明。", "请补充网络安全和密码应用方案。"]
REJECT_OPINIONS = ["不符合立项条件，不予立项。", "与已建系统功能重复，不予支持。"]
CHANGE_OPINIONS = ["因业务需求调整，申请变更部分建设内容。", "受设备供货影响，申请延长建设工期。"]
PEOPLE_PER_ROLE = 2


def _random_facts(rng: random.Random, pack, clock: _dt.datetime) -> list[tuple[str, str]]:
    """Facts of a new case, spread so that every track and every conditional stage occurs."""
    specs = pack.fact_specs()
    facts = [("budget_wan", rng.choice(["3", "8", "12", "30", "45", "60", "95", "120", "260", "480", "650",
                                        "1200"])),
             ("category", rng.choice(["public", "professional"])),
             ("planned_start", clock.date().isoformat()),
             ("planned_end", (clock.date() + _dt.timedelta(days=rng.choice([180, 300, 420]))).isoformat())]
    flags = {"involves_crypto": 0.35, "in_department_budget": 0.6, "in_annual_plan": 0.7, "public_facing": 0.4,
             "simple_mature": 0.3, "urgent": 0.05, "classified": 0.02, "fixed_asset_investment": 0.04,
             "central_or_provincial_funds": 0.03, "excluded_category": 0.02, "in_development_plan": 0.3,
             "critical_infrastructure": 0.05, "cross_department": 0.2, "supports_ipv6": 0.8}
    for name, prob in flags.items():
        if name in specs or name in SHARED_FLAGS:
            facts.append((name, "true" if rng.random() < prob else "false"))
    if rng.random() < 0.5:
        facts.append(("security_level", rng.choice(["2", "3"])))
    return facts


SHARED_FLAGS = {"involves_crypto", "in_department_budget", "in_annual_plan", "public_facing", "simple_mature",
                "urgent", "classified", "fixed_asset_investment", "critical_infrastructure", "cross_department",
                "supports_ipv6"}


def _doable(opt) -> bool:
    """Allowed now, or the clerk can still supply something it lacks (a rule that fails on
    unknown facts may pass once they are set)."""
    return opt.allowed or any(m.type in ("document", "fact") for m in opt.missing)


def generate(path: Path, cases: int, commits: int, *, seed: int = 20251124,
             progress: Callable[[int, int], None] | None = None, repack: bool = True,
             note: Callable[[str], None] | None = None) -> Generated:
    """Build a store at ``path`` with ``cases`` cases and ``commits`` signed commits in all.

    ``progress(done, total)`` is called every 500 commits; ``note(text)`` at each later phase
    (indexing the pack, checking out, housekeeping)."""
    import time

    from tracker import services
    from tracker.demo import _make_key, _signing_as

    started = time.perf_counter()
    say = note or (lambda _text: None)
    path = path.resolve()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(pick(f"{path} 已存在且不为空", f"{path} exists and is not empty"))
    rng = random.Random(seed)
    keydir = path.parent / f".{path.name}-keys"
    keydir.mkdir(parents=True, exist_ok=True)
    admin_file = _make_key(keydir / "admin", "bench-admin@tracker.invalid")
    clock = _dt.datetime(2024, 1, 2, 9, 0, tzinfo=TZ)
    with _signing_as(admin_file):
        store = services.init_store(path, "基准管理员", "bench-admin@tracker.invalid", date=clock.date())
    w = PackWriter(path / ".git")
    head = git.run(["rev-parse", "HEAD"], path).strip()
    root = Tree()
    for line in git.run(["ls-tree", "-r", "-z", "HEAD"], path).split("\0"):
        if line:
            meta, _, p = line.partition("\t")
            mode, _, oid = meta.split()
            root.put(p, mode, oid)
    packs = store.packs
    calendar = store.calendar

    # people: an admin, and per jurisdiction and role PEOPLE_PER_ROLE people (clerks, reviewers)
    admin = Signer("基准管理员", "bench-admin@tracker.invalid", sshsig.load_private_key(admin_file),
                   normalize_key(sshsig.load_public_key_file(str(admin_file) + ".pub").openssh()))
    signers: dict[tuple[str, str], list[Signer]] = {}
    policy = Policy([Person(admin.name, admin.email, [admin.public], ["admin"])])
    surnames = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
    for j, pack in sorted(packs.items()):
        for rid, rdef in pack.roles.items():
            for n in range(PEOPLE_PER_ROLE):
                k = _new_key(rng)
                pub = normalize_key(sshsig.public_key_of(k).openssh())
                who = f"{rng.choice(surnames)}{'伟芳敏静磊洋勇艳杰娟'[rng.randrange(10)]}（{pack.jurisdiction}{rdef.name}）"
                s = Signer(who, f"{j}-{rid}-{n + 1}@bench.invalid", k, pub)
                signers.setdefault((j, rid), []).append(s)
                policy.people.append(Person(s.name, s.email, [pub], [f"{j}:{rid}"]))
    made = 1  # commits in the history: the first one (tracker init) is there already
    visited: dict[str, set[str]] = {j: set() for j in packs}   # stages reached, per jurisdiction

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

    def person(j: str, role: str | None) -> Signer:
        return rng.choice(signers.get((j, role or "unit")) or signers[(j, "unit")])

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
        unit = rng.choice(UNITS.get(j, ["某单位"]))
        title = f"{unit.replace('人民政府', '')}{rng.choice(TITLES)}"
        facts = {"title": title, "unit": unit}
        values = engine.validate_set(pack, _random_facts(rng, pack, clock))
        facts.update({k: v for k, v in values.items() if v is not None})
        case = Case(cid, pack.id, clock.date(), facts)
        commit({f"cases/{cid}/case.toml": render_case(case).encode()}, f"{cid} 新建案件：{title}", "",
               [("Case", cid), ("Action", "new"), ("Jurisdiction", pack.id)], person(j, "unit"), clock)
        # most cases get about the average number of steps, some go all the way, some stop early
        r = rng.random()
        budget = per_case * 6 if r < 0.15 else (1 + rng.randrange(per_case) if r < 0.35 else per_case * 2)
        states.append(CaseState(case, budget))

    def archive(st: CaseState) -> None:
        """A document added to a case after its last decision (归档材料): what an office's store
        accumulates once its cases are done."""
        case = st.case
        n = sum(1 for a in case.attachments if a.kind == "other") + 1
        name = f"归档材料{n}.pdf"
        data = f"%PDF-1.4\n% {case.id} 归档材料 {n}\n".encode() + bytes(rng.getrandbits(8) for _ in range(300))
        att = Attachment(name=name, kind="other", sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                         added_on=clock.date())
        case.attachments.append(att)
        commit({f"cases/{case.id}/attachments/{name}": data,
                f"cases/{case.id}/attachments.toml": render_attachments(case.attachments).encode()},
               f"{case.id} 添加材料：其他材料（{name}）", "",
               [("Case", case.id), ("Action", "attach"), ("Document", "other"), ("Sha256", att.sha256)],
               person(case.jurisdiction, "unit"), clock)

    def choose(view, opts) -> list:
        """The options in the order this case will try them: an unvisited target stage first
        (so that every stage occurs), then a kind drawn by KIND_WEIGHTS, then forward."""
        seen = visited[view.pack.id]
        fresh = [o for o in opts if o.to and o.to not in seen and _doable(o)]
        rng.shuffle(fresh)
        ordered = fresh[:1] if fresh and rng.random() < 0.5 else []
        for kind, weight in KIND_WEIGHTS.items():
            if rng.random() < weight:
                ordered += [o for o in opts if o.kind == kind]
        ordered += [o for o in opts if o.kind in FORWARD]
        ordered += [o for o in opts if o.allowed]
        return ordered

    def step(st: CaseState) -> None:
        case = st.case
        pack = packs[case.jurisdiction]
        on = clock.date()
        view = engine.evaluate(pack, case, on, calendar)
        visited[pack.id].add(view.stage_id)
        if view.ended or st.steps >= st.budget:
            st.active = False
            return
        opts = engine.list_actions(view, on=on)
        opt = next((o for o in choose(view, opts) if _doable(o)), None)
        if opt is None:
            st.active = False
            return
        st.steps += 1
        unit_clerk = person(case.jurisdiction, "unit")
        for m in opt.missing:
            if m.type == "document":
                name = f"{pack.doc_label(m.id)}.pdf".replace("/", "、")
                if not safe_name(name):
                    name = f"{m.id}.pdf"
                data = f"%PDF-1.4\n% {case.id} {pack.doc_label(m.id)} {rng.random()}\n".encode()
                data += bytes(rng.getrandbits(8) for _ in range(rng.randrange(200, 2000)))
                att = Attachment(name=name, kind=m.id, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                 added_on=on)
                case.attachments.append(att)
                commit({f"cases/{case.id}/attachments/{name}": data,
                        f"cases/{case.id}/attachments.toml": render_attachments(case.attachments).encode()},
                       f"{case.id} 添加材料：{pack.doc_label(m.id)}（{name}）", "",
                       [("Case", case.id), ("Action", "attach"), ("Document", m.id), ("Sha256", att.sha256)],
                       unit_clerk, clock)
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
                       [("Case", case.id), ("Action", "set-facts"), ("Facts", m.id)], unit_clerk, clock)
                return
        if not opt.allowed:
            st.active = False
            return
        opinion = rng.choice(RETURN_OPINIONS if opt.kind == "return" else REJECT_OPINIONS
                             if opt.kind in ("reject", "terminate", "withdraw") else CHANGE_OPINIONS
                             if opt.kind in ("request_change", "request_extension") else OPINIONS)
        try:
            d = engine.decide(view, opt.id, role=opt.role, on=on, opinion=opinion,
                              recorded_at=clock.isoformat(timespec="seconds"))
        except (RulesSayNo, InputError):
            st.active = False
            return
        who = person(case.jurisdiction, d.role)
        d.by = who.ident
        case.decisions.append(d)
        visited[pack.id].add(d.to_stage)
        trailers = [("Case", case.id), ("Action", d.action), ("Kind", d.kind), ("From", d.from_stage),
                    ("To", d.to_stage), ("Role", d.role), ("Track", d.track or ""),
                    ("Decided-On", d.decided_on.isoformat())]
        commit({f"cases/{case.id}/decisions/{decision_filename(d.seq, d.action)}": render_decision(d).encode()},
               f"{case.id} {pack.stages[d.from_stage].name} → {pack.stages[d.to_stage].name}",
               d.opinion, trailers, who, clock)

    try:
        opened = 0
        active: list[CaseState] = []     # in the order opened; finished ones dropped now and then
        loops = 0
        while made < commits:
            loops += 1
            if loops % 256 == 0:
                active = [s for s in active if s.active]
            if opened < cases and (not active or rng.random() < (cases - opened) / max(1, commits - made)):
                clock += _dt.timedelta(minutes=step_minutes)
                open_case(opened)
                opened += 1
                active.append(states[-1])
                continue
            if not active:
                if opened >= cases:  # every case has ended: units file archive documents until the end
                    clock += _dt.timedelta(minutes=step_minutes)
                    archive(rng.choice(states))
                continue
            st = rng.choice(active[-64:] if rng.random() < 0.7 else active)
            if not st.active:
                if loops % 256 and not any(s.active for s in active[-8:]):
                    active = [s for s in active if s.active]
                continue
            clock += _dt.timedelta(minutes=step_minutes)
            step(st)
        if progress:
            progress(made, commits)
        say("indexing the pack (git index-pack)")
        w.finish(path)
    except BaseException:
        w.abort()
        raise

    git.run(["update-ref", "refs/heads/main", head], path)
    say("checking out the working tree")
    git.run(["reset", "-q", "--hard", "HEAD"], path)
    from tracker.trust import refresh_allowed_signers

    refresh_allowed_signers(path)
    if repack:  # as git's own housekeeping leaves a store in use: packed, with a commit-graph
        say("housekeeping (git gc)")
        subprocess.run(["git", "-c", "gc.writeCommitGraph=true", "gc", "-q"], cwd=path, env=git.git_env(), check=False)
    else:
        subprocess.run(["git", "commit-graph", "write", "--reachable"], cwd=path, env=git.git_env(), check=False)
    stages = {j: sorted(v) for j, v in visited.items()}
    missing = {j: sorted(set(packs[j].stages) - v) for j, v in visited.items()}
    return Generated(path, opened, made, time.perf_counter() - started,
                     sum(len(v) for v in signers.values()) + 1,
                     {"keys": str(keydir), "stages": stages, "stages_missing": missing})
