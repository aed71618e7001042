"""bot.dingtalk.client (work notifications) and bot.dingtalk.robot_send (group robot and
sessionWebhook) against the emulator."""

from __future__ import annotations

import time

import pytest
import requests

from bot import pacing
from bot.delivery import MaybeSent, Rejected, RetryLater
from bot.dingtalk import robot_send
from bot.dingtalk.client import DingTalkClient, get_client
from zhongshu.settings import get_settings

from .emu import text_of

WORK_TEXT = {"msgtype": "text", "text": {"content": "请于今天 18:00 前提交日报"}}
ROBOT_TEXT = {"msgtype": "text", "text": {"content": "本周签约 3 单"}}


# -- work notifications -----------------------------------------------------------------------

def test_work_notification_on_the_configured_base_with_one_gettoken(emu):
    client = get_client()
    for i in range(3):
        result = client.send_work_notification(
            "dt_zhangwei", {"msgtype": "text", "text": {"content": f"提醒{i}"}})
        assert result["errcode"] == 0 and result["task_id"]
    DingTalkClient().send_work_notification(["dt_lina"], WORK_TEXT)
    assert emu.count("gettoken", "dingtalk") == 1
    assert emu.count("topapi/message/corpconversation/asyncsend_v2") == 4
    assert len(emu.delivered("dingtalk", "dt_zhangwei")) == 3


def test_work_expired_token_refetched_once(emu):
    client = get_client()
    client.send_work_notification("dt_zhangwei", WORK_TEXT)
    emu.token("dingtalk", "expire")
    assert client.send_work_notification(
        "dt_zhangwei", {"msgtype": "text", "text": {"content": "第二条"}})["errcode"] == 0
    assert emu.count("gettoken", "dingtalk") == 2
    assert [c["errcode"] for c in
            emu.calls("topapi/message/corpconversation/asyncsend_v2")] == [0, 42001, 0]


def test_work_token_that_stays_bad_stops_after_one_refetch(emu):
    emu.fault("dingtalk", "topapi/message/corpconversation/asyncsend_v2", errcode=42001,
              times=10)
    with pytest.raises(RetryLater) as info:
        get_client().send_work_notification("dt_zhangwei", WORK_TEXT)
    assert info.value.code == 42001
    assert emu.count("topapi/message/corpconversation/asyncsend_v2") == 2
    assert emu.count("gettoken", "dingtalk") == 2


@pytest.mark.parametrize("errcode,retry_after", [(143103, 60.0), (143104, 60.0), (-1, 5.0)])
def test_work_transient_errcodes(emu, errcode, retry_after):
    emu.fault("dingtalk", "topapi/message/corpconversation/asyncsend_v2", errcode=errcode)
    with pytest.raises(RetryLater) as info:
        get_client().send_work_notification("dt_zhangwei", WORK_TEXT)
    assert (info.value.code, info.value.retry_after) == (errcode, retry_after)


def test_work_503_and_timeout_retry_later(emu, short_timeout):
    client = get_client()
    client.send_work_notification("dt_zhangwei", WORK_TEXT)
    emu.fault("dingtalk", "topapi/message/corpconversation/asyncsend_v2", status=503)
    with pytest.raises(RetryLater):
        client.send_work_notification("dt_zhangwei", WORK_TEXT)
    emu.fault("dingtalk", "topapi/message/corpconversation/asyncsend_v2",
              delay=short_timeout + 1.0)
    with pytest.raises(MaybeSent):
        client.send_work_notification("dt_zhangwei", WORK_TEXT)
    emu.wait_calls("topapi/message/corpconversation/asyncsend_v2", 3)


def test_work_bad_message_and_bad_credentials_are_rejected(emu):
    from zhongshu.settings import Settings

    # With no token cached yet (the token is cached per app key, not per secret).
    bad = DingTalkClient(Settings(DINGTALK_APP_SECRET="wrong"))
    with pytest.raises(Rejected) as info:
        bad.send_work_notification("dt_zhangwei", WORK_TEXT)
    assert info.value.code == 40089
    with pytest.raises(Rejected) as info:
        get_client().send_work_notification("dt_zhangwei", {"msgtype": "nosuch"})
    assert info.value.code == 40035


