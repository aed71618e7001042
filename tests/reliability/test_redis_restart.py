"""Redis killed (SIGKILL) and restarted mid-run, on a private redis-server with AOF:
queued deliveries survive the restart, the real worker processes resume on their own,
messages queued while Redis was away are found by the scheduler's sweep — and every
reminder reaches the phone exactly once (the emulator's received log)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
import requests

from jobs import schedule
from models.base import utcnow
from models.platform import outbox
from tests.reliability.workers import Workers, wait_for
from zhongshu.db import session_scope
from zhongshu.queues import QUEUE_OUTBOUND, get_queue
from zhongshu.settings import get_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]



def _users(emulator: str) -> list[str]:
    directory = requests.get(f"{emulator}/_emu/directory", timeout=5).json()
    return [u["userid"] for u in directory["users"]]


def _queue(batch: str, n: int, users: list[str]) -> list[int]:
    """``n`` reminders spread over the directory's users (well under 30 a minute each)."""
    ids: list[int] = []
    with session_scope() as session:
        for i in range(n):
            row = outbox.add(session, dedupe_key=f"redis-restart:{batch}:{i}",
                             channel=outbox.CHANNEL_WECOM_APP, recipient=users[i % len(users)],
                             payload={"msgtype": "text",
                                      "text": {"content": f"回款提醒 {batch}-{i}"}})
            assert row is not None and row.id is not None
            ids.append(row.id)
    return ids


def _delivered(emulator: str) -> Counter[str]:
    messages = requests.get(f"{emulator}/_emu/messages", params={"platform": "wecom"},
                            timeout=5).json()
    return Counter(m["content"]["text"]["content"] for m in messages
                   if m["direction"] == "out" and m["delivered"] and m["msgtype"] == "text")


def _statuses(ids: list[int]) -> Counter[str]:
    with session_scope() as session:
        return Counter(session.get(outbox.OutboxMessage, i).status for i in ids)  # type: ignore[union-attr]


def _unsent(ids: list[int]) -> str:
    with session_scope() as session:
        rows = [session.get(outbox.OutboxMessage, i) for i in ids]
        return "\n".join(f"{r.id} {r.status} attempts={r.attempts} next={r.next_attempt_at} "
                         f"err={r.last_error}" for r in rows if r and r.status != "sent") + "\n"


def test_redis_restart_mid_run_loses_and_doubles_nothing(aof_redis, emulator, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("ZS_OUTBOX_LEASE_SECONDS", "10")
    get_settings.cache_clear()
    users = _users(emulator)
    first = _queue("a", 24, users)  # outbox.add queues each delivery at commit
    assert get_queue(QUEUE_OUTBOUND).count == 24

    # 1. Killed with a full queue: the AOF brings every queued job back.
    aof_redis.stop()
    aof_redis.start()
    assert get_queue(QUEUE_OUTBOUND).count == 24

    workers = Workers(2, tmp_path, ZS_OUTBOX_LEASE_SECONDS="10")
    try:
        wait_for(lambda: sum(_delivered(emulator).values()) >= 6, timeout=60,
                 what="the workers to start delivering", explain=workers.output)
        # 2. Killed while the workers deliver; more reminders are due meanwhile (their
        # enqueue fails and is logged: the rows wait in the database for the sweep).
        aof_redis.stop()
        second = _queue("b", 12, users)
        aof_redis.start()

        last_sweep = [0.0]

        def scheduler_tick() -> None:
            # The scheduler's outbox sweep, every 5 s here (15 s in production) with a 2 s
            # grace (60 s in production) so the test does not wait minutes.
            if time.monotonic() - last_sweep[0] >= 5:
                last_sweep[0] = time.monotonic()
                with mock.patch.object(schedule, "OVERDUE_GRACE", timedelta(seconds=2)):
                    schedule.sweep_outbox(utcnow())

        wait_for(lambda: _statuses(first + second) == Counter({"sent": 36}), timeout=180,
                 every=1.0, tick=scheduler_tick, what="every reminder to be sent",
                 explain=lambda: workers.output()[-2500:] + "\n" + _unsent(first + second))
        assert workers.alive() == 2, workers.output()[-3000:]
    finally:
        workers.stop()

    delivered = _delivered(emulator)
    expected = {f"回款提醒 a-{i}" for i in range(24)} | {f"回款提醒 b-{i}" for i in range(12)}
    assert set(delivered) == expected  # none lost
    assert max(delivered.values()) == 1, [k for k, v in delivered.items() if v > 1]  # none doubled
