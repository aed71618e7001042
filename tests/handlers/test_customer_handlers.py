"""handlers/customers/commands.py and handlers/flows.py through the router: one event in, exact
replies and database effects out (the end-to-end path is in test_customer_chat_e2e.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import Session, select

from handlers import router
from lib.chat import Card, Reply
from models.base import utcnow
from models.customers.customer import Customer
from models.customers.orders import Line, add_order
from models.org.user import User
from models.platform import conversation
from tests.handlers.chatkit import text_of
from zhongshu.settings import get_settings

pytestmark = pytest.mark.usefixtures("org")

FULL = "新客户 绍兴滤材 王经理 13800001234 制造业 想采购滤芯"


def _oauth(path: str) -> str:
    # Our sign-in entry: it binds an OAuth state to the browser, then goes to WeCom.
    return f"{get_settings().base_url}/h5/login?next={quote(path, safe='')}"


def _add(session: Session, *, owner: str | None, name: str, phone: str, **extra: Any) -> int:
    customer = Customer(name=name, name_key="", phone=phone, owner=owner, contact="联系人",
                        industry="制造业", intent="有意向", **extra)
    session.add(customer)
    session.commit()
    assert customer.id is not None
    return customer.id


def _ask(field_question: str, left: int) -> str:
    return f"{field_question}\n（还差{left}项，直接回复即可，发送「取消」放弃）"


ASK_CONTACT = "请输入联系人姓名："
ASK_PHONE = "请输入联系电话（手机号，或带区号的固定电话）："
ASK_INDUSTRY = "请输入客户所属行业（如：制造业、化工、零售）："
ASK_INTENT = "请输入初步意向（如：想采购滤芯，月底前要报价）："


# -- 新客户: the whole command --------------------------------------------------------------

def test_full_command_registers_the_customer_to_the_sender(say, customers, flow_state):
    replies = say("zhangwei", FULL)
    (customer,) = customers()
    assert (customer.name, customer.contact, customer.phone, customer.industry,
            customer.intent) == ("绍兴滤材", "王经理", "13800001234", "制造业", "想采购滤芯")
    assert (customer.owner, customer.source, customer.stage) == ("zhangwei", "chat", "lead")
    assert replies == [Reply(card=Card(
        title="客户已报备", description="已登记到您名下，点开可补充地址、等级等信息。",
        fields=(("客户", "绍兴滤材"), ("联系人", "王经理"), ("电话", "13800001234"),
                ("行业", "制造业"), ("意向", "想采购滤芯")),
        url=_oauth(f"/h5/customers/{customer.id}")))]
    assert flow_state("zhangwei") is None


def test_full_command_over_dingtalk_owns_by_wecom_userid_and_links_via_dingtalk_signin(
        say, customers):
    (reply,) = say("dt_zhangwei", "新客户｜绍兴滤材｜王经理｜138 0000 1234｜制造业｜有意向",
                   platform="dingtalk")
    (customer,) = customers()
    assert customer.owner == "zhangwei" and customer.phone == "13800001234"
    assert reply.card is not None
    # Through the DingTalk sign-in entry (免登), so the page learns who opened it.
    assert reply.card.url == (f"{get_settings().base_url}/h5/login/dingtalk"
                              f"?next=%2Fh5%2Fcustomers%2F{customer.id}")


def test_a_landline_with_spaces_is_one_phone(say, customers):
    say("zhangwei", "新客户 杭州华滤 李工 0571-8888 6666 化工 想要样品")
    (customer,) = customers()
    assert customer.phone == "0571-88886666" and customer.industry == "化工"


def test_a_bad_value_in_the_command_is_reported_and_asked_again(say, customers, flow_state):
    replies = say("zhangwei", "新客户 绍兴滤材 王经理 12345 制造业 有意向")
    assert replies == [Reply(text="\n".join([
        "手机号应为11位，当前为5位", _ask(ASK_PHONE, 1)]))]
    assert customers() == []
    row = flow_state("zhangwei")
    assert row is not None and row.step == "phone"
    assert row.data == {"name": "绍兴滤材", "contact": "王经理", "industry": "制造业",
                        "intent": "有意向"}
    say("zhangwei", "13800001234")
    assert [c.phone for c in customers()] == ["13800001234"]


# -- 新客户: step by step ----------------------------------------------------------------

def test_step_by_step_with_a_bad_phone(say, customers, flow_state):
    assert say("zhangwei", "新客户 绍兴滤材") == [
        Reply(text="好的，开始报备新客户。\n" + _ask(ASK_CONTACT, 4))]
    row = flow_state("zhangwei")
    assert row is not None
    assert (row.flow, row.step, row.data) == ("register_customer", "contact",
                                              {"name": "绍兴滤材"})
    assert timedelta(minutes=29) < row.expires_at - utcnow() <= timedelta(minutes=30)

    assert say("zhangwei", "王经理") == [Reply(text=_ask(ASK_PHONE, 3))]
    assert say("zhangwei", "138 0000 123") == [
        Reply(text="手机号应为11位，当前为10位\n" + _ask(ASK_PHONE, 3))]
    row = flow_state("zhangwei")
    assert row is not None and row.step == "phone"
    assert row.data == {"name": "绍兴滤材", "contact": "王经理"}
    assert customers() == []

    assert say("zhangwei", "138-0000-1234") == [Reply(text=_ask(ASK_INDUSTRY, 2))]
    assert say("zhangwei", "制造业") == [Reply(text=_ask(ASK_INTENT, 1))]
    (done,) = say("zhangwei", "想采购滤芯，月底前报价")
    assert done.card is not None and done.card.title == "客户已报备"
    (customer,) = customers()
    assert (customer.name, customer.contact, customer.phone, customer.owner) == (
        "绍兴滤材", "王经理", "13800001234", "zhangwei")
    assert flow_state("zhangwei") is None


def test_an_answer_is_taken_whole_with_its_separators(say, customers):
    say("zhangwei", "新客户 绍兴滤材 王经理 13800001234 制造业")
    say("zhangwei", "想采购滤芯 / 滤袋, 下月")
    assert customers()[0].intent == "想采购滤芯 / 滤袋, 下月"


def test_contact_left_out_is_asked_for(say, flow_state):
    assert say("zhangwei", "新客户 绍兴滤材 13800001234 制造业 有意向") == [
        Reply(text="好的，开始报备新客户。\n" + _ask(ASK_CONTACT, 1))]


def test_bare_command_asks_for_the_name(say, flow_state):
    assert say("zhangwei", "新客户") == [
        Reply(text="好的，开始报备新客户。\n" + _ask("请输入客户名称：", 5))]
    assert say("zhangwei", "🙂") == [Reply(text="客户名称不能只有数字或符号\n"
                                             + _ask("请输入客户名称：", 5))]


def test_cancel_mid_flow_writes_nothing(say, customers, flow_state):
    say("zhangwei", "新客户 绍兴滤材 王经理")
    assert say("zhangwei", "取消。") == [Reply(text="已取消客户报备，没有保存任何内容。")]
    assert customers() == [] and flow_state("zhangwei") is None
    # The flow is gone: the next text is not taken as an answer.
    assert "没有看懂" in text_of(say("zhangwei", "13800001234"))
    assert say("zhangwei", "取消") == [
        Reply(text="当前没有进行中的操作，无需取消。发送「帮助」查看可用命令。")]


def test_other_commands_work_and_the_flow_keeps_waiting(say, customers, flow_state):
    say("zhangwei", "新客户 绍兴滤材 王经理")
    replies = say("zhangwei", "帮助")
    assert len(replies) == 2
    assert "可用命令" in (replies[0].text or "")
    assert replies[1] == Reply(text="提醒：您的客户报备还没有完成，仍在等待您回复——"
                                    f"{ASK_PHONE}\n直接回复即可继续，发送「取消」放弃。")
    # A workbench button too.
    assert text_of(say("zhangwei", kind="click", key="my_customers")[-1:]).startswith("提醒")
    row = flow_state("zhangwei")
    assert row is not None and row.step == "phone"
    say("zhangwei", "13800001234")
    say("zhangwei", "制造业")
    say("zhangwei", "有意向")
    assert [c.name for c in customers()] == ["绍兴滤材"]


def test_new_command_during_a_flow_starts_over(say, customers, flow_state):
    say("zhangwei", "新客户 绍兴滤材 王经理")
    assert say("zhangwei", "新客户 杭州华滤") == [
        Reply(text="已放弃上一次未完成的客户报备，重新开始。\n" + _ask(ASK_CONTACT, 4))]
    row = flow_state("zhangwei")
    assert row is not None and row.data == {"name": "杭州华滤"}


def test_a_lapsed_flow_is_not_answered_late(say, session, customers, flow_state):
    say("zhangwei", "新客户 绍兴滤材 王经理")
    row = flow_state("zhangwei")
    assert row is not None
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    # No reminder after a command once the flow has lapsed.
    assert len(say("zhangwei", "帮助")) == 1
    assert say("zhangwei", "13800001234") == [Reply(text=(
        "客户报备超过30分钟没有回复，已自动取消，没有保存任何内容。"
        "如需报备，请重新发送「新客户 客户名称」。"))]
    assert customers() == [] and flow_state("zhangwei") is None


def test_flows_are_per_user_and_platform(say, flow_state):
    say("zhangwei", "新客户 绍兴滤材")
    say("lina", "新客户 杭州华滤")
    say("dt_zhangwei", "新客户 宁波机械", platform="dingtalk")
    assert [flow_state(u, p).data["name"]  # type: ignore[union-attr]
            for u, p in [("zhangwei", "wecom"), ("lina", "wecom"),
                         ("dt_zhangwei", "dingtalk")]] == ["绍兴滤材", "杭州华滤", "宁波机械"]


# -- duplicates ---------------------------------------------------------------------------

def test_duplicate_phone_shows_the_existing_record_and_its_owner(say, session, customers,
                                                                 flow_state):
    _add(session, owner="lina", name="杭州华滤", phone="13800001234")
    say("zhangwei", "新客户 绍兴滤材 王经理")
    assert say("zhangwei", "138 0000 1234") == [Reply(text=(
        "该客户已经登记过，本次报备没有保存：\n"
        "· 电话138****1234已登记为客户“杭州华滤”，负责人：李娜\n"
        "如需跟进该客户，请联系负责人或您的主管。"))]
    assert [c.name for c in customers()] == ["杭州华滤"]
    assert flow_state("zhangwei") is None


def test_duplicate_name_stops_the_flow_before_more_questions(say, session, customers,
                                                             flow_state):
    _add(session, owner="zhaolei", name="绍兴滤材有限公司", phone="13900001234")
    assert say("zhangwei", "新客户 绍兴滤材") == [Reply(text=(
        "该客户已经登记过，本次报备没有保存：\n"
        "· 已有名称相近的客户“绍兴滤材有限公司”，负责人：赵磊\n"
        "如需跟进该客户，请联系负责人或您的主管。"))]
    assert len(customers()) == 1 and flow_state("zhangwei") is None


# -- who may --------------------------------------------------------------------------------

@pytest.mark.parametrize("user, role", [("chenjing", "财务"), ("admin", "管理员")])
def test_finance_and_admin_are_refused_politely(say, customers, flow_state, user, role):
    refusal = [Reply(text=f"您的角色（{role}）不能报备或查询客户，"
                          "这些操作由业务员、主管和销售总监完成。")]
    assert say(user, FULL) == refusal
    assert say(user, "客户 绍兴") == refusal
    assert say(user, "我的客户") == refusal
    assert say(user, kind="click", key="quick_register") == refusal
    assert say(user, kind="click", key="my_customers") == refusal
    assert customers() == [] and flow_state(user) is None


def test_unregistered_sender_is_told_to_ask_an_admin(say, customers):
    unregistered = [Reply(text="您还没有在中枢登记，请联系管理员（销售助理）添加后再使用。")]
    assert say("stranger", FULL) == unregistered
    assert say("stranger", "客户 绍兴") == unregistered
    assert say("stranger", kind="click", key="quick_register") == unregistered
    assert customers() == []


@pytest.mark.parametrize("user, listed", [
    ("zhangwei", True), ("wangfang", True), ("liuyang", True),
    ("chenjing", False), ("admin", False)])
def test_help_lists_customer_commands_by_role(say, user, listed):
    help_text = say(user, "帮助")[0].text or ""
    lines = help_text.splitlines()
    assert any(line.startswith("· 新客户 <客户名称> <联系人> <电话> <行业> <初步意向> — ")
               for line in lines) is listed
    assert any(line.startswith("· 客户 <名称或电话> — ") for line in lines) is listed
    assert any(line.startswith("· 我的客户 — ") for line in lines) is listed
    assert "· 帮助 — 查看可用命令" in lines


def test_a_deactivated_rep_cannot_finish_a_flow(say, session, customers, flow_state):
    say("zhangwei", "新客户 绍兴滤材 王经理")
    user = session.exec(select(User).where(User.wecom_userid == "zhangwei")).one()
    user.active = False
    session.add(user)
    session.commit()
    assert say("zhangwei", "13800001234") == [
        Reply(text="您还没有在中枢登记，请联系管理员（销售助理）添加后再使用。")]
    assert customers() == [] and flow_state("zhangwei") is None


# -- 客户 <名称或电话> ------------------------------------------------------------------------

def test_find_own_customer_by_name(say, session):
    cid = _add(session, owner="zhangwei", name="绍兴滤材", phone="13800001234", grade="A",
               last_interaction_at=utcnow() - timedelta(days=3))
    (reply,) = say("zhangwei", "客户 滤材")
    assert reply.card is not None
    assert reply.card.title == "绍兴滤材"
    assert reply.card.url == _oauth(f"/h5/customers/{cid}")
    fields = dict(reply.card.fields)
    assert fields["等级"] == "A级" and fields["负责人"] == "张伟"
    assert fields["联系人"] == "联系人" and fields["电话"] == "13800001234"
    assert fields["最近互动"] in ("3天前", "4天前")  # calendar days, Asia/Shanghai
    assert fields["最近下单"] == "无记录"


def test_find_by_phone_in_any_spelling_and_see_last_order(say, session):
    cid = _add(session, owner="zhangwei", name="绍兴滤材", phone="13800001234")
    add_order(session, order_no="SO-1", customer_id=cid, ordered_at=utcnow(),
              owner="zhangwei", lines=[Line(None, None, Decimal(100))])
    session.commit()
    (reply,) = say("zhangwei", "客户 138 0000 1234")
    assert reply.card is not None and reply.card.title == "绍兴滤材"
    assert dict(reply.card.fields)["最近下单"] == "今天"


def test_another_reps_customer_is_not_found_and_not_leaked(say, session):
    _add(session, owner="zhaolei", name="广州华南机械", phone="13900001234")
    absent = say("zhangwei", "客户 深圳不存在的公司")
    assert absent == [Reply(text="没有找到客户「深圳不存在的公司」。")]
    for query in ("广州华南机械", "华南", "13900001234"):
        assert say("zhangwei", f"客户 {query}") == [Reply(text=f"没有找到客户「{query}」。")]
    # Nor through the reminder of a waiting flow or the customer list.
    assert say("zhangwei", "我的客户") == [Reply(text=(
        "您还没有客户，点击「报备客户」开始，或发送「新客户 客户名称 联系人 电话 行业 "
        "初步意向」。"))]


def test_supervisor_finds_the_teams_customer_but_not_another_teams(say, session):
    _add(session, owner="lina", name="杭州华滤", phone="13800001234")
    _add(session, owner="zhaolei", name="广州华南机械", phone="13900001234")
    (reply,) = say("wangfang", "客户 杭州华滤")
    assert reply.card is not None and dict(reply.card.fields)["负责人"] == "李娜"
    assert say("wangfang", "客户 广州华南机械") == [Reply(text="没有找到客户「广州华南机械」。")]
    (reply,) = say("sunli", "客户 广州")
    assert reply.card is not None and reply.card.title == "广州华南机械"
    (reply,) = say("liuyang", "客户 华南")  # a director without a region sees everyone
    assert reply.card is not None


def test_several_matches_give_a_short_list(say, session):
    for i in range(7):
        _add(session, owner="zhangwei", name=f"滤材{i}厂", phone=f"1380000123{i}",
             last_interaction_at=utcnow() - timedelta(days=i))
    replies = say("zhangwei", "客户 滤材")
    text = text_of(replies)
    assert text.startswith("**找到多位客户「滤材」**\n1. [滤材0厂](")
    assert "5. [滤材4厂](" in text and "滤材5厂" not in text
    assert text.endswith("另有更多结果未列出。请发送更完整的名称或电话，例如：客户 滤材0厂")


def test_an_exact_name_wins_over_longer_names(say, session):
    _add(session, owner="zhangwei", name="绍兴滤材", phone="13800001234")
    _add(session, owner="zhangwei", name="绍兴滤材二厂", phone="13800001235")
    (reply,) = say("zhangwei", "客户 绍兴滤材")
    assert reply.card is not None and reply.card.title == "绍兴滤材"


def test_lookup_without_a_query_says_how(say):
    assert say("zhangwei", "客户") == [
        Reply(text="请在「客户」后面写上客户名称或电话，例如：客户 绍兴滤材")]


def test_like_wildcards_in_a_query_are_literal(say, session):
    _add(session, owner="zhangwei", name="绍兴滤材", phone="13800001234")
    assert say("zhangwei", "客户 %") == [Reply(text="没有找到客户「%」。")]
    assert say("zhangwei", "客户 _") == [Reply(text="没有找到客户「_」。")]


# -- workbench buttons and 我的客户 -------------------------------------------------------------

def test_quick_register_button_links_the_form_and_the_command(say):
    assert say("zhangwei", kind="click", key="quick_register") == [Reply(card=Card(
        title="报备新客户",
        description=("填写5项信息，5秒完成报备。\n"
                     "也可以直接发送：新客户 <客户名称> <联系人> <电话> <行业> <初步意向>"),
        url=_oauth("/h5/register")))]


def test_my_customers_lists_the_ten_most_recently_active(say, session):
    now = utcnow()
    for i in range(12):
        _add(session, owner="zhangwei", name=f"客户{i:02d}", phone=f"138000012{i:02d}",
             last_interaction_at=now - timedelta(days=i))
    _add(session, owner="zhangwei", name="从未联系", phone="13800009999")
    _add(session, owner="lina", name="李娜的客户", phone="13800008888")
    replies = say("zhangwei", kind="click", key="my_customers")
    text = text_of(replies)
    assert text.startswith("**我的客户（最近活跃10位）**\n1. [客户00](")
    names = [f"[客户{i:02d}]" for i in range(12)]
    assert [n in text for n in names] == [True] * 10 + [False] * 2
    assert "从未联系" not in text and "李娜的客户" not in text
    assert text.index("[客户00]") < text.index("[客户09]")
    assert all(len((r.markdown or "").encode()) <= 2048 for r in replies)


def test_supervisors_list_shows_whose_customer_it_is(say, session):
    _add(session, owner="lina", name="杭州华滤", phone="13800001234",
         last_interaction_at=utcnow())
    text = text_of(say("wangfang", "我的客户"))
    assert "[杭州华滤](" in text and " · 李娜 · " in text


def test_every_workbench_button_is_served():
    assert {"click:quick_register", "click:checkin", "click:my_customers", "text:新客户",
            "text:客户",
            "text:我的客户"} <= set(router.served())


# -- the state table ---------------------------------------------------------------------------

def test_conversation_rows_replace_advance_and_end(session):
    row = conversation.start(session, platform="wecom", user_id="u", flow="f", step="a",
                             data={"x": "1"})
    session.commit()
    again = conversation.start(session, platform="wecom", user_id="u", flow="g", step="b",
                               data={})
    session.commit()
    assert again.id == row.id and (again.flow, again.step, again.data) == ("g", "b", {})
    conversation.advance(session, again, step="c", data={"y": "2"})
    session.commit()
    session.expire_all()
    stored = conversation.get(session, platform="wecom", user_id="u")
    assert stored is not None and (stored.step, stored.data) == ("c", {"y": "2"})
    assert not conversation.is_expired(stored)
    assert conversation.is_expired(stored, stored.expires_at)
    conversation.end(session, platform="wecom", user_id="u")
    session.commit()
    assert conversation.get(session, platform="wecom", user_id="u") is None
