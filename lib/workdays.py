"""Chinese working days, the one calendar every reminder, deadline and report uses.

``chinese_calendar`` knows the State Council's holiday and make-up-day (调休) schedule
only up to the year of its release; the next year's schedule is published late in the
year before and reaches the package weeks after that. For a year it has no table for, a
working day is Monday to Friday (logged once per year), so reminders and deadlines keep
running across New Year instead of failing; upgrading the package restores the holidays.

``Window`` / ``window``: where a moment falls in that calendar for a rule firing at a time
of day (the message-center sweeps in ``handlers.rules`` and ``models.rules.sql``)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import chinese_calendar

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


@dataclass(frozen=True)
class Window:
    """Where ``now`` falls in the business calendar for a rule whose time of day is
    ``at``: only a working day fires; before ``at`` only deadlines that fell today do."""

    day: date
    workday: bool
    day_start: datetime  # today 00:00 business time, in UTC
    past_time: bool  # now >= today at the rule's time


def window(now: datetime, tz: tzinfo, at: time) -> Window:
    local = now.astimezone(tz)
    day = local.date()
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    return Window(day=day, workday=is_workday(day), day_start=start,
                  past_time=local.time() >= at)
