"""Verify a store's history from its trust root.

Every commit is checked on its own, from git objects alone (so the same code runs in a clone, in
the shared remote's pre-receive hook, and on a bare repository):

- its signature (SSH signatures verified in-process with ``cryptography``; OpenPGP through
  ``git verify-commit``);
- that the signer is authorized by the policy *in the parent commit* for what the commit does:
  an admin for the policy, rule packs and hooks; the decision's role (``heyuan:finance``) for a
  decision; a role in the case's jurisdiction (a clerk only for its own unit) for facts and
  documents; anyone in the policy for a merge;
- its shape: one case per commit, at most one new decision, decision files never edited or
  deleted, trailers that agree with the decision file;
- that a new decision is a legal transition under the rule pack in force (the parent's pack,
  replaying the case's earlier decisions, with the same engine the CLI uses);
- for merges: nothing that is in neither parent, and no case with new decisions on both sides
  (two offices deciding the same case concurrently).

The result of each commit depends only on the commit and its parents, so results are cached by
commit id (``.git/tracker-cache/verify-*.pickle``): a re-run checks only new commits.
"""

from __future__ import annotations

import functools
import os
import pickle
import re
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:  # loaded where used: the main process of a parallel run never needs them
    from tracker.core.pack import Pack

from tracker.core.calendar import WorkCalendar, weekday_calendar
from tracker.core.casefile import CASE_ID_RE, parse_decision
from tracker.core.errors import InputError, RulesSayNo, TrackerError
from tracker.core.facts import coerce, spec_for, to_plain
from tracker.core.i18n import Text
from tracker.core.models import Case
from tracker.core.policy import Need, Policy, authorize, normalize_key, parse_policy
from tracker.store import git
from tracker.store.commit import parse_trailers
from tracker.store.objects import ZERO, CatFile, Change, CommitObj, log_changes, parse_commit, parse_tree

POLICY = ".tracker/policy.toml"
CACHE_VERSION = 3
_CASE_PATH = re.compile(r"^cases/([^/]+)/(.+)$")

SIGNATURE_WORDS = {
    "good": Text("已验证", "verified"),
    "unknown_key": Text("未知密钥", "unknown key"),
    "unauthorized": Text("未授权", "unauthorized"),
    "bad": Text("签名无效", "bad signature"),
    "unsigned": Text("未签名", "unsigned"),
}


@dataclass
class Problem:
    commit: str
    case: str | None
    rule: str
    message: Text

    def as_dict(self) -> dict:
        return {"commit": self.commit, "case": self.case, "rule": self.rule, "message": str(self.message),
                "message_zh": self.message.zh, "message_en": self.message.en}


@dataclass
class CommitResult:
    commit: str
    signature: str                 # good | bad | unknown_key | unauthorized | unsigned
    key: str | None = None         # the signer's normalized public key
    fingerprint: str | None = None
    signer: str | None = None      # "Name <email>" from the policy
    case: str | None = None
    problems: list[Problem] = field(default_factory=list)
    need: tuple | None = None      # what the commit needed from its signer: (kind, jurisdiction, role, units)


@dataclass
class Report:
    checked: int                   # commits in the verified history
    new: int                       # of which checked in this run (the rest came from the cache)
    problems: list[Problem]
    results: Mapping[str, CommitResult]
    trust_root: str | None
    seconds: float = 0.0
    pinned_now: str | None = None  # the trust root this run pinned (a clone not made by tracker)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "new": self.new, "trust_root": self.trust_root,
                "problems": [p.as_dict() for p in self.problems]}


# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Env:
    """The rule-relevant files of a commit: policy, rule packs and calendars, by blob id."""

    policy: str | None
    packs: tuple[tuple[str, str], ...]       # (path, oid) of jurisdictions/*.yaml
    calendars: tuple[tuple[str, str], ...]   # (path, oid) of jurisdictions/calendars/*.yaml

    def updated(self, changes: Iterable[Change]) -> "Env":
        policy, packs, cals = self.policy, dict(self.packs), dict(self.calendars)
        touched = False
        for c in changes:
            if c.is_tree:
                continue
            if c.path == POLICY:
                policy, touched = (None if c.status == "D" else c.new), True
            elif _is_pack(c.path):
                touched = True
                if c.status == "D":
                    packs.pop(c.path, None)
                else:
                    packs[c.path] = c.new
            elif _is_calendar(c.path):
                touched = True
                if c.status == "D":
                    cals.pop(c.path, None)
                else:
                    cals[c.path] = c.new
        if not touched:
            return self
        return Env(policy, tuple(sorted(packs.items())), tuple(sorted(cals.items())))


EMPTY_ENV = Env(None, (), ())

# Parsed rule packs and calendars by blob id, for the whole process: filled before worker
# processes fork, so that they inherit them instead of each parsing the YAML again.
_PACK_MEMO: dict[tuple[str, str], object] = {}
_KNOWN_ROWS: dict[str, tuple] = {}  # results of earlier runs (the cache), seen by forked workers
_CALENDAR_MEMO: dict[tuple, WorkCalendar] = {}


def _is_pack(path: str) -> bool:
    return path.startswith("jurisdictions/") and path.count("/") == 1 and path.endswith(".yaml")


def _is_calendar(path: str) -> bool:
    return path.startswith("jurisdictions/calendars/") and path.count("/") == 2 and path.endswith(".yaml")


def _p(commit: str, case: str | None, rule: str, zh: str, en: str) -> Problem:
    return Problem(commit, case, rule, Text(zh, en))


# ---------------------------------------------------------------------------------------

