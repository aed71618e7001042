"""A delivery job that runs before its row is due (RQ schedules in whole seconds; hosts'
clocks differ) re-schedules itself instead of leaving the row pending until the sweep —
found by bench/outbox_burst.py, where 53 of 10,000 paced reminders were stranded."""

from __future__ import annotations

from datetime import timedelta

from rq.registry import ScheduledJobRegistry

from jobs import deliver as deliver_mod
from models.base import utcnow
from models.platform import outbox
from zhongshu.db import session_scope
from zhongshu.queues import QUEUE_OUTBOUND, get_queue


def _row(due_in: float) -> int:
    with session_scope() as session:
        row = outbox.add(session, dedupe_key="early:1", channel=outbox.CHANNEL_WECOM_APP,
                         recipient="zhangwei",
                         payload={"msgtype": "text", "text": {"content": "x"}})
        assert row is not None and row.id is not None
        row.next_attempt_at = utcnow() + timedelta(seconds=due_in)
        session.add(row)
        return row.id


def _scheduled() -> list[str]:
    return ScheduledJobRegistry(queue=get_queue(QUEUE_OUTBOUND)).get_job_ids()


def test_an_early_job_reschedules_itself():
    oid = _row(0.4)
    assert deliver_mod.deliver(oid) == "early"
    (job_id,) = _scheduled()
    assert job_id.startswith(f"outbox-{oid}-at-")
    with session_scope() as session:
        assert session.get(outbox.OutboxMessage, oid).status == "pending"  # type: ignore[union-attr]


def test_a_finished_row_is_just_skipped():
    oid = _row(-1)
    with session_scope() as session:
        row = session.get(outbox.OutboxMessage, oid)
        row.status = outbox.STATUS_SENT  # type: ignore[union-attr]
        session.add(row)
    assert deliver_mod.deliver(oid) == "skipped"
    assert _scheduled() == []


def test_delays_are_rounded_up_past_the_schedulers_whole_seconds():
    registry = ScheduledJobRegistry(queue=get_queue(QUEUE_OUTBOUND))
    before = utcnow()
    deliver_mod.enqueue_delivery(7, delay=0.3)
    (job_id,) = registry.get_job_ids()
    at = registry.get_scheduled_time(job_id)
    assert at >= before.replace(microsecond=0) + timedelta(seconds=1)
