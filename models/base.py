"""Shared column helpers. Timestamps are timezone-aware UTC (sqlmodel's UTCDateTime)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
