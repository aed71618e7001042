"""A user types in the emulator's chat; the service answers through the real APIs.

Every hop is real: the emulator encrypts and signs like the platform, the service's
endpoint verifies and records, an RQ worker runs the handler and delivers the outbox row
through the emulator's message/send or session webhook."""

from __future__ import annotations

import requests

from models.org import user as users
from zhongshu.db import session_scope


def _register(wecom: str, name: str, role: str, dingtalk: str | None = None) -> None:
    with session_scope() as session:
        users.upsert(session, wecom_userid=wecom, name=name, role=role,
                     dingtalk_userid=dingtalk)


def _app_messages(emulator: str, platform: str, user: str) -> list[dict]:
    response = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": platform, "user": user}, timeout=5)
    response.raise_for_status()
    return [m for m in response.json() if m["direction"] == "out"]


def _content(message: dict) -> str:
    body = message["content"]
    for key in ("text", "markdown"):
        if isinstance(body.get(key), dict):
            return str(body[key].get("content") or body[key].get("text") or "")
    return str(body)


def test_help_over_wecom(emulator, run_jobs):
    _register("zhangwei", "张伟", "rep")
    sent = requests.post(f"{emulator}/_emu/wecom/users/zhangwei/text",
                         json={"content": "帮助"}, timeout=10).json()
    assert sent["status"] == 200 and sent["tries"] == 1
    run_jobs()
    replies = _app_messages(emulator, "wecom", "zhangwei")
    assert len(replies) == 1
    assert replies[0]["delivered"] is True and replies[0]["channel"] == "app"
    text = _content(replies[0])
    assert "可用命令" in text and "帮助" in text and "我的信息" in text


def test_help_over_dingtalk_robot_answers_in_the_conversation(emulator, run_jobs):
    _register("zhangwei", "张伟", "rep", dingtalk="dt_zhangwei")
    sent = requests.post(f"{emulator}/_emu/dingtalk/users/dt_zhangwei/text",
                         json={"content": "帮助"}, timeout=10).json()
    assert sent["status"] == 200
    run_jobs()
    replies = _app_messages(emulator, "dingtalk", "dt_zhangwei")
    assert [m["channel"] for m in replies] == ["session"]
    assert "可用命令" in _content(replies[0])


def test_unregistered_sender_is_told_to_ask_an_admin(emulator, run_jobs):
    requests.post(f"{emulator}/_emu/wecom/users/lina/text", json={"content": "帮助"},
                  timeout=10).raise_for_status()
    run_jobs()
    (reply,) = _app_messages(emulator, "wecom", "lina")
    assert "还没有在中枢登记" in _content(reply)


def test_unknown_text_gets_a_polite_pointer_to_help(emulator, run_jobs):
    _register("zhangwei", "张伟", "rep")
    requests.post(f"{emulator}/_emu/wecom/users/zhangwei/text", json={"content": "今天天气如何"},
                  timeout=10).raise_for_status()
    run_jobs()
    (reply,) = _app_messages(emulator, "wecom", "zhangwei")
    assert "没有看懂「今天天气如何」" in _content(reply) and "帮助" in _content(reply)


def test_workbench_help_button(emulator, run_jobs):
    _register("wangfang", "王芳", "supervisor")
    requests.post(f"{emulator}/_emu/wecom/users/wangfang/click", json={"key": "help"},
                  timeout=10).raise_for_status()
    run_jobs()
    (reply,) = _app_messages(emulator, "wecom", "wangfang")
    assert "可用命令" in _content(reply)


def test_location_is_stored_without_a_reply(emulator, run_jobs):
    from models.platform import location

    _register("zhangwei", "张伟", "rep")
    requests.post(f"{emulator}/_emu/wecom/users/zhangwei/location",
                  json={"lat": 31.2323, "lng": 121.4752, "precision": 30}, timeout=10
                  ).raise_for_status()
    run_jobs()
    with session_scope() as session:
        last = location.latest(session, platform="wecom", user_id="zhangwei")
    assert last is not None and round(last.latitude, 4) == 31.2323
    assert round(last.longitude, 4) == 121.4752
    assert _app_messages(emulator, "wecom", "zhangwei") == []
