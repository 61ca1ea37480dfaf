"""Offices share a store through a bare git remote: creating it, cloning it, syncing with it.

Transport is plain system git, so the users' SSH keys and credential helpers keep working. What
arrives is verified *before* it is integrated; decisions on different cases from different
offices merge without conflicts; two offices deciding the same case concurrently is detected and
reported with both commits, never merged.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tracker.core.errors import InputError, RulesSayNo
from tracker.core.i18n import MESSAGES, pick, t
from tracker.store import git
from tracker.store.signing import resolve_signer, signatures_required
from tracker.store.store import Store
from tracker.store.verify import verify_history

MESSAGES.update({
    "remote_exists": ("{path} 已存在且不是空目录", "{path} exists and is not empty"),
    "sync_dirty": ("工作区有未提交的修改，请先提交或还原：{files}", "uncommitted changes; commit or restore them first: {files}"),
    "sync_detached": ("当前不在任何分支上（detached HEAD），无法同步", "HEAD is detached; cannot sync"),
    "sync_no_remote": ("没有配置远程库：请用 tracker sync 路径或网址，或 git remote add origin 网址",
                       "no remote configured: use tracker sync PATH_OR_URL, or git remote add origin URL"),
    "sync_fetch_failed": ("从 {remote} 获取失败：{error}", "fetching from {remote} failed: {error}"),
    "sync_incoming_bad": ("从 {remote} 收到的历史未通过核验，未合并任何内容：", "history from {remote} fails verification; nothing was integrated:"),
    "sync_concurrent": ("同一案件在两处同时作出了决定，不能合并；请两处协商后由一方撤回（git reset）并重新决定：",
                        "the same case was decided in two places at once; not merged. Agree which decision stands, "
                        "then the other office resets and decides again:"),
    "sync_conflict": ("合并冲突（{files}），已放弃合并；请先协商修改", "merge conflict in {files}; the merge was abandoned"),
    "sync_local_bad": ("本地历史未通过核验，未同步：", "the local history fails verification; nothing synced:"),
    "sync_integrated_bad": ("整合远程更新后的历史未通过核验，已撤回整合，未推送：",
                            "the history after integrating fails verification; the integration was undone, nothing pushed:"),
    "sync_push_refused": ("远程库拒绝了推送：", "the remote refused the push:"),
    "sync_push_failed": ("推送到 {remote} 失败：{error}", "pushing to {remote} failed: {error}"),
    "clone_failed": ("克隆失败：{error}", "clone failed: {error}"),
})

HOOK_NAME = "pre-receive"


# ---------------------------------------------------------------------------------------
# the shared remote

def remote_init(path: Path, *, trust_root: str | None = None, store: Store | None = None) -> dict:
    """A bare repository whose pre-receive hook verifies every push and refuses rewrites of main."""
    path = path.resolve()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(t("remote_exists", path=path))
    if trust_root is None and store is not None:
        trust_root = git.config_get(store.root, "tracker.trustRoot")
    path.mkdir(parents=True, exist_ok=True)
    git.run(["init", "-q", "--bare", "-b", "main", str(path)], path)
    for key, value in (("receive.denyNonFastForwards", "true"), ("receive.denyDeletes", "true"),
                       ("receive.fsckObjects", "true"),
                       ("tracker.python", sys.executable), ("tracker.remote", "true")):
        git.run(["config", key, value], path)
    if trust_root:
        git.run(["config", "tracker.trustRoot", trust_root], path)
    from tracker.services import data_dir

    hook = path / "hooks" / HOOK_NAME
    shutil.copyfile(data_dir("hooks") / HOOK_NAME, hook)
    hook.chmod(0o755)
    return {"path": str(path), "trust_root": trust_root}


# ---------------------------------------------------------------------------------------
# clone

def clone(url: str, dest: Path, trust_root: str | None = None) -> Path:
    from tracker.services import pin_clone

    dest = dest.resolve()
    try:
        git.run(["clone", "-q", "--", url, str(dest)], dest.parent if dest.parent.exists() else Path.cwd())
    except git.GitError as e:
        raise InputError(t("clone_failed", error=(e.stderr or str(e)).strip().splitlines()[-1])) from None
    try:
        pin_clone(dest, trust_root)
    except RulesSayNo:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


# ---------------------------------------------------------------------------------------
# sync

@dataclass
class SyncResult:
    remote: str
    incoming: int = 0
    fast_forward: bool = False
    merged: str | None = None
    pushed: bool = False
    head: str = ""
    verified: int = 0
    renumbered: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ok": True, "remote": self.remote, "incoming": self.incoming, "fast_forward": self.fast_forward,
                "merge": self.merged, "pushed": self.pushed, "head": self.head, "verified": self.verified,
                "renumbered": [{"from": a, "to": b} for a, b in self.renumbered]}


def _remote_of(root: Path, remote: str | None) -> tuple[str, str]:
    """(name to show, fetch/push target) — a configured remote's name, or a path/URL."""
    names = git.run(["remote"], root).split()
    if remote is None:
        if "origin" not in names:
            raise InputError(t("sync_no_remote"))
        return "origin", "origin"
    if remote in names:
        return remote, remote
    local = Path(remote).expanduser()
    url = str(local.resolve()) if local.exists() else remote
    for n in names:
        if git.config_get(root, f"remote.{n}.url") in (remote, url):
            return n, n
    if "origin" not in names:
        git.run(["remote", "add", "origin", url], root)
        return "origin", "origin"
    return url, url


