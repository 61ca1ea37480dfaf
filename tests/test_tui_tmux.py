"""End to end in a real terminal: `tracker demo` runs inside tmux (120x40), and a decision is taken
through the terminal UI exactly as a person would: filter the list, open the case, F9, type a
Chinese opinion, confirm, sign. Then git and `tracker verify` check what was committed.

The screen is read with `tmux capture-pane` and every step waits by polling it (with a deadline),
never by sleeping a fixed time. Keys go in only once the widget meant to receive them has focus:
the terminal cursor (which Textual puts at the focused input's caret, where an input method shows
its candidates) or the look of the table's cursor row tells when it has.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rich.cells import cell_len

from tracker import services
from tracker.core import engine
from tracker.core.casefile import decision_filename
from tracker.store.signing import signer_for_key
from tracker.store.store import Store

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (.ci/run installs it); the terminal UI's "
                                       "end-to-end test drives the real UI inside tmux")

ROOT = Path(__file__).resolve().parent.parent
TRACKER = Path(sys.prefix) / "bin" / "tracker"
TODAY = "2026-11-24"
WIDTH, HEIGHT = 120, 40
OPINION = "同意立项。[/]资金按规定使用"  # "[/]" is Rich markup: it must show as typed, not vanish
STARTUP = 90.0  # building the demo store (322 signed commits) and loading the list: 10-25 s, more when busy
STEP = 15.0     # any one step of the UI
POLL = 0.05


def terminal_env() -> dict[str, str]:
    """The whole environment of the UI, git and `tracker verify`: nothing else is inherited
    (conftest's ``hermetic`` fixture has already pointed HOME at a temporary directory)."""
    env = {k: os.environ[k] for k in ("HOME", "XDG_CONFIG_HOME") if k in os.environ}
    env.update(PATH=os.environ.get("PATH") or "/usr/local/bin:/usr/bin:/bin", GIT_CONFIG_NOSYSTEM="1",
               LANG="C.UTF-8", TERM="xterm-256color", TRACKER_TODAY=TODAY, TRACKER_LANG="zh",
               TRACKER_DEMO_SEED="tmux-e2e")
    assert not any(k.startswith("GIT_") and k != "GIT_CONFIG_NOSYSTEM" for k in env)
    return env


class Pane:
    """One tmux pane on a private server (``tmux -L``), read by polling ``capture-pane``."""

    def __init__(self, socket: str, env: dict[str, str], conf: Path) -> None:
        self.socket, self.env, self.conf = socket, env, conf
        self.target = "e2e"
        self.server_pid, self.socket_path = 0, ""

    def tmux(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(["tmux", "-L", self.socket, "-f", str(self.conf), *args], env=self.env, check=False,
                           capture_output=True, text=True, encoding="utf-8", timeout=20)
        if check and r.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
        return r.stdout

    def start(self, argv: list[str]) -> None:
        # env -i: the program sees exactly self.env, not the variables tmux adds (TMUX, TMUX_PANE)
        cmd = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in self.env.items()), *argv])
        self.tmux("new-session", "-d", "-s", self.target, "-x", str(WIDTH), "-y", str(HEIGHT), cmd)
        pid, self.socket_path = self.tmux("display-message", "-p", "#{pid} #{socket_path}").strip().split(" ", 1)
        self.server_pid = int(pid)

    def kill(self) -> None:
        self.tmux("kill-server", check=False)
        if self.socket_path:  # tmux leaves its socket behind
            Path(self.socket_path).unlink(missing_ok=True)

    def screen(self, escapes: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.target)

    def lines(self, escapes: bool = False) -> list[str]:
        return self.screen(escapes).split("\n")

    def cursor(self) -> tuple[int, int]:
        x, y = self.tmux("display-message", "-p", "-t", self.target, "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def exit_status(self) -> str | None:
        """How the pane's program ended ("status 0", "signal 15"), None while it runs.

        tmux marks the pane dead when its terminal closes and learns the status when it reaps the
        child. Closing the terminal runs libutempter's helper, which puts in its own SIGCHLD
        handler for a moment: a program exiting just then stays a zombie, never reaped
        (tmux/tmux#311; seen here about one run in two). A SIGCHLD to our own server, the
        workaround given there, makes it look again."""
        dead, status, sig = self.tmux("display-message", "-p", "-t", self.target,
                                      "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}").strip().split("|")
        if dead != "1":
            return None
        if not (status or sig):
            os.kill(self.server_pid, signal.SIGCHLD)
            return None
        return f"status {status}" if status else f"signal {sig}"

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def wait(self, what: str, test, timeout: float = STEP):
        """Poll until ``test()`` returns something true (returned); fail with the screen shown."""
        deadline = time.monotonic() + timeout
        while True:
            got = test()
            if got:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:.0f} s for {what}; the pane shows:\n{self.screen()}")
            time.sleep(POLL)

    def wait_text(self, what: str, *needles: str, absent: tuple[str, ...] = (), timeout: float = STEP) -> str:
        def shown():
            s = self.screen()
            return s if all(n in s for n in needles) and not any(a in s for a in absent) else None

        return self.wait(what, shown, timeout)


