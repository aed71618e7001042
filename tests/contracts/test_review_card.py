"""Signed → finance (handlers/contracts/notify.py) and finance's card buttons
(handlers/contracts/commands.py).

Signing writes exactly one WeCom button card per finance user and one DingTalk work
notification per finance user on DingTalk, keyed by (contract, signed_at). A tap on
审核通过 — a signed, encrypted template_card_event through the real endpoint — approves
the contract and changes the button; a rep's or a stranger's tap is refused and leaves
the card alone. 退回 asks for the reason in the chat and updates the card once given."""

from __future__ import annotations

import re
import time

import pytest
import requests

from cards.links import dingtalk_login_url
from handlers.contracts import actions as ops
from tests.contracts.contractkit import contract, outbox, sign
from tests.edge.edgekit import fixture_text, wecom_encrypt, wecom_envelope, wecom_query
from zhongshu.db import session_scope


def _signed_card_event(user: str, key: str, *, task_id: str = "t1",
                       response_code: str = "rc-test-0001", msg_id: int = 1) -> str:
    xml = fixture_text("wecom", "template_card_event_button.xml")
    xml = xml.replace("wangwu", user)
    xml = re.sub(r"<CreateTime>\d+</CreateTime>", f"<CreateTime>{int(time.time())}</CreateTime>",
                 xml)
    xml = re.sub(r"<EventKey><!\[CDATA\[.*?\]\]></EventKey>",
                 f"<EventKey><![CDATA[{key}]]></EventKey>", xml)
    xml = re.sub(r"<TaskId><!\[CDATA\[.*?\]\]></TaskId>", f"<TaskId><![CDATA[{task_id}]]></TaskId>",
                 xml)
    return re.sub(r"<ResponseCode><!\[CDATA\[.*?\]\]></ResponseCode>",
                  f"<ResponseCode><![CDATA[{response_code}]]></ResponseCode>", xml)


def _text_event(user: str, content: str, msg_id: int) -> str:
    xml = fixture_text("wecom", "text.xml").replace("zhangsan", user)
    xml = re.sub(r"<CreateTime>\d+</CreateTime>", f"<CreateTime>{int(time.time())}</CreateTime>",
                 xml)
    xml = re.sub(r"<MsgId>\d+</MsgId>", f"<MsgId>{msg_id}</MsgId>", xml)
    return re.sub(r"<Content><!\[CDATA\[.*?\]\]></Content>",
                  f"<Content><![CDATA[{content}]]></Content>", xml)


def post(client, plaintext: str) -> None:  # type: ignore[no-untyped-def]
    encrypt = wecom_encrypt(plaintext)
    response = client.post(f"/wecom/callback?{wecom_query(encrypt)}",
                           data=wecom_envelope(encrypt), content_type="text/xml")
    assert response.status_code == 200


