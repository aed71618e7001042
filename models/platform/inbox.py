"""Inbound platform events: one row per distinct message or event (the dedupe record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, UniqueConstraint, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow

STATUS_RECEIVED = "received"
STATUS_PROCESSING = "processing"
STATUS_DONE = "done"
STATUS_FAILED = "failed"
# A failed event is run again by the scheduler's sweep until it has failed this often.
MAX_ATTEMPTS = 3


class InboxEvent(SQLModel, table=True):
    __tablename__ = "inbox_event"
    __table_args__ = (UniqueConstraint("platform", "dedupe_key", name="uq_inbox_platform_key"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    dedupe_key: str = Field(max_length=255)
    kind: str = Field(max_length=40)
    user_id: str = Field(max_length=128, index=True)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=STATUS_RECEIVED, max_length=16, index=True)
    attempts: int = 0
    error: str | None = None
    received_at: datetime = Field(default_factory=utcnow, index=True)
    processed_at: datetime | None = None


def record(conn: Connection, *, platform: str, dedupe_key: str, kind: str, user_id: str,
           event: dict[str, Any]) -> int | None:
    """Insert the event; its id, or None when (platform, dedupe_key) is already recorded.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL and SQLite both speak
    it) on an autocommit connection: this runs on the webhook's ack path for every message,
    so it is a single database round trip."""
    insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    stmt = (insert(InboxEvent)
            .values(platform=platform, dedupe_key=dedupe_key, kind=kind, user_id=user_id,
                    event=event, status=STATUS_RECEIVED, attempts=0, received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["platform", "dedupe_key"])
            .returning(col(InboxEvent.id)))
    return conn.execute(stmt).scalar_one_or_none()


def claim(session: Session, inbox_id: int) -> bool:
    """Atomically move a received event to processing; False if another worker has it."""
    result = session.exec(
        update(InboxEvent)
        .where(col(InboxEvent.id) == inbox_id,
               col(InboxEvent.status).in_([STATUS_RECEIVED, STATUS_FAILED]))
        .values(status=STATUS_PROCESSING, attempts=InboxEvent.attempts + 1)
    )
    return result.rowcount == 1


def stale_received(session: Session, *, older_than: datetime, limit: int = 500) -> list[int]:
    """Events recorded but never processed (e.g. Redis was down at enqueue time)."""
    rows = session.exec(
        select(col(InboxEvent.id))
        .where(col(InboxEvent.status) == STATUS_RECEIVED, col(InboxEvent.received_at) < older_than)
        .order_by(col(InboxEvent.id))
        .limit(limit)
    )
    return [i for i in rows if i is not None]
