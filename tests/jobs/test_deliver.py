"""The delivery state machine: claim, send, and what each kind of failure does to a row."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from bot import channels, delivery
from jobs import deliver as deliver_mod
from jobs import schedule
from jobs.schedule import sweep_outbox
from models.base import utcnow
from models.platform import outbox
from zhongshu.db import session_scope
from zhongshu.settings import get_settings


def _queue(key: str = "k1", channel: str = outbox.CHANNEL_WECOM_APP) -> int:
    with session_scope() as session:
        row = outbox.add(session, dedupe_key=key, channel=channel, recipient="zhangwei",
                         payload={"msgtype": "text", "text": {"content": "你好"}})
        assert row is not None
        return row.id  # type: ignore[return-value]


def _row(outbox_id: int) -> outbox.OutboxMessage:
    with session_scope() as session:
        row = session.get(outbox.OutboxMessage, outbox_id)
        assert row is not None
        return row


def test_same_dedupe_key_is_queued_once():
    first = _queue("contract:7:review")
    with session_scope() as session:
        again = outbox.add(session, dedupe_key="contract:7:review",
                           channel=outbox.CHANNEL_WECOM_APP, recipient="x", payload={})
    assert again is None
    with session_scope() as session:
        assert outbox.counts_by_status(session) == {"pending": 1}
    assert first


def test_sent_row_records_platform_result_and_is_never_sent_again():
    oid = _queue()
    with mock.patch.object(channels, "send", return_value=delivery.Sent({"msgid": "m1"})) as send:
        assert deliver_mod.deliver(oid) == "sent"
        assert deliver_mod.deliver(oid) == "skipped"
    assert send.call_count == 1
    row = _row(oid)
    assert row.status == "sent" and row.result == {"msgid": "m1"} and row.attempts == 1


def test_transient_error_schedules_a_backoff_retry():
    oid = _queue()
    with mock.patch.object(channels, "send", side_effect=delivery.RetryLater(-1, "system busy")), \
         mock.patch.object(deliver_mod, "enqueue_delivery") as enqueue:
        assert deliver_mod.deliver(oid) == "retry"
    row = _row(oid)
    assert row.status == "pending" and row.last_errcode == -1 and row.attempts == 1
    assert row.next_attempt_at > utcnow()
    assert enqueue.call_args.kwargs["delay"] > 0
    # Not due yet: a second delivery attempt right now sends nothing; it only schedules
    # itself for when the row is due.
    with mock.patch.object(channels, "send") as send, \
         mock.patch.object(deliver_mod, "enqueue_delivery") as again:
        assert deliver_mod.deliver(oid) == "early"
    assert not send.called and again.call_args.kwargs["delay"] > 0
    assert _row(oid).attempts == 1


def test_timed_out_answer_retries_with_resend_check():
    oid = _queue()
    with mock.patch.object(channels, "send",
                           side_effect=delivery.MaybeSent(None, "read timeout")), \
         mock.patch.object(deliver_mod, "enqueue_delivery"):
        assert deliver_mod.deliver(oid) == "retry"
    assert _row(oid).resend_check is True


def test_platform_retry_after_is_honoured():
    oid = _queue(channel=outbox.CHANNEL_DINGTALK_ROBOT)
    error = delivery.RetryLater(130101, "send too fast", retry_after=600)
    with mock.patch.object(channels, "send", side_effect=error), \
         mock.patch.object(deliver_mod, "enqueue_delivery") as enqueue:
        deliver_mod.deliver(oid)
    assert enqueue.call_args.kwargs["delay"] == 600
    assert _row(oid).next_attempt_at > utcnow() + timedelta(seconds=590)


def test_pacing_wait_does_not_count_as_an_attempt():
    oid = _queue()
    with mock.patch.object(channels, "send", side_effect=delivery.Throttled(12.5)), \
         mock.patch.object(deliver_mod, "enqueue_delivery") as enqueue:
        assert deliver_mod.deliver(oid) == "throttled"
    row = _row(oid)
    assert row.attempts == 0 and row.status == "pending"
    assert enqueue.call_args.kwargs["delay"] == 12.5


def test_permanent_rejection_fails_the_row_visibly():
    oid = _queue()
    with mock.patch.object(channels, "send",
                           side_effect=delivery.Rejected(81013, "user not found")):
        assert deliver_mod.deliver(oid) == "rejected"
    row = _row(oid)
    assert row.status == "failed" and row.last_errcode == 81013


def test_gives_up_after_max_attempts(monkeypatch: pytest.MonkeyPatch):
    oid = _queue()
    with session_scope() as session:
        row = session.get(outbox.OutboxMessage, oid)
        row.attempts = get_settings().outbox_max_attempts - 1  # type: ignore[union-attr]
        session.add(row)
    with mock.patch.object(channels, "send", side_effect=delivery.RetryLater(None, "HTTP 503")):
        assert deliver_mod.deliver(oid) == "failed"
    row = _row(oid)
    assert row.status == "failed" and (
        f"gave up after {get_settings().outbox_max_attempts} attempts" in (row.last_error or ""))


def test_expired_session_reply_fails_instead_of_sending():
    with session_scope() as session:
        row = outbox.add(session, dedupe_key="s1", channel=outbox.CHANNEL_DINGTALK_SESSION,
                         recipient="http://x/session", payload={"msgtype": "text"},
                         expires_at=utcnow() - timedelta(seconds=1))
        oid = row.id  # type: ignore[union-attr]
    with mock.patch.object(channels, "send") as send:
        assert deliver_mod.deliver(oid) == "expired"
    send.assert_not_called()
    assert _row(oid).status == "failed"


def test_dead_worker_lease_is_released_with_resend_check():
    oid = _queue()
    # A worker claims the row and dies before recording the outcome.
    with session_scope() as session:
        assert outbox.claim(session, oid, now=utcnow())
    with mock.patch.object(schedule, "enqueue_delivery") as enqueue:
        assert sweep_outbox(utcnow())["released"] == 0  # lease still running
        result = sweep_outbox(utcnow() + timedelta(seconds=121))
    assert result["released"] == 1
    enqueue.assert_called_with(oid)
    row = _row(oid)
    assert row.status == "pending" and row.resend_check is True
    with session_scope() as session:  # the sweep ran "in the future": make it due now
        session.get(outbox.OutboxMessage, oid).next_attempt_at = utcnow()  # type: ignore[union-attr]
    with mock.patch.object(channels, "send", return_value=delivery.Sent({})) as send:
        deliver_mod.deliver(oid)
    assert send.call_args.kwargs["resend_check"] is True


def test_sweep_requeues_rows_nobody_picked_up():
    oid = _queue()
    with mock.patch.object(schedule, "enqueue_delivery") as enqueue:
        assert sweep_outbox(utcnow())["requeued"] == 0  # fresh rows belong to their job
        assert sweep_outbox(utcnow() + timedelta(minutes=2))["requeued"] == 1
    enqueue.assert_called_with(oid)
