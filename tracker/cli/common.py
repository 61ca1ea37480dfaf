"""Helpers shared by the command modules."""

from __future__ import annotations

import datetime as _dt

from tracker.core.facts import parse_date
from tracker.core.i18n import pick
from tracker.store.store import Store


def store_of(args) -> Store:
    return Store.discover(args.store)


def date_arg(name: str, value: str | None) -> _dt.date | None:
    if value is None:
        return None
    return parse_date(name, value)


def yes_no(v) -> str:
    return pick("是", "yes") if v else pick("否", "no")


def severity_word(sev: str) -> str:
    return pick(*{"error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info")}.get(sev, (sev, sev)))
