"""What the screens show, worked out without Textual: row cells, deadline colours, 拼音 search,
the dashboard's groups. Kept apart from the widgets so it is tested directly and stays fast."""

from __future__ import annotations

import datetime as _dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from tracker.core.calendar import WorkCalendar
from tracker.core.i18n import pick

# columns of the case list: key, Chinese and English heading
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "编号", "ID"),
    ("title", "项目名称", "Title"),
    ("jurisdiction", "辖区", "Jurisdiction"),
    ("unit", "建设单位", "Unit"),
    ("budget", "预算(万元)", "Budget (万元)"),
    ("track", "办理类型", "Track"),
    ("stage", "阶段", "Stage"),
    ("due", "下一期限", "Next due"),
)

# cells per column (the title takes what is left of the screen's width)
WIDTHS = {"id": 13, "jurisdiction": 8, "unit": 14, "budget": 10, "track": 8, "stage": 12, "due": 15}
MIN_TITLE = 16
CLIP_MARK = ".."  # not "…": that one is ambiguous-width

SOON_WORKING_DAYS = 3  # "due within 3 working days" shows in yellow


@dataclass
class Row:
    """One case in the list: the service row plus what the UI needs to sort, colour and search."""

    data: dict
    urgency: str = ""          # "overdue", "soon" or ""
    search: str = ""           # lower-cased text of every column, for the filter
    initials: str | None = None  # 拼音 initials of the Chinese columns (filled in lazily)

    @property
    def id(self) -> str:
        return self.data["id"]


@dataclass
class BrokenCase:
    """A case whose files cannot be read: shown in the list as a finding, never a crash."""

    case: str
    file: str | None
    line: int | None
    message: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else (self.file or self.case)


def urgency(row: dict, today: _dt.date, calendar: WorkCalendar) -> str:
    if row.get("overdue") or row.get("next_due_status") == "overdue":
        return "overdue"
    due = row.get("next_due")
    if not due:
        return ""
    d = _dt.date.fromisoformat(due)
    if d < today:
        return "overdue"
    try:
        soon = calendar.add_working_days(today, SOON_WORKING_DAYS).date
    except Exception:  # a year without calendar data: count plain days (the date is estimated anyway)
        soon = today + _dt.timedelta(days=SOON_WORKING_DAYS + 2)
    return "soon" if d <= soon else ""


def budget_text(value) -> str:
    if value in (None, ""):
        return ""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{d:,.2f}" if d != d.to_integral_value() else f"{d:,.0f}"


def cell_texts(row: dict) -> dict[str, str]:
    """The plain text of each column (the widgets add colour; user text is never markup)."""
    stage = row.get("stage") or {}
    due = row.get("next_due") or ""
    if due and row.get("next_due_estimated"):
        due += pick("(估)", "(est)")
    return {
        "id": row["id"],
        "title": row.get("title") or "",
        "jurisdiction": row.get("jurisdiction_name") or row.get("jurisdiction") or "",
        "unit": row.get("unit") or "",
        "budget": budget_text(row.get("budget_wan")),
        "track": row.get("track_name") or row.get("track") or "",
        "stage": stage.get("name") or stage.get("id") or "",
        "due": due,
    }


def column_widths(screen_width: int) -> dict[str, int]:
    """Widths that fit ``screen_width``: two cells of padding per column and one scrollbar."""
    fixed = sum(WIDTHS.values()) + 2 * len(COLUMNS) + 2
    return {**WIDTHS, "title": max(MIN_TITLE, screen_width - fixed)}


def clipped(texts: dict[str, str], widths: dict[str, int]) -> dict[str, str]:
    from tracker.core.cells import clip

    return {k: clip(v, widths[k], CLIP_MARK) for k, v in texts.items()}