def _short(sha: str) -> str:
    return sha[:10]


def _added(root: Path, base: str, tip: str, pattern: str) -> list[str]:
    """Paths matching ``pattern`` that exist at ``tip`` but not at ``base`` (the net effect)."""
    out = git.run(["diff", "-z", "--name-only", "--no-renames", "--diff-filter=A", base, tip, "--", pattern], root)
    return [p for p in out.split("\0") if p]


def _added_decisions(root: Path, base: str, tip: str) -> dict[str, list[tuple[str, str]]]:
    """case -> [(commit, decision file)] for the decisions added between base and tip."""
    per: dict[str, list[tuple[str, str]]] = {}
    for path in _added(root, base, tip, "cases/*/decisions/*"):
        parts = path.split("/")
        if len(parts) == 4:
            commit = git.run(["log", "-1", "--format=%H", f"{base}..{tip}", "--", path], root).strip()
            per.setdefault(parts[1], []).append((commit, parts[3]))
    return per


def _new_cases(root: Path, base: str, tip: str) -> set[str]:
    return {p.split("/")[1] for p in _added(root, base, tip, "cases/*/case.toml")}


def _problem_lines(report) -> list[str]:
    return [f"{p.commit[:10]} {p.case or '-'} [{p.rule}] {p.message}" for p in report.problems]


def sync(store: Store, remote: str | None = None, *, attempts: int = 3,
         step: Callable[[str], None] | None = None) -> SyncResult:
    """``step`` is told each phase as it starts, in words (the terminal UI shows them as progress)."""
    root = store.root
    say = step or (lambda _msg: None)
    dirty = git.run(["status", "--porcelain", "-z", "--untracked-files=no"], root).split("\0")
    dirty = [d[3:] for d in dirty if d.strip()]
    if dirty:
        raise InputError(t("sync_dirty", files=", ".join(dirty[:5])))
    branch = git.run(["symbolic-ref", "-q", "--short", "HEAD"], root, check=False).strip()
    if not branch:
        raise InputError(t("sync_detached"))
    shown, target = _remote_of(root, remote)
    res = SyncResult(shown)
    if git.has_commits(root):
        say(pick("核验本地历史", "verifying the local history"))
        local = verify_history(root)
        if not local.ok:  # refuse before anything is integrated: fix (or report) the local history first
            raise RulesSayNo(t("sync_local_bad"), reasons=_problem_lines(local))
    incoming_ref = "refs/tracker/incoming"
    for attempt in range(attempts):
        say(pick(f"从 {shown} 获取", f"fetching from {shown}"))
        try:
            git.run(["fetch", "-q", "--no-tags", target, f"+refs/heads/main:{incoming_ref}"], root)
            has_incoming = True
        except git.GitError as e:
            msg = (e.stderr or "").lower()
            if "couldn't find remote ref" in msg or "could not find remote ref" in msg:
                has_incoming = False  # an empty remote: nothing to integrate, just push
            else:
                raise InputError(t("sync_fetch_failed", remote=shown,
                                   error=(e.stderr or str(e)).strip().splitlines()[-1])) from None
        head = git.run(["rev-parse", "HEAD"], root).strip()
        if has_incoming:
            theirs = git.run(["rev-parse", incoming_ref], root).strip()
            if theirs != head and not git.is_ancestor(root, theirs, head):
                say(pick("核验收到的提交", "verifying what arrived"))
                report = verify_history(root, rev=theirs)
                if not report.ok:
                    raise RulesSayNo(t("sync_incoming_bad", remote=shown), reasons=_problem_lines(report))
                count = git.run(["rev-list", "--count", f"{head}..{theirs}"], root).strip()
                res.incoming += int(count or 0)
                if git.is_ancestor(root, head, theirs):
                    git.run(["merge", "-q", "--ff-only", theirs], root, env={"TRACKER_INTERNAL_COMMIT": "1"})
                    res.fast_forward = True
                else:
                    res.merged = _merge(store, head, theirs, shown, res)
        before = head
        head = git.run(["rev-parse", "HEAD"], root).strip()
        res.head = head
        report = verify_history(root)
        res.verified = report.checked
        if not report.ok:
            if head != before:  # what this sync integrated does not verify: take it back
                git.run(["reset", "-q", "--keep", before], root, env={"TRACKER_INTERNAL_COMMIT": "1"})
                res.renumbered.clear()
            raise RulesSayNo(t("sync_integrated_bad"), reasons=_problem_lines(report))
        from tracker.trust import refresh_allowed_signers

        refresh_allowed_signers(root)
        if has_incoming and git.run(["rev-parse", incoming_ref], root).strip() == head:
            return res  # nothing of ours to send
        say(pick(f"推送到 {shown}", f"pushing to {shown}"))
        try:
            git.run(["push", "-q", target, "HEAD:refs/heads/main"], root)
            res.pushed = True
            return res
        except git.GitError as e:
            text = e.stderr or ""
            remote_lines = [ln[7:].strip() for ln in text.splitlines() if ln.startswith("remote:") and ln[7:].strip()]
            if "pre-receive hook declined" in text or remote_lines and "tracker" in text:
                raise RulesSayNo(t("sync_push_refused"), reasons=remote_lines or [text.strip()]) from None
            if ("fetch first" in text or "non-fast-forward" in text or "rejected" in text) and attempt + 1 < attempts:
                continue  # someone pushed meanwhile: fetch, verify and integrate again
            raise InputError(t("sync_push_failed", remote=shown, error=text.strip().splitlines()[-1] if text else "?")) from None
    return res