class Verifier:
    def __init__(self, root: Path, *, cache_dir: Path | None = None,
                 calendar_loader: Callable[[list[tuple[str, str]]], WorkCalendar] | None = None):
        self.root = root
        self.cat = CatFile(root)
        self.cache_dir = cache_dir
        self.calendar_loader = calendar_loader
        self._text: dict[str, str | None] = {}
        self._policies: dict[str | None, Policy | None] = {}
        self._packs: dict[tuple, dict[str, Pack] | TrackerError] = {}
        self._pack_by_oid: dict[tuple[str, str], Pack | TrackerError] = {}
        self._calendars: dict[tuple, WorkCalendar] = {}
        self._state: dict[str, dict[str, str]] = {}  # case -> its files as of self._last
        self._last: str | None = None
        self._base: str | None = None  # where the straight line of history up to self._last starts
        self._base_map: dict[str, str] | None = None  # case -> its tree id in self._base
        self._trees: dict[str, list[tuple[str, str, str]]] = {}  # read ahead (_prefetch_cases)
        self._parsed_cache: dict[tuple, object] = {}
        self._att_prev: dict[str, str] = {}  # attachments.toml version -> the version it replaced
        self._envs: dict[str, Env] = {}
        self.earlier: dict[str, CommitResult] = {}  # results of this worker's earlier batches

    # -- object access -------------------------------------------------------------------
    def text(self, oid: str) -> str | None:
        if oid in self._text:
            return self._text[oid]
        got = self.cat.get(oid)
        value = None
        if got is not None:
            try:
                value = got[2].decode("utf-8")
            except UnicodeDecodeError:
                value = None
        self._text[oid] = value
        return value

    def tree(self, oid: str) -> list[tuple[str, str, str]]:
        hit = self._trees.get(oid)
        if hit is not None:
            return hit
        got = self.cat.get(oid)
        return parse_tree(got[2]) if got and got[1] == "tree" else []

    def policy(self, oid: str | None) -> Policy | None:
        if oid not in self._policies:
            pol = None
            if oid is not None:
                txt = self.text(oid)
                try:
                    pol = parse_policy(txt, POLICY) if txt is not None else None
                except InputError:
                    pol = None
            self._policies[oid] = pol
        return self._policies[oid]

    def pack_blob(self, path: str, oid: str) -> Pack | TrackerError:
        key = (path, oid)
        if key not in self._pack_by_oid and key in _PACK_MEMO:
            self._pack_by_oid[key] = _PACK_MEMO[key]
        if key not in self._pack_by_oid:
            from tracker.store.store import pack_from_bytes

            got = self.cat.get(oid)
            try:
                self._pack_by_oid[key] = pack_from_bytes(got[2] if got else b"", path, self.cache_dir)
            except TrackerError as e:
                self._pack_by_oid[key] = e
            _PACK_MEMO[key] = self._pack_by_oid[key]
        return self._pack_by_oid[key]

    def packs(self, env: Env) -> dict[str, Pack]:
        if env.packs not in self._packs:
            out: dict[str, Pack] = {}
            for path, oid in env.packs:
                p = self.pack_blob(path, oid)
                if not isinstance(p, TrackerError):
                    out[p.id] = p
            self._packs[env.packs] = out
        return self._packs[env.packs]

    def calendar(self, env: Env) -> WorkCalendar:
        if env.calendars not in self._calendars:
            cal = None
            if self.calendar_loader is not None and env.calendars:
                cal = self._cached_calendar(env.calendars)
            self._calendars[env.calendars] = cal or weekday_calendar()
        return self._calendars[env.calendars]

    def _cached_calendar(self, files: tuple[tuple[str, str], ...]) -> WorkCalendar | None:
        from tracker.store.store import calendar_cache_key

        if files in _CALENDAR_MEMO:
            return _CALENDAR_MEMO[files]
        key = calendar_cache_key([(path.rsplit("/", 1)[-1], (self.text(oid) or "").encode("utf-8"))
                                  for path, oid in files])
        f = self.cache_dir / f"calendar-{key}.pickle" if self.cache_dir else None
        if f is not None:
            try:
                _CALENDAR_MEMO[files] = pickle.loads(f.read_bytes())
                return _CALENDAR_MEMO[files]
            except Exception:  # missing or stale: parse again
                pass
        try:
            cal = self.calendar_loader([(path, self.text(oid) or "") for path, oid in files])
        except TrackerError:
            return None  # a malformed calendar file: weekdays only (the file is reported by `check`)
        _CALENDAR_MEMO[files] = cal
        if f is not None:
            try:
                f.parent.mkdir(parents=True, exist_ok=True)
                tmp = f.with_name(f".{f.name}.{os.getpid()}")
                tmp.write_bytes(pickle.dumps(cal))
                os.replace(tmp, f)
            except OSError:
                pass
        return cal

    def env_of(self, commit: str) -> Env:
        """The Env of a commit not processed in this run, read through git's own path lookup
        (``commit:path``), so that no crafted commit header can make us read another tree."""
        if commit in self._envs:
            return self._envs[commit]
        pol = self.cat.get(f"{commit}:{POLICY}")
        policy = pol[0] if pol and pol[1] == "blob" else None
        packs, cals = [], []
        jur = self.cat.get(f"{commit}:jurisdictions")
        if jur and jur[1] == "tree":
            for m, n, o in parse_tree(jur[2]):
                if m != "40000" and n.endswith(".yaml"):
                    packs.append((f"jurisdictions/{n}", o))
                elif n == "calendars" and m == "40000":
                    cals += [(f"jurisdictions/calendars/{n2}", o2) for m2, n2, o2 in self.tree(o)
                             if n2.endswith(".yaml")]
        env = Env(policy, tuple(sorted(packs)), tuple(sorted(cals)))
        self._envs[commit] = env
        return env

    def _tree_files(self, tree_oid: str) -> dict[str, str]:
        """relative path -> blob id of the files of a case tree (and of its subfolders)."""
        got: dict[str, str] = {}
        for m, n, o in self.tree(tree_oid):
            if m == "40000":
                for m2, n2, o2 in self.tree(o):
                    if m2 != "40000":
                        got[f"{n}/{n2}"] = o2
            else:
                got[n] = o
        return got

    def files_before(self, parent: str, cid: str) -> dict[str, str]:
        """The files of a case in the parent commit ({} when it did not exist there).

        Along a straight line of history this is what the previous commit left (kept in memory);
        a case no commit of the line has changed yet is as it was where the line starts (after a
        merge, or at the start of a run), read from git."""
        if cid not in self._state:
            oid = self._base_cases().get(cid)
            self._state[cid] = self._tree_files(oid) if oid else {}
        return self._state[cid]

    def _base_cases(self) -> dict[str, str]:
        """case id -> tree id of its folder in ``self._base``: one read of ``cases/`` rather than a
        path lookup in it (a scan of 10,000 entries in git) for each case."""
        if self._base_map is None:
            got = self.cat.get(f"{self._base}:cases") if self._base else None
            self._base_map = {n: o for m, n, o in parse_tree(got[2]) if m == "40000"} \
                if got and got[1] == "tree" else {}
        return self._base_map

    def _start_line(self, base: str | None) -> None:
        self._state = {}
        if base != self._base:
            self._base, self._base_map = base, None

    def _prefetch_cases(self, commits: list[CommitObj], changes: dict) -> None:
        """Read the folders of the cases the first straight line of this run changes, as they were
        where it starts, in two pipelined batches instead of a request and reply per tree."""
        if not commits or not commits[0].parents:
            return
        self._start_line(commits[0].parents[0])
        cids: dict[str, None] = {}
        last = self._base
        for c in commits:
            if not c.parents or c.parents[0] != last:
                break
            last = c.oid
            cc = changes.get(c.oid)
            for ch in (cc.diffs[0] if cc and cc.diffs else ()):
                cid = _case_of(ch.path)
                if cid:
                    cids[cid] = None
        base = self._base_cases()
        wanted = [base[c] for c in cids if c in base]
        subtrees = []
        for oid, got in self.cat.get_many(wanted):
            entries = parse_tree(got[2]) if got and got[1] == "tree" else []
            self._trees[oid] = entries
            subtrees += [o for m, _, o in entries if m == "40000"]
        for oid, got in self.cat.get_many(list(dict.fromkeys(subtrees))):
            self._trees[oid] = parse_tree(got[2]) if got and got[1] == "tree" else []

    def _advance_state(self, c: CommitObj, by_case: dict[str, list[tuple[str, Change]]]) -> dict[str, tuple]:
        """(files before, files after) of each case the commit changes; remembers the after state."""
        if not c.parents or c.parents[0] != self._last:
            self._start_line(c.parents[0] if c.parents else None)  # not the continuation: start again
        out = {}
        for cid, items in by_case.items():
            before = self.files_before(c.parents[0], cid) if c.parents else {}
            after = dict(before)
            for rest, ch in items:
                if ch.status == "D":
                    after.pop(rest, None)
                else:
                    after[rest] = ch.new
                    if rest == "attachments.toml" and ch.old != ZERO:
                        self._att_prev.setdefault(ch.new, ch.old)
            out[cid] = (before, after)
        for cid, (_, after) in out.items():
            self._state[cid] = after
        self._last = c.oid
        return out

    def _parsed(self, kind: str, oid: str, display: str, fn):
        key = (kind, oid, display)
        if key not in self._parsed_cache:
            try:
                self._parsed_cache[key] = fn(self.text(oid) or "", display)
            except InputError as e:
                self._parsed_cache[key] = e
        got = self._parsed_cache[key]
        if isinstance(got, InputError):
            raise got
        return got

    def attachments(self, oid: str, display: str):
        """The attachment list of a version of attachments.toml.

        Documents are appended: when this version extends the previous one, only the new tail is
        parsed and added to the previous list (the lists grow with every document; parsing each
        version whole would cost quadratic time over a long history)."""
        from tracker.core.casefile import parse_attachments

        key = ("attachments", oid, display)
        chain = []
        cur = oid
        while key not in self._parsed_cache and cur in self._att_prev and len(chain) < 500:
            chain.append(cur)
            cur = self._att_prev[cur]
            key = ("attachments", cur, display)
        # parse the oldest version not yet known whole, then each later one by its tail
        for version in reversed([cur] + chain):
            k = ("attachments", version, display)
            if k in self._parsed_cache:
                continue
            prev = self._att_prev.get(version)
            done = False
            if prev and ("attachments", prev, display) in self._parsed_cache:
                base, ptext, text = self._parsed_cache[("attachments", prev, display)], self.text(prev) or "", \
                    self.text(version) or ""
                tail = text[len(ptext):]
                if not isinstance(base, InputError) and ptext and text.startswith(ptext) and \
                        (not tail.strip() or tail.lstrip().startswith("[[attachment]]")):
                    try:
                        self._parsed_cache[k] = base + (parse_attachments(tail, display) if tail.strip() else [])
                        done = True
                    except InputError:
                        done = False  # parse the whole version below, for the right line number
            if not done:
                try:
                    self._parsed_cache[k] = parse_attachments(self.text(version) or "", display)
                except InputError as e:
                    self._parsed_cache[k] = e
        return self._raise_or(self._parsed_cache[("attachments", oid, display)])

    @staticmethod
    def _raise_or(value):
        if isinstance(value, InputError):
            raise value
        return value

    def case_head(self, cid: str, files: dict[str, str], env: Env) -> Case:
        """The case's facts (case.toml only); raises InputError if it cannot be read."""
        from tracker.core.casefile import parse_case

        oid = files.get("case.toml")
        display = f"cases/{cid}/case.toml"
        if oid is None:
            raise InputError(str(Text("缺少 case.toml", "case.toml is missing")), file=display)
        packs = self.packs(env)

        def extra(j: str):
            if j not in packs:
                raise InputError(str(Text(f"未知辖区“{j}”", f"unknown jurisdiction {j!r}")), file=display, line=1)
            return packs[j].fact_specs()

        head = self._parsed(("case", env.packs), oid, display,
                            lambda text, d: parse_case(text, d, extra, with_lines=False))
        if head.id != cid:
            raise InputError(str(Text(f"编号 {head.id!r} 与所在目录 {cid!r} 不符",
                                      f"id {head.id!r} does not match its folder {cid!r}")), file=display, line=1)
        return head

    def case_full(self, cid: str, files: dict[str, str], env: Env) -> Case:
        """The whole case: facts, attachments and decisions (each file parsed once per blob)."""
        from tracker.core.casefile import add_decision

        head = self.case_head(cid, files, env)
        case = Case(head.id, head.jurisdiction, head.created_on, dict(head.facts), [], [], head.path,
                    head.fact_lines)
        if "attachments.toml" in files:
            case.attachments = list(self.attachments(files["attachments.toml"], f"cases/{cid}/attachments.toml"))
        for rel in sorted(files):
            if rel.startswith("decisions/"):
                display = f"cases/{cid}/{rel}"
                add_decision(case, rel[10:], display,
                             lambda: self._parsed("decision", files[rel], display, parse_decision))
        return case

    # -- signatures ------------------------------------------------------------------------
    def signature(self, c: CommitObj) -> tuple[str, str | None]:
        """("signed", key) when the signature is valid, ("bad", None) or ("unsigned", None)."""
        st = c.sig_type
        if st is None:
            return "unsigned", None
        if st == "ssh":
            from tracker.store import sshsig

            try:
                pub = sshsig.verify(c.signature, c.payload, "git")
            except sshsig.SshSigError:
                return "bad", None
            return "signed", normalize_key(pub.openssh())
        if st == "openpgp":
            return self._openpgp(c.oid)
        return "bad", None

    def _openpgp(self, oid: str) -> tuple[str, str | None]:
        proc = subprocess.run(["git", "verify-commit", "--raw", oid], cwd=self.root, capture_output=True,
                              env=git.git_env())
        out = proc.stderr.decode("utf-8", "replace")
        m = re.search(r"^\[GNUPG:\] VALIDSIG (\S+)(?: .*)? ([0-9A-F]{40})\s*$", out, re.M)
        if m:
            return "signed", f"openpgp:{m.group(2)}"
        m = re.search(r"^\[GNUPG:\] VALIDSIG ([0-9A-F]{40})", out, re.M)
        if m:
            return "signed", f"openpgp:{m.group(1)}"
        if "NO_PUBKEY" in out:
            return "signed_unknown", None
        return "bad", None

    # -- one commit ------------------------------------------------------------------------
    def check(self, c: CommitObj, diffs: list[list[Change]], trust_root: str | None,
              sig: tuple[str, str | None] | None = None) -> CommitResult:
        pending = self._shape(c, diffs, trust_root)
        return self._authorize(pending, sig if sig is not None else self.signature(c))

    def _shape(self, c: CommitObj, diffs: list[list[Change]], trust_root: str | None) -> tuple:
        """Everything about a commit that does not depend on its signature."""
        parent_env = self.env_of(c.parents[0]) if c.parents else EMPTY_ENV
        env = parent_env.updated(diffs[0] if diffs else [])
        self._envs[c.oid] = env
        res = CommitResult(c.oid, "unsigned")
        probs = res.problems
        if c.malformed:
            probs.append(_p(c.oid, None, "malformed-commit", "提交对象的头部不合规范（git 会与本工具读出不同的内容）",
                            "the commit object's header is malformed (git would read it differently)"))
        if not c.parents:
            # the trust root is pinned by id; any other root commit is foreign history
            if trust_root and c.oid != trust_root:
                probs.append(_p(c.oid, None, "foreign-root",
                                "历史中出现了另一个起点提交（不是本库固定的信任根）",
                                "a root commit other than the pinned trust root"))
            return res, None, parent_env, env
        if len(c.parents) > 1:
            need, case_id = Need("member"), None
            self._check_merge(c, diffs, probs)
        else:
            need, case_id = self._check_shape(c, diffs[0], parent_env, env, probs)
        res.case = case_id
        return res, need, parent_env, env

    def _authorize(self, pending: tuple, sig: tuple[str, str | None]) -> CommitResult:
        """The signature and the signer's authorization against the parent's policy."""
        res, need, parent_env, env = pending
        status, key = sig
        probs, case_id, oid = res.problems, res.case, res.commit
        if need is not None:
            res.need = (need.kind, need.jurisdiction, need.role, tuple(need.units))
        if status == "signed_unknown":
            status, key = "signed", None
        if need is None:  # a root commit: pinned by id, its signature shown against its own policy
            own = self.policy(env.policy)
            res.signature = ("unsigned" if status == "unsigned" else "bad" if status == "bad"
                             else "good" if own and key and own.by_key(key) else "unknown_key")
            self._describe(res, own, key)
            if status == "unsigned":
                probs.append(_p(oid, None, "unsigned", "提交没有签名（案件库创建时没有配置签名密钥）",
                                "the commit is not signed (the store was created without a signing key)"))
            elif status == "bad":
                probs.append(_p(oid, None, "bad-signature", "签名无效（内容被改动或签名损坏）",
                                "the signature does not verify (altered content or broken signature)"))
            return res
        policy = self.policy(parent_env.policy)
        if status == "unsigned":
            res.signature = "unsigned"
            probs.append(_p(oid, case_id, "unsigned", "提交没有签名", "the commit is not signed"))
        elif status == "bad":
            res.signature = "bad"
            probs.append(_p(oid, case_id, "bad-signature", "签名无效（内容被改动或签名损坏）",
                            "the signature does not verify (altered content or broken signature)"))
        elif policy is None:
            res.signature = "unknown_key"
            probs.append(_p(oid, case_id, "policy-unreadable", "上一提交的授权策略无法读取，无法确认签名人",
                            "the parent's policy cannot be read, so the signer cannot be checked"))
        elif not key:
            res.signature = "unknown_key"
            probs.append(_p(oid, case_id, "unknown-key", "签名所用的 OpenPGP 公钥不在本机密钥环中",
                            "the OpenPGP key of the signature is not in the local keyring"))
        else:
            verdict = authorize(policy, key, need)
            res.signature = verdict.status
            self._describe(res, policy, key)
            if verdict.status == "unknown_key":
                own = self.policy(env.policy)
                if env.policy != parent_env.policy and own is not None and own.by_key(key):
                    probs.append(_p(oid, case_id, "self-authorization",
                                    "提交把自己的签名密钥加入授权策略：不能自我授权（按上一提交的策略，该密钥未知）",
                                    "the commit adds its own signing key to the policy: a commit cannot "
                                    "authorize itself (the key is unknown to the parent's policy)"))
                else:
                    probs.append(_p(oid, case_id, "unknown-key",
                                    f"签名密钥 {res.fingerprint} 不在（上一提交的）授权策略中",
                                    f"signing key {res.fingerprint} is not in the parent's policy"))
            elif verdict.status == "unauthorized":
                probs.append(Problem(oid, case_id, "unauthorized", verdict.reason))
        return res

    def _describe(self, res: CommitResult, policy: Policy | None, key: str | None) -> None:
        res.key = key
        res.fingerprint = _fingerprint(key) if key else None
        person = policy.by_key(key) if policy and key else None
        if person:
            res.signer = f"{person.name} <{person.email}>"

    def _check_shape(self, c: CommitObj, changes: list[Change], parent_env: Env, env: Env,
                     probs: list[Problem]) -> tuple[Need, str | None]:
        files = [ch for ch in changes if not ch.is_tree]
        by_case: dict[str, list[tuple[str, Change]]] = {}
        other: list[Change] = []
        for ch in files:
            m = _CASE_PATH.match(ch.path)
            if m and CASE_ID_RE.match(m.group(1)):
                by_case.setdefault(m.group(1), []).append((m.group(2), ch))
            else:
                other.append(ch)
        trailers = parse_trailers(c.message)
        states = self._advance_state(c, by_case)
        self._check_files(c, files, by_case, trailers, probs)
        if other:
            if by_case:
                probs.append(_p(c.oid, None, "mixed-commit", "同一提交既修改案件又修改库设置（策略、规则包或钩子）",
                                "the commit changes cases and the store's settings (policy, rule packs or hooks) together"))
            self._check_settings(c, other, env, probs)
            return Need("admin"), None
        if not by_case:
            return Need("member"), None   # an empty commit: only someone in the policy may make it
        if len(by_case) == 2 and trailers.get("Action") == "renumber" and \
                {trailers.get("Case"), trailers.get("Renumbered-From")} == set(by_case):
            need = self._check_renumber(trailers["Renumbered-From"], trailers["Case"], by_case, states,
                                        parent_env, env)
            if need is not None:
                return need, trailers["Case"]
        if len(by_case) > 1:
            probs.append(_p(c.oid, None, "multiple-cases", f"一个提交修改了多个案件：{'、'.join(sorted(by_case))}",
                            f"one commit changes several cases: {', '.join(sorted(by_case))}"))
        cid = sorted(by_case)[0]
        added: list[Change] = []
        for rest, ch in by_case[cid]:
            if rest.startswith("decisions/"):
                if ch.status == "A":
                    added.append(ch)
                elif ch.status == "D":
                    probs.append(_p(c.oid, cid, "decision-deleted", f"删除了决定记录 {ch.path}（决定只能追加，不得删除）",
                                    f"decision record {ch.path} deleted (decisions are append-only)"))
                else:
                    probs.append(_p(c.oid, cid, "decision-edited", f"修改了决定记录 {ch.path}（决定一经写入不得修改）",
                                    f"decision record {ch.path} edited (decisions are written once)"))
        if trailers.get("Case") and trailers["Case"] != cid:
            probs.append(_p(c.oid, cid, "trailer-mismatch", f"提交说明中的 Case: {trailers['Case']} 与所改案件 {cid} 不符",
                            f"trailer Case: {trailers['Case']} does not match the changed case {cid}"))
        files0, files1 = states[cid]
        heads = []
        before = after = None
        if files0:
            try:
                before = self.case_head(cid, files0, parent_env)
                heads.append(before)
            except InputError:
                before = None
        if files1:
            try:
                after = self.case_head(cid, files1, env)
                heads.append(after)
            except InputError as e:
                probs.append(_p(c.oid, cid, "malformed-file", f"{_where(e)}：{e.message}", f"{_where(e)}: {e.message}"))
        jur = heads[0].jurisdiction if heads else None
        units = tuple(sorted({x.unit for x in heads}))
        if before is not None and after is not None and \
                (before.jurisdiction, before.created_on) != (after.jurisdiction, after.created_on):
            probs.append(_p(c.oid, cid, "case-identity-changed",
                            f"提交改变了案件的辖区或立案日期（{before.jurisdiction} {before.created_on} → "
                            f"{after.jurisdiction} {after.created_on}）；案件一经建立不得改变这两项",
                            f"the commit changes the case's jurisdiction or opening date ({before.jurisdiction} "
                            f"{before.created_on} → {after.jurisdiction} {after.created_on}); neither may change"))
        if len(added) > 1:
            probs.append(_p(c.oid, cid, "multiple-decisions", "一个提交含有多项决定（每项决定应单独提交）",
                            "one commit holds several decisions (each decision is its own commit)"))
        if len(added) == 1:
            ch = added[0]
            try:
                dec = self._parsed("decision", ch.new, ch.path, parse_decision)
            except InputError as e:
                probs.append(_p(c.oid, cid, "malformed-file", f"{_where(e)}：{e.message}", f"{_where(e)}: {e.message}"))
                return Need("decision", jur, "?", units), cid
            full = None
            if files0:
                try:
                    full = self.case_full(cid, files0, parent_env)
                except InputError:
                    full = None
            self._check_decision(c, cid, dec, full, after, self.packs(parent_env), self.calendar(parent_env),
                                 trailers, probs)
            return Need("decision", jur, dec.role, units), cid
        return Need("case", jur, None, units), cid

    def _check_files(self, c: CommitObj, files: list[Change], by_case: dict, trailers: dict,
                     probs: list[Problem]) -> None:
        """Only plain files, and in a case folder only the files tracker writes; documents, like
        decisions, are never replaced or removed once attached."""
        from tracker.core.casefile import case_file_allowed

        renumber = trailers.get("Action") == "renumber"
        for ch in files:
            if ch.status != "D" and ch.new_mode != "100644" and not (
                    ch.new_mode == "100755" and ch.path.startswith("hooks/")):
                probs.append(_p(c.oid, _case_of(ch.path), "file-mode",
                                f"{ch.path} 不是普通文件（模式 {ch.new_mode}：符号链接、可执行文件或子模块都不允许）",
                                f"{ch.path} is not a plain file (mode {ch.new_mode}: links, executables and "
                                f"submodules are not allowed)"))
        for cid, items in by_case.items():
            for rest, ch in items:
                if not case_file_allowed(rest) and ch.status != "D":
                    probs.append(_p(c.oid, cid, "unexpected-file",
                                    f"案件目录中不应有 {ch.path}（只允许 case.toml、attachments.toml、attachments/ 与 decisions/ 下的文件）",
                                    f"{ch.path} does not belong in a case folder (only case.toml, attachments.toml, "
                                    f"attachments/ and decisions/ files)"))
                if renumber:
                    continue  # a renumbering moves every file; _check_renumber checks it
                if rest.startswith("attachments/") and ch.status in ("M", "D", "T"):
                    probs.append(_p(c.oid, cid, "attachment-changed",
                                    f"{'删除' if ch.status == 'D' else '替换'}了已附的材料 {ch.path}（材料只能追加）",
                                    f"attached document {ch.path} {'deleted' if ch.status == 'D' else 'replaced'} "
                                    f"(documents are append-only)"))
                elif rest == "attachments.toml" and ch.status in ("M", "D"):
                    old, new = self.text(ch.old) or "", (self.text(ch.new) or "") if ch.status == "M" else ""
                    if not new.startswith(old) and not self._extends(ch.old, ch.new, ch.path):
                        probs.append(_p(c.oid, cid, "attachment-changed",
                                        f"{ch.path} 改动或删去了已登记的材料（材料清单只能追加）",
                                        f"{ch.path} alters or drops a registered document (the list is append-only)"))

    def _extends(self, old: str, new: str, display: str) -> bool:
        """Whether the attachment list ``new`` keeps every entry of ``old`` unchanged, in order."""
        from tracker.core.casefile import parse_attachments

        try:
            a = self._parsed("attachments", old, display, parse_attachments)
            b = self._parsed("attachments", new, display, parse_attachments) if new != ZERO else []
        except InputError:
            return False
        return [x.as_dict() for x in b[:len(a)]] == [x.as_dict() for x in a]

    def _check_renumber(self, old: str, new: str, by_case: dict, states: dict, parent_env: Env,
                        env: Env) -> Need | None:
        """A renumbering moves every file of ``old`` to ``new`` unchanged, except the id in
        case.toml. Returns what the commit needs from its signer, or None if it is anything else."""
        gone = {rest: ch for rest, ch in by_case[old]}
        came = {rest: ch for rest, ch in by_case[new]}
        (files_before, old_after), (new_before, files_after) = states[old], states[new]
        if not files_before or old_after or new_before:
            return None
        if set(gone) != set(came) or any(ch.status != "D" for ch in gone.values()) \
                or any(ch.status != "A" for ch in came.values()):
            return None
        if any(gone[r].old != came[r].new for r in gone if r != "case.toml"):
            return None
        try:
            before = self.case_head(old, files_before, parent_env)
            after = self.case_head(new, files_after, env)
        except InputError:
            return None
        if (before.jurisdiction, before.created_on, to_plain(before.facts)) != \
                (after.jurisdiction, after.created_on, to_plain(after.facts)):
            return None
        return Need("case", after.jurisdiction, None, (after.unit,))

    def _check_settings(self, c: CommitObj, other: list[Change], env: Env, probs: list[Problem]) -> None:
        for ch in other:
            if ch.status == "D":
                continue
            if ch.path == POLICY:
                txt = self.text(ch.new)
                try:
                    pol = parse_policy(txt or "", POLICY)
                except InputError as e:
                    probs.append(_p(c.oid, None, "malformed-policy", f"{_where(e)}：{e.message}", f"{_where(e)}: {e.message}"))
                    continue
                packs = self.packs(env)
                for person in pol.people:
                    for role in person.roles:
                        j, _, r = role.partition(":")
                        if role != "admin" and (j not in packs or r not in packs[j].roles):
                            probs.append(_p(c.oid, None, "unknown-role",
                                            f"授权策略给“{person.name}”授予了不存在的角色 {role}",
                                            f"the policy grants {person.name!r} the role {role}, which no rule pack has"))
                if not any(p.keys for p in pol.admins()) and self.policy(self.env_of(c.parents[0]).policy if c.parents else None):
                    prev = self.policy(self.env_of(c.parents[0]).policy)
                    if prev is not None and any(p.keys for p in prev.admins()):
                        probs.append(_p(c.oid, None, "policy-no-admin", "修改后的授权策略中没有持有密钥的管理员",
                                        "after this change no admin with a key is left in the policy"))
            elif _is_pack(ch.path):
                p = self.pack_blob(ch.path, ch.new)
                if isinstance(p, TrackerError):
                    probs.append(_p(c.oid, None, "malformed-pack", f"{_where(p)}：{p.message}", f"{_where(p)}: {p.message}"))

    def _check_decision(self, c: CommitObj, cid: str, dec, before, after, packs: dict[str, Pack],
                        calendar: WorkCalendar, trailers: dict, probs: list[Problem]) -> None:
        from tracker.core import engine

        def bad(rule: str, zh: str, en: str) -> None:
            probs.append(_p(c.oid, cid, rule, zh, en))

        if before is None or isinstance(before, InputError):
            bad("illegal-transition", f"{dec.file}：作出决定前案件不存在或无法读取",
                f"{dec.file}: the case did not exist or could not be read before the decision")
            return
        pack = packs.get(before.jurisdiction)
        if pack is None:
            bad("illegal-transition", f"没有“{before.jurisdiction}”的规则包", f"no rule pack for {before.jurisdiction!r}")
            return
        specs = pack.fact_specs()
        try:
            values = {k: (None if v == "" else coerce(spec_for(k, specs), v)) for k, v in dec.set_facts.items()}
            view = engine.evaluate(pack, before, dec.decided_on, calendar)
            expected = engine.decide(view, dec.action, role=dec.role or None, on=dec.decided_on, opinion=dec.opinion,
                                     set_facts=values)
        except (RulesSayNo, InputError) as e:
            reasons = "；".join(getattr(e, "reasons", []) or [])
            bad("illegal-transition", f"{dec.file}：规则不允许该决定：{e.message}" + (f"（{reasons}）" if reasons else ""),
                f"{dec.file}: the rules do not allow this decision: {e.message}" + (f" ({reasons})" if reasons else ""))
            return
        except Exception as e:  # a crashing rule is a finding, not a crash
            bad("rule-crashed", f"{dec.file}：检查时出错：{e!r}", f"{dec.file}: checking failed: {e!r}")
            return
        diffs = [(k, getattr(dec, a), getattr(expected, a)) for k, a in
                 (("seq", "seq"), ("from", "from_stage"), ("to", "to_stage"), ("kind", "kind"), ("track", "track"),
                  ("role", "role"))
                 if getattr(dec, a) != getattr(expected, a) and not (k == "track" and getattr(dec, a) is None)]
        if diffs:
            txt = ", ".join(f"{k}={a!r}≠{b!r}" for k, a, b in diffs)
            bad("decision-mismatch", f"{dec.file}：决定记录与规则推出的结果不符（{txt}）",
                f"{dec.file}: the decision record disagrees with the rules ({txt})")
        if after is not None and not isinstance(after, InputError):
            want = to_plain(engine.apply_facts(before.facts, values))
            if to_plain(after.facts) != want:
                changed = sorted(k for k in set(want) | set(to_plain(after.facts))
                                 if want.get(k) != to_plain(after.facts).get(k))
                bad("decision-facts", f"决定提交改动了决定记录之外的事实：{'、'.join(changed)}",
                    f"the decision commit changes facts its decision does not record: {', '.join(changed)}")
        checks = (("Action", dec.action), ("From", dec.from_stage), ("To", dec.to_stage), ("Role", dec.role),
                  ("Decided-On", dec.decided_on.isoformat()))
        wrong = [f"{k}: {trailers.get(k)!r}≠{v!r}" for k, v in checks if trailers.get(k) != v]
        if wrong:
            bad("trailer-mismatch", f"提交说明的结构化尾注与决定记录不符：{'; '.join(wrong)}",
                f"the commit trailers disagree with the decision record: {'; '.join(wrong)}")

    def _check_merge(self, c: CommitObj, diffs: list[list[Change]], probs: list[Problem]) -> None:
        """A merge may only join: its tree must be exactly the clean three-way merge of its parents.

        Anything else would let a merge silently drop one side's change (an admin's revocation,
        another office's case) or add content nobody signed as a change of its own."""
        if len(c.parents) != 2:
            probs.append(_p(c.oid, None, "octopus-merge", "合并提交只能有两个父提交", "a merge must have exactly two parents"))
            return
        p1, p2 = c.parents
        base = git.run(["merge-base", p1, p2], self.root, check=False).strip()
        if not base:
            probs.append(_p(c.oid, None, "merge-unrelated", "合并了没有共同历史的两段历史",
                            "the merge joins two histories with nothing in common"))
            return

        def files(a: str, b: str) -> dict[str, str]:
            return {ch.path: ch.new for ch in self._diff(a, b) if not ch.is_tree}

        one, two, merged = files(base, p1), files(base, p2), files(base, c.oid)
        for path in sorted(set(one) | set(two) | set(merged)):
            a, b = one.get(path), two.get(path)
            if a is not None and b is not None and a != b:
                probs.append(_p(c.oid, _case_of(path), "merge-conflict",
                                f"两边都修改了 {path}（内容不同）；合并不能替任何一方作决定，请先协商，由一方在合并后另行提交修改",
                                f"both sides changed {path} differently; a merge cannot decide between them"))
                continue
            expected = a if a is not None else b
            if merged.get(path) != expected:
                probs.append(_p(c.oid, _case_of(path), "merge-changes",
                                f"合并提交中的 {path} 不是两边改动的汇合（丢弃或另改了一方的修改）",
                                f"the merge's {path} is not the union of both sides' changes "
                                f"(one side's change is dropped or altered)"))
        added = []
        for side in (one, two):
            per: dict[str, list[str]] = {}
            for path in side:
                m = _CASE_PATH.match(path)
                if m and m.group(2).startswith("decisions/") and side[path] != ZERO:
                    per.setdefault(m.group(1), []).append(m.group(2)[10:])
            added.append(per)
        for cid in sorted(set(added[0]) & set(added[1])):
            ours, theirs = added[0][cid], added[1][cid]
            probs.append(_p(c.oid, cid, "concurrent-decisions",
                            f"案件 {cid} 在两处同时作出了决定（{'、'.join(ours)} 与 {'、'.join(theirs)}），合并不能把两者拼在一起",
                            f"case {cid} got decisions in two places at once ({', '.join(ours)} and "
                            f"{', '.join(theirs)}); a merge cannot splice them together"))

    # -- a whole history -------------------------------------------------------------------
    def run(self, oids: list[str], trust_root: str | None, progress: Callable[[int, int], None] | None = None,
            *, parallel_signatures: bool = True) -> dict[str, CommitResult]:
        """Check ``oids`` (parents before children).

        SSH signatures are verified in worker processes while this process checks the shape,
        authorization needs and transitions of each commit; the two meet at the end."""
        changes = log_changes(self.root, oids)
        commits: list[CommitObj] = []
        for oid, got in self.cat.get_many(oids):
            if got is not None and got[1] == "commit":
                commits.append(parse_commit(oid, got[2]))
        sigs = _SignatureJobs(commits, parallel_signatures)
        self._prefetch_cases(commits, changes)
        wanted = []
        for cc in changes.values():
            for d in cc.diffs:
                for ch in d:
                    if ch.new != ZERO and not ch.is_tree and ch.path.endswith((".toml", ".yaml")) \
                            and ch.new not in self._text:
                        wanted.append(ch.new)
        for oid, got in self.cat.get_many(list(dict.fromkeys(wanted))):
            try:
                self._text[oid] = got[2].decode("utf-8") if got else None
            except UnicodeDecodeError:
                self._text[oid] = None
        pending = []
        total = len(commits)
        for i, c in enumerate(commits):
            cc = changes.get(c.oid)
            diffs = cc.diffs if cc else [[]]
            if len(c.parents) > 1:
                diffs = [self._diff(p, c.oid) for p in c.parents]
            pending.append(self._shape(c, diffs, trust_root))
            if progress and (i % 500 == 0 or i == total - 1):
                progress(i + 1, total)
        verified = sigs.results()
        results: dict[str, CommitResult] = {}
        for c, p in zip(commits, pending):
            sig = verified.get(c.oid)
            if sig is None:
                sig = self.signature(c)
            results[c.oid] = self._authorize(p, sig)
        for c in commits:
            if len(c.parents) == 2:
                self._merge_authority(c, results)
        return results

    def _merge_authority(self, c: CommitObj, results: dict[str, CommitResult]) -> None:
        """Authority across a merge. The merge's signer must be known to both parents' policies,
        and a side's commits must still be authorized by the other side's policy when that side
        changed it: a revocation wins over work done concurrently by the revoked key."""
        res = results[c.oid]
        p1, p2 = c.parents
        base = git.run(["merge-base", p1, p2], self.root, check=False).strip()
        if not base:
            return
        env = {x: self.env_of(x) for x in (p1, p2, base)}
        if res.key and env[p2].policy != env[p1].policy:
            other = self.policy(env[p2].policy)
            if other is not None and authorize(other, res.key, Need("member")).status != "good":
                res.problems.append(_p(c.oid, None, "merge-signer",
                                       "合并提交的签名人不在另一方的授权策略中（可能已被撤销）",
                                       "the merge's signer is not in the other side's policy (perhaps revoked)"))
        for side, other_side in ((p1, p2), (p2, p1)):
            if env[other_side].policy == env[base].policy:
                continue  # the other side did not change who may do what
            theirs = self.policy(env[other_side].policy)
            if theirs is None:
                continue
            for x in git.run(["rev-list", f"{base}..{side}"], self.root).split():
                r = results.get(x) or self._known_result(x)
                if r is None or not r.key or not r.need:
                    continue
                verdict = authorize(theirs, r.key, Need(r.need[0], r.need[1], r.need[2], tuple(r.need[3])))
                if verdict.status != "good":
                    res.problems.append(_p(c.oid, r.case, "merge-revoked",
                                           f"合并带入了 {x[:10]}，而另一方已撤销或改变了其签名人的授权：{verdict.reason}",
                                           f"the merge brings in {x[:10]}, whose signer's authority the other side "
                                           f"revoked or changed: {verdict.reason}"))

    def _known_result(self, oid: str) -> CommitResult | None:
        """A result from an earlier batch or run or another worker, else checked again here."""
        if oid in self.earlier:
            return self.earlier[oid]
        row = _KNOWN_ROWS.get(oid)
        if row is not None:
            return _result(oid, row)
        v = Verifier(self.root, cache_dir=self.cache_dir, calendar_loader=self.calendar_loader)
        try:
            return v.run([oid], None, parallel_signatures=False).get(oid)
        finally:
            v.close()

    def _diff(self, a: str, b: str) -> list[Change]:
        out = git.run_bytes(["diff-tree", "-r", "-t", "-z", "--no-renames", "--no-abbrev", a, b], self.root)
        toks = out.split(b"\0")
        changes = []
        i = 0
        while i + 1 < len(toks):
            meta = toks[i].decode().split()
            if not meta or not meta[0].startswith(":"):
                i += 1
                continue
            changes.append(Change(meta[4][0], toks[i + 1].decode("utf-8", "surrogateescape"), meta[0][1:], meta[1],
                                  meta[2], meta[3]))
            i += 2
        return changes

    def close(self) -> None:
        self.cat.close()


