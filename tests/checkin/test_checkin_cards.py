"""Visit cards (cards/visit.py): pure builders, exact output."""

from __future__ import annotations

from cards import render
from cards import visit as cards
from lib.chat import Button, Card, Reply


def test_review_card_exact():
    card = cards.review_card(cards.FlaggedVisit(
        visit_id=7, rep_name="张伟", customer_name="杭州华滤环保", when="2026-11-25 14:02",
        reasons=("照片拍摄地点距客户登记地址 10.0 公里（阈值 5 公里）", "无相机信息"),
        url="https://example.test/h5/customers/3", task_id="visit7xabc"))
    assert card == Card(
        title="拜访签到待审核",
        description=("系统发现以下疑点，请确认是否有效：\n"
                     "1. 照片拍摄地点距客户登记地址 10.0 公里（阈值 5 公里）\n2. 无相机信息"),
        fields=(("业务员", "张伟"), ("客户", "杭州华滤环保"), ("签到时间", "2026-11-25 14:02")),
        url="https://example.test/h5/customers/3",
        buttons=(Button("确认有效", "visit.confirm:7", 1), Button("驳回", "visit.reject:7", 3)),
        task_id="visit7xabc")
    wecom = render.wecom_message(Reply(card=card))
    assert wecom["template_card"]["task_id"] == "visit7xabc"
    assert [b["key"] for b in wecom["template_card"]["button_list"]] == [
        "visit.confirm:7", "visit.reject:7"]


def test_rep_messages_exact():
    assert cards.recorded("杭州华滤环保", "2026-11-25 14:02") == Reply(
        text="拜访已记录：杭州华滤环保（2026-11-25 14:02）")
    assert cards.under_review("杭州华滤环保", "2026-11-25 14:02", ["甲", "乙"]) == Reply(
        text="拜访已提交：杭州华滤环保（2026-11-25 14:02），存在疑点，待主管审核：甲；乙")
    assert cards.decided("杭州华滤环保", "2026-11-25 14:02", confirmed=True, by="王芳") == Reply(
        text="你在 2026-11-25 14:02 对杭州华滤环保的拜访已由王芳确认有效")
    assert cards.decided("杭州华滤环保", "2026-11-25 14:02", confirmed=False, by="王芳") == Reply(
        text="你在 2026-11-25 14:02 对杭州华滤环保的拜访已被王芳驳回，不计入拜访")
    assert cards.checkin_card("https://x.test/h5/checkin") == Card(
        title="拜访签到", description="拍摄现场照片，填写客户等级、痛点、客户问题和下一步行动。",
        url="https://x.test/h5/checkin")
