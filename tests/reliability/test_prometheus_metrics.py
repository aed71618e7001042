"""``/metrics`` reads queue depth, oldest job age, failed jobs, the outbox backlog and push
errors from Redis and the database at scrape time, so any web process reports the whole
system."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from models.base import utcnow
from models.platform import outbox
from zhongshu.db import session_scope
from zhongshu.queues import QUEUE_DEFAULT, QUEUE_OUTBOUND


def _scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    res = client.get("/metrics")
    assert res.status_code == 200 and res.mimetype == "text/plain"
    out = {}
    for family in text_string_to_metric_families(res.get_data(as_text=True)):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_report_queues_and_the_outbox(client):
    with session_scope() as session:
        for i in range(3):
            outbox.add(session, dedupe_key=f"m:{i}", channel=outbox.CHANNEL_WECOM_APP,
                       recipient="zhangwei", payload={"msgtype": "text", "text": {"content": "x"}})
        failed = outbox.add(session, dedupe_key="m:f", channel=outbox.CHANNEL_WECOM_APP,
                            recipient="zhangwei",
                            payload={"msgtype": "text", "text": {"content": "y"}})
        assert failed is not None and failed.id is not None
        # As the delivery job leaves a row it gave up on.
        failed.status, failed.last_errcode = outbox.STATUS_FAILED, 45009
        session.add(failed)
        retry = outbox.add(session, dedupe_key="m:r", channel=outbox.CHANNEL_WECOM_APP,
                           recipient="lina", payload={"msgtype": "text", "text": {"content": "z"}})
        assert retry is not None and retry.id is not None
        retry.last_errcode, retry.next_attempt_at = -1, utcnow() + timedelta(minutes=1)
        session.add(retry)
    # outbox.add queued one delivery job per row at commit.

    m = _scrape(client)
    assert m[("zs_outbox_messages", (("status", "pending"),))] == 4
    assert m[("zs_outbox_messages", (("status", "failed"),))] == 1
    assert m[("zs_outbox_messages", (("status", "sent"),))] == 0
    assert m[("zs_push_errors", (("code", "45009"), ("status", "failed")))] == 1
    assert m[("zs_push_errors", (("code", "-1"), ("status", "pending")))] == 1
    assert m[("zs_queue_depth", (("queue", QUEUE_OUTBOUND),))] == 5
    assert m[("zs_queue_depth", (("queue", QUEUE_DEFAULT),))] == 0
    assert m[("zs_queue_oldest_job_age_seconds", (("queue", QUEUE_OUTBOUND),))] >= 0
    assert m[("zs_queue_failed_jobs", (("queue", QUEUE_OUTBOUND),))] == 0
    assert m[("zs_redis_up", ())] == 1 and m[("zs_database_up", ())] == 1


def test_a_scrape_with_redis_down_still_answers(client, monkeypatch):
    import redis

    def down(*_a, **_k):
        raise redis.ConnectionError("down")

    monkeypatch.setattr("zhongshu.metrics.get_queue", down)
    m = _scrape(client)
    assert m[("zs_redis_up", ())] == 0 and m[("zs_database_up", ())] == 1
