"""Two scheduler processes at once (a deploy that overlaps, or a second one started by
mistake): only the Redis leader runs the sweeps, and an overdue reminder both could see
is delivered once. The scheduler being down across deadlines is covered where the sweeps
live: tests/plans/test_notice_sweep.py::test_missed_while_the_scheduler_was_down_is_sent_
once_when_it_comes_back, ::test_two_concurrent_sweeps_give_one_notice_per_supervisor and
tests/checkin/test_followups.py::test_overdue_after_downtime_sends_both_at_once."""

from __future__ import annotations

import multiprocessing
import os
import time
from datetime import timedelta
from unittest import mock

import pytest
import requests

from jobs import schedule
from models.base import utcnow
from models.platform import outbox
from zhongshu.db import get_engine, session_scope
from zhongshu.queues import get_redis

pytestmark = pytest.mark.timeout(120)

RUNS = "zs:test:scheduler-runs"


def _record(_now) -> dict[str, int]:
    get_redis().rpush(RUNS, os.getpid())
    return {}


def _scheduler(seconds: float) -> None:
    get_engine().dispose(close=False)  # never share the parent's connections
    end = time.monotonic() + seconds
    periodic = (schedule.Periodic("count", timedelta(0), _record),
                schedule.Periodic("outbox-sweep", timedelta(seconds=0.3),
                                  lambda now: schedule.sweep_outbox(now + timedelta(seconds=61))))
    with mock.patch.object(schedule, "SCHEDULE", periodic):
        schedule.run_forever(tick=0.2, stop=lambda: time.monotonic() > end)


def test_two_schedulers_run_each_sweep_in_one_place(emulator, run_jobs):
    with session_scope() as session:
        row = outbox.add(session, dedupe_key="two-schedulers:1", channel=outbox.CHANNEL_WECOM_APP,
                         recipient="zhangwei",
                         payload={"msgtype": "text", "text": {"content": "回款逾期提醒 HT-9"}})
        assert row is not None
        row.next_attempt_at = utcnow() - timedelta(minutes=5)  # due while nobody ran it
        session.add(row)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_scheduler, args=(3.0,)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]

    runs = [int(pid) for pid in get_redis().lrange(RUNS, 0, -1)]
    assert len(runs) >= 5  # the leader kept sweeping
    assert len(set(runs)) == 1  # ... and only the leader
    assert set(runs) <= {p.pid for p in procs}

    run_jobs()
    messages = requests.get(f"{emulator}/_emu/messages", params={"user": "zhangwei"},
                            timeout=5).json()
    sent = [m for m in messages if m["direction"] == "out" and m["delivered"]
            and "回款逾期提醒 HT-9" in str(m["content"])]
    assert len(sent) == 1
