"""Shared column helpers. Timestamps are timezone-aware UTC (sqlmodel's UTCDateTime)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A column value as an aware UTC datetime. Columns are timezone-aware; a naive value
    can only be UTC (SQLite hands some back without an offset)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# Ids come from URLs, card button keys and form fields: anything longer or non-ASCII is
# no id at all (int('٣') works, and a 30-digit number overflows the database driver).
MAX_ID = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """A positive database id from untrusted text, or None."""
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
