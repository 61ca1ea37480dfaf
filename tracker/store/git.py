"""A thin wrapper around system git (as pre-commit does): no inherited GIT_* environment,
``core.quotepath=off`` so Chinese file names come back as UTF-8, ``-z`` where paths are listed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tracker.core.errors import InputError
from tracker.core.i18n import t


class GitError(InputError):
    def __init__(self, message: str, stderr: str = "", returncode: int = 1):
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode


# Set by git for a pre-receive hook: the pushed objects wait in a quarantine that git commands run
# by the hook must see. Everything else GIT_* is dropped so that nothing leaks from the caller.
_KEEP = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")


def git_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEEP}
    env["LC_ALL"] = env.get("LC_ALL") or "C.UTF-8"
    if extra:
        env.update(extra)
    return env


def run(args: list[str], cwd: Path, *, input: bytes | None = None, check: bool = True,
        env: dict | None = None) -> str:
    cmd = ["git", "-c", "core.quotepath=off", *args]
    try:
        proc = subprocess.run(cmd, cwd=cwd, input=input, capture_output=True, env=git_env(env))
    except FileNotFoundError:
        raise GitError(t("git_failed", error="git not found")) from None
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        first = err.splitlines()[-1] if err else f"exit {proc.returncode}"
        raise GitError(t("git_failed", error=f"git {args[0]}: {first}"), err, proc.returncode)
    return proc.stdout.decode("utf-8", "replace")


def run_bytes(args: list[str], cwd: Path, check: bool = True) -> bytes:
    proc = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True, env=git_env())
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise GitError(t("git_failed", error=f"git {args[0]}: {err.splitlines()[-1] if err else proc.returncode}"), err)
    return proc.stdout


def config_get(cwd: Path, key: str) -> str | None:
    out = run(["config", "--get", key], cwd, check=False).strip()
    return out or None


def is_repo(path: Path) -> bool:
    return (path / ".git").exists()


def has_commits(cwd: Path) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=cwd, capture_output=True,
                          env=git_env()).returncode == 0


def is_ancestor(cwd: Path, a: str, b: str) -> bool:
    return subprocess.run(["git", "merge-base", "--is-ancestor", a, b], cwd=cwd, capture_output=True,
                          env=git_env()).returncode == 0
