"""The emulated DingTalk API through real HTTP: tokens, work notifications (with the silent
daily rules and the QPM errcode), the signed group robot and session webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from typing import Any

import requests

from bot.emulator import EmulatorConfig, create_emulator_app
from tests.emulator.emukit import Emu, serving

ASYNCSEND = "/topapi/message/corpconversation/asyncsend_v2"


def work(emu: Emu, userids: str, msg: dict[str, Any] | str, token: str | None = None,
         **extra: Any) -> dict[str, Any]:
    body = {"agent_id": emu.config.dingtalk_agent_id, "userid_list": userids, "msg": msg,
            **extra}
    answer: dict[str, Any] = emu.post(ASYNCSEND, body,
                                      access_token=token or emu.dingtalk_token()).json()
    return answer


def text(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


def sign(secret: str, timestamp_ms: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def robot(emu: Emu, body: dict[str, Any] | bytes, *, timestamp_ms: int | None = None,
          secret: str | None = None, token: str | None = None,
          encode: bool = True) -> dict[str, Any]:
    cfg = emu.config
    ts = timestamp_ms if timestamp_ms is not None else int(emu.now() * 1000)
    signature = sign(secret or cfg.dingtalk_robot_secret, ts)
    # Built by hand so the test controls the encoding of "sign" exactly.
    query = (f"access_token={token or cfg.dingtalk_robot_webhook_token}&timestamp={ts}"
             f"&sign={urllib.parse.quote_plus(signature) if encode else signature}")
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer: dict[str, Any] = requests.post(
        f"{emu.base}/robot/send?{query}", data=data,
        headers={"Content-Type": "application/json"}, timeout=5).json()
    return answer


def test_gettoken_and_token_lifecycle(emu: Emu) -> None:
    cfg = emu.config
    first = emu.get("/gettoken", appkey=cfg.dingtalk_app_key,
                    appsecret=cfg.dingtalk_app_secret).json()
    assert first["errcode"] == 0 and first["expires_in"] == 7200
    assert emu.dingtalk_token() == first["access_token"]
    assert emu.get("/gettoken", appkey=cfg.dingtalk_app_key,
                   appsecret="wrong").json()["errcode"] == 40089
    msg = text("你好")
    assert work(emu, "dt_zhangwei", msg, token=first["access_token"])["errcode"] == 0
    emu.post("/_emu/dingtalk/token", {"action": "expire"}).raise_for_status()
    assert work(emu, "dt_zhangwei", msg, token=first["access_token"])["errcode"] == 42001
    second = emu.dingtalk_token()
    emu.post("/_emu/dingtalk/token", {"action": "invalidate"}).raise_for_status()
    assert work(emu, "dt_zhangwei", msg, token=second)["errcode"] == 40014


def test_work_notification_shapes_and_validation(emu: Emu) -> None:
    token = emu.dingtalk_token()
    card = {"msgtype": "action_card", "action_card": {
        "title": "合同审核", "markdown": "### 合同 HT-001\n金额 **12 万**",
        "btn_orientation": "1", "btn_json_list": [
            {"title": "同意", "action_url": "http://svc.test/a"},
            {"title": "驳回", "action_url": "http://svc.test/r"}]}}
    answer = work(emu, "dt_zhangwei,dt_lina,dt_ghost", card, token=token)
    assert answer["errcode"] == 0 and answer["task_id"] and answer["request_id"]
    (message,) = emu.delivered("dingtalk", "dt_zhangwei")
    assert message["channel"] == "work" and message["content"] == card
    result = emu.post("/topapi/message/corpconversation/getsendresult",
                      {"agent_id": emu.config.dingtalk_agent_id, "task_id": answer["task_id"]},
                      access_token=token).json()
    assert result["send_result"]["invalid_user_id_list"] == ["dt_ghost"]
    assert sorted(result["send_result"]["unread_user_id_list"]) == ["dt_lina", "dt_zhangwei"]

    assert work(emu, "dt_zhangwei", {"msgtype": "nosuch"}, token=token)["errcode"] == 40035
    half_card = {"msgtype": "action_card", "action_card": {"title": "t", "markdown": "m"}}
    assert work(emu, "dt_zhangwei", half_card, token=token)["errcode"] == 40035
    too_many = ",".join(f"u{i}" for i in range(101))
    assert work(emu, too_many, text("x"), token=token)["errcode"] == 40035
    assert work(emu, "dt_zhangwei", text("x"), token=token,
                agent_id=1)["errcode"] == 40056
    # A msg given as a JSON string (form style) is accepted too.
    assert work(emu, "dt_lina", json.dumps(text("字符串")), token=token)["errcode"] == 0


def test_identical_content_once_per_day_is_a_silent_drop(emu: Emu) -> None:
    token = emu.dingtalk_token()
    first = work(emu, "dt_zhangwei", text("请提交周报"), token=token)
    again = work(emu, "dt_zhangwei,dt_lina", text("请提交周报"), token=token)
    assert first["errcode"] == again["errcode"] == 0
    assert [(m["delivered"], m["dropped_reason"]) for m in emu.messages(
        "dingtalk", "dt_zhangwei")] == [(True, None), (False, "duplicate_today")]
    assert len(emu.delivered("dingtalk", "dt_lina")) == 1
    result = emu.post("/topapi/message/corpconversation/getsendresult",
                      {"task_id": again["task_id"]}, access_token=token).json()["send_result"]
    assert result["forbidden_list"] == [{"code": "143106", "count": 1, "userid": "dt_zhangwei"}]
    # Other content is fine; the next day the same content is delivered again.
    work(emu, "dt_zhangwei", text("另一条"), token=token)
    assert len(emu.delivered("dingtalk", "dt_zhangwei")) == 2
    emu.advance(24 * 3600)
    work(emu, "dt_zhangwei", text("请提交周报"), token=emu.dingtalk_token())
    assert len(emu.delivered("dingtalk", "dt_zhangwei")) == 3


def test_qpm_limit_answers_143103_and_daily_cap_is_silent() -> None:
    config = EmulatorConfig(dingtalk_qpm=3, dingtalk_daily_per_user=2)
    with serving(create_emulator_app(config)) as base:
        emu = Emu(base, config)
        token = emu.dingtalk_token()
        assert work(emu, "dt_zhangwei,dt_lina", text("一"), token=token)["errcode"] == 0
        assert work(emu, "dt_zhangwei,dt_lina", text("二"), token=token)["errcode"] == 143103
        assert len(emu.messages("dingtalk", "dt_zhangwei")) == 1
        emu.advance(61)
        assert work(emu, "dt_zhangwei", text("二"), token=token)["errcode"] == 0
        assert work(emu, "dt_zhangwei", text("三"), token=token)["errcode"] == 0
        assert [m["dropped_reason"] for m in emu.messages("dingtalk", "dt_zhangwei")] == [
            None, None, "daily_limit"]


# -- group robot --------------------------------------------------------------------------------

def test_robot_signature_timestamp_token_and_size(emu: Emu) -> None:
    msg = {"msgtype": "markdown", "markdown": {"title": "日报", "text": "### 今日签约 3 单"},
           "at": {"isAtAll": False}}
    assert robot(emu, msg) == {"errcode": 0, "errmsg": "ok"}
    (delivered,) = emu.delivered("dingtalk", "group")
    assert delivered["channel"] == "robot" and delivered["content"] == msg

    bad = robot(emu, msg, secret="SECwrong")
    assert bad == {"errcode": 310000, "errmsg": "sign not match"}
    stale = robot(emu, msg, timestamp_ms=int((emu.now() - 3601) * 1000))
    assert stale == {"errcode": 310000, "errmsg": "invalid timestamp"}
    assert robot(emu, msg, token="nope")["errcode"] == 300001
    big = {"msgtype": "text", "text": {"content": "很" * 7000}}
    assert robot(emu, big)["errcode"] == 460101
    assert robot(emu, {"msgtype": "nosuch"})["errcode"] != 0
    assert len(emu.delivered("dingtalk", "group")) == 1


def test_robot_sign_must_be_url_encoded(emu: Emu) -> None:
    # Find a timestamp whose signature contains '+': sent raw, it decodes to a space.
    ts = int(emu.now() * 1000)
    while "+" not in sign(emu.config.dingtalk_robot_secret, ts):
        ts -= 1
    msg = {"msgtype": "text", "text": {"content": "hi"}}
    assert robot(emu, msg, timestamp_ms=ts, encode=False)["errcode"] == 310000
    assert robot(emu, msg, timestamp_ms=ts)["errcode"] == 0


def test_robot_21st_message_in_a_minute_blocks_for_ten_minutes(emu: Emu) -> None:
    for i in range(20):
        assert robot(emu, {"msgtype": "text", "text": {"content": f"播报{i}"}})["errcode"] == 0
    over = robot(emu, {"msgtype": "text", "text": {"content": "21"}})
    assert over == {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
    emu.advance(120)  # the minute is long gone, the block is not
    assert robot(emu, {"msgtype": "text", "text": {"content": "still"}})["errcode"] == 130101
    emu.advance(481)
    assert robot(emu, {"msgtype": "text", "text": {"content": "back"}})["errcode"] == 0
    assert len(emu.delivered("dingtalk", "group")) == 21


def test_session_webhook_delivers_until_it_expires(emu: Emu) -> None:
    played = emu.post("/_emu/dingtalk/users/dt_lina/text", {"content": "帮助"}).json()
    url = played["payload"]["sessionWebhook"]
    expires_ms = played["payload"]["sessionWebhookExpiredTime"]
    assert expires_ms == played["payload"]["createAt"] + 90 * 60 * 1000
    reply: dict[str, Any] = {"msgtype": "text", "text": {"content": "可用命令：帮助"}}
    assert requests.post(url, json=reply, timeout=5).json()["errcode"] == 0
    sent = [m for m in emu.messages("dingtalk", "dt_lina") if m["direction"] == "out"]
    assert [(m["channel"], m["content"]) for m in sent] == [("session", reply)]
    emu.advance(90 * 60 + 1)
    assert requests.post(url, json=reply, timeout=5).json()["errcode"] == 300001
    unknown = f"{emu.base}/robot/sendBySession?session=nope"
    assert requests.post(unknown, json=reply, timeout=5).json()["errcode"] == 300001


def test_faults_apply_to_dingtalk_apis(emu: Emu) -> None:
    emu.post("/_emu/faults", {"platform": "dingtalk", "api": ASYNCSEND,
                              "errcode": 143104}).raise_for_status()
    assert work(emu, "dt_zhangwei", text("x"))["errcode"] == 143104
    assert work(emu, "dt_zhangwei", text("x"))["errcode"] == 0
    log = emu.calls(ASYNCSEND)
    assert [c["errcode"] for c in log] == [143104, 0] and log[0]["fault"] is True


# -- H5 sign-in (免登): requestAuthCode codes, redeemed by topapi/v2/user/getuserinfo -----------

GETUSERINFO = "/topapi/v2/user/getuserinfo"


def auth_code(emu: Emu, staff_id: str = "dt_chenjing", corp_id: str | None = None) -> str:
    answer = emu.post(f"/_emu/dingtalk/users/{staff_id}/authcode",
                      {"corpId": corp_id or emu.config.dingtalk_corp_id})
    answer.raise_for_status()
    assert answer.json()["expires_in"] == 300
    return str(answer.json()["code"])


def test_an_auth_code_is_redeemed_once_for_its_user(emu: Emu) -> None:
    token = emu.dingtalk_token()
    code = auth_code(emu)
    first = emu.post(GETUSERINFO, {"code": code}, access_token=token).json()
    assert first["errcode"] == 0 and first["request_id"]
    assert first["result"]["userid"] == "dt_chenjing" and first["result"]["name"] == "陈静"
    assert set(first["result"]) >= {"userid", "device_id", "sys", "sys_level", "unionid",
                                    "associated_unionid", "name"}
    again = emu.post(GETUSERINFO, {"code": code}, access_token=token).json()
    assert again["errcode"] == 40078 and "不存在的临时授权码" in again["errmsg"]
    made_up = emu.post(GETUSERINFO, {"code": "0" * 32}, access_token=token).json()
    assert made_up["errcode"] == 40078
    assert emu.post(GETUSERINFO, {}, access_token=token).json()["errcode"] == 40035
    assert emu.post(GETUSERINFO, {"code": auth_code(emu)},
                    access_token="bad-token").json()["errcode"] == 40014


def test_an_auth_code_lives_five_minutes(emu: Emu) -> None:
    token = emu.dingtalk_token()
    code = auth_code(emu, "dt_lina")
    emu.advance(301)
    token = emu.dingtalk_token()
    assert emu.post(GETUSERINFO, {"code": code}, access_token=token).json()["errcode"] == 40078


def test_no_auth_code_for_another_corp_or_an_unknown_user(emu: Emu) -> None:
    assert emu.post("/_emu/dingtalk/users/dt_chenjing/authcode",
                    {"corpId": "ding-other-corp"}).status_code == 400
    assert emu.post("/_emu/dingtalk/users/dt_ghost/authcode",
                    {"corpId": emu.config.dingtalk_corp_id}).status_code == 404
