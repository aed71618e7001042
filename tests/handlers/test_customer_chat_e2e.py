"""Customer registration and lookup end to end: a user types in the emulator's WeCom or
DingTalk chat, the service verifies and records the message, an RQ worker runs the
handler, and the answer travels back through the emulator's APIs (message/send, the
robot's sessionWebhook). The customer table is checked directly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlmodel import select

from models.customers.customer import Customer
from models.org import user as users
from models.platform.conversation import Conversation
from models.platform.inbox import InboxEvent
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.edge.edgekit import robot_headers, wecom_encrypt, wecom_envelope, wecom_query
from zhongshu.db import session_scope

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def team() -> None:
    """The emulator's directory users, registered in the service (lina under wangfang);
    zhaolei (another team) is in the service only, for owning a customer."""
    with session_scope() as session:
        for wecom, name, role, supervisor in [
            ("zhangwei", "张伟", "rep", "wangfang"), ("lina", "李娜", "rep", "wangfang"),
            ("wangfang", "王芳", "supervisor", None), ("liuyang", "刘洋", "director", None),
            ("chenjing", "陈静", "finance", None), ("admin", "赵敏", "admin", None),
            ("zhaolei", "赵磊", "rep", "sunli"),
        ]:
            users.upsert(session, wecom_userid=wecom, name=name, role=role,
                         supervisor_userid=supervisor,
                         dingtalk_userid=None if wecom == "zhaolei" else f"dt_{wecom}")


class Chat:
    """One emulated user's chat: ``send`` types a message and runs the worker; ``new``
    returns the service's messages that arrived since the last call."""

    def __init__(self, emulator: str, run_jobs: Callable[[], int], platform: str,
                 user: str) -> None:
        self.emulator, self.run_jobs, self.platform, self.user = (emulator, run_jobs,
                                                                  platform, user)
        self.seen = 0

    def type(self, text: str) -> None:
        answer = requests.post(f"{self.emulator}/_emu/{self.platform}/users/{self.user}/text",
                               json={"content": text}, timeout=10).json()
        assert answer["status"] == 200, answer

    def send(self, text: str) -> list[dict[str, Any]]:
        self.type(text)
        self.run_jobs()
        return self.new()

    def click(self, key: str) -> list[dict[str, Any]]:
        requests.post(f"{self.emulator}/_emu/wecom/users/{self.user}/click", json={"key": key},
                      timeout=10).raise_for_status()
        self.run_jobs()
        return self.new()

    def new(self) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {"platform": self.platform, "user": self.user,
                                        "since": self.seen}
        response = requests.get(f"{self.emulator}/_emu/messages", params=params, timeout=5)
        response.raise_for_status()
        messages = response.json()
        if messages:
            self.seen = max(m["id"] for m in messages)
        out = [m for m in messages if m["direction"] == "out"]
        assert all(m["delivered"] is not False for m in out), out
        return out


def said(messages: list[dict[str, Any]]) -> str:
    """The readable text of delivered messages (text, markdown, card titles and rows)."""
    parts: list[str] = []
    for message in messages:
        body = message["content"]
        kind = body["msgtype"]
        inner = body[kind]
        if kind in ("text", "markdown"):
            parts.append(inner.get("content") or inner.get("text") or "")
        elif kind == "template_card":
            parts.append(inner["main_title"]["title"])
            parts += [f"{r['keyname']}：{r['value']}"
                      for r in inner.get("horizontal_content_list", [])]
        elif kind == "textcard":
            parts += [inner["title"], inner["description"]]
        elif kind == "actionCard":
            parts.append(inner["text"])
        else:
            parts.append(str(inner))
    return "\n".join(parts)


@pytest.fixture()
def wecom(emulator: str, run_jobs: Callable[[], int], team: None) -> Callable[[str], Chat]:
    return lambda user: Chat(emulator, run_jobs, "wecom", user)


