"""Fuzzed platform payloads: the XML/JSON decoders and the crypto either produce an Event
or refuse with the edge's typed error (a 4xx) — and through the real endpoints nothing
answers 500 and nothing is stored for a refused body."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from bot.dingtalk import parse as dt_parse
from bot.edge import EdgeError
from bot.wecom import parse as wc_parse
from bot.wecom.crypto import WeComCrypto
from tests.fuzz.strategies import hostile
from tests.reliability.relkit import inbox_count, post_wecom, wecom_text_xml

REFUSALS = (EdgeError, HTTPException)


def _xml_fields() -> st.SearchStrategy[str]:
    tags = st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content",
                            "MsgId", "AgentID", "Event", "EventKey", "Latitude", "TaskId"])
    field = st.tuples(tags, hostile).map(
        lambda t: f"<{t[0]}><![CDATA[{t[1].replace(']]>', '')}]]></{t[0]}>")
    return st.lists(field, max_size=8).map(lambda fs: "<xml>" + "".join(fs) + "</xml>")


@given(st.one_of(hostile, _xml_fields(), st.binary(max_size=2000).map(
    lambda b: b.decode("latin-1"))))
def test_wecom_to_event_builds_an_event_or_refuses(plaintext):
    try:
        event = wc_parse.to_event(plaintext)
    except REFUSALS:
        return
    assert event.platform == "wecom" and len(event.dedupe_key) <= 255


@given(st.one_of(hostile, st.binary(max_size=2000).map(lambda b: b.decode("latin-1"))))
def test_wecom_decrypt_refuses_garbage(encrypt):
    crypto = WeComCrypto.from_settings()
    try:
        crypto.decrypt(encrypt)
    except REFUSALS:
        return


_json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(hostile, children, max_size=4)),
    max_leaves=12)
_robot_keys = st.sampled_from(["msgtype", "text", "content", "senderStaffId", "senderId",
                               "conversationType", "msgId", "createAt", "sessionWebhook",
                               "sessionWebhookExpiredTime", "conversationId", "robotCode"])


@given(st.dictionaries(_robot_keys, _json_value, max_size=10), st.integers())
def test_dingtalk_robot_event_builds_or_refuses(data, ts):
    try:
        event = dt_parse.robot_event(data, header_timestamp=ts)
    except REFUSALS:
        return
    assert event.platform == "dingtalk"


@given(st.dictionaries(st.sampled_from(["EventType", "UserId", "userId", "TimeStamp",
                                        "eventId", "StaffId"]), _json_value, max_size=6),
       st.integers())
def test_dingtalk_callback_event_builds_or_refuses(plain, ts):
    try:
        dt_parse.callback_event(plain, query_timestamp=ts)
    except REFUSALS:
        return


@given(st.one_of(hostile, _json_value.map(json.dumps)))
def test_dingtalk_json_loader_refuses_what_is_not_an_object(body):
    try:
        assert isinstance(dt_parse.loads_object(body), dict)
    except REFUSALS:
        return


@pytest.fixture()
def no_flood_guard(monkeypatch: pytest.MonkeyPatch):
    # Many examples from one sender in a few seconds: that is what the guard stops.
    from zhongshu.settings import get_settings

    monkeypatch.setenv("ZS_INBOUND_PER_USER_PER_MINUTE", "0")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@given(content=hostile)
def test_signed_messages_with_any_content_are_acked_not_500(client, no_flood_guard, content):
    before = inbox_count()
    res = post_wecom(client, wecom_text_xml("zhangwei", content))
    assert res.status_code in (200, 400, 413)
    assert inbox_count() - before == (1 if res.status_code == 200 else 0)


@given(body=st.binary(max_size=3000))
def test_unsigned_garbage_to_the_callbacks_is_refused(client, body):
    for url in ("/wecom/callback?msg_signature=x&timestamp=1&nonce=1",
                "/dingtalk/callback?signature=x&timestamp=1&nonce=1", "/dingtalk/robot"):
        assert client.post(url, data=body).status_code in (400, 403, 413)
    assert inbox_count() == 0
