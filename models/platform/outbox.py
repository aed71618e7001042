"""The outbox: every message the service sends is first a row here, written in the same
transaction as the change that causes it, with a unique dedupe key.

``add`` also arranges the row's delivery: once the caller's transaction commits (never on
rollback) one delivery job per row is queued, so no caller queues jobs of its own. Delivery
(jobs/deliver.py) claims a row with a conditional UPDATE, so at most one worker sends it at
a time on PostgreSQL and SQLite alike."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, func, select

from models.base import utcnow
from zhongshu.db import on_commit
from zhongshu.queues import enqueue_bulk_delivery, enqueue_delivery

CHANNEL_WECOM_APP = "wecom_app"  # message/send to users of the self-built app
CHANNEL_WECOM_CARD_UPDATE = "wecom_card_update"  # message/update_template_card
CHANNEL_DINGTALK_WORK = "dingtalk_work"  # work notification (asyncsend_v2)
CHANNEL_DINGTALK_ROBOT = "dingtalk_robot"  # signed custom group robot webhook
CHANNEL_DINGTALK_SESSION = "dingtalk_session"  # reply into a robot conversation
CHANNELS = (CHANNEL_WECOM_APP, CHANNEL_WECOM_CARD_UPDATE, CHANNEL_DINGTALK_WORK,
            CHANNEL_DINGTALK_ROBOT, CHANNEL_DINGTALK_SESSION)

STATUS_PENDING = "pending"
STATUS_SENDING = "sending"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"
STATUSES = (STATUS_PENDING, STATUS_SENDING, STATUS_SENT, STATUS_FAILED)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=255, unique=True)
    channel: str = Field(max_length=24)
    recipient: str = Field(max_length=1024)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=STATUS_PENDING, max_length=16, index=True)
    attempts: int = 0
    # Set when a send may already have reached the platform (a lease expired mid-send):
    # the next attempt asks the platform to drop it as a duplicate where it can.
    resend_check: bool = False
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_at: datetime | None = None
    expires_at: datetime | None = None
    sent_at: datetime | None = None
    last_errcode: int | None = None
    last_error: str | None = None
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, index=True)


def add(session: Session, *, dedupe_key: str, channel: str, recipient: str,
        payload: dict[str, Any], expires_at: datetime | None = None,
        not_before: datetime | None = None) -> OutboxMessage | None:
    """Queue a message in the caller's transaction; None if the key was already queued."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    row = OutboxMessage(dedupe_key=dedupe_key, channel=channel, recipient=recipient,
                        payload=payload, expires_at=expires_at,
                        next_attempt_at=not_before or utcnow())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    assert row.id is not None  # flushed when the savepoint was released
    deliver_after_commit(session, [row.id])
    return row


_PENDING = "outbox_pending_delivery"


def deliver_after_commit(session: Session, ids: list[int], *, bulk: bool = False) -> None:
    """Queue the delivery of ``ids`` once ``session`` commits; nothing on rollback. ``add``
    calls it; a set-based insert of many rows (the rule sweeps) calls it with ``bulk=True``
    so they go out on the lowest-priority queue."""
    if not ids:
        return
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {"now": [], "bulk": []}

        def deliver() -> None:
            rows = session.info.pop(_PENDING, None) or {"now": [], "bulk": []}
            for outbox_id in rows["now"]:
                enqueue_delivery(outbox_id)
            if rows["bulk"]:
                enqueue_bulk_delivery(rows["bulk"])

        # Not cleared on rollback (a savepoint's rollback looks the same to a listener):
        # an id queued for a row that never committed finds nothing to claim.
        on_commit(session, deliver)
    pending["bulk" if bulk else "now"].extend(ids)


def claim(session: Session, outbox_id: int, *, now: datetime) -> bool:
    """Take a due, pending row for sending. True only for the one caller that won it."""
    result = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == outbox_id, col(OutboxMessage.status) == STATUS_PENDING,
               col(OutboxMessage.next_attempt_at) <= now)
        .values(status=STATUS_SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )
    return result.rowcount == 1


def _finish(session: Session, outbox_id: int, **values: Any) -> None:
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == outbox_id, col(OutboxMessage.status) == STATUS_SENDING)
        .values(**values)
    )


def mark_sent(session: Session, outbox_id: int, *, now: datetime,
              result: dict[str, Any]) -> None:
    _finish(session, outbox_id, status=STATUS_SENT, sent_at=now, result=result,
            claimed_at=None)


def mark_retry(session: Session, outbox_id: int, *, at: datetime, errcode: int | None,
               error: str, count_attempt: bool = True, resend_check: bool | None = None) -> None:
    values: dict[str, Any] = {"status": STATUS_PENDING, "next_attempt_at": at,
                              "claimed_at": None, "last_errcode": errcode,
                              "last_error": error[:1000]}
    if resend_check:
        values["resend_check"] = True
    if not count_attempt:  # pacing waits are not failures
        values["attempts"] = OutboxMessage.attempts - 1
    _finish(session, outbox_id, **values)


def mark_failed(session: Session, outbox_id: int, *, errcode: int | None, error: str) -> None:
    _finish(session, outbox_id, status=STATUS_FAILED, claimed_at=None, last_errcode=errcode,
            last_error=error[:1000])


def due(session: Session, *, now: datetime, limit: int = 1000) -> list[int]:
    return list(session.exec(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == STATUS_PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)  # type: ignore[arg-type]
        .limit(limit)
    ))


def release_expired_leases(session: Session, *, now: datetime, lease_seconds: int) -> list[int]:
    """Rows left in 'sending' by a dead worker: the send may or may not have happened, so
    the retry carries resend_check and the channel decides what that means."""
    cutoff = now - timedelta(seconds=lease_seconds)
    ids = list(session.exec(
        select(OutboxMessage.id)
        .where(col(OutboxMessage.status) == STATUS_SENDING, col(OutboxMessage.claimed_at) < cutoff)
    ))
    if not ids:
        return []
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == STATUS_SENDING,
               col(OutboxMessage.claimed_at) < cutoff)
        .values(status=STATUS_PENDING, claimed_at=None, resend_check=True, next_attempt_at=now)
    )
    return [i for i in ids if i is not None]


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.exec(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return dict(rows.all())