@pytest.fixture()
def dingtalk(emulator: str, run_jobs: Callable[[], int], team: None) -> Callable[[str], Chat]:
    return lambda user: Chat(emulator, run_jobs, "dingtalk", user)


def _customers() -> list[Customer]:
    with session_scope() as session:
        return list(session.exec(select(Customer).order_by(Customer.id)))  # type: ignore[arg-type]


def _flow(platform: str, user: str) -> Conversation | None:
    with session_scope() as session:
        return session.exec(select(Conversation).where(Conversation.platform == platform,
                                                       Conversation.user_id == user)).first()


def _add_customer(owner: str, name: str, phone: str) -> None:
    with session_scope() as session:
        session.add(Customer(name=name, name_key="", phone=phone, owner=owner, contact="陈总",
                             industry="机械", intent="有意向"))


# -- registration ------------------------------------------------------------------------------

def test_full_command_over_wecom_creates_and_confirms(wecom):
    chat = wecom("zhangwei")
    (card,) = chat.send("新客户 绍兴滤材 王经理 13800001234 制造业 想采购滤芯")
    (customer,) = _customers()
    assert (customer.owner, customer.source, customer.phone) == ("zhangwei", "chat",
                                                                 "13800001234")
    assert card["channel"] == "app" and card["msgtype"] == "template_card"
    tc = card["content"]["template_card"]
    assert tc["card_type"] == "text_notice" and tc["main_title"]["title"] == "客户已报备"
    assert tc["horizontal_content_list"] == [
        {"keyname": "客户", "value": "绍兴滤材"}, {"keyname": "联系人", "value": "王经理"},
        {"keyname": "电话", "value": "13800001234"}, {"keyname": "行业", "value": "制造业"},
        {"keyname": "意向", "value": "想采购滤芯"}]
    url = tc["card_action"]["url"]
    assert url.endswith(f"/h5/login?next=%2Fh5%2Fcustomers%2F{customer.id}")


def test_full_command_over_dingtalk_robot_answers_in_the_conversation(dingtalk):
    chat = dingtalk("dt_zhangwei")
    (card,) = chat.send("新客户，绍兴滤材，王经理，0571-8888 6666，制造业，有意向")
    (customer,) = _customers()
    assert customer.owner == "zhangwei" and customer.phone == "0571-88886666"
    assert card["channel"] == "session" and card["msgtype"] == "actionCard"
    body = card["content"]["actionCard"]
    assert body["title"] == "客户已报备" and "- 电话：0571-88886666" in body["text"]
    # Through the DingTalk sign-in entry (免登): the page learns who opened it.
    assert body["singleURL"].endswith(f"/h5/login/dingtalk?next=%2Fh5%2Fcustomers%2F{customer.id}")


def test_step_by_step_over_wecom(wecom):
    chat = wecom("zhangwei")
    assert "请输入联系人姓名" in said(chat.send("新客户 绍兴滤材"))
    assert "请输入联系电话" in said(chat.send("王经理"))
    bad = said(chat.send("1380000123"))
    assert "手机号应为11位，当前为10位" in bad and "请输入联系电话" in bad
    assert _customers() == []
    assert "请输入客户所属行业" in said(chat.send("138 0000 1234"))
    assert "请输入初步意向" in said(chat.send("制造业"))
    (done,) = chat.send("想采购滤芯，月底前报价")
    assert done["content"]["template_card"]["main_title"]["title"] == "客户已报备"
    (customer,) = _customers()
    assert (customer.name, customer.contact, customer.phone, customer.industry,
            customer.owner) == ("绍兴滤材", "王经理", "13800001234", "制造业", "zhangwei")
    assert _flow("wecom", "zhangwei") is None


