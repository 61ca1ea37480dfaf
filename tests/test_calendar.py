import datetime as dt

from tracker.core.calendar import WorkCalendar, add_months_plain, weekday_calendar

D = dt.date


def test_working_days_skip_weekends_and_event_day():
    cal = weekday_calendar()
    # Friday + 1 working day = Monday (the event day is not counted)
    assert cal.add_working_days(D(2025, 3, 7), 1).date == D(2025, 3, 10)
    assert cal.add_working_days(D(2025, 3, 3), 5).date == D(2025, 3, 10)
    assert cal.add_working_days(D(2025, 3, 3), 5).estimated is True  # no official data loaded


def test_holidays_and_makeup_days_when_known():
    cal = WorkCalendar(holidays={D(2025, 10, d) for d in range(1, 9)}, workdays={D(2025, 9, 28), D(2025, 10, 11)},
                       years={2025})
    due = cal.add_working_days(D(2025, 9, 26), 10)
    assert due.date == D(2025, 10, 16) and not due.estimated


def test_months_corresponding_day_and_month_end():
    assert add_months_plain(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months_plain(D(2024, 8, 17), 60) == D(2029, 8, 17)
    cal = weekday_calendar()
    # a last day on a Saturday moves to Monday (民法典 第二百零三条)
    assert cal.add_months(D(2025, 4, 10), 1).date == D(2025, 5, 12)
    assert cal.add_months(D(2025, 3, 3), 3).date == D(2025, 6, 3)


# -- on the shipped calendar (jurisdictions/calendars/) ---------------------------------------------
from pathlib import Path  # noqa: E402

from tracker.core.calendar import Notice, calendar_file, load_calendar  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CAL = load_calendar(ROOT / "jurisdictions" / "calendars", ROOT)


def test_makeup_working_days_count_and_holidays_do_not():
    # Saturday 2025-09-27 + 1 working day = Sunday 09-28 (调休上班, 国办发明电〔2024〕12号)
    assert CAL.add_working_days(D(2025, 9, 27), 1).date == D(2025, 9, 28)
    # Tuesday 2025-09-30 + 1 = Thursday 10-09 (10-01..08 off)
    assert CAL.add_working_days(D(2025, 9, 30), 1).date == D(2025, 10, 9)
    # zero working days: the day itself
    assert CAL.add_working_days(D(2025, 10, 1), 0).date == D(2025, 10, 1)


def test_months_and_years_end_on_the_next_working_day_after_a_holiday():  # 民法典 第二百零三条
    assert CAL.add_months(D(2025, 9, 1), 1).date == D(2025, 10, 9)  # 10-01 is a holiday
    assert CAL.add_years(D(2024, 2, 19), 2).date == D(2026, 2, 24)  # 2026-02-19 in the Spring Festival
    assert CAL.add_months(D(2025, 8, 28), 1).date == D(2025, 9, 28)  # Sunday 09-28 is a working day
    # 2022-12-31 (Sat) to 2023-01-02 off (国办发明电〔2022〕16号): crossing into the next year's file
    due = CAL.add_months(D(2022, 10, 31), 2)
    assert (due.date, due.estimated) == (D(2023, 1, 3), False)


def test_nth_working_day_of_month_counts_a_sunday_makeup_day():
    # January 2026: 01-01..03 off, Sunday 01-04 is a working day (国办发明电〔2025〕7号)
    assert CAL.nth_working_day_of_month(2026, 1, 1).date == D(2026, 1, 4)
    assert CAL.nth_working_day_of_month(2026, 1, 5).date == D(2026, 1, 8)


def test_unknown_year_estimated_with_its_file():
    due = CAL.next_working_day_on_or_after(D(2027, 1, 1))
    assert due.estimated and due.missing_years == (2027,) and due.date == D(2027, 1, 1)  # a Friday
    assert calendar_file(2027) == CAL.file_for(2027) == "jurisdictions/calendars/2027.yaml"
    assert not CAL.next_working_day_on_or_after(D(2026, 12, 31)).estimated


def test_notice_cite():
    n = Notice("国务院办公厅关于2025年部分节假日安排的通知", "国办发明电〔2024〕12号", D(2024, 11, 12))
    assert n.cite == "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）"
    assert Notice("某通知", None, D(2024, 1, 1)).cite == "某通知"
    assert CAL.notices[2020].cite.endswith("（国办发明电〔2019〕16号）")
