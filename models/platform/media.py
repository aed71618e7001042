"""Media (photos) users send; downloaded from the platform by a job, never on the ack path."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from models.base import utcnow

STATUS_PENDING = "pending"
STATUS_STORED = "stored"
STATUS_FAILED = "failed"


class Media(SQLModel, table=True):
    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("platform", "media_id", name="uq_media_platform_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    media_id: str = Field(max_length=255)
    user_id: str = Field(max_length=128, index=True)
    status: str = Field(default=STATUS_PENDING, max_length=16)
    content_type: str | None = Field(default=None, max_length=64)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64, index=True)
    path: str | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    stored_at: datetime | None = None


def get_or_create(session: Session, *, platform: str, media_id: str, user_id: str) -> Media:
    row = session.exec(
        select(Media).where(Media.platform == platform, Media.media_id == media_id)
    ).first()
    if row is None:
        row = Media(platform=platform, media_id=media_id, user_id=user_id)
        session.add(row)
        session.flush()
    return row
