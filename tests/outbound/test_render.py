"""cards.render: neutral replies to platform payloads, asserted exactly."""

from __future__ import annotations

import urllib.parse

import pytest

from cards import render
from lib.chat import Button, Card, Reply

APPROVE = Button("同意", "contract.approve:42")
REJECT = Button("驳回", "contract.reject:42", style=3)
FIELDS = (("客户", "上海远景贸易"), ("金额", "¥120,000"))


# -- WeCom ----------------------------------------------------------------------------------

def test_wecom_text_and_markdown():
    assert render.wecom_message(Reply(text="已登记")) == {
        "msgtype": "text", "text": {"content": "已登记"}}
    assert render.wecom_message(Reply(markdown="**今日拜访** 3 家")) == {
        "msgtype": "markdown", "markdown": {"content": "**今日拜访** 3 家"}}


def test_wecom_button_card():
    card = Card(title="合同待审核", description="HT-2024-042 需要你审核", fields=FIELDS,
                buttons=(APPROVE, REJECT), task_id="contract-42-r1")
    assert render.wecom_message(Reply(card=card)) == {
        "msgtype": "template_card",
        "template_card": {
            "card_type": "button_interaction",
            "main_title": {"title": "合同待审核"},
            "sub_title_text": "HT-2024-042 需要你审核",
            "horizontal_content_list": [{"keyname": "客户", "value": "上海远景贸易"},
                                        {"keyname": "金额", "value": "¥120,000"}],
            "task_id": "contract-42-r1",
            "button_list": [{"text": "同意", "style": 1, "key": "contract.approve:42"},
                            {"text": "驳回", "style": 3, "key": "contract.reject:42"}],
        },
    }


def test_wecom_button_card_with_url_opens_it_on_tap():
    card = Card(title="新客户", buttons=(APPROVE,), task_id="t1", url="https://x.test/c/1")
    tc = render.wecom_message(Reply(card=card))["template_card"]
    assert tc["card_action"] == {"type": 1, "url": "https://x.test/c/1"}


def test_wecom_text_notice_for_fields_and_a_link():
    card = Card(title="今日业绩", description="截至 18:00", fields=FIELDS,
                url="https://x.test/report")
    assert render.wecom_message(Reply(card=card)) == {
        "msgtype": "template_card",
        "template_card": {
            "card_type": "text_notice",
            "main_title": {"title": "今日业绩"},
            "sub_title_text": "截至 18:00",
            "horizontal_content_list": [{"keyname": "客户", "value": "上海远景贸易"},
                                        {"keyname": "金额", "value": "¥120,000"}],
            "card_action": {"type": 1, "url": "https://x.test/report"},
        },
    }


def test_wecom_textcard_for_a_plain_link():
    card = Card(title="拜访记录", description="点击查看本周拜访", url="https://x.test/v")
    assert render.wecom_message(Reply(card=card)) == {
        "msgtype": "textcard",
        "textcard": {"title": "拜访记录", "description": "点击查看本周拜访",
                     "url": "https://x.test/v", "btntxt": "详情"},
    }


def test_wecom_card_without_link_or_buttons_is_markdown():
    card = Card(title="客户已报备", description="王总，上海", fields=FIELDS)
    assert render.wecom_message(Reply(card=card)) == {
        "msgtype": "markdown",
        "markdown": {"content": "**客户已报备**\n王总，上海\n> 客户：上海远景贸易\n"
                                "> 金额：¥120,000"},
    }


def test_card_wins_over_text_and_empty_reply_is_an_error():
    assert render.wecom_message(Reply(text="x", card=Card("t", url="https://x.test")))[
        "msgtype"] == "textcard"
    with pytest.raises(ValueError):
        render.wecom_message(Reply())


