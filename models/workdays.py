"""Chinese working days, the one calendar every reminder, deadline and report uses.

``chinese_calendar`` knows the State Council's holiday and make-up-day (调休) schedule
only up to the year of its release; the next year's schedule is published late in the
year before and reaches the package weeks after that. For a year it has no table for, a
working day is Monday to Friday (logged once per year), so reminders and deadlines keep
running across New Year instead of failing; upgrading the package restores the holidays."""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]

log = logging.getLogger(__name__)


@functools.cache
def _year_known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        log.warning("no Chinese holiday data for %s: counting Monday to Friday", year)
        return False
    return True


@functools.lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """Chinese working day: public holidays off, make-up working days on."""
    if _year_known(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def first_workday_on_or_after(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def first_workday_after(day: date) -> date:
    return first_workday_on_or_after(day + timedelta(days=1))