def test_signing_pushes_exactly_the_expected_outbox_rows(draft):
    cid = draft("128000", no="HT-P-001")
    signed = sign(cid)
    rows = outbox()
    stamp = str(int(signed.signed_at.timestamp() * 1000))
    assert [(m.channel, m.recipient, m.dedupe_key) for m in rows] == [
        ("wecom_app", "chenjing", f"contract:{cid}:signed:{stamp}:wecom:chenjing"),
        ("dingtalk_work", "dt_chenjing", f"contract:{cid}:signed:{stamp}:dingtalk:chenjing"),
        ("wecom_app", "zhouqian", f"contract:{cid}:signed:{stamp}:wecom:zhouqian"),
    ]
    card = rows[0].payload
    assert card["msgtype"] == "template_card"
    tc = card["template_card"]
    assert tc["card_type"] == "button_interaction"
    assert tc["main_title"] == {"title": "合同待审核"}
    assert tc["sub_title_text"] == "张伟已签约，请财务审核。点开可查看合同和盖章页。"
    assert tc["horizontal_content_list"][:4] == [
        {"keyname": "合同编号", "value": "HT-P-001"}, {"keyname": "客户", "value": "杭州华滤环保"},
        {"keyname": "金额", "value": "¥128,000.00"}, {"keyname": "业务员", "value": "张伟"}]
    assert tc["horizontal_content_list"][5] == {"keyname": "盖章页", "value": "未上传"}
    assert tc["button_list"] == [
        {"text": "审核通过", "style": 1, "key": f"contract.approve:{cid}"},
        {"text": "退回", "style": 3, "key": f"contract.return:{cid}"}]
    assert re.fullmatch(rf"contract{cid}-{stamp}-[0-9a-f]{{10}}", tc["task_id"])
    assert tc["task_id"] != rows[2].payload["template_card"]["task_id"]
    assert tc["card_action"]["type"] == 1
    # Through our sign-in entry, which binds the OAuth state to the browser.
    assert "/h5/login?next=%2Fh5%2Fcontracts%2F" in tc["card_action"]["url"]
    assert f"%2Fh5%2Fcontracts%2F{cid}" in tc["card_action"]["url"]
    ding = rows[1].payload
    assert ding["msgtype"] == "action_card"
    assert ding["action_card"]["title"] == "合同待审核"
    assert ding["action_card"]["single_title"] == "查看详情"
    # Through the DingTalk sign-in entry (免登), which binds its state to the browser.
    assert ding["action_card"]["single_url"] == dingtalk_login_url(f"/h5/contracts/{cid}")
    assert "- 合同编号：HT-P-001" in ding["action_card"]["markdown"]


def test_resigning_a_returned_contract_pushes_again_with_the_reason(draft):
    cid = draft()
    sign(cid)
    from tests.contracts.contractkit import user

    with session_scope() as session:
        ops.review(session, user=user("zhouqian"), contract_id=cid, approve=False,
                   reason="金额与报价单不符")
    before = {m.dedupe_key for m in outbox()}
    sign(cid)
    new = [m for m in outbox() if m.dedupe_key not in before and m.recipient != "zhangwei"]
    assert len(new) == 3
    assert "上次退回原因：金额与报价单不符" in new[0].payload["template_card"]["sub_title_text"]


def test_approve_through_the_emulator_updates_the_card(draft, run_jobs, emulator):
    cid = draft(no="HT-E-001")
    sign(cid)
    run_jobs()  # deliver the cards
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "chenjing"}, timeout=5).json()
    card = next(m for m in messages if m["msgtype"] == "template_card")
    answer = requests.post(f"{emulator}/_emu/wecom/users/chenjing/card_click",
                           json={"task_id": card["task_id"], "key": f"contract.approve:{cid}"},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    run_jobs()
    assert contract(cid).status == "approved"
    assert contract(cid).reviewed_by == "chenjing"
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "chenjing"}, timeout=5).json()
    card = next(m for m in messages if m["msgtype"] == "template_card")
    assert card["card_update"] == {"replace_name": "已审核通过"}
    assert any("已审核通过合同「HT-E-001」" in m["content"].get("text", {}).get("content", "")
               for m in messages)
    to_rep = requests.get(f"{emulator}/_emu/messages",
                          params={"platform": "wecom", "user": "zhangwei"}, timeout=5).json()
    assert any("已由陈静审核通过" in m["content"].get("text", {}).get("content", "")
               for m in to_rep)


@pytest.mark.parametrize("who", ["zhangwei", "wangfang", "liuyang", "admin", "nobody"])
def test_anyone_but_finance_is_refused_and_the_card_untouched(client, draft, run_jobs,
                                                             emulator, who):
    cid = draft()
    sign(cid)
    before = len(outbox())
    post(client, _signed_card_event(who, f"contract.approve:{cid}"))
    run_jobs()
    assert contract(cid).status == "signed"
    new = outbox()[before:]
    assert all(m.channel != "wecom_card_update" for m in new)
    if who != "nobody":
        (answer,) = new
        assert answer.recipient == who
        assert answer.payload["text"]["content"] == "只有财务可以审核合同和登记回款。"


