"""Hermetic test fixtures: a temporary HOME with a git identity, fixed dates, real git repos."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.core.i18n import set_language


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    for k in list(os.environ):
        if k.startswith(("GIT_", "TRACKER_")):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("TRACKER_TODAY", "2025-03-03")
    (home / ".gitconfig").write_text("[user]\n\tname = 测试员\n\temail = clerk@example.gov.cn\n"
                                     "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    set_language("zh")
    yield


@pytest.fixture
def store(tmp_path):
    from tracker import services

    return services.init_store(tmp_path / "store")


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None):
    """Run the real console entry point in a subprocess; returns CompletedProcess (text)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, env=e, capture_output=True,
                          text=True, input=input, encoding="utf-8")


@pytest.fixture
def cli():
    return run_cli


# the terminal UI tests share one demo store per session (built once, copied per test)
from tui_helpers import demo_copy, demo_master  # noqa: E402,F401
