"""POST /dingtalk/robot (enterprise robot, HTTP receive mode): each fixture → exact Event,
answer {} at once; bad sign, stale timestamp, missing headers, non-JSON → 4xx, nothing stored."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.dingtalk.crypto import robot_sign
from bot.dingtalk.parse import strip_mention
from lib.chat import Event
from tests.edge.edgekit import FIXTURES, fixture_json, inbound_job_ids, robot_headers

D = "dingtalk"

CASES: dict[str, Event] = {
    "robot_text.json": Event(
        platform=D, kind="text", user_id="zhangsan", dedupe_key="msg:msgAbC123dEf456gHi789==",
        created_at=1718870400, msg_id="msgAbC123dEf456gHi789==",
        payload={"content": "新客户 华东机械 李经理 13800138000 制造业 有意向"},
        reply_to={"session_webhook":
                  "https://oapi.dingtalk.com/robot/sendBySession?session=5f2c7e0a9b1d4e3f8a6c",
                  "expires_at_ms": 1718875800000, "conversation_id": "cidY8Qz1vN2kL0pWm3xQ7bTgA==",
                  "conversation_type": "2", "sender_nick": "张三",
                  "robot_code": "dingzhongshuemulator01"}),
    "robot_picture.json": Event(
        platform=D, kind="image", user_id="zhangsan", dedupe_key="msg:msgPic0001xyz==",
        created_at=1718870460, msg_id="msgPic0001xyz==",
        payload={"download_code": "mIofN681YE3f/+m+NntqpuVe7nIvrFzPnl9b0dqEe0dl="},
        reply_to={"session_webhook":
                  "https://oapi.dingtalk.com/robot/sendBySession?session=8d1e2f3a4b5c6d7e8f90",
                  "expires_at_ms": 1718875860000, "conversation_id": "cidSingleZhangsan0001==",
                  "conversation_type": "1", "sender_nick": "张三",
                  "robot_code": "dingzhongshuemulator01"}),
    "robot_richtext.json": Event(
        platform=D, kind="image", user_id="zhangsan", dedupe_key="msg:msgRich0001xyz==",
        created_at=1718870520, msg_id="msgRich0001xyz==",
        payload={"download_code": "richPicCode0001d="},
        reply_to={"session_webhook":
                  "https://oapi.dingtalk.com/robot/sendBySession?session=0a9b8c7d6e5f4a3b2c1d",
                  "expires_at_ms": 1718875920000, "conversation_id": "cidSingleZhangsan0001==",
                  "conversation_type": "1", "sender_nick": "张三",
                  "robot_code": "dingzhongshuemulator01"}),
}


def _post(client: Any, data: Any, headers: dict[str, str] | None = None) -> Any:
    body = data if isinstance(data, (bytes, str)) else json.dumps(data, ensure_ascii=False)
    return client.post("/dingtalk/robot", data=body,
                       headers=robot_headers() if headers is None else headers)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_is_recorded_as_event(client: Any, inbox: Any, name: str) -> None:
    response = _post(client, fixture_json(D, name))
    assert response.status_code == 200
    assert response.get_json() == {}
    [row] = inbox()
    expected = CASES[name]
    assert (row.platform, row.kind, row.user_id, row.dedupe_key) == (
        D, expected.kind, expected.user_id, expected.dedupe_key)
    assert Event.from_dict(row.event) == expected
    assert inbound_job_ids() == [f"inbox-{row.id}"]


def test_every_robot_fixture_has_a_case() -> None:
    assert sorted(p.name for p in (FIXTURES / D).glob("robot_*.json")) == sorted(CASES)


def test_other_msgtype_is_platform_event(client: Any, inbox: Any) -> None:
    data = fixture_json(D, "robot_picture.json")
    data.update(msgtype="audio", content={"downloadCode": "x", "recognition": "你好"})
    assert _post(client, data).status_code == 200
    [row] = inbox()
    assert (row.kind, row.event["key"], row.event["payload"]) == ("platform_event", "audio", {})


def test_sender_id_when_no_staff_id(client: Any, inbox: Any) -> None:
    data = fixture_json(D, "robot_text.json")
    del data["senderStaffId"]
    _post(client, data)
    assert inbox()[0].user_id == "$:LWCP_v1:$senderZhangsan01"


@pytest.mark.parametrize("raw,clean", [
    ("@销售助手 帮助", "帮助"), ("@销售助手\u2005帮助", "帮助"), ("  帮助 ", "帮助"),
    ("@销售助手", "@销售助手"), ("新客户 @张三", "新客户 @张三"), ("@a @b 帮助", "@b 帮助"),
])
def test_strip_mention(raw: str, clean: str) -> None:
    assert strip_mention(raw) == clean


def test_same_message_three_times_is_one_event(client: Any, inbox: Any) -> None:
    data = fixture_json(D, "robot_text.json")
    assert [_post(client, data).status_code for _ in range(3)] == [200, 200, 200]
    assert len(inbox()) == 1
    assert len(inbound_job_ids()) == 1


# -- rejections ---------------------------------------------------------------------
TEXT = fixture_json(D, "robot_text.json")


def test_sign_is_the_documented_hmac() -> None:
    # Independent of our helper: HmacSHA256(key=secret, "ts\nsecret"), base64, no URL-encoding.
    headers = robot_headers(timestamp_ms=1718870400000, secret="SECabc")
    assert robot_sign("1718870400000", "SECabc") == headers["sign"]


@pytest.mark.parametrize("headers", [
    robot_headers(secret="SECwrongsecret"),
    {**robot_headers(), "sign": "AAAA"},
    {**robot_headers(), "sign": "中文"},
])
def test_bad_sign(client: Any, assert_nothing_stored: Any, headers: dict[str, str]) -> None:
    assert _post(client, TEXT, headers).status_code == 403
    assert_nothing_stored()


def test_url_encoded_sign_is_refused(client: Any, assert_nothing_stored: Any) -> None:
    from urllib.parse import quote

    headers = next(h for h in (robot_headers(timestamp_ms=int(time.time() * 1000) - i)
                               for i in range(200)) if quote(h["sign"], safe="") != h["sign"])
    headers["sign"] = quote(headers["sign"], safe="")
    assert _post(client, TEXT, headers).status_code == 403
    assert_nothing_stored()


@pytest.mark.parametrize("delta_s", [-3601, 3601, -86400])
def test_stale_timestamp(client: Any, assert_nothing_stored: Any, delta_s: int) -> None:
    headers = robot_headers(timestamp_ms=int((time.time() + delta_s) * 1000))
    assert _post(client, TEXT, headers).status_code == 403
    assert_nothing_stored()


@pytest.mark.parametrize("missing", ["timestamp", "sign"])
def test_missing_headers(client: Any, assert_nothing_stored: Any, missing: str) -> None:
    headers = robot_headers()
    del headers[missing]
    assert _post(client, TEXT, headers).status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'"text"', b"{bad",
                                  b'{"msgtype": NaN}', b"[" * 100_000 + b"]" * 100_000,
                                  "中文".encode("gbk")])
def test_non_json(client: Any, assert_nothing_stored: Any, body: bytes) -> None:
    assert _post(client, body).status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("change", [
    {"msgtype": None}, {"senderStaffId": None, "senderId": None}, {"text": {"content": 5}},
    {"text": None},
])
def test_unusable_message(client: Any, assert_nothing_stored: Any,
                          change: dict[str, Any]) -> None:
    data = {k: v for k, v in {**TEXT, **change}.items() if v is not None}
    assert _post(client, data).status_code == 400
    assert_nothing_stored()


def test_oversized_body(client: Any, assert_nothing_stored: Any) -> None:
    data = {**TEXT, "text": {"content": "长" * (1024 * 1024)}}
    assert _post(client, data).status_code == 413
    assert_nothing_stored()
