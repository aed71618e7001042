"""cards/customer.py: plain values in → exact neutral cards and replies out, and what the
renderers make of them for WeCom and DingTalk."""

from __future__ import annotations

from cards import customer as cards
from cards import render
from lib.chat import Card, Reply

URL = "https://zs.example.com/h5/customers/7"


def _summary(**overrides: object) -> cards.CustomerSummary:
    values: dict[str, object] = {
        "name": "绍兴滤材", "url": URL, "grade": "A", "owner_name": "张伟", "contact": "王经理",
        "phone": "13800001234", "days_since_interaction": 3, "days_since_order": 40}
    values.update(overrides)
    return cards.CustomerSummary(**values)  # type: ignore[arg-type]


def test_registered_card() -> None:
    card = cards.registered_card(cards.RegisteredCustomer(
        name="绍兴滤材", contact="王经理", phone="13800001234", industry="制造业",
        intent="想采购滤芯", url=URL))
    assert card == Card(
        title="客户已报备", description="已登记到您名下，点开可补充地址、等级等信息。",
        fields=(("客户", "绍兴滤材"), ("联系人", "王经理"), ("电话", "13800001234"),
                ("行业", "制造业"), ("意向", "想采购滤芯")),
        url=URL)


def test_registered_card_shortens_long_values_for_one_line_rows() -> None:
    card = cards.registered_card(cards.RegisteredCustomer(
        name="绍兴滤材", contact="王经理", phone="0571-88886666-123", industry="制造业",
        intent="想采购一批高温滤袋和滤芯，月底前需要报价，下个月安排技术交流", url=URL))
    assert dict(card.fields)["意向"] == "想采购一批高温滤袋和滤芯，月底前需要报价，下个月安…"
    assert len(dict(card.fields)["意向"]) == cards.FIELD_VALUE_MAX
    assert dict(card.fields)["电话"] == "0571-88886666-123"


def test_registered_card_renders_as_wecom_text_notice_and_dingtalk_action_card() -> None:
    card = cards.registered_card(cards.RegisteredCustomer(
        name="绍兴滤材", contact="王经理", phone="13800001234", industry="制造业",
        intent="有意向", url=URL))
    assert render.wecom_message(Reply(card=card)) == {
        "msgtype": "template_card",
        "template_card": {
            "card_type": "text_notice",
            "main_title": {"title": "客户已报备"},
            "sub_title_text": "已登记到您名下，点开可补充地址、等级等信息。",
            "horizontal_content_list": [
                {"keyname": "客户", "value": "绍兴滤材"},
                {"keyname": "联系人", "value": "王经理"},
                {"keyname": "电话", "value": "13800001234"},
                {"keyname": "行业", "value": "制造业"},
                {"keyname": "意向", "value": "有意向"}],
            "card_action": {"type": 1, "url": URL}}}
    assert render.dingtalk_robot_message(Reply(card=card)) == {
        "msgtype": "actionCard",
        "actionCard": {
            "title": "客户已报备",
            "text": "### 客户已报备\n\n已登记到您名下，点开可补充地址、等级等信息。\n\n"
                    "- 客户：绍兴滤材\n- 联系人：王经理\n- 电话：13800001234\n- 行业：制造业\n"
                    "- 意向：有意向",
            "singleTitle": "查看详情", "singleURL": URL}}


def test_quick_register_card_is_a_wecom_textcard() -> None:
    card = cards.quick_register_card("https://zs.example.com/h5/register", "新客户 <客户名称>")
    assert card == Card(title="报备新客户",
                        description="填写5项信息，5秒完成报备。\n也可以直接发送：新客户 <客户名称>",
                        url="https://zs.example.com/h5/register")
    assert render.wecom_message(Reply(card=card)) == {
        "msgtype": "textcard",
        "textcard": {"title": "报备新客户",
                     "description": "填写5项信息，5秒完成报备。\n也可以直接发送：新客户 <客户名称>",
                     "url": "https://zs.example.com/h5/register", "btntxt": "详情"}}


def test_customer_card() -> None:
    assert cards.customer_card(_summary()) == Card(
        title="绍兴滤材",
        fields=(("等级", "A级"), ("负责人", "张伟"), ("联系人", "王经理"), ("电话", "13800001234"),
                ("最近互动", "3天前"), ("最近下单", "40天前")),
        url=URL)


def test_customer_card_with_nothing_known() -> None:
    card = cards.customer_card(_summary(grade=None, owner_name=None, contact=None, phone=None,
                                        days_since_interaction=0, days_since_order=None))
    assert card.fields == (("等级", "未评级"), ("负责人", "暂无负责人"), ("联系人", "未填写"),
                           ("电话", "未填写"), ("最近互动", "今天"), ("最近下单", "无记录"))


def test_my_customers_list() -> None:
    replies = cards.my_customers([
        _summary(),
        _summary(name="杭州[华滤]", url="u2", grade=None, days_since_interaction=None,
                 owner_name="李娜", mine=False),
    ])
    assert replies == [Reply(markdown=(
        "**我的客户（最近活跃2位）**\n"
        f"1. [绍兴滤材]({URL}) · A级 · 互动3天前\n"
        "2. [杭州［华滤］](u2) · 未评级 · 李娜 · 互动无记录"))]


def test_a_long_list_is_split_within_wecom_markdown_limit() -> None:
    long_url = "https://open.weixin.qq.com/connect/oauth2/authorize?" + "x" * 230
    replies = cards.my_customers([_summary(name=f"客户{i}", url=long_url) for i in range(10)])
    assert len(replies) == 2
    for reply in replies:
        assert reply.markdown is not None
        assert len(reply.markdown.encode("utf-8")) <= cards.MARKDOWN_MAX_BYTES
    assert replies[1].markdown is not None
    assert replies[1].markdown.startswith("**我的客户（最近活跃10位）（续）**\n")
    text = "\n".join(r.markdown or "" for r in replies)
    assert [f"[客户{i}]" in text for i in range(10)] == [True] * 10


def test_search_results() -> None:
    replies = cards.search_results("滤材", [_summary(), _summary(name="杭州滤材", url="u2")],
                                   more=True)
    assert replies == [Reply(markdown=(
        "**找到多位客户「滤材」**\n"
        f"1. [绍兴滤材]({URL}) · A级 · 互动3天前\n"
        "2. [杭州滤材](u2) · A级 · 互动3天前\n"
        "另有更多结果未列出。请发送更完整的名称或电话，例如：客户 绍兴滤材"))]
