"""Plan card builders: pure, exact output."""

from __future__ import annotations

from datetime import date, datetime

from cards import plan as cards
from lib.chat import Card, Reply
from tests.plans.plankit import SHANGHAI

LOCK = datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI)


def test_notice_card() -> None:
    reply = cards.notice_card(date(2026, 11, 23), ["李娜", "赵磊"], lock=LOCK, url="https://x/p")
    assert reply == Reply(card=Card(
        title="晨会提醒：2 位业务员未交下周计划",
        description="计划周 11月23日—11月29日，截止时间 11-20 周五 17:00。"
                    "以下业务员没有提交拜访计划：",
        fields=(("李娜", "未提交"), ("赵磊", "未提交")), url="https://x/p"))


def test_plan_card_open_and_empty_locked() -> None:
    lines = [cards.PlanLine("杭州精工机械", date(2026, 11, 24)), cards.PlanLine("宁波海达", None)]
    assert cards.plan_card(date(2026, 11, 23), lines, lock=LOCK, locked=False, url="u") == \
        Reply(card=Card(title="下周拜访计划（11月23日—11月29日）",
                        description="11-20 周五 17:00 截止，截止前可随时修改。",
                        fields=(("杭州精工机械", "周二"), ("宁波海达", "未定日期")), url="u"))
    empty = cards.plan_card(date(2026, 11, 23), [], lock=LOCK, locked=True, url="u")
    assert empty.card is not None
    assert empty.card.description == ("下周计划还是空的。发送「下周计划 客户名称，"
                                      "客户名称」添加客户。\n"
                                      "已于 11-20 周五 17:00 截止，计划只读。")


def test_added_text() -> None:
    assert cards.added_text(["甲"], ["乙"], ["丙", "丁"]) == (
        "已加入下周计划：甲\n已在计划中：乙\n没有找到客户「丙」\n没有找到客户「丁」")