@pytest.mark.parametrize("card", [
    Card("t", buttons=(APPROVE,)),  # no task_id
    Card("t", buttons=(APPROVE,), task_id="has space"),
    Card("t", buttons=(APPROVE,), task_id="x" * 129),
])
def test_wecom_refuses_cards_the_platform_would(card):
    with pytest.raises(ValueError):
        render.wecom_message(Reply(card=card))


def test_a_card_longer_than_wecom_shows_degrades_to_its_first_rows_and_a_link():
    rows = tuple((f"客户{i}", "张伟 · A级") for i in range(125))
    linked = render.wecom_message(Reply(card=Card("未覆盖", fields=rows, url="https://x.test")))
    shown = linked["template_card"]["horizontal_content_list"]
    assert len(shown) == 6 and shown[0] == {"keyname": "客户0", "value": "张伟 · A级"}
    assert shown[-1] == {"keyname": "更多", "value": "另有120项，点开查看全部"}
    assert linked["template_card"]["card_action"] == {"type": 1, "url": "https://x.test"}
    unlinked = render.wecom_message(Reply(card=Card("t", fields=rows[:8],
                                                    buttons=(APPROVE,), task_id="t")))
    assert unlinked["template_card"]["horizontal_content_list"][-1]["value"] == "另有3项未显示"

    many = tuple(Button(f"按钮{i}", f"a.b:{i}") for i in range(8))
    card = render.wecom_message(Reply(card=Card("t", buttons=many, task_id="t",
                                                url="https://x.test")))["template_card"]
    assert [b["text"] for b in card["button_list"]] == [
        "按钮0", "按钮1", "按钮2", "按钮3", "按钮4", "查看全部"]
    assert card["button_list"][-1] == {"type": 1, "text": "查看全部", "style": 2,
                                       "url": "https://x.test"}


def test_long_text_and_markdown_are_cut_by_whole_lines_within_the_platforms_size():
    lines = [f"{i}. 杭州恒达精密机械有限公司 · 张伟" for i in range(200)]
    text = render.wecom_message(Reply(text="\n".join(lines)))["text"]["content"]
    assert len(text.encode("utf-8")) <= 2048
    kept = text.split("\n")
    assert kept[:-1] == lines[:len(kept) - 1]
    assert kept[-1] == f"……另有{200 - len(kept) + 1}行未显示"
    card = Card("名单", fields=tuple((f"客户{i}", "x" * 30) for i in range(2000)),
                url="https://x.test")
    body = render.dingtalk_robot_message(Reply(card=card))["actionCard"]["text"]
    assert len(body.encode("utf-8")) <= render.MAX_DINGTALK_TEXT_BYTES
    assert "点开查看全部" in body.splitlines()[-1]


# -- DingTalk ---------------------------------------------------------------------------------

def test_dingtalk_action_links_send_the_command_back():
    url = render.dingtalk_action_url(APPROVE)
    assert url == ("dtmd://dingtalkclient/sendMessage?content="
                   "%E5%90%8C%E6%84%8F%20%23contract.approve%3A42")
    sent_text = urllib.parse.unquote(url.split("content=", 1)[1])
    assert sent_text == "同意 #contract.approve:42"
    assert render.parse_dingtalk_action(sent_text) == "contract.approve:42"
    assert render.parse_dingtalk_action("新客户 远景 王总") is None


def test_dingtalk_robot_text_and_markdown():
    assert render.dingtalk_robot_message(Reply(text="已登记")) == {
        "msgtype": "text", "text": {"content": "已登记"}}
    assert render.dingtalk_robot_message(Reply(markdown="## 今日拜访\n\n- 远景")) == {
        "msgtype": "markdown", "markdown": {"title": "今日拜访", "text": "## 今日拜访\n\n- 远景"}}


