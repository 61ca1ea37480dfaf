"""Working days and legal periods.

Periods follow 民法典 第二百零一条 to 第二百零三条: a period counted in days, months or years
starts on the day after the event; a period in months or years ends on the corresponding day
of the last month (the month's last day when there is none); if the last day is a statutory
holiday the period ends on the next working day.

Working days (工作日) follow the State Council's holiday notice of each year, kept as data in
``jurisdictions/calendars/<year>.yaml`` (format in that folder's README). A year for which the
calendar holds no data is never guessed: days in it are counted as Monday to Friday and the
result is marked *estimated*, with the name of the file that would fix it.
"""

from __future__ import annotations

import calendar as _cal
import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.core.errors import InputError
from tracker.core.i18n import t

#: where a store keeps its calendars, relative to the store root
CALENDAR_DIR = "jurisdictions/calendars"


def calendar_file(year: int) -> str:
    """The store-relative file that holds (or would hold) the calendar of ``year``."""
    return f"{CALENDAR_DIR}/{year}.yaml"


@dataclass(frozen=True)
class Due:
    """A computed date and whether it rests on a year without official calendar data."""

    date: _dt.date
    estimated: bool = False
    missing_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class Notice:
    """The State Council notice that fixed a year's holidays (or changed some of its days)."""

    title: str
    number: str | None  # e.g. 国办发明电〔2024〕12号; None when not known for certain
    date: _dt.date

    @property
    def cite(self) -> str:
        return f"{self.title}（{self.number}）" if self.number else self.title


