"""Delivery of outbox rows through bot.channels, with backoff, pacing and leases.

A row is claimed (status 'sending', committed) before the platform is called and marked
'sent' after. A worker that dies in between leaves the row 'sending'; once its lease
expires the sweep hands it back with ``resend_check`` so the channel can ask the platform
to drop the copy if the first attempt did go out."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import channels, delivery
from models.base import as_utc, utcnow
from models.platform import outbox
from zhongshu import queues
from zhongshu.db import session_scope
from zhongshu.queues import enqueue_delivery
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: ~2 s, 4 s, 8 s … capped at 10 minutes."""
    base: float = min(2.0 ** attempt, 600.0)
    return base * random.uniform(0.8, 1.2)


def _seconds_until_due(session: Session, outbox_id: int, now: datetime) -> float | None:
    row = session.get(outbox.OutboxMessage, outbox_id)
    if row is None or row.status != outbox.STATUS_PENDING:
        return None  # sent, failed, or being sent by another worker: nothing to do
    return max(0.0, (as_utc(row.next_attempt_at) - now).total_seconds())


def deliver(outbox_id: int) -> str:
    settings = get_settings()
    now = utcnow()
    with session_scope() as session:
        if not outbox.claim(session, outbox_id, now=now):
            wait = _seconds_until_due(session, outbox_id, now)
            if wait is None:
                return "skipped"
            # A job that runs early (clock skew between hosts, second-granular scheduling)
            # must not strand a pending row until the sweep finds it: try again when due.
            enqueue_delivery(outbox_id, delay=max(wait, 0.001))
            return "early"
        row = session.get(outbox.OutboxMessage, outbox_id)
        assert row is not None
        channel, recipient, payload = row.channel, row.recipient, dict(row.payload)
        attempt, resend_check, expires_at = row.attempts, row.resend_check, row.expires_at

    if expires_at is not None and expires_at <= now:
        with session_scope() as session:
            outbox.mark_failed(session, outbox_id, errcode=None,
                               error="expired before it could be delivered")
        log.warning("outbox %s expired before delivery (%s)", outbox_id, channel)
        return "expired"

    try:
        sent = channels.send(channel, recipient, payload, outbox_id=outbox_id, attempt=attempt,
                             resend_check=resend_check, expires_at=expires_at)
    except delivery.Throttled as exc:
        with session_scope() as session:
            outbox.mark_retry(session, outbox_id, at=now + timedelta(seconds=exc.retry_after),
                              errcode=None, error=str(exc), count_attempt=False)
        enqueue_delivery(outbox_id, delay=exc.retry_after)
        return "throttled"
    except delivery.Rejected as exc:
        with session_scope() as session:
            outbox.mark_failed(session, outbox_id, errcode=exc.code, error=exc.message)
        log.error("outbox %s rejected by %s: %s", outbox_id, channel, exc)
        return "rejected"
    except Exception as exc:
        code = exc.code if isinstance(exc, delivery.DeliveryError) else None
        message = exc.message if isinstance(exc, delivery.DeliveryError) else repr(exc)
        if not isinstance(exc, delivery.RetryLater):
            log.exception("outbox %s: unexpected error from %s", outbox_id, channel)
        if attempt >= settings.outbox_max_attempts:
            with session_scope() as session:
                outbox.mark_failed(session, outbox_id, errcode=code,
                                   error=f"gave up after {attempt} attempts: {message}")
            log.error("outbox %s failed for good after %s attempts: %s", outbox_id, attempt,
                      message)
            return "failed"
        # The platform's hint is a floor, never the whole schedule: a flat "retry in 5 s"
        # for -1 would spend every attempt within a minute of a platform hiccup (a retry
        # storm, then a permanent failure); the exponential backoff keeps growing past it.
        retry_after = max(getattr(exc, "retry_after", None) or 0.0, backoff_seconds(attempt))
        with session_scope() as session:
            # A timed-out answer may hide a delivered message: the retry asks the platform
            # to drop the copy where the channel can.
            outbox.mark_retry(session, outbox_id, at=now + timedelta(seconds=retry_after),
                              errcode=code, error=message,
                              resend_check=isinstance(exc, delivery.MaybeSent) or None)
        enqueue_delivery(outbox_id, delay=retry_after)
        return "retry"

    with session_scope() as session:
        outbox.mark_sent(session, outbox_id, now=utcnow(), result=sent.result)
    return "sent"


def fan_out(ids: list[int]) -> None:
    """RQ job: queue one delivery per row of a large batch (``enqueue_bulk_delivery``)."""
    queues.fan_out(ids)
