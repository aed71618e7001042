"""The platform misbehaving, through the emulator's fault injection: -1 (busy), 45009
(frequency), HTTP 5xx and answers that time out. Deliveries back off (a bounded number of
attempts per minute, no retry storm), nothing is dropped silently (a row that gives up is
'failed' with the platform's code, and counted by /metrics), and once the platform is
well again every message arrives exactly once.

The delivery clock is simulated (jobs.deliver's ``utcnow``), so two hours of backoff take
seconds; every call still goes over HTTP to the emulator. Reused, not repeated here:
single-flight token refresh — N concurrent sends, one gettoken
(tests/outbound/test_wecom_client.py::test_concurrent_sends_with_an_empty_cache_fetch_the_
token_once, tests/outbound/test_pacing.py::test_single_flight_runs_one_fetch_for_many_
waiters); 42001 refetched once (…::test_expired_token_is_refetched_once_and_the_send_
succeeds, …::test_a_token_that_stays_bad_fails_clearly_after_one_refetch); 130101 blocks
the robot for ten minutes (tests/outbound/test_dingtalk_send.py::test_130101_blocks_the_
robot_for_ten_minutes)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from unittest import mock

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from jobs import deliver as deliver_mod
from models.base import utcnow
from models.platform import outbox
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

pytestmark = pytest.mark.timeout(240)

ROWS = 6
FAULTS = {
    "busy -1": {"errcode": -1},
    "freq 45009": {"errcode": 45009},
    "http 503": {"status": 503},
    "timeout": {"delay": 1.2},
}


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def _users(emulator: str) -> list[str]:
    return [u["userid"] for u in requests.get(f"{emulator}/_emu/directory", timeout=5)
            .json()["users"]][:ROWS]


def _queue(users: list[str]) -> list[int]:
    ids = []
    with session_scope() as session:
        for i, user in enumerate(users):
            row = outbox.add(session, dedupe_key=f"faults:{i}", channel=outbox.CHANNEL_WECOM_APP,
                             recipient=user, payload={"msgtype": "text",
                                                      "text": {"content": f"到期提醒 {i}"}})
            assert row is not None and row.id is not None
            ids.append(row.id)
    return ids


def _sends(emulator: str) -> int:
    return len(requests.get(f"{emulator}/_emu/calls", params={"api": "message/send"},
                            timeout=5).json())


def _run_for(clock: Clock, seconds: float, step: float = 1.0) -> None:
    """Advance the clock, running every due delivery as the workers would."""
    end = clock.now + timedelta(seconds=seconds)
    while clock.now < end:
        with session_scope() as session:
            due = outbox.due(session, now=clock.now)
        for outbox_id in due:
            deliver_mod.deliver(outbox_id)
        clock.now += timedelta(seconds=step)


def _delivered(emulator: str) -> Counter[str]:
    messages = requests.get(f"{emulator}/_emu/messages", params={"platform": "wecom"},
                            timeout=5).json()
    return Counter(m["content"]["text"]["content"] for m in messages
                   if m["direction"] == "out" and m["delivered"] and m["msgtype"] == "text")


@pytest.fixture()
def sim(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ZS_HTTP_TIMEOUT", "0.5")
    get_settings.cache_clear()
    clock = Clock()
    with mock.patch.object(deliver_mod, "utcnow", clock), \
            mock.patch.object(deliver_mod, "enqueue_delivery"):
        yield clock
    monkeypatch.undo()
    get_settings.cache_clear()


def _fault(emulator: str, what: dict) -> None:
    requests.post(f"{emulator}/_emu/faults", json={"platform": "wecom", "api": "message/send",
                                                   "times": 10_000, **what},
                  timeout=5).raise_for_status()


def _clear(emulator: str) -> None:
    requests.delete(f"{emulator}/_emu/faults", timeout=5).raise_for_status()


@pytest.mark.parametrize("fault", list(FAULTS))
def test_backoff_then_exactly_once_when_the_platform_recovers(emulator, sim, fault):
    ids = _queue(_users(emulator))
    _fault(emulator, FAULTS[fault])
    _run_for(sim, 60)
    first_minute = _sends(emulator)
    # Backoff 2 s, 4 s, 8 s, 16 s, 32 s (±20 %, the platform's hint as a floor): at most
    # 6 tries per message in the first minute — not one a second.
    assert ROWS <= first_minute <= ROWS * 6, first_minute
    _run_for(sim, 60)
    assert _sends(emulator) - first_minute <= ROWS * 2  # and fewer as it backs off
    _clear(emulator)
    _run_for(sim, 20 * 60, step=5.0)
    with session_scope() as session:
        assert Counter(session.get(outbox.OutboxMessage, i).status for i in ids) == {
            "sent": ROWS}
    delivered = _delivered(emulator)
    assert set(delivered) == {f"到期提醒 {i}" for i in range(ROWS)}
    assert max(delivered.values()) == 1  # a timed-out try that did arrive is not repeated
    if "delay" in FAULTS[fault]:
        time.sleep(1.5)  # let the last slow answers land here, not in the next test


def test_a_platform_that_stays_down_leaves_visible_failed_rows(emulator, sim, client):
    ids = _queue(_users(emulator))
    _fault(emulator, {"errcode": -1})
    _run_for(sim, 3 * 3600, step=10.0)
    max_attempts = get_settings().outbox_max_attempts
    assert _sends(emulator) == ROWS * max_attempts  # bounded: then it stops trying
    with session_scope() as session:
        rows = [session.get(outbox.OutboxMessage, i) for i in ids]
    assert {(r.status, r.last_errcode, r.attempts) for r in rows} == {
        ("failed", -1, max_attempts)}
    assert all("gave up after" in (r.last_error or "") for r in rows)
    metrics = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(client.get("/metrics").get_data(
                   as_text=True)) for s in f.samples}
    assert metrics[("zs_push_errors", (("code", "-1"), ("status", "failed")))] == ROWS
    assert metrics[("zs_outbox_messages", (("status", "failed"),))] == ROWS
