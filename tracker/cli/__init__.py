"""Command-line interface: ``tracker <command> …`` (see DESIGN.md, "Command-line contract").

One module per command, each with ``register(subparsers)`` and ``run(args) -> int``; a single
error handler maps failures to exit codes: 0 success, 1 the rules say no, 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from tracker.core.errors import RulesSayNo, TrackerError
from tracker.core.i18n import pick, set_language

COMMANDS = ("init", "jurisdictions", "new", "set", "attach", "list", "show", "actions", "advance", "check",
            "due", "log", "people", "verify", "sync", "remote", "clone", "demo", "hook", "tui", "export", "report",
            "bench")


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line on stderr, exit 2
        self.exit(2, f"{self.prog}: {pick('用法错误', 'usage error')}: {message}\n")


def common_parent(with_key: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--store", default=argparse.SUPPRESS, help=pick("案件库路径", "path of the case store"))
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help=pick("输出一个 JSON 文档", "print one JSON document"))
    p.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS, help=pick("界面语言", "UI language"))
    if with_key:
        p.add_argument("--key", metavar="PATH", default=argparse.SUPPRESS,
                       help=pick("本次命令使用的签名密钥（覆盖 git 的 user.signingkey）",
                                 "signing key for this command (overrides git's user.signingkey)"))
    return p


def _command_of(argv: list[str]) -> str | None:
    """The command word of ``argv`` (global options may come before it)."""
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--store", "--lang", "--key"):
            skip = True
        elif not a.startswith("-"):
            return a
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a command, only that command's module is imported
    (start-up time counts for scripts and hooks that run tracker many times)."""
    import importlib

    parent = common_parent()
    parser = Parser(prog="tracker", parents=[parent],
                    description=pick("政务信息化项目案件跟踪（git 存储）", "case tracker for government IT projects, kept in git"))
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    wanted = _command_of(argv or [])
    for name in (COMMANDS if wanted not in COMMANDS else (wanted,)):
        mod = importlib.import_module(f"tracker.cli.cmd_{name}")
        sp = mod.register(sub, parent)
        sp.set_defaults(func=mod.run)
    return parser


def _pre_language(argv: list[str]) -> None:
    lang = None
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif a.startswith("--lang="):
            lang = a.split("=", 1)[1]
    set_language(lang)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _pre_language(argv)
    try:
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
        sys.stderr.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        pass
    if not argv or _command_of(argv) is None and not any(a in ("-h", "--help") for a in argv):
        # plain `tracker` (global options only) opens the terminal UI; with --json, scripts get the list
        argv = [*argv, "list" if "--json" in argv else "tui"]
    if _command_of(argv) in ("list", "due"):
        # an unchanged store: the kept answer, checked without loading the rule engine (tracker.store.answers)
        from tracker.core.i18n import language
        from tracker.store import answers

        code = answers.replay(argv, language())
        if code is not None:
            return code
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    args.argv = argv  # the command line as given: a replayable answer is kept under it
    for key, default in (("store", None), ("json", False), ("lang", None), ("key", None)):
        if not hasattr(args, key):
            setattr(args, key, default)
    if args.key:
        from tracker.store.signing import ENV_KEY

        os.environ[ENV_KEY] = os.path.abspath(os.path.expanduser(args.key)) \
            if not args.key.startswith(("key::", "ssh-")) and os.path.exists(os.path.expanduser(args.key)) else args.key
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except RulesSayNo as e:
        sys.stderr.write(e.one_line() + "\n")
        for r in e.reasons:
            sys.stderr.write(f"  - {r}\n")
        if args.json:  # scripts get the refusal as a document too
            from tracker.cli.output import emit_json

            emit_json({"ok": False, "allowed": False, "message": e.message, "reasons": e.reasons})
        return 1
    except TrackerError as e:
        sys.stderr.write(e.one_line() + "\n")
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("TRACKER_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(pick(f"内部错误：{type(e).__name__}: {e}（设置 TRACKER_DEBUG=1 查看详情）",
                              f"internal error: {type(e).__name__}: {e} (set TRACKER_DEBUG=1 for details)") + "\n")
        return 3
