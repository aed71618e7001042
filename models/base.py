"""Shared column helpers. Timestamps are timezone-aware UTC (sqlmodel's UTCDateTime)."""

from __future__ import annotations

from datetime import UTC, datetime

from zhongshu.clock import as_utc

__all__ = ["MAX_ID", "as_utc", "parse_id", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


# Ids come from URLs, card button keys and form fields: anything longer or non-ASCII is
# no id at all (int('٣') works, and a 30-digit number overflows the database driver).
MAX_ID = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """A positive database id from untrusted text, or None."""
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None
