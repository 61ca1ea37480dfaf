"""What the commit-msg and pre-receive hooks check (the pre-commit hook is tracker.store.staged)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tracker.core.casefile import parse_decision
from tracker.core.errors import InputError
from tracker.core.i18n import Text
from tracker.store import git
from tracker.store.objects import ZERO
from tracker.store.staged import staged_changes
from tracker.store.store import Store
from tracker.store.commit import parse_trailers
from tracker.store.verify import run_commits

_CASE_PATH = re.compile(r"^cases/([^/]+)/(.+)$")


def commit_msg_problems(store: Store, message: str) -> list[Text]:
    """Trailers agree with the staged diff; one case per commit; one decision per commit."""
    message = "\n".join(ln for ln in message.splitlines() if not ln.startswith("#"))
    changes = staged_changes(store)
    cases: dict[str, list[tuple[str, str]]] = {}
    other = []
    for status, path in changes:
        m = _CASE_PATH.match(path)
        if m:
            cases.setdefault(m.group(1), []).append((status, m.group(2)))
        else:
            other.append(path)
    problems: list[Text] = []
    if len(cases) > 1:
        problems.append(Text(f"一个提交只能涉及一个案件，本次涉及：{'、'.join(sorted(cases))}",
                             f"a commit may touch one case only; this one touches {', '.join(sorted(cases))}"))
    if cases and other:
        problems.append(Text("案件的修改不能与库设置（策略、规则包、钩子）放在同一提交",
                             "case changes cannot share a commit with store settings (policy, rule packs, hooks)"))
    trailers = parse_trailers(message)
    for cid, items in sorted(cases.items()):
        if trailers.get("Case") and trailers["Case"] != cid:
            problems.append(Text(f"尾注 Case: {trailers['Case']} 与所改案件 {cid} 不符",
                                 f"trailer Case: {trailers['Case']} does not match the changed case {cid}"))
        added = [rest for status, rest in items if rest.startswith("decisions/") and status == "A"]
        if len(added) > 1:
            problems.append(Text("一个提交只能含一项决定", "a commit may hold one decision only"))
        if len(added) == 1:
            path = f"cases/{cid}/{added[0]}"
            raw = git.run_bytes(["cat-file", "blob", f":{path}"], store.root, check=False)
            try:
                d = parse_decision(raw.decode("utf-8", "replace"), path)
            except InputError:
                continue  # the pre-commit hook reports malformed files
            want = [("Case", cid), ("Action", d.action), ("Kind", d.kind), ("From", d.from_stage), ("To", d.to_stage),
                    ("Role", d.role), ("Decided-On", d.decided_on.isoformat())]
            wrong = [(k, v) for k, v in want if trailers.get(k) != v]
            if wrong:
                lines = "\n".join(f"{k}: {v}" for k, v in want)
                problems.append(Text(f"决定提交的尾注须与 {path} 一致；请在提交说明末尾写上：\n{lines}",
                                     f"a decision commit's trailers must agree with {path}; end the message with:\n{lines}"))
    return problems


# ---------------------------------------------------------------------------------------

@dataclass
class RefUpdate:
    old: str
    new: str
    ref: str


def pre_receive(repo: Path, updates: list[RefUpdate]) -> list[Text]:
    """Problems that refuse a push to the shared remote (empty: accept)."""
    problems: list[Text] = []
    trust = git.config_get(repo, "tracker.trustRoot")
    to_pin = None
    for u in updates:
        if u.ref != "refs/heads/main":
            problems.append(Text(f"共享库只接受 main 分支，拒绝 {u.ref}", f"the shared remote takes only main; refusing {u.ref}"))
            continue
        if u.new == ZERO:
            problems.append(Text("拒绝删除 main 分支", "refusing to delete main"))
            continue
        if u.old != ZERO and not git.is_ancestor(repo, u.old, u.new):
            problems.append(Text(f"拒绝改写历史：{u.new[:10]} 不包含远程库现有的 {u.old[:10]}（非快进推送）",
                                 f"refusing to rewrite history: {u.new[:10]} does not contain {u.old[:10]} (non-fast-forward)"))
            continue
        if trust is None:
            roots = git.run(["rev-list", "--max-parents=0", u.new], repo).split()
            if len(roots) != 1:
                problems.append(Text("推送的历史有多个起点，无法确定信任根", "the pushed history has several roots; no trust root"))
                continue
            trust = to_pin = roots[0]
        elif not git.is_ancestor(repo, trust, u.new):
            problems.append(Text(f"推送的历史不含本库的信任根 {trust[:12]}", f"the pushed history lacks the trust root {trust[:12]}"))
            continue
        new = git.run(["rev-list", "--topo-order", "--reverse", u.new, "--not", "--all"], repo).split()
        gitdir = Path(git.run(["rev-parse", "--absolute-git-dir"], repo).strip())
        results = run_commits(repo, new, trust, gitdir / "tracker-cache")
        for oid in new:
            r = results.get(oid)
            for p in (r.problems if r else []):
                problems.append(Text(f"{p.commit[:10]} {p.case or '-'} [{p.rule}] {p.message.zh}",
                                     f"{p.commit[:10]} {p.case or '-'} [{p.rule}] {p.message.en}"))
    if not problems and to_pin:
        git.run(["config", "tracker.trustRoot", to_pin], repo)
    return problems