@pytest.fixture
def pane(tmp_path):
    conf = tmp_path / "tmux.conf"  # never the user's ~/.tmux.conf; keep the pane to read its exit status
    conf.write_text("set -g remain-on-exit on\n", encoding="utf-8")
    p = Pane(f"tracker-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}", terminal_env(), conf)
    try:
        yield p
    finally:
        p.kill()


def git(store: Path, env: dict, *args: str) -> str:
    r = subprocess.run(["git", *args], cwd=store, env=env, capture_output=True, text=True, encoding="utf-8",
                       check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout


def pick_case(store_path: Path) -> tuple[str, engine.ActionOption]:
    """A case with a decision allowed today, and that decision: the first allowed action in the
    order the dialog lists them (allowed first), preferring a case where it moves forward."""
    store = Store(store_path)
    fallback = None
    for cid in sorted(store.case_ids()):
        allowed = [o for o in engine.list_actions(services.load(store, cid).view) if o.allowed]
        if not allowed:
            continue
        if allowed[0].kind in engine.FORWARD_KINDS:
            return cid, allowed[0]
        fallback = fallback or (cid, allowed[0])
    assert fallback, "no demo case has a decision allowed on " + TODAY
    return fallback


def row_of(lines: list[str], pattern: str) -> int | None:
    rx = re.compile(pattern)
    return next((i for i, line in enumerate(lines) if rx.search(line)), None)


def in_dialog(line: str) -> str:
    """The part of a screen line inside a dialog's ascii frame (``|`` on both sides)."""
    m = re.search(r"\|(.*)\|", line)
    return m.group(1).strip() if m else ""


def test_decision_through_the_terminal_ui_in_tmux(pane, tmp_path, monkeypatch):
    assert TRACKER.is_file(), f"{TRACKER} missing: run the tests with the project's virtualenv"
    monkeypatch.setenv("TRACKER_TODAY", TODAY)  # for the in-process look at the store below
    env = pane.env
    store_path = tmp_path / "demo-store"
    samples = sum(1 for d in (ROOT / "cases").iterdir() if (d / "case.toml").is_file())
    problems: list[str] = []  # layout faults: reported at the end, after the whole flow has run

    pane.start([str(TRACKER), "demo", str(store_path)])

    # 1. the case list, fully loaded
    pane.wait_text("the case list to load", f"共 {samples} 件", "今天 " + TODAY, absent=("正在载入",),
                   timeout=STARTUP)
    cid, option = pick_case(store_path)
    seq = len(Store(store_path).load_case(cid).decisions) + 1
    decision_file = f"cases/{cid}/decisions/{decision_filename(seq, option.id)}"
    fingerprint = signer_for_key(str(store_path / ".git" / "tracker-demo-keys" / option.role)).fingerprint

    # 2. filter by the case id, back to the table, open the case
    filter_row = row_of(pane.lines(), r"^\s*筛选(\s|$)")
    assert filter_row is not None, pane.screen()
    unfocused = pane.lines(escapes=True)[filter_row]
    pane.keys("/")
    pane.wait("the filter input to take focus",
              lambda: pane.cursor()[1] == filter_row and pane.lines(escapes=True)[filter_row] != unfocused)
    pane.type(cid)

    def filtered():
        lines = pane.lines()
        ids = [ln.split()[0] for ln in lines if re.match(r"^\s*[A-Z]+-\d{4}-\d{4}\s", ln)]
        return lines if ids == [cid] and any("筛选后 1 件" in ln for ln in lines) else None

    lines = pane.wait(f"the list filtered down to {cid}", filtered)
    case_row = row_of(lines, rf"^\s*{cid}\s")
    blurred = pane.lines(escapes=True)[case_row]
    pane.keys("Enter")
    pane.wait("the table to take focus back from the filter",
              lambda: pane.lines(escapes=True)[case_row] != blurred)
    pane.keys("Enter")
    pane.wait_text(f"the detail of {cid}", f"案件库: demo-store  {cid}", "当前阶段：")

    # 3. the decision dialog: the allowed action highlighted; Enter takes it, on to the opinion
    pane.keys("F9")
    pane.wait_text("the decision dialog", f"对 {cid} 作出决定", option.name, "签名：", fingerprint)
    pane.keys("Enter")

    def opinion_row():
        row = row_of(pane.lines(), r"\|\s+意见\s+\|")
        return row is not None and pane.cursor()[1] == row + 1 and row

    label = pane.wait("the opinion field to take focus (the terminal cursor in it)", opinion_row)
    x0 = pane.cursor()[0]
    pane.type(OPINION)
    pane.wait("the opinion to show as typed", lambda: in_dialog(pane.lines()[label + 1]) == OPINION)
    # an input method shows its candidates at the terminal cursor: it must follow the (wide) text
    caret = (x0 + cell_len(OPINION), label + 1)
    try:
        pane.wait("the terminal cursor to follow the opinion", lambda: pane.cursor() == caret, timeout=3)
    except AssertionError as e:
        problems.append(f"the terminal cursor is at {pane.cursor()}, not after the opinion at {caret}: {e}")

    # 4. the confirmation: the file, the opinion (also in the commit message), the key
    pane.keys("F9")

    def confirmation():
        screen = pane.screen()
        lines = screen.split("\n")
        return (f"确认决定：{option.name}" in screen and decision_file in screen
                and f'opinion = "{OPINION}"' in screen  # the decision file
                and OPINION in map(in_dialog, lines)     # the commit message's body
                and f"Case: {cid}" in map(in_dialog, lines)
                and f"Action: {option.id}" in map(in_dialog, lines))

    pane.wait("the confirmation: the decision file, the opinion and the trailers", confirmation)
    for what, shown in ((f"the signing key ({fingerprint})", f"签名：SSH {fingerprint}"),
                        ("its buttons 确认并签名 (F9) / 返回修改 (Esc)", "确认并签名 (F9)")):
        try:
            pane.wait(f"the confirmation to show {what}", lambda shown=shown: shown in pane.screen(), timeout=3)
        except AssertionError as e:
            problems.append(f"at {WIDTH}x{HEIGHT} the confirmation dialog does not show {what}: {e}")

    # 5. sign and commit
    pane.keys("F9")
    pane.wait_text("the result dialog", "已提交", f"已用 SSH 密钥 {fingerprint} 签名")
    head = git(store_path, env, "rev-parse", "HEAD").strip()
    pane.wait(f"the result to name the commit {head[:12]}",
              lambda: any(head[:12] in ln and cid in ln for ln in pane.lines()))

    message = git(store_path, env, "log", "-1", "--format=%B").strip().split("\n")
    assert OPINION in message, message
    trailers = message[max(i for i, ln in enumerate(message) if not ln.strip()) + 1:]
    assert f"Case: {cid}" in trailers and f"Action: {option.id}" in trailers, message
    assert git(store_path, env, "config", "gpg.ssh.allowedSignersFile").strip()
    assert git(store_path, env, "log", "-1", "--format=%G?").strip() == "G"
    assert git(store_path, env, "show", "--name-only", "--format=", "HEAD").split() == [decision_file]
    verify = subprocess.run([str(TRACKER), "verify", "--json", "--store", str(store_path)], env=env,
                            capture_output=True, text=True, encoding="utf-8", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    report = json.loads(verify.stdout)
    assert report["ok"] is True and report["problems"] == [], report

    # 6. close the result: the detail shows the new stage; F10 quits, the program exits cleanly
    pane.keys("Enter")
    pane.wait_text("the detail at the new stage", f"当前阶段：{option.to_name}", absent=("已提交",))
    pane.keys("F10")
    ended = pane.wait("the UI to exit after F10", pane.exit_status)
    assert ended == "status 0", f"the UI ended with {ended}:\n{pane.screen()}"

    assert not problems, "\n\n".join(problems)