def test_step_by_step_over_dingtalk_and_help_in_between(dingtalk):
    chat = dingtalk("dt_lina")
    assert "请输入联系电话" in said(chat.send("新客户 杭州华滤 李工"))
    help_and_reminder = chat.send("帮助")
    assert len(help_and_reminder) == 2
    assert "可用命令" in said(help_and_reminder[:1])
    assert "客户报备还没有完成" in said(help_and_reminder[1:])
    assert "请输入客户所属行业" in said(chat.send("0571 8888 6666"))
    chat.send("化工")
    (done,) = chat.send("想要样品")
    assert done["content"]["actionCard"]["title"] == "客户已报备"
    assert [(c.name, c.owner) for c in _customers()] == [("杭州华滤", "lina")]


def test_cancel_mid_flow_writes_nothing(wecom):
    chat = wecom("zhangwei")
    chat.send("新客户 绍兴滤材 王经理")
    assert "已取消客户报备" in said(chat.send("取消"))
    assert _customers() == [] and _flow("wecom", "zhangwei") is None


def test_duplicate_phone_shows_the_existing_record_and_owner(wecom):
    _add_customer("lina", "杭州华滤", "13800001234")
    chat = wecom("zhangwei")
    chat.send("新客户 绍兴滤材 王经理")
    text = said(chat.send("13800001234"))
    assert "电话138****1234已登记为客户“杭州华滤”，负责人：李娜" in text
    assert "本次报备没有保存" in text
    assert [c.name for c in _customers()] == ["杭州华滤"]


@pytest.mark.parametrize("user, listed", [("zhangwei", True), ("chenjing", False),
                                          ("admin", False)])
def test_help_lists_customer_commands_by_role(wecom, user, listed):
    text = said(wecom(user).send("帮助"))
    assert ("· 新客户 <客户名称>" in text) is listed
    assert ("· 客户 <名称或电话>" in text) is listed


def test_finance_cannot_register(dingtalk):
    text = said(dingtalk("dt_chenjing").send("新客户 绍兴滤材 王经理 13800001234 制造业 有意向"))
    assert "不能报备或查询客户" in text and _customers() == []


# -- lookups and buttons -------------------------------------------------------------------------

def test_another_reps_customer_is_not_found_and_nothing_leaks(wecom):
    _add_customer("zhaolei", "广州华南机械", "13900001234")
    chat = wecom("zhangwei")
    other = said(chat.send("客户 广州华南机械"))
    assert other == "没有找到客户「广州华南机械」。"
    assert said(chat.send("客户 13900001234")) == "没有找到客户「13900001234」。"
    assert said(chat.send("客户 深圳无此公司")) == "没有找到客户「深圳无此公司」。"


def test_supervisor_finds_the_teams_customer(wecom):
    _add_customer("lina", "杭州华滤", "13800001234")
    (card,) = wecom("wangfang").send("客户 华滤")
    tc = card["content"]["template_card"]
    assert tc["main_title"]["title"] == "杭州华滤"
    assert {"keyname": "负责人", "value": "李娜"} in tc["horizontal_content_list"]


def test_workbench_buttons(wecom):
    chat = wecom("zhangwei")
    (link,) = chat.click("quick_register")
    assert link["msgtype"] == "textcard"
    assert link["content"]["textcard"]["title"] == "报备新客户"
    assert link["content"]["textcard"]["url"].endswith("/h5/login?next=%2Fh5%2Fregister")
    assert "新客户 <客户名称>" in link["content"]["textcard"]["description"]
    assert said(chat.click("my_customers")).startswith("您还没有客户，点击「报备客户」开始")
    chat.send("新客户 绍兴滤材 王经理 13800001234 制造业 有意向")
    # WeCom events carry no MsgId: the same button by the same user within the same
    # second (CreateTime) is a platform retry and deduplicated. Click again a second later.
    time.sleep(1.1)
    (listing,) = chat.click("my_customers")
    assert listing["msgtype"] == "markdown"
    assert listing["content"]["markdown"]["content"].startswith(
        "**我的客户（最近活跃1位）**\n1. [绍兴滤材](")


