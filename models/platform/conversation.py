"""Server-side state of multi-step chat flows (e.g. registering a customer field by field).

Web and worker processes are stateless, and each inbound message may be handled by a
different worker, so a flow's progress lives in this table: one row per (platform, user),
holding the flow's name, the step it is waiting on and the answers collected so far.
A user has at most one flow waiting; starting another replaces it. A row whose
``expires_at`` has passed counts as abandoned: callers treat it as absent (and may tell
the user it lapsed) and the next ``start`` overwrites it, so the table never holds more
than one row per user and needs no sweeping."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import utcnow

# A flow nobody answers for this long is dropped: long enough to look up a phone number,
# short enough that a stray message tomorrow is not taken as an answer to today's question.
DEFAULT_TTL = timedelta(minutes=30)


class Conversation(SQLModel, table=True):
    __tablename__ = "conversation"
    __table_args__ = (
        # One waiting flow per user and platform; also the lookup index.
        UniqueConstraint("platform", "user_id", name="uq_conversation_platform_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)  # the platform's user id (as in Event.user_id)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


def is_expired(row: Conversation, now: datetime | None = None) -> bool:
    return row.expires_at <= (now or utcnow())


def get(session: Session, *, platform: str, user_id: str,
        lock: bool = False) -> Conversation | None:
    """The user's flow row, expired or not (callers decide what a lapsed flow means).

    ``lock``: hold the row until commit (PostgreSQL ``FOR UPDATE``), so two answers from
    the same user handled by two workers at once are applied one after the other, the
    second seeing the step the first moved to. SQLite serialises writers anyway."""
    stmt = select(Conversation).where(Conversation.platform == platform,
                                      Conversation.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def start(session: Session, *, platform: str, user_id: str, flow: str, step: str,
          data: dict[str, Any], ttl: timedelta = DEFAULT_TTL) -> Conversation:
    """Begin a flow for the user, replacing whatever flow they had."""
    now = utcnow()
    row = get(session, platform=platform, user_id=user_id, lock=True)
    if row is None:
        row = Conversation(platform=platform, user_id=user_id, flow=flow, step=step,
                           data=dict(data), created_at=now, updated_at=now,
                           expires_at=now + ttl)
        try:
            # A savepoint: losing the insert race to a parallel message from the same
            # user must not roll back the caller's transaction.
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            row = get(session, platform=platform, user_id=user_id, lock=True)
            assert row is not None
    row.flow, row.step, row.data = flow, step, dict(data)
    row.created_at = row.updated_at = now
    row.expires_at = now + ttl
    session.add(row)
    session.flush()
    return row


def advance(session: Session, row: Conversation, *, step: str, data: dict[str, Any],
            ttl: timedelta = DEFAULT_TTL) -> Conversation:
    """Record an answer: the next step, the data so far; the expiry restarts from now."""
    now = utcnow()
    row.step = step
    # A new dict, so SQLAlchemy sees the JSON column change (in-place edits go unnoticed).
    row.data = dict(data)
    row.updated_at = now
    row.expires_at = now + ttl
    session.add(row)
    session.flush()
    return row


def end(session: Session, *, platform: str, user_id: str) -> None:
    """Forget the user's flow (finished, cancelled or lapsed)."""
    session.exec(
        delete(Conversation).where(col(Conversation.platform) == platform,
                                   col(Conversation.user_id) == user_id)
    )
