"""Helpers for tests/test_offices.py: offices (clones) around a shared bare remote.

Everything runs through the real CLI (``python -m tracker``) and system git in subprocesses, with an
explicit, hermetic environment (the module-scoped world cannot use the function-scoped ``hermetic``
fixture of conftest.py, so it carries its own HOME).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

TODAY = "2025-03-03"
UNIT = "河源市教育局"
JUR = "heyuan"


def make_env(home: Path) -> dict[str, str]:
    """A hermetic environment: its own HOME with the git identity 测试员 <clerk@example.gov.cn>."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text("[user]\n\tname = 测试员\n\temail = clerk@example.gov.cn\n"
                                     "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "TRACKER_", "SSH_AUTH_SOCK", "SSH_AGENT"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
               LANG="C.UTF-8", TRACKER_TODAY=TODAY)
    return env


@dataclass
class Runner:
    env: dict[str, str]

    def tracker(self, cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        e = dict(self.env)
        if env:
            e.update(env)
        return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, env=e, capture_output=True,
                              text=True, encoding="utf-8")

    def ok(self, cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        p = self.tracker(cwd, *args, env=env)
        assert p.returncode == 0, f"tracker {' '.join(args)} → {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def json(self, cwd: Path, *args: str, env: dict | None = None, expect: int | None = 0) -> tuple[int, dict]:
        p = self.tracker(cwd, *args, "--json", env=env)
        if expect is not None:
            assert p.returncode == expect, f"tracker {' '.join(args)} → {p.returncode}\n{p.stdout}\n{p.stderr}"
        try:
            doc = json.loads(p.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"tracker {' '.join(args)} --json printed no JSON:\n{p.stdout}\n{p.stderr}")
        return p.returncode, doc

    def git(self, cwd: Path, *args: str, check: bool = True, input: bytes | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.run(["git", *args], cwd=cwd, env=e, capture_output=True, input=input)
        if check:
            assert p.returncode == 0, (f"git {' '.join(args)} → {p.returncode}\n"
                                       f"{p.stdout.decode(errors='replace')}\n{p.stderr.decode(errors='replace')}")
        return p

    def out(self, cwd: Path, *args: str) -> str:
        return self.git(cwd, *args).stdout.decode("utf-8").strip()


def keygen(path: Path, comment: str) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True,
                   capture_output=True)
    return path


def use_key(r: Runner, office: Path, key: Path, name: str | None = None, email: str | None = None) -> None:
    """An office signs with ``key`` through git's own configuration."""
    r.git(office, "config", "gpg.format", "ssh")
    r.git(office, "config", "user.signingkey", str(key))
    if name:
        r.git(office, "config", "user.name", name)
    if email:
        r.git(office, "config", "user.email", email)


def head(r: Runner, repo: Path, ref: str = "HEAD") -> str:
    return r.out(repo, "rev-parse", ref)


def remote_main(r: Runner, remote: Path) -> str:
    return r.out(remote, "rev-parse", "refs/heads/main")


def problems_by_commit(doc: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in doc.get("problems", []):
        out.setdefault(p["commit"], set()).add(p["rule"])
    return out


def attach_doc(r: Runner, office: Path, case: str, kind: str, *, key: Path | None = None) -> None:
    f = office.parent / f"{case}-{kind}.txt"
    f.write_text(f"{kind} 材料（{case}）\n", encoding="utf-8")
    args = (["--key", str(key)] if key else []) + ["attach", case, str(f), "--kind", kind]
    r.ok(office, *args)


def missing_docs(r: Runner, office: Path, case: str, action: str) -> list[str]:
    _, doc = r.json(office, "actions", case)
    for a in doc["actions"]:
        if a["action"] == action:
            return [m["id"] for m in a["missing"] if m["type"] == "document"]
    raise AssertionError(f"no action {action} for {case}: {[a['action'] for a in doc['actions']]}")


def stage_of(r: Runner, office: Path, case: str) -> str:
    _, doc = r.json(office, "show", case)
    return doc["stage"]["id"]


DECISION_TEMPLATE = """\
# 决定记录：一经写入不得修改 / Decision record: written once, never edited
seq = {seq}
action = "{action}"
kind = "{kind}"
from = "{frm}"
to = "{to}"
track = "{track}"
role = "{role}"
decided_on = {on}
recorded_at = "{on}T09:30:00+08:00"
by = "{by}"
opinion = "{opinion}"
"""


@dataclass
class HandDecision:
    case: str
    seq: int
    action: str
    kind: str
    frm: str
    to: str
    track: str
    role: str
    on: str = TODAY
    by: str = "手工 <hand@example.gov.cn>"
    opinion: str = "手工录入"
    extra_trailers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"cases/{self.case}/decisions/{self.seq:04d}-{self.action}.toml"

    def text(self) -> str:
        return DECISION_TEMPLATE.format(seq=self.seq, action=self.action, kind=self.kind, frm=self.frm, to=self.to,
                                        track=self.track, role=self.role, on=self.on, by=self.by,
                                        opinion=self.opinion)

    def message(self) -> str:
        trailers = [("Case", self.case), ("Action", self.action), ("Kind", self.kind), ("From", self.frm),
                    ("To", self.to), ("Role", self.role), ("Track", self.track), ("Decided-On", self.on),
                    *self.extra_trailers]
        return (f"{self.case} 手工录入决定（{self.action}）\n\n{self.opinion}\n\n"
                + "\n".join(f"{k}: {v}" for k, v in trailers) + "\n")


def commit_by_hand(r: Runner, office: Path, message: str, *, sign_with: Path | None, no_verify: bool = True,
                   check: bool = True) -> subprocess.CompletedProcess:
    """``git commit`` of what is staged: unsigned, or signed by ``sign_with`` (an SSH private key)."""
    args: list[str] = []
    if sign_with is not None:
        args += ["-c", "gpg.format=ssh", "-c", f"user.signingkey={sign_with}"]
    args += ["commit", "-q", "-F", "-"]
    args.append("-S" if sign_with is not None else "--no-gpg-sign")
    if no_verify:
        args.append("--no-verify")
    return r.git(office, *args, input=message.encode("utf-8"), check=check)


def hand_decision_commit(r: Runner, office: Path, d: HandDecision, *, sign_with: Path | None) -> str:
    f = office / d.path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(d.text(), encoding="utf-8")
    r.git(office, "add", "--", d.path)
    commit_by_hand(r, office, d.message(), sign_with=sign_with)
    return head(r, office)


def copy_world(src_remote: Path, offices: dict[str, Path], dest: Path, r: Runner) -> tuple[Path, dict[str, Path]]:
    """Copy the shared remote and the offices into ``dest``; the copies point at the copied remote."""
    remote = dest / "remote.git"
    shutil.copytree(src_remote, remote, symlinks=True)
    copies = {}
    for name, path in offices.items():
        c = dest / name
        shutil.copytree(path, c, symlinks=True)
        r.git(c, "remote", "set-url", "origin", str(remote))
        copies[name] = c
    return remote, copies