@dataclass
class WorkCalendar:
    """Holidays and make-up working days by year; years absent from ``years`` are estimated."""

    holidays: set[_dt.date] = field(default_factory=set)
    workdays: set[_dt.date] = field(default_factory=set)  # 调休: weekends that are working days
    years: set[int] = field(default_factory=set)
    names: dict[_dt.date, str] = field(default_factory=dict)  # the holiday (or 调休 for) name of a day
    notices: dict[int, Notice] = field(default_factory=dict)  # the notice behind each known year
    files: dict[int, str] = field(default_factory=dict)  # the file each known year was read from

    def known(self, year: int) -> bool:
        return year in self.years

    def file_for(self, year: int) -> str:
        return self.files.get(year, calendar_file(year))

    def add_year(self, data: "YearData") -> None:
        self.years.add(data.year)
        self.holidays |= set(data.holidays)
        self.workdays |= set(data.workdays)
        self.names.update(data.holidays)
        self.names.update(data.workdays)
        self.notices[data.year] = data.notice
        self.files[data.year] = data.file

    def is_working_day(self, d: _dt.date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def add_working_days(self, event: _dt.date, n: int) -> Due:
        """The day on which a period of ``n`` working days after ``event`` ends.

        The event day is not counted (民法典 第二百零一条); day 1 is the first working day after it.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        d = event
        missing: set[int] = set()
        count = 0
        while count < n:
            d += _dt.timedelta(days=1)
            if not self.known(d.year):
                missing.add(d.year)
            if self.is_working_day(d):
                count += 1
        return Due(d, bool(missing), tuple(sorted(missing)))

    def next_working_day_on_or_after(self, d: _dt.date) -> Due:
        missing: set[int] = set()
        while True:
            if not self.known(d.year):
                missing.add(d.year)
            if self.is_working_day(d):
                return Due(d, bool(missing), tuple(sorted(missing)))
            d += _dt.timedelta(days=1)

    def add_months(self, event: _dt.date, months: int) -> Due:
        """End of a period of ``months`` months after ``event`` (民法典 第二百零一条至第二百零三条)."""
        last = add_months_plain(event, months)
        return self.next_working_day_on_or_after(last)

    def add_years(self, event: _dt.date, years: int) -> Due:
        return self.add_months(event, 12 * years)

    def nth_working_day_of_month(self, year: int, month: int, n: int) -> Due:
        """The n-th working day of a month (e.g. 'the first five working days of the quarter')."""
        return self.add_working_days(_dt.date(year, month, 1) - _dt.timedelta(days=1), n)


def add_months_plain(event: _dt.date, months: int) -> _dt.date:
    """The corresponding day ``months`` later; the month's last day when there is none."""
    y, m = divmod(event.month - 1 + months, 12)
    year, month = event.year + y, m + 1
    day = min(event.day, _cal.monthrange(year, month)[1])
    return _dt.date(year, month, day)


def weekday_calendar() -> WorkCalendar:
    """No official data at all: every result is estimated (Monday to Friday only)."""
    return WorkCalendar()


# ---------------------------------------------------------------------------------------
# Calendar files: jurisdictions/calendars/<year>.yaml (format: jurisdictions/calendars/README.md)

_FILE_RE = re.compile(r"^(\d{4})\.yaml$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKDAYS = (("星期一", "Monday"), ("星期二", "Tuesday"), ("星期三", "Wednesday"), ("星期四", "Thursday"),
             ("星期五", "Friday"), ("星期六", "Saturday"), ("星期日", "Sunday"))
_TOP_KEYS = ("year", "notice", "other_notices", "holidays", "workdays")
_NOTICE_KEYS = ("title", "number", "date")
_HOLIDAY_KEYS = ("name", "name_en", "from", "to", "by", "note")
_WORKDAY_KEYS = ("date", "for", "by", "note")


@dataclass
class YearData:
    """One calendar file: the days off and the make-up working days of one year."""

    year: int
    file: str
    notice: Notice
    other_notices: list[Notice] = field(default_factory=list)
    holidays: dict[_dt.date, str] = field(default_factory=dict)  # day -> holiday name
    workdays: dict[_dt.date, str] = field(default_factory=dict)  # day -> the holiday it makes up for


def _yaml():
    """ruamel round-trip (for line numbers) that keeps dates as text, so that an impossible date
    such as 2025-02-30 is reported by this module with its line rather than by the YAML library."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import RoundTripConstructor

    class _Constructor(RoundTripConstructor):
        pass

    _Constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node))
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.allow_duplicate_keys = False
    return y


class _File:
    """Error reporting for one calendar file: every problem names the file and the line."""

    def __init__(self, display: str):
        self.display = display

    def fail(self, detail: str, line: int | None) -> InputError:
        return InputError(t("bad_calendar", error=detail), file=self.display, line=line)

    @staticmethod
    def line_of_key(m: Any, key: str, default: int | None) -> int | None:
        try:
            return m.lc.key(key)[0] + 1
        except Exception:
            return default

    @staticmethod
    def line_of_value(m: Any, key: str, default: int | None) -> int | None:
        try:
            return m.lc.value(key)[0] + 1
        except Exception:
            return default

    @staticmethod
    def line_of_item(seq: Any, i: int, default: int | None) -> int | None:
        try:
            return seq.lc.item(i)[0] + 1
        except Exception:
            return default

    def mapping(self, value: Any, where: str, keys: tuple[str, ...], line: int | None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(t("cal_expected", name=where, what_zh="映射（键: 值）", what_en="a mapping (key: value)"), line)
        for k in value:
            if k not in keys:
                raise self.fail(t("cal_unknown_key", name=k, known=", ".join(keys)), self.line_of_key(value, k, line))
        return value

    def text(self, m: dict, key: str, line: int | None, required: bool = True) -> str | None:
        v = m.get(key)
        if v is None:
            if required:
                raise self.fail(t("cal_missing_key", name=key), line)
            return None
        if not isinstance(v, str) or not v.strip():
            raise self.fail(t("cal_expected", name=key, what_zh="非空文字", what_en="non-empty text"),
                            self.line_of_value(m, key, line))
        return v.strip()

    def date(self, m: dict, key: str, line: int | None, required: bool = True) -> _dt.date | None:
        v = m.get(key)
        at = self.line_of_value(m, key, line)
        if v is None:
            if required:
                raise self.fail(t("cal_missing_key", name=key), line)
            return None
        if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
            return v
        if not isinstance(v, str) or not _DATE_RE.match(v.strip()):
            raise self.fail(t("bad_date", name=key, value=v), at)
        try:
            return _dt.date.fromisoformat(v.strip())
        except ValueError:
            raise self.fail(t("bad_date", name=key, value=v), at) from None

    def notice(self, value: Any, where: str, line: int | None) -> Notice:
        m = self.mapping(value, where, _NOTICE_KEYS, line)
        if "number" in m and m["number"] is not None and not isinstance(m["number"], str):
            raise self.fail(t("cal_expected", name="number", what_zh="文字（文号）或 null", what_en="text (the document number) or null"),
                            self.line_of_value(m, "number", line))
        number = m.get("number")
        return Notice(self.text(m, "title", line), number.strip() if isinstance(number, str) and number.strip() else None,
                      self.date(m, "date", line))

    def sequence(self, data: dict, key: str) -> list:
        v = data.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise self.fail(t("cal_expected", name=key, what_zh="列表", what_en="a list"), self.line_of_value(data, key, 1))
        return v


def parse_calendar_text(text: str, display: str, year: int | None = None) -> YearData:
    """One calendar file from its text; ``year`` is the year its file name promises.

    Raises InputError naming ``display`` and the line for anything malformed: wrong types, impossible
    dates, a date outside the file's year, a day listed twice or both as a holiday and a working day,
    or a make-up working day that is not a Saturday or Sunday.
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    f = _File(display)
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise InputError(t("bad_yaml", error=(e.problem or str(e)).strip()), file=display,
                         line=mark.line + 1 if mark else None) from None
    except YAMLError as e:
        raise InputError(t("bad_yaml", error=str(e).splitlines()[0]), file=display, line=1) from None
    if not isinstance(data, dict):
        raise f.fail(t("cal_top"), 1)
    f.mapping(data, "top", _TOP_KEYS, 1)
    y = data.get("year")
    if y is None:
        raise f.fail(t("cal_missing_key", name="year"), 1)
    if type(y) is not int or not 1900 <= y <= 9999:
        raise f.fail(t("cal_expected", name="year", what_zh="四位年份", what_en="a four-digit year"), f.line_of_value(data, "year", 1))
    if year is not None and y != year:
        raise f.fail(t("cal_year_mismatch", year=y, expected=year), f.line_of_value(data, "year", 1))
    if data.get("notice") is None:
        raise f.fail(t("cal_missing_key", name="notice"), 1)
    notice = f.notice(data["notice"], "notice", f.line_of_value(data, "notice", 1))
    others: list[Notice] = []
    seq = f.sequence(data, "other_notices")
    for i, item in enumerate(seq):
        others.append(f.notice(item, f"other_notices[{i + 1}]", f.line_of_item(seq, i, 1)))
    refs = {n.number for n in others if n.number} | {n.title for n in others}
    out = YearData(y, display, notice, others)

    def in_year(d: _dt.date, line: int | None) -> None:
        if d.year != y:
            raise f.fail(t("cal_outside_year", date=d.isoformat(), year=y), line)

    def check_by(m: dict, line: int | None) -> None:
        ref = f.text(m, "by", line, required=False)
        if ref is not None and ref not in refs:
            raise f.fail(t("cal_unknown_notice", ref=ref), f.line_of_value(m, "by", line))
        f.text(m, "note", line, required=False)

    seq = f.sequence(data, "holidays")
    for i, item in enumerate(seq):
        line = f.line_of_item(seq, i, 1)
        m = f.mapping(item, f"holidays[{i + 1}]", _HOLIDAY_KEYS, line)
        name = f.text(m, "name", line)
        f.text(m, "name_en", line, required=False)
        start = f.date(m, "from", line)
        end = f.date(m, "to", line, required=False) or start
        in_year(start, f.line_of_value(m, "from", line))
        in_year(end, f.line_of_value(m, "to", line))
        if end < start:
            raise f.fail(t("cal_range_order", start=start.isoformat(), end=end.isoformat()), f.line_of_value(m, "to", line))
        check_by(m, line)
        d = start
        while d <= end:
            if d in out.holidays:
                raise f.fail(t("cal_duplicate", date=d.isoformat()), line)
            out.holidays[d] = name
            d += _dt.timedelta(days=1)
    seq = f.sequence(data, "workdays")
    for i, item in enumerate(seq):
        line = f.line_of_item(seq, i, 1)
        m = f.mapping(item, f"workdays[{i + 1}]", _WORKDAY_KEYS, line)
        d = f.date(m, "date", line)
        at = f.line_of_value(m, "date", line)
        in_year(d, at)
        if d in out.holidays:
            raise f.fail(t("cal_both", date=d.isoformat()), at)
        if d in out.workdays:
            raise f.fail(t("cal_duplicate", date=d.isoformat()), at)
        if d.weekday() < 5:
            zh, en = _WEEKDAYS[d.weekday()]
            raise f.fail(t("cal_not_weekend", date=d.isoformat(), weekday_zh=zh, weekday_en=en), at)
        check_by(m, line)
        out.workdays[d] = f.text(m, "for", line, required=False) or ""
    return out


def load_calendar(directory: Path, display_root: Path | None = None,
                  texts: dict[str, bytes] | None = None) -> WorkCalendar:
    """The working-day calendar of every ``<year>.yaml`` in ``directory`` (none: all estimated).

    Other files (README.md) are ignored; a YAML file not named after its year is an error, so that
    a misnamed file is never silently skipped. ``texts`` (file name -> bytes) are the directory's
    files as the caller already read them: the calendar is then made of exactly those bytes.
    """
    cal = WorkCalendar()
    if texts is None:
        if not directory.is_dir():
            return cal
        names = [p.name for p in sorted(directory.iterdir()) if p.is_file()]
    else:
        names = sorted(texts)
    for name in names:
        if name.startswith(".") or Path(name).suffix.lower() not in (".yaml", ".yml"):
            continue
        path = directory / name
        display = str(path.relative_to(display_root)) if display_root else str(path)
        m = _FILE_RE.match(name)
        if not m:
            raise InputError(t("bad_calendar", error=t("cal_bad_file_name", name=name)), file=display)
        try:
            text = texts[name].decode("utf-8") if texts is not None else path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise InputError(t("bad_yaml", error=f"not UTF-8 ({e.reason})"), file=display, line=1) from None
        except OSError as e:
            raise InputError(t("unreadable_file", path=display, error=e.strerror or e), file=display) from None
        cal.add_year(parse_calendar_text(text, display, int(m.group(1))))
    return cal