def _verify_ssh(items: list[tuple[str, bytes, bytes]]) -> list[tuple[str, str, str | None]]:
    """(oid, status, key) for SSH-signed commits; runs in a worker process."""
    from tracker.store import sshsig

    out = []
    for oid, sig, payload in items:
        try:
            pub = sshsig.verify(sig, payload, "git")
            out.append((oid, "signed", normalize_key(pub.openssh())))
        except sshsig.SshSigError:
            out.append((oid, "bad", None))
    return out


class _SignatureJobs:
    """SSH signature checks, spread over the machine's other cores (inline for small batches)."""

    MIN_PARALLEL = 400

    def __init__(self, commits: list[CommitObj], parallel: bool = True):
        items = [(c.oid, c.signature, c.payload) for c in commits if c.sig_type == "ssh"]
        self._done: dict[str, tuple[str, str | None]] = {c.oid: ("unsigned", None) for c in commits
                                                          if c.sig_type is None}
        self._async = []
        self._pool = None
        workers = max(1, (os.cpu_count() or 1) - 1)
        if parallel and len(items) >= self.MIN_PARALLEL and (os.cpu_count() or 1) > 1:
            try:
                import multiprocessing

                ctx = multiprocessing.get_context("fork")
                self._pool = ctx.Pool(workers)
                n = max(1, len(items) // (workers * 4))
                self._async = [self._pool.apply_async(_verify_ssh, (items[i:i + n],))
                               for i in range(0, len(items), n)]
                return
            except (OSError, ValueError):  # no fork here: verify inline
                self._pool = None
        self._inline = items

    def results(self) -> dict[str, tuple[str, str | None]]:
        if self._pool is not None:
            try:
                for a in self._async:
                    for oid, status, key in a.get():
                        self._done[oid] = (status, key)
            finally:
                self._pool.close()
                self._pool.join()
        else:
            for oid, status, key in _verify_ssh(self._inline):
                self._done[oid] = (status, key)
        return self._done


@functools.lru_cache(maxsize=4096)
def _fingerprint(key: str) -> str | None:
    from tracker.store import sshsig

    if key.startswith("openpgp:"):
        return key
    try:
        return sshsig.parse_public_key(key).fingerprint
    except sshsig.SshSigError:  # pragma: no cover - keys come from verified signatures
        return None


def _case_of(path: str) -> str | None:
    m = _CASE_PATH.match(path)
    return m.group(1) if m else None


def _where(e: TrackerError) -> str:
    if e.file and e.line:
        return f"{e.file}:{e.line}"
    return e.file or ""


# ---------------------------------------------------------------------------------------
# entry points

def _rev_list(root: Path, args: list[str]) -> list[str]:
    out = git.run(["rev-list", "--topo-order", "--reverse", *args], root)
    return out.split()


def trust_root_of(root: Path) -> str | None:
    return git.config_get(root, "tracker.trustRoot")


def _cache_path(root: Path, trust: str | None) -> Path | None:
    gitdir = Path(git.run(["rev-parse", "--absolute-git-dir"], root).strip())
    from tracker.store.store import _core_fingerprint
    import hashlib

    from tracker import __version__
    h = hashlib.sha256(_core_fingerprint() + __version__.encode() + (trust or "").encode()
                       + Path(__file__).read_bytes() + (Path(__file__).parent / "sshsig.py").read_bytes()
                       ).hexdigest()[:16]
    return gitdir / "tracker-cache" / f"verify-{CACHE_VERSION}-{h}.pickle"


_CANON: dict = {}


def _canon(value):
    """One object for equal values: the cache then stores each signer, key and need once, not once
    per commit (100,000 rows: 6.7 MB instead of 26, written in 0.04 s instead of 0.19)."""
    return value if value is None else _CANON.setdefault(value, value)


def _row(r: CommitResult) -> tuple:
    """A result as plain tuples: ten thousand of them unpickle in milliseconds (dataclasses do not)."""
    return (_canon(r.signature), _canon(r.key), _canon(r.fingerprint), _canon(r.signer), _canon(r.case),
            tuple((p.commit, p.case, p.rule, p.message.zh, p.message.en) for p in r.problems), _canon(r.need))


def _result(oid: str, row: tuple) -> CommitResult:
    sig, key, fpr, signer, case, probs, need = row
    return CommitResult(oid, sig, key, fpr, signer, case, [Problem(c, k, r, Text(zh, en)) for c, k, r, zh, en in probs],
                        need)


class Results(Mapping):
    """Commit id -> CommitResult, built from the cached rows only when asked for."""

    def __init__(self, rows: dict[str, tuple], fresh: dict[str, CommitResult]):
        self.rows, self.fresh = rows, fresh

    def get(self, oid, default=None):
        if oid in self.fresh:
            return self.fresh[oid]
        row = self.rows.get(oid)
        return _result(oid, row) if row is not None else default

    def __getitem__(self, oid):
        got = self.get(oid)
        if got is None:
            raise KeyError(oid)
        return got

    def __contains__(self, oid) -> bool:
        return oid in self.fresh or oid in self.rows

    def __len__(self) -> int:
        return len(self.rows.keys() | self.fresh.keys())

    def __iter__(self):
        return iter(self.rows.keys() | self.fresh.keys())


def _load_cache(path: Path | None) -> dict:
    if path is None:
        return {"results": {}, "tips": []}
    try:
        data = pickle.loads(path.read_bytes())
        if isinstance(data, dict) and isinstance(data.get("results"), dict):
            return data
    except Exception:  # missing or unreadable: start again (the cache is disposable)
        pass
    return {"results": {}, "tips": []}


def _save_cache(path: Path | None, data: dict) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        pass


def calendar_from_texts(texts: list[tuple[str, str]]) -> WorkCalendar:
    """The working-day calendar of a commit, from its ``jurisdictions/calendars/<year>.yaml`` blobs."""
    from tracker.core.calendar import parse_calendar_text

    cal = WorkCalendar()
    for path, text in texts:
        m = re.search(r"/(\d{4})\.yaml$", path)
        if m:
            cal.add_year(parse_calendar_text(text, path, int(m.group(1))))
    return cal


def default_calendar_loader():
    return calendar_from_texts


PARALLEL_MIN = 1500  # commits; below this, forking workers costs more than it saves


def _batch_size() -> int:
    try:
        return max(1, int(os.environ.get("TRACKER_VERIFY_BATCH") or 10000))
    except ValueError:
        return 10000


BATCH = _batch_size()   # commits a worker checks at a time (TRACKER_VERIFY_BATCH)


def _verify_chunk(args: tuple) -> dict[str, CommitResult]:
    """One worker's run of consecutive commits, in batches (what a batch reads ahead — its commits,
    their changes and signatures — is let go before the next; the Verifier carries the case state
    from one to the next): the memory of a worker stays bounded however long the history."""
    root, oids, trust, cache_dir = args
    v = Verifier(root, cache_dir=cache_dir, calendar_loader=default_calendar_loader())
    try:
        out: dict[str, CommitResult] = {}
        v.earlier = out
        for i in range(0, len(oids), BATCH):
            out.update(v.run(oids[i:i + BATCH], trust, parallel_signatures=False))
        return out
    finally:
        v.close()


def _run_forked(root: Path, chunks: list[list[str]], trust: str | None, cache_dir: Path | None,
                progress, total: int) -> dict[str, tuple]:
    """Check the first runs in forked children and the last one here; children send their results
    back through a pipe as plain rows. (No multiprocessing.Pool: its helper threads would compete
    with this process's own work for the interpreter lock.)"""
    import pickle as _pickle

    children = []
    for chunk in chunks[:-1]:
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: check, send, leave without running the parent's clean-up
            code = 1
            try:
                os.close(rfd)
                rows = {o: _row(r) for o, r in _verify_chunk((root, chunk, trust, cache_dir)).items()}
                with os.fdopen(wfd, "wb") as f:
                    f.write(_pickle.dumps(rows, protocol=_pickle.HIGHEST_PROTOCOL))
                code = 0
            finally:
                os._exit(code)
        os.close(wfd)
        children.append((pid, rfd, chunk))
    out = {o: _row(r) for o, r in _verify_chunk((root, chunks[-1], trust, cache_dir)).items()}
    done = len(out)
    if progress:
        progress(done, total)
    for pid, rfd, chunk in children:
        with os.fdopen(rfd, "rb") as f:
            data = f.read()
        _, status = os.waitpid(pid, 0)
        try:
            rows = _pickle.loads(data) if status == 0 and data else None
        except Exception:  # a child that died half-way: check its run here instead
            rows = None
        if rows is None:
            rows = {o: _row(r) for o, r in _verify_chunk((root, chunk, trust, cache_dir)).items()}
        out.update(rows)
        done += len(chunk)
        if progress:
            progress(done, total)
    return out


def run_commits(root: Path, oids: list[str], trust: str | None, cache_dir: Path | None,
                progress: Callable[[int, int], None] | None = None, *, as_rows: bool = False) -> dict:
    """Check ``oids`` (topological order). A long history is cut into consecutive runs checked by
    one worker process per core: each commit's result depends only on git objects, so a worker
    needs nothing from the others (it reads the state before its first commit from git)."""
    cpus = os.cpu_count() or 1
    if len(oids) >= PARALLEL_MIN and cpus > 1:
        import threading

        # fork only from a single-threaded process (forking a threaded one, such as a UI, can
        # leave the child waiting on a lock another thread held)
        if hasattr(os, "fork") and threading.active_count() == 1:
            workers = min(cpus, 8)
            # later commits cost more (longer case histories to replay): cut so that each run
            # holds about the same work, measured as position ** 1.15 (fitted on the benchmark)
            cuts = [0] + [int(len(oids) * (i / workers) ** (1 / 1.15)) for i in range(1, workers)] + [len(oids)]
            chunks = [oids[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]
            rows = _run_forked(root, chunks, trust, cache_dir, progress, len(oids))
            return {o: _result(o, row) for o, row in rows.items()} if not as_rows else rows
    v = Verifier(root, cache_dir=cache_dir, calendar_loader=default_calendar_loader())
    try:
        got = v.run(oids, trust, progress)
    finally:
        v.close()
    return {o: _row(r) for o, r in got.items()} if as_rows else got


def _plain_graph(root: Path) -> bool:
    """No shallow history, grafts or replace refs: nothing that changes which commits a history
    holds without changing its commit ids (then nothing established for an earlier tip is reused)."""
    got = git.run(["rev-parse", "--is-shallow-repository", "--git-common-dir"], root, check=False).split("\n")
    if len(got) < 2 or got[0] != "false" or (root / got[1] / "info" / "grafts").exists():
        return False
    return not git.run(["for-each-ref", "--count=1", "refs/replace/"], root, check=False).strip()


def verify_history(root: Path, *, rev: str = "HEAD", since: str | None = None, trust_root: str | None = None,
                   use_cache: bool = True, progress: Callable[[int, int], None] | None = None) -> Report:
    """Verify every commit reachable from ``rev`` (or only those after ``since``)."""
    started = time.perf_counter()
    trust = trust_root or trust_root_of(root)
    pinned_now = None
    if trust is None and not trust_root:
        # a clone made with plain `git clone`: pin its only root commit now, on first use, as
        # `tracker clone` would have done (several roots: nothing is pinned, and it is reported)
        roots = git.run(["rev-list", "--max-parents=0", rev], root, check=False).split()
        if len(roots) == 1:
            git.run(["config", "tracker.trustRoot", roots[0]], root, check=False)
            trust = pinned_now = roots[0]
            if (root / "hooks").is_dir() and not git.config_get(root, "core.hooksPath"):
                import sys

                git.run(["config", "core.hooksPath", "hooks"], root, check=False)
                git.run(["config", "tracker.python", sys.executable], root, check=False)
    head = git.run(["rev-parse", "--verify", "-q", f"{rev}^{{commit}}"], root, check=False).strip()
    if not head:
        return Report(0, 0, [], {}, trust, time.perf_counter() - started)
    if since:
        full = git.run(["rev-parse", "--verify", "-q", f"{since}^{{commit}}"], root, check=False).strip()
        if not full:
            raise InputError(str(Text(f"没有这个提交：{since}", f"no such commit: {since}")))
        since = full
    cpath = _cache_path(root, trust) if use_cache else None
    cache = _load_cache(cpath)
    known: dict[str, tuple] = cache["results"]  # commit -> _row(result)
    tips = [t for t in cache.get("tips", []) if t in known]
    exclude = [f"^{t}" for t in tips]
    if since:
        exclude.append(f"^{since}")
    listed = _rev_list(root, [head, *exclude])
    new = [o for o in listed if o not in known]
    _KNOWN_ROWS.clear()
    _KNOWN_ROWS.update(known)
    fresh = run_commits(root, new, trust, cpath.parent if cpath else None, progress, as_rows=True)
    keyring_dependent = {o for o, row in fresh.items()
                         if (row[1] is None and row[0] == "unknown_key") or (row[1] or "").startswith("openpgp:")}
    problems: list[Problem] = []
    if since:
        reach = set(_rev_list(root, [head, f"^{since}"]))
    else:
        # problems of earlier runs count only if still in this history
        flagged = [o for o, row in known.items() if row[5] and o not in fresh]
        reach = set(fresh)
        if flagged:
            reach |= set(_rev_list(root, [head])) if len(flagged) > 20 else {
                o for o in flagged if git.is_ancestor(root, o, head)}
    # the last run's tip, if this history still contains it: what it established about the whole
    # history (the trust root is in it; how many commits it has) holds for this one too, so the two
    # walks of all 100,000 commits that would establish it again are not needed (tips are recent:
    # git's check that one is an ancestor of HEAD walks only the commits since)
    prev = tips[0] if len(tips) == 1 and not since else None
    prev_below = prev is not None and _plain_graph(root) and (prev == head or git.is_ancestor(root, prev, head))
    rows = {**known, **fresh} if fresh else known
    results = Results(rows, {})
    new_set = set(new)
    for oid in sorted(o for o in reach - new_set if rows.get(o, (0,) * 6)[5]) + \
            [o for o in new if o in reach and rows[o][5]]:
        problems.extend(_result(oid, rows[oid]).problems)
    if not since:
        if trust is None:
            problems.append(_p(head, None, "trust-root-unpinned", "本克隆未固定信任根（git config tracker.trustRoot）",
                               "this clone has no pinned trust root (git config tracker.trustRoot)"))
        elif not (prev_below and cache.get("trust_tip") == prev) and not git.is_ancestor(root, trust, head):
            problems.append(_p(head, None, "trust-root-missing",
                               f"固定的信任根 {trust[:12]} 不在当前历史中：历史被替换过",
                               f"the pinned trust root {trust[:12]} is not in this history: it was replaced"))
    if since:
        count = len(reach)
    elif not tips:
        count = len(listed)
    elif prev_below and isinstance(cache.get("count"), tuple) and cache["count"][0] == prev:
        count = cache["count"][1] + len(listed)     # listed: the commits of head that prev lacks
    else:
        count = int(git.run(["rev-list", "--count", head], root).strip() or 0)
    trust_tip = head if trust is not None and not since and not any(
        p.rule == "trust-root-missing" for p in problems) else None
    if use_cache and not since and (fresh or cache.get("tips") != [head] or cache.get("trust_tip") != trust_tip
                                    or cache.get("count") != (head, count)):
        # OpenPGP results depend on the local keyring: checked again next time rather than cached
        known.update({o: row for o, row in fresh.items() if o not in keyring_dependent})
        cache["tips"] = [head] if not keyring_dependent else []
        cache["trust_tip"], cache["count"] = (trust_tip, (head, count)) if not keyring_dependent else (None, None)
        _save_cache(cpath, cache)
    elif use_cache and since and fresh:
        known.update({o: row for o, row in fresh.items() if o not in keyring_dependent})
        _save_cache(cpath, cache)
    report = Report(count, len(fresh), problems, results, trust, time.perf_counter() - started)
    report.pinned_now = pinned_now
    return report
