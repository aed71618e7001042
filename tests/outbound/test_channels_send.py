"""bot.channels.send: dispatch per outbox channel, pacing, resend_check and RESEND_IS_SAFE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import channels, pacing
from bot.channels import RESEND_IS_SAFE
from bot.delivery import Rejected, RetryLater, Sent, Throttled
from cards import render
from lib.chat import Button, Card, Reply
from models.platform.outbox import (
    CHANNEL_DINGTALK_ROBOT,
    CHANNEL_DINGTALK_SESSION,
    CHANNEL_DINGTALK_WORK,
    CHANNEL_WECOM_APP,
    CHANNEL_WECOM_CARD_UPDATE,
    CHANNELS,
)

TEXT = {"msgtype": "text", "text": {"content": "客户「远景贸易」已报备成功"}}


def send(channel: str, recipient: str, payload: dict, *, resend_check: bool = False,
         attempt: int = 1, **kw) -> Sent:
    return channels.send(channel, recipient, payload, outbox_id=1, attempt=attempt,
                         resend_check=resend_check, **kw)


def card_payload(task_id: str) -> dict:
    card = Card(title="合同待审核", fields=(("客户", "远景贸易"),),
                buttons=(Button("同意", "contract.approve:42"),), task_id=task_id)
    return render.wecom_message(Reply(card=card))


def test_every_channel_documents_whether_a_resend_is_safe():
    assert set(RESEND_IS_SAFE) == set(CHANNELS)
    assert RESEND_IS_SAFE[CHANNEL_WECOM_APP] and RESEND_IS_SAFE[CHANNEL_DINGTALK_WORK]
    assert not RESEND_IS_SAFE[CHANNEL_DINGTALK_ROBOT]
    assert not RESEND_IS_SAFE[CHANNEL_DINGTALK_SESSION]


def test_wecom_app_to_several_users(emu):
    sent = send(CHANNEL_WECOM_APP, "zhangwei|lina", TEXT)
    assert sent.result["errcode"] == 0
    assert len(emu.delivered("wecom", "zhangwei")) == 1
    assert len(emu.delivered("wecom", "lina")) == 1


def test_resend_check_makes_the_platform_drop_the_copy(emu):
    send(CHANNEL_WECOM_APP, "zhangwei", TEXT)
    # The worker died mid-send; the retry carries resend_check.
    again = send(CHANNEL_WECOM_APP, "zhangwei", TEXT, resend_check=True, attempt=2)
    assert again.result["errcode"] == 0
    body = emu.calls("message/send")[-1]["json"]
    assert (body["enable_duplicate_check"], body["duplicate_check_interval"]) == (1, 14400)
    assert len(emu.delivered("wecom", "zhangwei")) == 1
    assert [m["dropped_reason"] for m in emu.messages("wecom", "zhangwei")] == [
        None, "duplicate"]


def test_without_resend_check_no_duplicate_check_is_asked(emu):
    send(CHANNEL_WECOM_APP, "zhangwei", TEXT)
    assert "enable_duplicate_check" not in emu.calls("message/send")[-1]["json"]


def test_template_card_resend_with_taken_task_id_is_already_sent(emu):
    first = send(CHANNEL_WECOM_APP, "zhangwei", card_payload("contract-42-r1"))
    assert first.result["response_code"]
    again = send(CHANNEL_WECOM_APP, "zhangwei", card_payload("contract-42-r1"),
                 resend_check=True, attempt=2)
    assert again.result["errcode"] == 42014
    assert "already" in again.result["note"]
    assert len(emu.delivered("wecom", "zhangwei")) == 1


def test_template_card_taken_task_id_on_a_first_attempt_is_rejected(emu):
    send(CHANNEL_WECOM_APP, "zhangwei", card_payload("contract-42-r2"))
    with pytest.raises(Rejected) as info:
        send(CHANNEL_WECOM_APP, "zhangwei", card_payload("contract-42-r2"))
    assert info.value.code == 42014


def test_wecom_pacing_never_lets_the_31st_message_of_a_minute_out(emu):
    for i in range(30):
        send(CHANNEL_WECOM_APP, "lina", {"msgtype": "text", "text": {"content": f"#{i}"}})
    with pytest.raises(Throttled) as info:
        send(CHANNEL_WECOM_APP, "lina", TEXT)
    assert 0 < info.value.retry_after <= 60 + pacing.arrival_margin()
    assert emu.count("message/send") == 30
    # Another user has their own window.
    send(CHANNEL_WECOM_APP, "zhangwei", TEXT)


def test_wecom_pacing_counts_every_recipient(emu):
    for i in range(30):
        send(CHANNEL_WECOM_APP, "zhangwei", {"msgtype": "text", "text": {"content": f"#{i}"}})
    with pytest.raises(Throttled):
        send(CHANNEL_WECOM_APP, "lina|zhangwei", TEXT)
    assert emu.delivered("wecom", "lina") == []


def test_card_update_and_its_repeat(emu):
    first = send(CHANNEL_WECOM_APP, "zhangwei", card_payload("contract-42-u"))
    code = first.result["response_code"]
    update = {"response_code": code, "replace_name": "已同意"}
    assert send(CHANNEL_WECOM_CARD_UPDATE, "zhangwei", update).result["errcode"] == 0
    repeat = send(CHANNEL_WECOM_CARD_UPDATE, "zhangwei", update, resend_check=True)
    assert repeat.result["errcode"] == 60140 and repeat.result["note"]
    with pytest.raises(Rejected):
        send(CHANNEL_WECOM_CARD_UPDATE, "zhangwei", {"response_code": code})


def test_dingtalk_work_channel_and_its_platform_dedupe(emu):
    msg = render.dingtalk_work_message(Reply(text="请提交本周周报"))
    assert send(CHANNEL_DINGTALK_WORK, "dt_zhangwei,dt_lina", msg).result["errcode"] == 0
    # An ambiguous resend of identical content is delivered once (the daily rule).
    send(CHANNEL_DINGTALK_WORK, "dt_zhangwei", msg, resend_check=True, attempt=2)
    assert len(emu.delivered("dingtalk", "dt_zhangwei")) == 1
    assert len(emu.delivered("dingtalk", "dt_lina")) == 1


def test_robot_pacing_stops_the_21st_message_before_it_is_attempted(emu):
    for i in range(20):
        msg = {"msgtype": "text", "text": {"content": f"播报 {i}"}}
        assert send(CHANNEL_DINGTALK_ROBOT, "group", msg).result["errcode"] == 0
    with pytest.raises(Throttled) as info:
        send(CHANNEL_DINGTALK_ROBOT, "group", {"msgtype": "text", "text": {"content": "21"}})
    assert 0 < info.value.retry_after <= 60 + pacing.arrival_margin()
    assert emu.count("robot/send") == 20
    assert len(emu.delivered("dingtalk", "group")) == 20


def test_after_130101_nothing_is_tried_for_ten_minutes(emu):
    emu.fault("dingtalk", "robot/send", errcode=130101)
    with pytest.raises(RetryLater) as info:
        send(CHANNEL_DINGTALK_ROBOT, "group", {"msgtype": "text", "text": {"content": "a"}})
    assert info.value.retry_after == 600.0
    with pytest.raises(Throttled) as throttled:
        send(CHANNEL_DINGTALK_ROBOT, "group", {"msgtype": "text", "text": {"content": "b"}})
    assert 590 < throttled.value.retry_after <= 600
    assert emu.count("robot/send") == 1


def test_session_channel_refuses_an_expired_row(emu):
    url = f"{emu.base}/robot/sendBySession?session=whatever"
    with pytest.raises(Rejected):
        send(CHANNEL_DINGTALK_SESSION, url, {"msgtype": "text", "text": {"content": "x"}},
             expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert emu.count("robot/sendBySession") == 0


def test_errcode_mapping_through_send(emu, short_timeout):
    emu.fault("wecom", "message/send", errcode=-1)
    with pytest.raises(RetryLater):
        send(CHANNEL_WECOM_APP, "zhangwei", TEXT)
    emu.fault("wecom", "message/send", status=503)
    with pytest.raises(RetryLater):
        send(CHANNEL_WECOM_APP, "zhangwei", TEXT)
    emu.fault("wecom", "message/send", delay=short_timeout + 1.0)
    with pytest.raises(RetryLater):
        send(CHANNEL_WECOM_APP, "zhangwei", TEXT)
    emu.wait_calls("message/send", 3)
    with pytest.raises(Rejected) as info:
        send(CHANNEL_WECOM_APP, "nobody", TEXT)
    assert info.value.code == 81013


def test_unknown_channel_is_rejected():
    with pytest.raises(Rejected):
        send("fax", "x", TEXT)


def test_pacing_keys_are_per_agent_and_user():
    assert pacing.wecom_user_windows("a")[0].key.endswith(":a:m")


REPLIES = [
    Reply(text="已登记"),
    Reply(markdown="**今日拜访** 3 家"),
    Reply(card=Card(title="拜访记录", description="本周", url="https://x.test/v")),
    Reply(card=Card(title="今日业绩", fields=(("签约", "3 单"),), url="https://x.test/r")),
    Reply(card=Card(title="客户已报备", fields=(("客户", "远景贸易"),))),
    Reply(card=Card(title="合同待审核", description="HT-042", fields=(("金额", "¥1"),),
                    buttons=(Button("同意", "contract.approve:42"),
                             Button("驳回", "contract.reject:42", style=3)),
                    task_id="render-check", url="https://x.test/c/42")),
]


@pytest.mark.parametrize("reply", REPLIES)
def test_every_rendered_shape_is_accepted_by_each_platform(emu, reply):
    assert send(CHANNEL_WECOM_APP, "zhangwei", render.wecom_message(reply)).result[
        "errcode"] == 0
    assert send(CHANNEL_DINGTALK_WORK, "dt_zhangwei", render.dingtalk_work_message(reply)
                ).result["errcode"] == 0
    assert send(CHANNEL_DINGTALK_ROBOT, "group", render.dingtalk_robot_message(reply)
                ).result["errcode"] == 0
