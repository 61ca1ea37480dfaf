"""Helpers for the trust-layer tests (test_verify_rules.py, test_people_cli.py).

Builds on tests/offices_helpers.py (hermetic environment, Runner, throwaway ssh-keygen keys, hand-made
decision commits): a module-scoped *store* (no remote) signed by an admin, copied per test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from offices_helpers import JUR, Runner, commit_by_hand, head, keygen, make_env, use_key

UNIT = "河源市教育局"


class Store:
    """A case store built once per module; each test works on ``copy(tmp_path)``."""

    path: Path
    r: Runner
    keys: dict[str, Path]


def fingerprint(pub: Path) -> str:
    """The SHA256 fingerprint of a public key file, as ``ssh-keygen -lf`` prints it."""
    out = subprocess.run(["ssh-keygen", "-lf", str(pub)], capture_output=True, text=True, check=True).stdout
    return out.split()[1]


def key_line(pub: Path) -> str:
    """``algo base64`` of a .pub file (the comment dropped)."""
    return " ".join(pub.read_text(encoding="utf-8").split()[:2])


def build_store(base: Path, *, names=("admin", "fin", "db", "stranger")) -> Store:
    """A store made by ``tracker --key ADMIN init``; the admin 测试员 is also the (unbound) clerk of
    heyuan and yunan, 财务 (heyuan:finance) and 数据局 (heyuan:data_bureau) have keys, the stranger's
    key is in no policy. The store signs with the admin's key through git's own configuration."""
    s = Store()
    s.base = base
    s.env = make_env(base / "home")
    r = s.r = Runner(s.env)
    kd = base / "keys"
    kd.mkdir()
    s.keys = {n: keygen(kd / n, f"{n}@test") for n in names}
    s.path = base / "store"
    r.ok(base, "--key", str(s.keys["admin"]), "init", str(s.path))
    use_key(r, s.path, s.keys["admin"])
    r.ok(s.path, "people", "add", "测试员", "--email", "clerk@example.gov.cn", "--role", f"{JUR}:unit",
         "--role", "yunan:unit")
    r.ok(s.path, "people", "add", "财务", "--email", "fin@example.gov.cn", "--key", f"{s.keys['fin']}.pub",
         "--role", f"{JUR}:finance")
    r.ok(s.path, "people", "add", "数据局", "--email", "db@example.gov.cn", "--key", f"{s.keys['db']}.pub",
         "--role", f"{JUR}:data_bureau")
    return s


def copy_store(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def state(r: Runner, repo: Path) -> tuple:
    """HEAD, index and working tree, to show that a refused command changed nothing."""
    return (head(r, repo), r.out(repo, "status", "--porcelain", "--untracked-files=all"),
            r.git(repo, "diff", "--cached", "--binary").stdout, r.git(repo, "diff", "--binary").stdout,
            r.git(repo, "ls-files", "-s").stdout)


def verify(r: Runner, repo: Path, *args: str, env: dict | None = None) -> tuple[int, dict]:
    """`tracker verify --json`: (exit code, document); the exit code must agree with "ok"."""
    p = r.tracker(repo, "verify", *args, "--json", env=env)
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"tracker verify --json printed no JSON ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    assert p.returncode == (0 if doc.get("ok") else 1), (p.returncode, doc)
    return p.returncode, doc


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def commit_all(r: Runner, repo: Path, paths: list[str], message: str, *, sign_with: Path | None,
               no_verify: bool = True, check: bool = True) -> subprocess.CompletedProcess:
    """``git add`` the paths (deletions too) and commit them by hand."""
    r.git(repo, "add", "-A", "--", *paths)
    return commit_by_hand(r, repo, message, sign_with=sign_with, no_verify=no_verify, check=check)
