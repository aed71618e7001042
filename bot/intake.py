"""The ack path shared by every inbound endpoint: dedupe, record, enqueue — nothing slow.

Dedupe is two-layered: a Redis ``SET NX EX`` turns away concurrent and retried copies
cheaply, and the UNIQUE (platform, dedupe_key) inbox row holds even if Redis lost its keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.exceptions import RedisError

from bot.event import Event
from models import inbox
from zhongshu.db import get_engine
from zhongshu.queues import QUEUE_INBOUND, get_queue, get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    inbox_id: int | None
    duplicate: bool


def _dedupe_key(event: Event) -> str:
    return f"zs:dedupe:{event.platform}:{event.dedupe_key}"


def accept(event: Event) -> Accepted:
    """Record a verified event once and queue it for the worker."""
    settings = get_settings()
    redis_key = _dedupe_key(event)
    try:
        first = bool(get_redis().set(redis_key, "1", nx=True, ex=settings.dedupe_ttl))
    except RedisError:
        log.exception("redis unavailable for dedupe; relying on the inbox UNIQUE key")
        first = True
    if not first:
        log.info("duplicate %s event %s turned away by redis", event.platform, event.dedupe_key)
        return Accepted(None, True)

    try:
        with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            inbox_id = inbox.record(conn, platform=event.platform,
                                    dedupe_key=event.dedupe_key, kind=event.kind,
                                    user_id=event.user_id, event=event.to_dict())
    except Exception:
        # Let the platform's retry through: this copy was not recorded.
        _forget(redis_key)
        raise
    if inbox_id is None:
        log.info("duplicate %s event %s turned away by the inbox", event.platform,
                 event.dedupe_key)
        return Accepted(None, True)

    enqueue_inbox(inbox_id)
    return Accepted(inbox_id, False)


def enqueue_inbox(inbox_id: int) -> None:
    """Queue processing; if Redis is down the scheduler's sweep re-queues it later."""
    from jobs.inbound import process_inbox

    try:
        queue = get_queue(QUEUE_INBOUND)
        # One MULTI/EXEC instead of two: this is on the ack path.
        with queue.connection.pipeline() as pipe:
            queue.enqueue(process_inbox, inbox_id, job_id=f"inbox-{inbox_id}", retry=None,
                          failure_ttl=7 * 24 * 3600, pipeline=pipe)
            pipe.execute()
    except RedisError:
        log.exception("could not enqueue inbox %s; the sweep will pick it up", inbox_id)


def _forget(redis_key: str) -> None:
    try:
        get_redis().delete(redis_key)
    except RedisError:
        log.warning("could not clear dedupe key %s", redis_key)
