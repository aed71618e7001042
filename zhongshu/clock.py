"""Business time: the team's time zone (``ZS_TIMEZONE``) and today's date in it.

Stored moments are UTC; every "today", "this week" and time shown to a person is read in
this zone. The zone is looked up at each call, so a changed setting applies at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from zhongshu.settings import get_settings


def business_tz() -> ZoneInfo:
    """The business time zone."""
    return ZoneInfo(get_settings().timezone)


def now_local() -> datetime:
    """The current moment in the business time zone."""
    return datetime.now(business_tz())


def today() -> date:
    """Today's date in the business time zone."""
    return now_local().date()


def as_utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime. Columns are timezone-aware; a naive value
    can only be UTC (SQLite hands some back without an offset)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def shown(moment: datetime) -> str:
    """A stored moment as people read it, in business time."""
    return as_utc(moment).astimezone(business_tz()).strftime("%Y-%m-%d %H:%M")
