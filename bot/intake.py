"""The ack path shared by every inbound endpoint: dedupe, record, enqueue — nothing slow.

Dedupe is two-layered: a Redis ``SET NX EX`` turns away concurrent and retried copies
cheaply, and the UNIQUE (platform, dedupe_key) inbox row holds even if Redis lost its keys.

A sender flooding the bot (a script, a stuck key) is throttled per user with the same
sliding-window limiter the outbox uses: past the limit, one polite "too fast" reply per
window, then silent drops (logged) — other users are not affected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.exceptions import RedisError

from bot import pacing
from bot.outbound import queue_reply
from lib.chat import Event, Reply
from models.platform import inbox
from zhongshu.db import get_engine, session_scope
from zhongshu.queues import JOB_PROCESS_INBOX, QUEUE_INBOUND, get_queue, get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    inbox_id: int | None
    duplicate: bool
    throttled: bool = False


INBOUND_RATE_PREFIX = "zs:inrate"
TOO_FAST_TEXT = "您发送得太快了，请稍等一分钟再试。"


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

    if _throttled(event):
        return Accepted(None, False, throttled=True)

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


def _throttled(event: Event) -> bool:
    """True when ``event.user_id`` is past its per-minute inbound limit (nothing recorded).

    Only the first refusal of a window gets an answer: a flood must not turn into a flood
    of replies (which the platform would count against our own sending limits)."""
    limit = get_settings().inbound_per_user_per_minute
    if not event.user_id or limit <= 0:
        return False
    base = f"{INBOUND_RATE_PREFIX}:{event.platform}:{event.user_id}"
    try:
        wait = pacing.reserve([pacing.Window(f"{base}:m", limit, 60.0)])
        if wait <= 0:
            return False
        tell = bool(get_redis().set(f"{base}:told", "1", nx=True, px=max(1, int(wait * 1000))))
    except RedisError:
        # Without Redis there is no shared counter: let the event through (the inbox
        # UNIQUE key still dedupes it) rather than drop real work.
        log.exception("redis unavailable for the inbound rate limit")
        return False
    log.warning("inbound rate limit: %s %s dropped (%s), %s", event.platform, event.user_id,
                event.kind, "told once" if tell else "silently")
    if tell:
        _tell_too_fast(event)
    return True


def _tell_too_fast(event: Event) -> None:
    try:
        with session_scope() as session:
            queue_reply(session, event, Reply(text=TOO_FAST_TEXT),
                        dedupe_key=f"throttle:{event.platform}:{event.dedupe_key}")
    except Exception:
        log.exception("could not queue the too-fast notice for %s", event.user_id)


def enqueue_inbox(inbox_id: int) -> None:
    """Queue processing; if Redis is down the scheduler's sweep re-queues it later."""
    try:
        queue = get_queue(QUEUE_INBOUND)
        # One MULTI/EXEC instead of two: this is on the ack path.
        with queue.connection.pipeline() as pipe:
            queue.enqueue(JOB_PROCESS_INBOX, inbox_id, job_id=f"inbox-{inbox_id}", retry=None,
                          failure_ttl=7 * 24 * 3600, pipeline=pipe)
            pipe.execute()
    except RedisError:
        log.exception("could not enqueue inbox %s; the sweep will pick it up", inbox_id)


def _forget(redis_key: str) -> None:
    try:
        get_redis().delete(redis_key)
    except RedisError:
        log.warning("could not clear dedupe key %s", redis_key)