def _merge(store: Store, ours: str, theirs: str, shown: str, res: SyncResult) -> str:
    """Merge ``theirs`` (verified) into HEAD; on any refusal, HEAD is put back where it was."""
    try:
        return _merge_or_raise(store, ours, theirs, shown, res)
    except BaseException:
        if git.run(["rev-parse", "HEAD"], store.root).strip() != ours:
            git.run(["reset", "-q", "--keep", ours], store.root, check=False, env={"TRACKER_INTERNAL_COMMIT": "1"})
            res.renumbered.clear()
        raise


def _merge_or_raise(store: Store, ours: str, theirs: str, shown: str, res: SyncResult) -> str:
    root = store.root
    base = git.run(["merge-base", ours, theirs], root).strip()
    # two offices opened cases with the same number: the one never shared (ours) takes a new one
    same = sorted(_new_cases(root, base, ours) & _new_cases(root, base, theirs))
    if same:
        from tracker.services import renumber_case

        theirs_ids = set(git.run(["ls-tree", "--name-only", f"{theirs}:cases"], root).split())
        for cid in same:
            new = renumber_case(store, cid, taken=theirs_ids)
            theirs_ids.add(new)
            res.renumbered.append((cid, new))
        ours = git.run(["rev-parse", "HEAD"], root).strip()
    mine, other = _added_decisions(root, base, ours), _added_decisions(root, base, theirs)
    clash = sorted(set(mine) & set(other))
    if clash:
        reasons = []
        for cid in clash:
            a = "，".join(f"{_short(c)}（{f}）" for c, f in mine[cid])
            b = "，".join(f"{_short(c)}（{f}）" for c, f in other[cid])
            reasons.append(pick(f"{cid}：本地 {a}；{shown} {b}", f"{cid}: here {a}; {shown} {b}"))
        raise RulesSayNo(t("sync_concurrent"), reasons=reasons)
    signer = resolve_signer(root)
    if not signer.fmt and signatures_required(root):
        raise InputError(t("sign_required"))
    msg = (f"同步：合并 {shown} 的更新 / Sync: merge updates from {shown}\n\n"
           f"Tracker-Action: sync-merge\nMerged: {theirs}\n")
    args = [*signer.git_args(), "merge", "-q", "--no-ff", "--no-edit", "-m", msg]
    args.append("-S" if signer.fmt else "--no-gpg-sign")
    try:
        git.run([*args, theirs], root, env={"TRACKER_INTERNAL_COMMIT": "1"})
    except git.GitError:
        conflicted = git.run(["diff", "--name-only", "--diff-filter=U"], root, check=False).split()
        git.run(["merge", "--abort"], root, check=False)
        raise RulesSayNo(t("sync_conflict", files=", ".join(conflicted) or "?")) from None
    return git.run(["rev-parse", "HEAD"], root).strip()
