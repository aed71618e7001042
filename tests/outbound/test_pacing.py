"""The Redis sliding-window limiter and the single-flight lock, on the real Redis."""

from __future__ import annotations

import threading
import time

from bot import pacing
from bot.pacing import Window
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings

T0 = 1_700_000_000.0


def test_exact_count_then_wait_until_the_oldest_leaves():
    w = [Window("zs:pace:test:a", 3, 60)]
    assert [pacing.reserve(w, now=T0 + i * 0.001) for i in range(3)] == [0.0, 0.0, 0.0]
    # The 4th waits for the 1st send (at T0) to leave the 60 s window.
    assert pacing.reserve(w, now=T0 + 0.003) == 59.997
    assert pacing.reserve(w, now=T0 + 59.999) == 0.001
    # At exactly T0 + 60 the first send is outside the window (now - 60, now].
    assert pacing.reserve(w, now=T0 + 60.0) == 0.0
    assert pacing.reserve(w, now=T0 + 60.0) == 0.001  # the 2nd (T0+0.001) is next to go


def test_a_refusal_records_nothing():
    w = [Window("zs:pace:test:b", 2, 60)]
    for _ in range(2):
        assert pacing.reserve(w, now=T0) == 0.0
    for _ in range(5):
        assert pacing.reserve(w, now=T0 + 1) == 59.0
    assert get_redis().zcard("zs:pace:test:b") == 2


def test_all_windows_or_none():
    minute, hour = Window("zs:pace:test:m", 2, 60), Window("zs:pace:test:h", 3, 3600)
    assert pacing.reserve([minute, hour], now=T0) == 0.0
    assert pacing.reserve([minute, hour], now=T0 + 1) == 0.0
    assert pacing.reserve([minute, hour], now=T0 + 2) == 58.0  # minute full
    assert get_redis().zcard("zs:pace:test:h") == 2  # ... so the hour was not charged
    assert pacing.reserve([minute, hour], now=T0 + 60) == 0.0  # hour now holds 3
    assert pacing.reserve([minute, hour], now=T0 + 121) == 3600 - 121.0  # hour full
    assert get_redis().zcard("zs:pace:test:m") == 0  # expired entries were trimmed ...
    assert get_redis().zcard("zs:pace:test:h") == 3  # ... and nothing new recorded


def test_the_longest_wait_wins_and_tuples_work():
    assert pacing.reserve([("zs:pace:test:x", 1, 10), ("zs:pace:test:y", 1, 100)],
                          now=T0) == 0.0
    assert pacing.reserve([("zs:pace:test:x", 1, 10), ("zs:pace:test:y", 1, 100)],
                          now=T0 + 5) == 95.0


def test_a_block_refuses_until_it_expires():
    block = "zs:block:test:robot"
    w = [Window("zs:pace:test:c", 20, 60)]
    pacing.block(block, 600)
    wait = pacing.reserve(w, blocks=[block])
    assert 599 < wait <= 600
    assert get_redis().zcard("zs:pace:test:c") == 0
    get_redis().delete(block)
    assert pacing.reserve(w, blocks=[block]) == 0.0


def test_wecom_limits_come_from_settings():
    windows = pacing.wecom_user_windows("zhangwei", agent_id=1000002)
    # Held for the platform's window plus the longest a send can take to arrive.
    margin = get_settings().http_timeout
    assert windows == [Window("zs:pace:wecom:1000002:zhangwei:m", 30, 60.0 + margin),
                       Window("zs:pace:wecom:1000002:zhangwei:h", 1000, 3600.0 + margin)]
    assert [w.limit for w in pacing.robot_windows("http://x/robot/send?access_token=t")] == [20]


def test_100_threads_against_a_limit_of_30():
    w = [Window("zs:pace:test:threads", 30, 60)]
    start = threading.Barrier(100)
    results: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        wait = pacing.reserve(w)
        with lock:
            results.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for r in results if r == 0.0) == 30
    assert all(0 < r <= 60 for r in results if r != 0.0)
    assert get_redis().zcard("zs:pace:test:threads") == 30


def test_single_flight_runs_one_fetch_for_many_waiters():
    store: dict[str, str] = {}
    fetches: list[int] = []
    start = threading.Barrier(8)

    def fetch() -> str:
        fetches.append(1)
        time.sleep(0.2)  # long enough for every other thread to find the lock taken
        store["v"] = "token"
        return "token"

    got: list[str] = []

    def worker() -> None:
        start.wait()
        got.append(pacing.single_flight("zs:test:lock", read=lambda: store.get("v"),
                                        fetch=fetch, lock_seconds=2.0))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fetches == [1]
    assert got == ["token"] * 8
    assert get_redis().get("zs:test:lock") is None  # released


def test_forget_if_keeps_a_fresh_value():
    r = get_redis()
    r.set("zs:test:tok", '"new"')
    assert pacing.forget_if("zs:test:tok", '"old"') is False
    assert r.get("zs:test:tok") == b'"new"'
    assert pacing.forget_if("zs:test:tok", '"new"') is True
    assert r.get("zs:test:tok") is None