# -- group robot --------------------------------------------------------------------------------

def test_sign_matches_the_documented_recipe():
    # base64(HmacSHA256("SECabc", "1577262236757\nSECabc")), then URL-encoded.
    assert robot_send.sign("SECabc", 1577262236757) == (
        "I5TKCOTTj6fad4sJ4q9RsIffw0PAChVQZQGTdtRbNEQ%3D")
    assert robot_send.signed_url("https://h/robot/send?access_token=t", "SECabc",
                                 timestamp_ms=1577262236757) == (
        "https://h/robot/send?access_token=t&timestamp=1577262236757"
        "&sign=I5TKCOTTj6fad4sJ4q9RsIffw0PAChVQZQGTdtRbNEQ%3D")


def test_signed_group_send_is_accepted(emu):
    assert robot_send.send_group(ROBOT_TEXT) == {"errcode": 0, "errmsg": "ok"}
    messages = emu.delivered("dingtalk", "group")
    assert [text_of(m) for m in messages] == ["本周签约 3 单"]
    call = emu.calls("robot/send")[0]
    assert set(call["query"]) == {"access_token", "timestamp", "sign"}


def test_bad_secret_is_rejected(emu):
    with pytest.raises(Rejected) as info:
        robot_send.send_group(ROBOT_TEXT, secret="SECwrong")
    assert info.value.code == 310000
    assert emu.delivered("dingtalk", "group") == []


def test_bad_webhook_token_is_rejected(emu):
    with pytest.raises(Rejected) as info:
        robot_send.send_group(ROBOT_TEXT,
                              webhook=f"{emu.base}/robot/send?access_token=nope")
    assert info.value.code == 300001


def test_oversized_body_is_refused_before_sending(emu):
    big = {"msgtype": "text", "text": {"content": "很" * 7000}}  # 21 000 bytes of UTF-8
    with pytest.raises(Rejected) as info:
        robot_send.send_group(big)
    assert info.value.code == 460101
    assert emu.count("robot/send") == 0


def test_130101_blocks_the_robot_for_ten_minutes(emu):
    emu.fault("dingtalk", "robot/send", errcode=130101)
    with pytest.raises(RetryLater) as info:
        robot_send.send_group(ROBOT_TEXT)
    assert (info.value.code, info.value.retry_after) == (130101, 600.0)
    webhook = get_settings().dingtalk_robot_webhook
    assert 599 < pacing.blocked_for(pacing.robot_block_key(webhook)) <= 600


# -- sessionWebhook ----------------------------------------------------------------------------

def session_webhook(emu) -> tuple[str, int]:
    """A real sessionWebhook: the emulator hands one out with each robot message."""
    res = requests.post(f"{emu.base}/_emu/dingtalk/users/dt_zhangwei/text",
                        json={"content": "帮助"}, timeout=15)
    res.raise_for_status()
    payload = res.json()["payload"]
    return payload["sessionWebhook"], int(payload["sessionWebhookExpiredTime"])


def test_session_webhook_reply(emu):
    url, expires_ms = session_webhook(emu)
    assert robot_send.send_session(url, ROBOT_TEXT, expires_at_ms=expires_ms)["errcode"] == 0
    sent = [m for m in emu.delivered("dingtalk", "dt_zhangwei") if m["channel"] == "session"]
    assert [text_of(m) for m in sent] == ["本周签约 3 单"]


def test_expired_session_webhook_is_refused_without_a_call(emu):
    url, _ = session_webhook(emu)
    with pytest.raises(Rejected):
        robot_send.send_session(url, ROBOT_TEXT, expires_at_ms=int(time.time() * 1000) - 1)
    assert emu.count("robot/sendBySession") == 0


def test_session_webhook_the_platform_no_longer_knows_is_rejected(emu):
    with pytest.raises(Rejected) as info:
        robot_send.send_session(f"{emu.base}/robot/sendBySession?session=gone", ROBOT_TEXT)
    assert info.value.code == 300001


def test_session_webhook_elsewhere_is_refused():
    with pytest.raises(Rejected):
        robot_send.send_session("http://evil.test/robot/sendBySession?session=x", ROBOT_TEXT)