# -- state between workers, platform retries -----------------------------------------------------

def test_flow_state_survives_a_separate_worker_process(wecom, run_jobs):
    chat = wecom("zhangwei")
    chat.send("新客户 绍兴滤材")  # step 1: this process's worker
    row = _flow("wecom", "zhangwei")
    assert row is not None and row.step == "contact"

    chat.type("王经理")  # step 2: a fresh `zhongshu worker --burst` process
    env = dict(os.environ)
    subprocess.run([sys.executable, "-m", "zhongshu.cli", "worker", "--burst"], cwd=ROOT,
                   env=env, check=True, timeout=120, capture_output=True)
    assert "请输入联系电话" in said(chat.new())
    row = _flow("wecom", "zhangwei")
    assert row is not None and (row.step, row.data) == (
        "phone", {"name": "绍兴滤材", "contact": "王经理"})

    chat.send("13800001234")  # and back in this process
    chat.send("制造业")
    chat.send("有意向")
    assert [(c.name, c.contact, c.owner) for c in _customers()] == [
        ("绍兴滤材", "王经理", "zhangwei")]


def _wecom_text(user: str, content: str, msg_id: str) -> str:
    return (f"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>"
            f"<AgentID>1000002</AgentID></xml>")


def test_a_wecom_retry_of_the_same_message_registers_once(client, wecom, run_jobs):
    chat = wecom("zhangwei")
    encrypt = wecom_encrypt(_wecom_text("zhangwei",
                                        "新客户 绍兴滤材 王经理 13800001234 制造业 有意向",
                                        "7390000000000000001"))
    query, body = wecom_query(encrypt), wecom_envelope(encrypt)
    for _ in range(2):  # WeCom retries when it did not see our answer in time
        response = client.post(f"/wecom/callback?{query}", data=body, content_type="text/xml")
        assert response.status_code == 200
    run_jobs()
    assert len(_customers()) == 1
    with session_scope() as session:
        assert len(session.exec(select(InboxEvent)).all()) == 1
    assert [m["msgtype"] for m in chat.new()] == ["template_card"]


def test_a_dingtalk_retry_of_the_same_message_registers_once(client, dingtalk, run_jobs):
    import json

    chat = dingtalk("dt_zhangwei")
    # A real sessionWebhook from the emulator, so the answer can be delivered.
    chat.send("帮助")
    with session_scope() as session:
        first = session.exec(select(InboxEvent)).one()
        webhook = first.event["reply_to"]["session_webhook"]
    now_ms = int(time.time() * 1000)
    payload = {
        "msgtype": "text", "msgId": "msgRetry0001==", "senderStaffId": "dt_zhangwei",
        "senderId": "$:LWCP_v1:$zhangwei", "senderNick": "张伟", "conversationType": "1",
        "conversationId": "cidRetry", "createAt": now_ms, "sessionWebhook": webhook,
        "sessionWebhookExpiredTime": now_ms + 3_600_000, "robotCode": "dingzhongshuemulator01",
        "text": {"content": "新客户 绍兴滤材 王经理 13800001234 制造业 有意向"}}
    body = json.dumps(payload, ensure_ascii=False).encode()
    for _ in range(2):
        assert client.post("/dingtalk/robot", data=body,
                           headers=robot_headers(timestamp_ms=now_ms)).status_code == 200
    run_jobs()
    assert len(_customers()) == 1
    assert [m["msgtype"] for m in chat.new()] == ["actionCard"]


