"""The plan calendar: the Friday 17:00 lock and the notice on the next Chinese working
day (chinesecalendar's 2026 data: National Day 10-01..10-07 with make-up Saturday 10-10,
Qingming Monday 04-06, New Year Friday 01-02 with make-up Sunday 01-04, Mid-autumn
Friday 09-25)."""

from __future__ import annotations

from datetime import date, datetime

import chinese_calendar
import pytest

from models.visits import plan as plans
from tests.plans.plankit import SHANGHAI, at


def test_the_calendar_data_is_what_these_tests_assume() -> None:
    assert not chinese_calendar.is_workday(date(2026, 10, 5))  # National Day, a Monday
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # make-up Saturday
    assert not chinese_calendar.is_workday(date(2026, 4, 6))  # Qingming, a Monday
    assert chinese_calendar.is_workday(date(2026, 1, 4))  # make-up Sunday
    assert not chinese_calendar.is_workday(date(2026, 9, 25))  # Mid-autumn, a Friday


def test_week_is_the_iso_week_in_business_time() -> None:
    # Sunday 23:30 in Shanghai is still Sunday's week although UTC says Sunday 15:30;
    # Monday 00:30 in Shanghai (Sunday 16:30 UTC) is already the new week.
    assert plans.current_week(at("2026-11-22 23:30"), SHANGHAI) == date(2026, 11, 16)
    assert plans.current_week(at("2026-11-23 00:30"), SHANGHAI) == date(2026, 11, 23)
    assert plans.next_week(at("2026-11-23 00:30"), SHANGHAI) == date(2026, 11, 30)


def test_lock_boundary_friday_1700_business_time_with_the_server_in_utc() -> None:
    week = date(2026, 11, 23)
    before, on_time = at("2026-11-20 16:59"), at("2026-11-20 17:00")
    assert before.tzinfo is not None and before.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert before.hour == 8 and on_time.hour == 9  # 16:59 / 17:00 Shanghai in UTC
    assert not plans.is_locked(week, before, SHANGHAI)
    assert plans.is_locked(week, on_time, SHANGHAI)
    assert plans.lock_at(week, SHANGHAI) == datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI)


def test_lock_stays_on_a_holiday_friday() -> None:
    assert plans.lock_at(date(2026, 9, 28), SHANGHAI) == \
        datetime(2026, 9, 25, 17, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("week", "notice"), [
    (date(2026, 11, 23), datetime(2026, 11, 23, 8, 30)),  # a normal Monday
    (date(2026, 9, 28), datetime(2026, 9, 28, 8, 30)),  # holiday Friday, Monday normal
    (date(2026, 4, 6), datetime(2026, 4, 7, 8, 30)),  # Monday holiday → Tuesday
    (date(2026, 10, 5), datetime(2026, 10, 8, 8, 30)),  # National Day week → Thursday
    (date(2026, 10, 12), datetime(2026, 10, 10, 8, 30)),  # make-up Saturday
    (date(2026, 1, 5), datetime(2026, 1, 4, 8, 30)),  # make-up Sunday
])
def test_notice_goes_out_at_0830_on_the_next_working_day(week: date, notice: datetime) -> None:
    assert plans.notice_at(week, SHANGHAI) == notice.replace(tzinfo=SHANGHAI)


def test_due_weeks_until_the_planned_week_ends() -> None:
    assert plans.due_notice_weeks(at("2026-11-23 08:29"), SHANGHAI) == []
    assert plans.due_notice_weeks(at("2026-11-23 08:30"), SHANGHAI) == [date(2026, 11, 23)]
    assert plans.due_notice_weeks(at("2026-11-29 23:59"), SHANGHAI) == [date(2026, 11, 23)]
    assert plans.due_notice_weeks(at("2026-11-30 00:00"), SHANGHAI) == []
    # The make-up Saturday before the planned week: that week's notice is due, and the
    # National Day week's (sent on Thursday; the outbox key makes it a no-op) still is.
    assert plans.due_notice_weeks(at("2026-10-10 08:29"), SHANGHAI) == [date(2026, 10, 5)]
    assert plans.due_notice_weeks(at("2026-10-10 08:30"), SHANGHAI) == \
        [date(2026, 10, 5), date(2026, 10, 12)]


def test_deadlines_across_new_year_2027_do_not_fail_without_holiday_data() -> None:
    """chinesecalendar has no 2027 table yet: a follow-up due on Saturday 2027-01-02, the
    plan notice of the week that locks on Friday 2027-01-01, and the rules' working-day
    test still answer — Monday to Friday — instead of raising."""
    from lib import workdays
    from models.visits import followup as fu

    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))  # the gap this test is about
    assert workdays.is_workday(date(2027, 1, 4)) and not workdays.is_workday(date(2027, 1, 2))
    assert fu.due_reminder_at(date(2027, 1, 2), SHANGHAI) == datetime(2027, 1, 4, 9, 0,
                                                                      tzinfo=SHANGHAI)
    assert fu.overdue_reminder_at(date(2027, 1, 2), SHANGHAI).date() == date(2027, 1, 5)
    assert plans.notice_at(date(2027, 1, 4), SHANGHAI).date() == date(2027, 1, 4)
    # 2026 still follows the holiday table: New Year's Day 2026 is off.
    assert not workdays.is_workday(date(2026, 1, 1))