def make_row(data: dict, today: _dt.date, calendar: WorkCalendar) -> Row:
    cells = cell_texts(data)
    extra = [data.get("jurisdiction") or "", data.get("track") or "", (data.get("stage") or {}).get("kind") or "",
             data.get("next_due_what") or ""]
    return Row(data, urgency(data, today, calendar), " ".join([*cells.values(), *extra]).lower())


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    """拼音 initials of the Chinese characters in ``text`` (other characters kept, lower-cased):
    河源市教育局 -> hysjyj. Phrase-aware (pypinyin), so polyphones read as in context."""
    if not text or text.isascii():
        return text.lower()
    from pypinyin import Style, lazy_pinyin

    return "".join(p[:1] if p else "" for p in lazy_pinyin(text, style=Style.FIRST_LETTER,
                                                          errors=lambda s: list(s))).lower()


def fill_initials(row: Row) -> str:
    if row.initials is None:
        c = cell_texts(row.data)
        row.initials = " ".join(initials(c[k]) for k in ("title", "unit", "jurisdiction", "track", "stage"))
    return row.initials


def matches(row: Row, query: str) -> bool:
    """Every word of the query must appear in the row's text or in its 拼音 initials."""
    for word in query.lower().split():
        if word in row.search:
            continue
        if word.isascii() and word.isalpha() and word in fill_initials(row):
            continue
        return False
    return True


def sort_key(column: str):
    def key(row: Row):
        d = row.data
        if column == "budget":
            v = d.get("budget_wan")
            try:
                return (0, Decimal(str(v))) if v not in (None, "") else (1, Decimal(0))
            except InvalidOperation:
                return (1, Decimal(0))
        if column == "due":
            return (0, d["next_due"]) if d.get("next_due") else (1, "")
        if column == "id":
            return (0, d["id"])
        return (0, cell_texts(d)[column])
    return key


# ---------------------------------------------------------------------------------------
# the dashboard: what waits for each role, and what is overdue

@dataclass
class Waiting:
    role: str
    role_name: str
    rows: list[Row] = field(default_factory=list)


def dashboard(rows: list[Row], role_names: dict[str, str]) -> tuple[list[Waiting], list[Row]]:
    """Cases grouped by the role that must act next (ended cases wait for no one), and the
    overdue ones, most overdue first."""
    groups: dict[str, Waiting] = {}
    for r in rows:
        role = r.data.get("waiting_role")
        if not role:
            continue
        g = groups.get(role)
        if g is None:
            g = groups[role] = Waiting(role, role_names.get(role, role))
        g.rows.append(r)
    for g in groups.values():
        g.rows.sort(key=lambda r: (r.data.get("next_due") or "9999", r.id))
    waiting = sorted(groups.values(), key=lambda g: (-len(g.rows), g.role))
    overdue = sorted((r for r in rows if r.urgency == "overdue"),
                     key=lambda r: (r.data.get("next_due") or "9999", r.id))
    return waiting, overdue


# ---------------------------------------------------------------------------------------
# our own chrome must not contain East Asian ambiguous-width characters: a terminal configured
# for Chinese draws them two cells wide and the layout breaks (→, …, ●, box drawing, ✓ …)

def ambiguous_chars(text: str) -> set[str]:
    return {c for c in text if unicodedata.east_asian_width(c) == "A"}


# ---------------------------------------------------------------------------------------
# editing facts: a value as the text the user edits (the parser reads it back unchanged)

def fact_edit_text(spec_type: str, value) -> str:
    from tracker.core.facts import to_plain

    if value is None:
        return ""
    v = to_plain(value)
    if spec_type == "bool":
        return "是" if v else "否"
    if spec_type == "choices" and isinstance(v, list):
        return ",".join(map(str, v))
    if spec_type == "money_table" and isinstance(v, dict):
        return ",".join(f"{k}:{x}" for k, x in v.items())
    return str(v)


def editable_specs(pack) -> list:
    """The facts a case of this pack can hold, shared vocabulary first, in a stable order."""
    from tracker.core.facts import VOCABULARY

    specs = dict(VOCABULARY)
    specs.update(pack.fact_specs())
    return list(specs.values())
