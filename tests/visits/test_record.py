"""The record half of a check-in: grade, pain points, a concrete question, next action."""

from __future__ import annotations

import pytest

from models.visits.evidence import question_problem, record_problems

PLACEHOLDERS = [
    "无", "没有", "暂无", "同上", "1", "...", "…", "test", "好", "ok", "OK", "Ok.", "ｏｋ",
    "好的", "嗯嗯", "没问题", "没有问题", "暂时没有", "无。", "  无  ", "-", "？？？", "??",
    "123", "１２３", "111", "n/a", "N/A", "none", "null", "TBD", "xx", "xxx", "略", "同前",
    "一样", "测试", "测试测试", "test test", "哈哈哈哈", "啊啊啊啊啊", "aaaa", "asdf",
    "客户没有提问题", "客户暂时没有问题", "没有什么问题", "客户没问", "没提", "无具体需求",
    "客户无疑问", "对方没有提出任何问题", "已沟通", "正常拜访", "一切正常", "可以", "收到",
    "问题", "客户问题", "1.", "#", "😀😀", "好好好", "是是是", "ok ok ok", "无无",
    "嗯", "没", "0", "——", "。。。", "12 34", "啊啊", "??!!",
]

CONCRETE = [
    "这款滤芯多久需要更换一次？",
    "价格能不能再便宜一点",
    "交期多久",
    "有没有现货",  # contains 没有 but is a real question
    "MOQ是多少",
    "What is the lead time?",
    "能开13%的专票吗",
    "客户问售后上门要多久",
    "是否支持月结60天",
    "没有库存的话多久能到货",  # starts with 没有, still a question
    "PH值范围能到多少",
    # Real questions are often two or three characters.
    "交期?", "含税吗?", "有现货吗", "价格？", "几折？", "MOQ?", "包邮吗", "保修几年",
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_placeholders_are_refused(text: str) -> None:
    problem = question_problem(text)
    assert problem is not None
    assert "不是具体问题" in problem


@pytest.mark.parametrize("text", CONCRETE)
def test_concrete_questions_pass(text: str) -> None:
    assert question_problem(text) is None


@pytest.mark.parametrize("text", [None, "", "   ", "\n"])
def test_missing_question(text: str | None) -> None:
    assert question_problem(text) == "未填写客户提出的具体问题"


def test_too_short() -> None:
    assert question_problem("价？") == "客户问题“价？”太短（1 个字，至少 2 个字），请写下客户的原话"
    assert question_problem("价格？") is None
    assert question_problem("价格？", min_chars=4) is not None
    assert question_problem("交期多久", min_chars=5) is not None


def test_placeholder_message_quotes_the_input() -> None:
    assert question_problem("同上") == (
        "客户问题“同上”不是具体问题，请写下客户的原话，例如“这款滤芯多久换一次？”")


def _complete(**overrides: object) -> dict[str, str]:
    values: dict[str, object] = {"grade": "A", "pain_points": ["价格偏高"],
                                 "question": "交期多久能到", "next_action": "寄送样品",
                                 "has_photo": True}
    values.update(overrides)
    return record_problems(**values)  # type: ignore[arg-type]


def test_complete_record_has_no_problems() -> None:
    assert _complete() == {}
    assert _complete(grade=" b ") == {}


@pytest.mark.parametrize("grade,message", [
    (None, "未选择客户等级（A/B/C）"), ("", "未选择客户等级（A/B/C）"),
    ("D", "客户等级“D”无效，应为 A、B 或 C"), ("AA", "客户等级“AA”无效，应为 A、B 或 C"),
])
def test_grade(grade: str | None, message: str) -> None:
    assert _complete(grade=grade) == {"grade": message}


def test_pain_points() -> None:
    assert _complete(pain_points=[]) == {"pain_points": "未选择客户痛点（至少一项）"}
    assert _complete(pain_points=["", "  "]) == {"pain_points": "未选择客户痛点（至少一项）"}
    assert _complete(pain_points=["乱写的"], pain_point_options=["价格偏高"]) == {
        "pain_points": "痛点“乱写的”不在可选列表中"}
    assert _complete(pain_point_options=["价格偏高", "交期太长"]) == {}


def test_next_action_and_photo() -> None:
    assert _complete(next_action=None) == {"next_action": "未填写下一步行动"}
    assert _complete(next_action=" ") == {"next_action": "未填写下一步行动"}
    assert _complete(next_action="去喝茶", next_action_options=["寄送样品"]) == {
        "next_action": "下一步行动“去喝茶”不在可选列表中"}
    assert _complete(has_photo=False) == {"photo": "缺少现场照片"}


def test_everything_missing_lists_every_field_in_order() -> None:
    problems = record_problems(grade=None, pain_points=[], question="无", next_action=None,
                               has_photo=False)
    assert list(problems) == ["grade", "pain_points", "question", "next_action", "photo"]


def test_the_reason_names_exactly_the_missing_parts() -> None:
    problems = record_problems(grade="B", pain_points=[], question="交期?", next_action="",
                               has_photo=True)
    assert problems == {"pain_points": "未选择客户痛点（至少一项）",
                        "next_action": "未填写下一步行动"}
