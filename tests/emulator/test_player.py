"""The player: the emulator acting as WeCom / DingTalk towards a fake service that checks
everything with the SDKs' own crypto (see conftest.FakeService)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import requests
import xmltodict

from tests.emulator.emukit import Emu, FakeService

HEADER = ["ToUserName", "FromUserName", "CreateTime", "MsgType"]
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(100)) + b"\xff\xd9"


def fields(plaintext: str) -> dict[str, Any]:
    parsed: dict[str, Any] = xmltodict.parse(plaintext)["xml"]
    return parsed


def play(emu: Emu, user: str, action: str, body: dict[str, Any] | None = None
         ) -> dict[str, Any]:
    answer = emu.post(f"/_emu/wecom/users/{user}/{action}", body or {})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def text_reply(to_user: str, corp_id: str, content: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<FromUserName><![CDATA[{corp_id}]]></FromUserName>"
            f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content></xml>")


def button_card(task_id: str) -> dict[str, Any]:
    return {"msgtype": "template_card", "template_card": {
        "card_type": "button_interaction", "task_id": task_id,
        "main_title": {"title": "合同 HT-001 待审核"},
        "button_list": [{"text": "同意", "style": 1, "key": "contract.approve:1"},
                        {"text": "驳回", "style": 3, "key": "contract.reject:1"}]}}


# -- WeCom --------------------------------------------------------------------------------------

def test_text_is_encrypted_signed_and_carries_the_documented_fields(
        emu: Emu, fake: FakeService) -> None:
    result = play(emu, "zhangwei", "text", {"content": "新客户 远景贸易 王总"})
    assert (result["tries"], result["status"], result["passive_reply"]) == (1, 200, None)
    (post,) = fake.posts("/wecom/callback")
    assert set(post.query) == {"msg_signature", "timestamp", "nonce"}
    outer = fields(post.body.decode())
    assert list(outer) == ["ToUserName", "Encrypt", "AgentID"]
    assert outer["ToUserName"] == emu.config.wecom_corp_id
    assert outer["AgentID"] == str(emu.config.wecom_agent_id)
    (plaintext,) = fake.wecom_plaintexts  # decrypted and signature-checked by wechatpy
    inner = fields(plaintext)
    assert list(inner) == HEADER + ["Content", "MsgId", "AgentID"]
    assert inner["ToUserName"] == emu.config.wecom_corp_id
    assert inner["FromUserName"] == "zhangwei"
    assert inner["MsgType"] == "text" and inner["Content"] == "新客户 远景贸易 王总"
    assert inner["MsgId"].isdigit() and inner["AgentID"] == str(emu.config.wecom_agent_id)
    assert abs(int(inner["CreateTime"]) - emu.now()) < 5
    assert post.query["timestamp"] == inner["CreateTime"]
    (message,) = emu.messages("wecom", "zhangwei")
    assert (message["direction"], message["channel"], message["msgtype"]) == ("in", "app", "text")
    assert message["content"]["Content"] == "新客户 远景贸易 王总"


def test_passive_text_reply_is_verified_and_shown(emu: Emu, fake: FakeService) -> None:
    corp = emu.config.wecom_corp_id
    fake.wecom_reply = lambda f: text_reply(f["FromUserName"], corp, "收到，请补充电话")
    result = play(emu, "lina", "text", {"content": "新客户"})
    assert result["passive_error"] is None
    assert result["passive_reply"]["msgtype"] == "text"
    assert result["passive_reply"]["fields"]["Content"] == "收到，请补充电话"
    inbound, reply = emu.messages("wecom", "lina")
    assert (reply["direction"], reply["channel"]) == ("out", "passive")
    assert reply["content"]["Content"] == "收到，请补充电话"
    assert reply["in_reply_to"] == inbound["id"]


def test_a_reply_that_fails_verification_is_not_shown(emu: Emu, fake: FakeService) -> None:
    fake.raw_reply = (b"<xml><Encrypt><![CDATA[AAAA]]></Encrypt><MsgSignature><![CDATA[bad]]>"
                      b"</MsgSignature><TimeStamp>1</TimeStamp><Nonce><![CDATA[1]]></Nonce></xml>")
    result = play(emu, "lina", "text", {"content": "hi"})
    assert result["status"] == 200 and "MsgSignature" in result["passive_error"]
    assert [m["direction"] for m in emu.messages("wecom", "lina")] == ["in"]


def test_click_enter_agent_and_location_events(emu: Emu, fake: FakeService) -> None:
    play(emu, "wangfang", "click", {"key": "quick_register"})
    play(emu, "wangfang", "enter_agent")
    play(emu, "wangfang", "location", {"lat": 31.2323, "lng": 121.4752, "precision": 30})
    click, enter, location = (fields(p) for p in fake.wecom_plaintexts)
    assert list(click) == HEADER + ["Event", "EventKey", "AgentID"]
    assert (click["MsgType"], click["Event"], click["EventKey"]) == (
        "event", "click", "quick_register")
    assert (enter["Event"], enter["EventKey"]) == ("enter_agent", None)
    assert list(location) == HEADER + ["Event", "Latitude", "Longitude", "Precision", "AgentID"]
    assert location["Event"] == "LOCATION"
    assert (float(location["Latitude"]), float(location["Longitude"])) == (31.2323, 121.4752)
    assert float(location["Precision"]) == 30.0


def test_card_click_sends_a_fresh_response_code(emu: Emu, fake: FakeService) -> None:
    sent = emu.send({"touser": "zhangwei", **button_card("contract-1-a")})
    result = play(emu, "zhangwei", "card_click",
                  {"task_id": "contract-1-a", "key": "contract.approve:1"})
    event = fields(fake.wecom_plaintexts[-1])
    assert list(event) == HEADER + ["Event", "EventKey", "TaskId", "CardType", "ResponseCode",
                                    "AgentID"]
    assert "SelectedItems" not in event
    assert (event["Event"], event["EventKey"], event["TaskId"], event["CardType"]) == (
        "template_card_event", "contract.approve:1", "contract-1-a", "button_interaction")
    code = event["ResponseCode"]
    assert code == result["response_code"] and code != sent["response_code"]

    token = emu.wecom_token()
    update = {"userids": ["zhangwei"], "agentid": emu.config.wecom_agent_id,
              "response_code": code, "button": {"replace_name": "已同意"}}
    assert emu.post("/cgi-bin/message/update_template_card", update,
                    access_token=token).json()["errcode"] == 0
    assert emu.post("/cgi-bin/message/update_template_card", update,
                    access_token=token).json()["errcode"] == 60140
    card = next(m for m in emu.messages("wecom", "zhangwei") if m["msgtype"] == "template_card")
    assert card["card_update"] == {"replace_name": "已同意"}
    # An updated card can't be pressed again; unknown cards and keys are refused.
    again = emu.post("/_emu/wecom/users/zhangwei/card_click",
                     {"task_id": "contract-1-a", "key": "contract.approve:1"})
    assert again.status_code == 409
    assert emu.post("/_emu/wecom/users/zhangwei/card_click",
                    {"task_id": "nope", "key": "x"}).status_code == 404


def test_passive_update_button_changes_the_card(emu: Emu, fake: FakeService) -> None:
    emu.send({"touser": "lina", **button_card("contract-1-b")})
    corp = emu.config.wecom_corp_id
    fake.wecom_reply = lambda f: (
        f"<xml><ToUserName><![CDATA[{f['FromUserName']}]]></ToUserName>"
        f"<FromUserName><![CDATA[{corp}]]></FromUserName><CreateTime>1</CreateTime>"
        f"<MsgType><![CDATA[update_button]]></MsgType>"
        f"<Button><ReplaceName><![CDATA[已驳回]]></ReplaceName></Button></xml>")
    result = play(emu, "lina", "card_click", {"task_id": "contract-1-b",
                                              "key": "contract.reject:1"})
    assert result["passive_reply"]["msgtype"] == "update_button"
    card, _click, reply = emu.messages("wecom", "lina")
    assert card["card_update"] == {"replace_name": "已驳回"}
    assert (reply["channel"], reply["msgtype"]) == ("passive", "update_button")


def test_vote_card_click_carries_selected_items(emu: Emu, fake: FakeService) -> None:
    vote = {"msgtype": "template_card", "template_card": {
        "card_type": "vote_interaction", "task_id": "visit-grade-7",
        "main_title": {"title": "客户分级"},
        "checkbox": {"question_key": "grade", "mode": 0, "option_list": [
            {"id": "A", "text": "A 级"}, {"id": "B", "text": "B 级", "is_checked": True}]},
        "submit_button": {"text": "提交", "key": "visit.grade:7"}}}
    assert emu.send({"touser": "zhangwei", **vote})["errcode"] == 0
    play(emu, "zhangwei", "card_click", {"task_id": "visit-grade-7", "key": "visit.grade:7",
                                         "selected_items": [{"question_key": "grade",
                                                             "option_ids": ["A"]}]})
    event = fields(fake.wecom_plaintexts[-1])
    assert event["CardType"] == "vote_interaction"
    item = event["SelectedItems"]["SelectedItem"]
    assert item["QuestionKey"] == "grade" and item["OptionIds"]["OptionId"] == "A"


def test_image_is_uploaded_and_sent_with_media_id_and_pic_url(
        emu: Emu, fake: FakeService) -> None:
    answer = requests.post(f"{emu.base}/_emu/wecom/users/zhangwei/image",
                           files={"file": ("visit.jpg", JPEG, "image/jpeg")}, timeout=10).json()
    event = fields(fake.wecom_plaintexts[-1])
    assert list(event) == HEADER + ["PicUrl", "MediaId", "MsgId", "AgentID"]
    assert event["MsgType"] == "image" and event["MediaId"] == answer["media_id"]
    assert requests.get(event["PicUrl"], timeout=5).content == JPEG
    media = requests.get(f"{emu.base}/cgi-bin/media/get", timeout=5,
                         params={"access_token": emu.wecom_token(), "media_id": event["MediaId"]})
    assert media.content == JPEG and media.headers["Content-Type"] == "image/jpeg"


def test_a_slow_service_gets_the_byte_identical_request_three_times(
        emu: Emu, fake: FakeService) -> None:
    fake.delays.extend([0.9, 0.9, 0.9])  # each longer than callback_timeout (0.5 s)
    result = play(emu, "lina", "text", {"content": "慢"})
    assert (result["tries"], result["status"]) == (3, None)
    posts = fake.posts("/wecom/callback")
    assert len(posts) == 3
    assert posts[0].body == posts[1].body == posts[2].body
    assert posts[0].query == posts[1].query == posts[2].query
    assert len(emu.messages("wecom", "lina")) == 1  # one user action, however many tries


def test_a_non_200_answer_is_retried_until_one_succeeds(emu: Emu, fake: FakeService) -> None:
    fake.statuses.extend([500, 200])
    result = play(emu, "lina", "click", {"key": "help"})
    assert (result["tries"], result["status"]) == (2, 200)
    assert len(fake.posts("/wecom/callback")) == 2


def test_url_verification_handshake(emu: Emu, fake: FakeService) -> None:
    result = emu.post("/_emu/wecom/verify_url").json()
    assert result["ok"] is True and result["status"] == 200
    assert result["expected"].isdigit() and result["body"] == result["expected"]
    (get,) = [r for r in fake.received if r.method == "GET"]
    assert set(get.query) == {"msg_signature", "timestamp", "nonce", "echostr"}


# -- DingTalk -----------------------------------------------------------------------------------

def test_dingtalk_robot_message_is_signed_with_the_documented_formula(
        emu: Emu, fake: FakeService) -> None:
    fake.robot_reply = {"msgtype": "text", "text": {"content": "你好，张伟"}}
    result = emu.post("/_emu/dingtalk/users/dt_zhangwei/text", {"content": "帮助"}).json()
    assert result["status"] == 200 and result["reply"] == fake.robot_reply
    (post,) = fake.posts("/dingtalk/robot")
    secret = emu.config.dingtalk_app_secret
    timestamp = post.headers["Timestamp"]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert post.headers["Sign"] == expected  # plain base64, not URL-encoded
    body = json.loads(post.body)
    assert body["msgtype"] == "text" and body["text"] == {"content": "帮助"}
    assert body["senderStaffId"] == "dt_zhangwei" and body["senderNick"] == "张伟"
    assert body["conversationType"] == "1" and body["robotCode"] == emu.config.dingtalk_app_key
    assert body["createAt"] == int(timestamp)
    for name in ("msgId", "conversationId", "senderId", "senderCorpId", "chatbotUserId",
                 "sessionWebhook", "sessionWebhookExpiredTime", "isAdmin", "isInAtList"):
        assert name in body, name
    inbound, reply = emu.messages("dingtalk", "dt_zhangwei")
    assert (inbound["direction"], inbound["channel"]) == ("in", "robot")
    assert (reply["channel"], reply["content"]) == ("passive", fake.robot_reply)


def test_dingtalk_group_message(emu: Emu, fake: FakeService) -> None:
    emu.post("/_emu/dingtalk/users/dt_wangfang/text",
             {"content": "本周进度", "conversation_type": "2"}).raise_for_status()
    body = json.loads(fake.posts("/dingtalk/robot")[0].body)
    assert body["conversationType"] == "2" and body["isInAtList"] is True
    assert body["conversationTitle"]
    assert emu.post("/_emu/dingtalk/users/nobody/text", {"content": "x"}).status_code == 404


def test_dingtalk_event_round_trip(emu: Emu, fake: FakeService) -> None:
    event = {"EventType": "user_modify_org", "UserId": ["dt_lina"], "备注": "调岗到华东销售一组"}
    result = emu.post("/_emu/dingtalk/event", event).json()
    assert result == {"ok": True, "status": 200, "decrypted": "success", "error": None}
    assert fake.dingtalk_events == [event]
    (post,) = fake.posts("/dingtalk/callback")
    assert set(post.query) == {"msg_signature", "timestamp", "nonce"}
    assert list(json.loads(post.body)) == ["encrypt"]

    fake.event_reply = "plain"
    broken = emu.post("/_emu/dingtalk/event", {"EventType": "check_url"}).json()
    assert broken["ok"] is False and broken["error"]