def test_dingtalk_robot_action_card_with_buttons():
    card = Card(title="合同待审核", description="HT-2024-042", fields=FIELDS,
                buttons=(APPROVE, REJECT), task_id="t1", url="https://x.test/c/42")
    assert render.dingtalk_robot_message(Reply(card=card)) == {
        "msgtype": "actionCard",
        "actionCard": {
            "title": "合同待审核",
            "text": "### 合同待审核\n\nHT-2024-042\n\n- 客户：上海远景贸易\n- 金额：¥120,000",
            "btnOrientation": "0",
            "btns": [
                {"title": "同意", "actionURL": "dtmd://dingtalkclient/sendMessage?content="
                                               "%E5%90%8C%E6%84%8F%20%23contract.approve%3A42"},
                {"title": "驳回", "actionURL": "dtmd://dingtalkclient/sendMessage?content="
                                               "%E9%A9%B3%E5%9B%9E%20%23contract.reject%3A42"},
                {"title": "查看详情", "actionURL": "https://x.test/c/42"},
            ],
        },
    }


def test_dingtalk_robot_single_link_card_and_plain_card():
    link = Card(title="拜访记录", description="本周", url="https://x.test/v")
    assert render.dingtalk_robot_message(Reply(card=link)) == {
        "msgtype": "actionCard",
        "actionCard": {"title": "拜访记录", "text": "### 拜访记录\n\n本周",
                       "singleTitle": "查看详情", "singleURL": "https://x.test/v"},
    }
    plain = Card(title="客户已报备", fields=FIELDS)
    assert render.dingtalk_robot_message(Reply(card=plain)) == {
        "msgtype": "markdown",
        "markdown": {"title": "客户已报备",
                     "text": "### 客户已报备\n\n- 客户：上海远景贸易\n- 金额：¥120,000"},
    }


def test_dingtalk_work_message_is_snake_case():
    card = Card(title="合同待审核", buttons=(APPROVE,), task_id="t1")
    assert render.dingtalk_work_message(Reply(card=card)) == {
        "msgtype": "action_card",
        "action_card": {
            "title": "合同待审核",
            "markdown": "### 合同待审核",
            "btn_orientation": "0",
            "btn_json_list": [{"title": "同意", "action_url": render.dingtalk_action_url(
                APPROVE)}],
        },
    }
    link = Card(title="日报", url="https://x.test/d")
    assert render.dingtalk_work_message(Reply(card=link)) == {
        "msgtype": "action_card",
        "action_card": {"title": "日报", "markdown": "### 日报", "single_title": "查看详情",
                        "single_url": "https://x.test/d"},
    }
    assert render.dingtalk_work_message(Reply(text="提醒")) == {
        "msgtype": "text", "text": {"content": "提醒"}}
    assert render.dingtalk_work_message(Reply(markdown="**提醒**")) == {
        "msgtype": "markdown", "markdown": {"title": "提醒", "text": "**提醒**"}}


# -- user text inside markdown ---------------------------------------------------------------

EVIL = "[点我领奖](http://evil.example/x) <font color=\"red\">**急**</font>\n# 标题"


def _no_markup_from(text: str, rendered: str) -> None:
    assert "](http://evil.example" not in rendered
    assert "<font" not in rendered and "**急**" not in rendered
    assert "\n# 标题" not in rendered
    assert "点我领奖" in rendered and "evil.example" in rendered  # shown, as text


def test_a_customer_name_in_a_card_markdown_fallback_stays_text() -> None:
    card = Card(title=f"客户 {EVIL}", description=EVIL, fields=(("客户", EVIL),))
    wecom = render.wecom_message(Reply(card=card))["markdown"]["content"]
    ding_work = render.dingtalk_work_message(Reply(card=card))["markdown"]["text"]
    ding_robot = render.dingtalk_robot_message(Reply(card=card))["markdown"]["text"]
    for rendered in (wecom, ding_work, ding_robot):
        _no_markup_from(EVIL, rendered)
    assert wecom.startswith("**客户 ［点我领奖］")


def test_markdown_text_keeps_ordinary_names_unchanged() -> None:
    assert render.markdown_text("杭州华滤环保科技有限公司（二期）· A 级") == \
        "杭州华滤环保科技有限公司（二期）· A 级"
