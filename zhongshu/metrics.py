"""Prometheus ``/metrics``: read from Redis and the database at scrape time.

Nothing is counted in process memory, so the figures are right however many web, worker
and scheduler processes run (a scrape of any web process sees the whole system):
queue depth and oldest job age per RQ queue, failed jobs, the outbox backlog by status,
push errors by platform error code, and inbound events by status."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from rq.job import Job
from sqlalchemy import func, select
from sqlmodel import col

from models.platform.inbox import InboxEvent
from models.platform.outbox import STATUS_FAILED, STATUSES, OutboxMessage
from zhongshu.db import get_engine
from zhongshu.queues import ALL_QUEUES, get_queue, get_redis
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)


class SystemCollector(Collector):
    """One scrape = a few COUNT queries and a few Redis calls (bounded, no table scans of
    payloads): cheap enough for a 15 s scrape interval."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._queues()
        yield from self._outbox()

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("zs_queue_depth", "Jobs waiting in an RQ queue", labels=["queue"])
        age = GaugeMetricFamily("zs_queue_oldest_job_age_seconds",
                                "Age of the oldest waiting job", labels=["queue"])
        failed = GaugeMetricFamily("zs_queue_failed_jobs", "Jobs in the failed registry",
                                   labels=["queue"])
        up = GaugeMetricFamily("zs_redis_up", "1 when Redis answered this scrape")
        try:
            now = time.time()
            for name in ALL_QUEUES:
                queue = get_queue(name)
                depth.add_metric([name], queue.count)
                failed.add_metric([name], queue.failed_job_registry.count)
                oldest = 0.0
                ids = queue.get_job_ids(0, 0)
                if ids:
                    job = Job.fetch(ids[0], connection=get_redis())
                    if job.enqueued_at is not None:
                        oldest = max(0.0, now - job.enqueued_at.timestamp())
                age.add_metric([name], oldest)
            up.add_metric([], 1)
        except Exception:
            log.exception("metrics: redis unavailable")
            up.add_metric([], 0)
            yield up
            return
        yield from (depth, age, failed, up)

    def _outbox(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("zs_outbox_messages", "Outbox rows by status",
                                    labels=["status"])
        errors = GaugeMetricFamily("zs_push_errors",
                                   "Outbox rows whose last attempt failed, by platform code "
                                   "(failed for good, or waiting for a retry)",
                                   labels=["code", "status"])
        inbound = GaugeMetricFamily("zs_inbox_events", "Inbound events by status",
                                    labels=["status"])
        up = GaugeMetricFamily("zs_database_up", "1 when the database answered this scrape")
        try:
            with get_engine().connect() as conn:
                counts: dict[str, int] = dict(conn.execute(
                    select(col(OutboxMessage.status), func.count())
                    .group_by(col(OutboxMessage.status))).tuples().all())
                for status in STATUSES:
                    backlog.add_metric([status], counts.get(status, 0))
                rows = conn.execute(
                    select(col(OutboxMessage.last_errcode), col(OutboxMessage.status),
                           func.count())
                    .where(col(OutboxMessage.status) != "sent")
                    .where(col(OutboxMessage.last_errcode).is_not(None)
                           | (col(OutboxMessage.status) == STATUS_FAILED))
                    .group_by(col(OutboxMessage.last_errcode), col(OutboxMessage.status))).all()
                for code, status, count in rows:
                    errors.add_metric(["none" if code is None else str(code), status], count)
                for status, count in conn.execute(select(col(InboxEvent.status), func.count())
                                                  .group_by(col(InboxEvent.status))).all():
                    inbound.add_metric([status], count)
            up.add_metric([], 1)
        except Exception:
            log.exception("metrics: database unavailable")
            up.add_metric([], 0)
            yield up
            return
        yield from (backlog, errors, inbound, up)


@bp.get("/metrics")
def metrics() -> Response:
    # Outside the demo /metrics is off unless ZS_METRICS_TOKEN is set, and then answers
    # only "Authorization: Bearer <token>" (the scraper's bearer_token).
    token = get_settings().metrics_token
    if token is None:
        abort(404)
    if token:
        sent = request.headers.get("Authorization", "")
        scheme, _, given = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode("utf-8"), token.encode("utf-8")):
            return Response("unauthorized\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SystemCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
