"""Working days and legal periods.

Periods follow 民法典 第二百零一条 to 第二百零三条: a period counted in days, months or years
starts on the day after the event; a period in months or years ends on the corresponding day
of the last month (the month's last day when there is none); if the last day is a statutory
holiday the period ends on the next working day.

Working days (工作日) follow the State Council's holiday notice of each year. A year for which
the calendar holds no data is never guessed: days in it are counted as Monday to Friday and the
result is marked *estimated*, with the name of the file that would fix it.
"""

from __future__ import annotations

import calendar as _cal
import datetime as _dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Due:
    """A computed date and whether it rests on a year without official calendar data."""

    date: _dt.date
    estimated: bool = False
    missing_years: tuple[int, ...] = ()


@dataclass
class WorkCalendar:
    """Holidays and make-up working days by year; years absent from ``years`` are estimated."""

    holidays: set[_dt.date] = field(default_factory=set)
    workdays: set[_dt.date] = field(default_factory=set)  # 调休: weekends that are working days
    years: set[int] = field(default_factory=set)
    source: str = "jurisdictions/calendars/<year>.yaml"

    def known(self, year: int) -> bool:
        return year in self.years

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
