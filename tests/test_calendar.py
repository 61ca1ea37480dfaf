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
