"""A rep flooding the bot is throttled per user where events are accepted: the first
``ZS_INBOUND_PER_USER_PER_MINUTE`` events of a minute go through, the next one gets one
polite Chinese "too fast" reply, the rest are dropped silently (and logged) — and other
users are not affected."""

from __future__ import annotations

import logging

import pytest

from bot.intake import TOO_FAST_TEXT
from tests.reliability.relkit import inbox_count, outbox_rows, post_wecom_text
from zhongshu.queues import QUEUE_INBOUND, get_queue
from zhongshu.settings import get_settings


def _texts(user: str) -> list[str]:
    return [row.payload.get("text", {}).get("content", "") for row in outbox_rows(recipient=user)]


def test_a_flood_of_100_messages_a_minute_is_throttled(client, caplog: pytest.LogCaptureFixture):
    limit = get_settings().inbound_per_user_per_minute
    assert 0 < limit < 100
    with caplog.at_level(logging.WARNING, logger="bot.intake"):
        answers = [post_wecom_text(client, "zhangwei", f"查客户 {i}") for i in range(100)]
    # The platform always gets its quick 200: a refused ack would only make it retry.
    assert {a.status_code for a in answers} == {200}
    assert inbox_count(user_id="zhangwei") == limit
    assert get_queue(QUEUE_INBOUND).count == limit
    # One polite reply, then silence.
    assert _texts("zhangwei") == [TOO_FAST_TEXT]
    assert "太快" in TOO_FAST_TEXT
    drops = [r for r in caplog.records if "inbound rate limit" in r.getMessage()]
    assert len(drops) == 100 - limit
    assert sum("told once" in r.getMessage() for r in drops) == 1


def test_other_users_are_not_throttled_by_one_flooding(client):
    limit = get_settings().inbound_per_user_per_minute
    for i in range(limit + 10):
        post_wecom_text(client, "zhangwei", f"刷屏 {i}")
    for i in range(5):
        assert post_wecom_text(client, "lina", f"查客户 绍兴{i}").status_code == 200
    assert inbox_count(user_id="lina") == 5
    assert _texts("lina") == []


def test_a_retried_copy_does_not_count_twice(client):
    # The platform retries a callback it thinks we missed: dedupe runs before the limit.
    limit = get_settings().inbound_per_user_per_minute
    for _ in range(limit + 5):
        post_wecom_text(client, "zhangwei", "同一条消息", msgid=424242)
    assert inbox_count(user_id="zhangwei") == 1
    assert _texts("zhangwei") == []


def test_the_limit_comes_from_settings(client, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ZS_INBOUND_PER_USER_PER_MINUTE", "3")
    get_settings.cache_clear()
    try:
        for i in range(6):
            post_wecom_text(client, "zhangwei", f"消息 {i}")
        assert inbox_count(user_id="zhangwei") == 3
        assert _texts("zhangwei") == [TOO_FAST_TEXT]
    finally:
        monkeypatch.delenv("ZS_INBOUND_PER_USER_PER_MINUTE")
        get_settings.cache_clear()
