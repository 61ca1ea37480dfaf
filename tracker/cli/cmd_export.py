"""tracker export — placeholder while the command is being built (see the issue list)."""

from tracker.core.errors import InputError
from tracker.core.i18n import pick


def register(sub, parent):
    return sub.add_parser("export", parents=[parent], help=pick("（开发中）", "(in progress)"))


def run(args) -> int:
    raise InputError(pick("该命令尚在开发中", "this command is not finished yet"))