def test_return_button_asks_the_reason_then_updates_the_card(client, draft, run_jobs,
                                                            emulator):
    cid = draft(no="HT-R-001")
    sign(cid)
    run_jobs()
    before = len(outbox())
    post(client, _signed_card_event("chenjing", f"contract.return:{cid}",
                                    response_code="rc-return-1"))
    run_jobs()
    (ask,) = outbox()[before:]
    assert ask.payload["text"]["content"] == ("请回复退回合同「HT-R-001」的原因（发送「取消」"
                                              "放弃退回）：")
    assert contract(cid).status == "signed"
    post(client, _text_event("chenjing", "盖章页缺失，请补传", 81001))
    run_jobs()
    assert (contract(cid).status, contract(cid).return_reason) == ("returned",
                                                                   "盖章页缺失，请补传")
    updates = [m for m in outbox() if m.channel == "wecom_card_update"]
    # zhouqian is not in the emulator's directory: her card was never delivered, so there
    # is nothing of hers to update.
    assert [(m.recipient, m.payload) for m in updates] == [
        ("chenjing", {"response_code": "rc-return-1", "replace_name": "已退回"})]


def test_the_other_clerks_cards_say_who_decided(draft, run_jobs, emulator, emulator_app,
                                                monkeypatch):
    """Two finance clerks get the card; when one approves, the other's card loses its
    buttons and says who approved — no tap that can only be refused."""
    from bot.emulator import EXTENSION_KEY

    config = emulator_app.extensions[EXTENSION_KEY].config
    monkeypatch.setattr(config, "users", [*config.users, {
        "userid": "zhouqian", "name": "周倩", "department": [4], "position": "财务",
        "role": "finance", "mobile": "13800000015"}])
    cid = draft(no="HT-E-002")
    sign(cid)
    run_jobs()  # deliver both cards

    def card_of(user: str) -> dict:
        messages = requests.get(f"{emulator}/_emu/messages",
                                params={"platform": "wecom", "user": user}, timeout=5).json()
        return next(m for m in messages if m["msgtype"] == "template_card")

    answer = requests.post(f"{emulator}/_emu/wecom/users/chenjing/card_click",
                           json={"task_id": card_of("chenjing")["task_id"],
                                 "key": f"contract.approve:{cid}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    run_jobs()
    assert contract(cid).status == "approved"
    assert card_of("chenjing")["card_update"] == {"replace_name": "已审核通过"}
    assert card_of("zhouqian")["card_update"] == {"replace_name": "已由陈静审核通过"}
    # Approving from the page closes the other clerk's card the same way.
    other = draft(no="HT-E-003")
    sign(other)
    run_jobs()
    from tests.contracts.contractkit import approve

    approve(other, by="zhouqian")
    run_jobs()
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "chenjing"}, timeout=5).json()
    cards = [m for m in messages if m["msgtype"] == "template_card"
             and "HT-E-003" in str(m["content"])]
    assert [c.get("card_update") for c in cards] == [{"replace_name": "已由周倩审核通过"}]


def test_taps_on_a_decided_contract_change_nothing(draft):
    from tests.contracts.contractkit import approve
    from tests.contracts.handlers_click import click

    cid = draft()
    sign(cid)
    approve(cid)
    replies = click("zhouqian", f"contract.approve:{cid}")
    assert len(replies) == 1 and replies[0].update_button is None
    assert "只有已签约待审核的合同可以审核" in (replies[0].text or "")
    replies = click("zhouqian", f"contract.return:{cid}")
    assert len(replies) == 1 and "只有已签约待审核的合同可以审核" in (replies[0].text or "")
    assert click("chenjing", "contract.approve:999999")[0].text == "找不到这份合同"
    assert click("chenjing", "contract.approve")[0].text == "找不到这份合同"