def test_each_step_checks_its_own_answer_and_asks_again_with_the_reason(wecom):
    chat = wecom("zhangwei")
    first = said(chat.send("新客户 " + "绍兴滤材环保科技" * 15))
    assert "客户名称" in first and "100" in first and "请输入客户名称" in first
    for junk, reason in (("好的", "「好的」不是客户名称"),
                         ("王总 13800001234", "「王总 13800001234」像是电话号码，不是客户名称"),
                         ("算了吧", "「算了吧」不是客户名称"),
                         ("嗯嗯，", "「嗯嗯,」不是客户名称"), ("A", "客户名称至少要有2个字")):
        answer = said(chat.send(junk))
        assert reason in answer and "请输入客户名称" in answer, junk
    assert _flow("wecom", "zhangwei").step == "name"
    assert "请输入联系人姓名" in said(chat.send("绍兴滤材"))
    answer = said(chat.send("王经理13800001234"))
    assert "联系人姓名里不能有数字" in answer and "请输入联系人姓名" in answer
    assert "请输入联系电话" in said(chat.send("王经理"))
    assert "请输入客户所属行业" in said(chat.send("13800001234"))
    answer = said(chat.send("嗯"))
    assert "「嗯」不是行业" in answer and "请输入客户所属行业" in answer
    assert "请输入初步意向" in said(chat.send("制造业"))
    answer = said(chat.send("不知道"))
    assert "「不知道」不是初步意向" in answer and "请输入初步意向" in answer
    assert _customers() == []
    (done,) = chat.send("想采购滤芯，月底前报价")
    assert done["content"]["template_card"]["main_title"]["title"] == "客户已报备"
    (customer,) = _customers()
    assert (customer.name, customer.contact, customer.phone, customer.industry,
            customer.intent) == ("绍兴滤材", "王经理", "13800001234", "制造业",
                                 "想采购滤芯,月底前报价")


# -- the workbench ------------------------------------------------------------------------------

def test_the_workbench_entry_opens_the_registration_form_signed_in(emulator, team, run_jobs):
    import re
    from urllib.parse import urlsplit

    from bot.wecom.menu import push_app_menu

    assert push_app_menu()["errcode"] == 0
    phone = requests.Session()  # one browser: the phone page, then the links it opens
    page = phone.get(f"{emulator}/phone/wecom/zhangwei", timeout=5).text
    entry = re.search(r'<a class="wb" href="([^"]+)"[^>]*>.*?报备客户', page, re.DOTALL)
    assert entry is not None, "报备客户 is a direct link on the workbench"
    assert 'data-key="quick_register"' not in page
    assert 'data-key="checkin"' in page and 'data-key="my_customers"' in page
    form = phone.get(emulator + entry.group(1).replace("&amp;", "&"), timeout=10)
    assert form.status_code == 200
    assert urlsplit(form.url).path == "/h5/register"
    assert 'name="name"' in form.text and "张伟" in form.text  # the form, signed in
    assert _customers() == []
    # Nothing was sent into the chat on the way: no card to tap a second time.
    assert [m for m in requests.get(f"{emulator}/_emu/messages", params={
        "platform": "wecom", "user": "zhangwei"}, timeout=5).json()
        if m["direction"] == "out"] == []


def test_the_chat_still_offers_the_registration_card_for_the_button_key(wecom):
    chat = wecom("zhangwei")
    (card,) = chat.click("quick_register")
    assert said([card]).startswith("报备新客户")


@needs_chromium
def test_in_a_browser_the_workbench_entry_opens_the_form_in_one_tap(emulator, team):
    from urllib.parse import urlsplit

    from playwright.sync_api import expect, sync_playwright

    from bot.wecom.menu import push_app_menu

    assert push_app_menu()["errcode"] == 0
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone = phone_page(browser, problems, viewport={"width": 414, "height": 896})
        phone.goto(f"{emulator}/phone/wecom/zhangwei")
        with phone.context.expect_page() as opened:
            phone.click("a.wb:has-text('报备客户')")
        form = opened.value
        form.wait_for_load_state()
        assert urlsplit(form.url).path == "/h5/register"
        expect(form.locator("#f-name")).to_be_visible()
        expect(form.locator("body")).to_contain_text("张伟")
        browser.close()
    assert problems == []
