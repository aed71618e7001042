"""The record check: are grade, pain points, a concrete customer question, the next
action and a photo all there? ``record_problems`` is also the live form's
required-before-submit check (``models.visits.visit.submit``, the chat check-in)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from lib.text import halfwidth
from models.customers.customer import GRADES
from models.visits.evidence.facts import INCOMPLETE_RECORD, EvidenceRules, Flag, VisitFacts
from models.visits.evidence.texts import (
    GRADE_INVALID,
    GRADE_MISSING,
    NEXT_ACTION_MISSING,
    NEXT_ACTION_UNKNOWN,
    PAIN_POINT_UNKNOWN,
    PAIN_POINTS_MISSING,
    PHOTO_MISSING,
    QUESTION_MISSING,
    QUESTION_PLACEHOLDER,
    QUESTION_TOO_SHORT,
    RECORD_INCOMPLETE,
    SEPARATOR,
)

# Answers that say nothing, compared after normalisation (half-width, lower case, no
# spaces or punctuation). Whole-answer only: "没有" is a placeholder, "有没有现货" is not.
PLACEHOLDER_WORDS = frozenset(["无", "没", "没有", "暂无", "暂时没有", "目前没有", "同上", "同前",
                               "如上", "见上", "同上次", "一样", "略", "空", "无无", "待定",
                               "待补充", "后补", "稍后补充", "未知", "不详", "不清楚", "不知道",
                               "其他", "其它", "问题", "客户问题", "客户的问题", "提问", "咨询",
                               "无咨询", "无问题", "没问题", "没有问题", "暂无问题", "无疑问",
                               "没什么", "没啥", "没什么问题", "没啥问题", "好", "好的", "嗯",
                               "嗯嗯", "哦", "噢", "行", "可以", "收到", "知道了", "了解", "是",
                               "是的", "对", "对的", "已沟通", "已拜访", "正常", "一切正常",
                               "正常拜访", "拜访", "日常拜访", "测试", "测", "试试", "ok", "okay",
                               "test", "testing", "tset", "na", "none", "null", "nil", "nan", "no",
                               "nothing", "tbd", "todo", "xx", "xxx", "asdf", "qwer", "abc", "aaa"])
_TOKENS = sorted(PLACEHOLDER_WORDS, key=len, reverse=True)
_ONLY_TOKENS = re.compile("(?:" + "|".join(map(re.escape, _TOKENS)) + ")+")
# "客户暂时没有提出什么问题", "没有提问", "无具体需求"…: a sentence that says no question.
_NO_QUESTION = re.compile(
    r"(客户|对方|老板|他|她)?(暂时|目前|这次|本次|今天)?(并)?(没|没有|未|无)(有)?"
    r"(提|提出|问|提问|咨询|反馈|说)?(什么|任何|啥)?(具体)?(的)?"
    r"(问题|疑问|要求|需求|意见|东西)?(了|的)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _meaningful(text: str) -> str:
    """Letters, digits and CJK only, lower case, half-width."""
    return "".join(ch for ch in halfwidth(text).lower()
                   if unicodedata.category(ch)[0] in "LN")


def question_problem(question: str | None, *, min_chars: int = 2) -> str | None:
    """Why ``question`` is not a concrete customer question, or None when it is one."""
    raw = " ".join((question or "").split())  # quoted back as the rep typed it
    core = _meaningful(raw)
    if not core:
        if raw:
            return QUESTION_PLACEHOLDER.format(value=raw)  # "...", "？？", "-"
        return QUESTION_MISSING
    if (_ONLY_TOKENS.fullmatch(core) or _NO_QUESTION.fullmatch(core)
            or core.isdigit()  # "1", "123"
            or len(set(core)) < min(3, len(core))  # "哈哈哈", "测测测测", "aabb"
            or not (_CJK.search(core) or any(ch.isalpha() for ch in core))):
        return QUESTION_PLACEHOLDER.format(value=raw)
    if len(core) < min_chars:
        return QUESTION_TOO_SHORT.format(value=raw, n=len(core), min=min_chars)
    return None


def record_problems(*, grade: str | None, pain_points: Sequence[object],
                    question: str | None, next_action: str | None, has_photo: bool,
                    min_question_chars: int = 2,
                    pain_point_options: Iterable[str] | None = None,
                    next_action_options: Iterable[str] | None = None) -> dict[str, str]:
    """What is missing or invalid, by field (grade, pain_points, question, next_action,
    photo). With option lists, values must be among them (live check-ins); without, any
    non-empty value counts (imported history predates today's lists)."""
    problems: dict[str, str] = {}
    grade_text = (grade or "").strip().upper()
    if not grade_text:
        problems["grade"] = GRADE_MISSING
    elif grade_text not in GRADES:
        problems["grade"] = GRADE_INVALID.format(value=(grade or "").strip())
    chosen = [p.strip() for p in pain_points if isinstance(p, str) and p.strip()]
    if not chosen:
        problems["pain_points"] = PAIN_POINTS_MISSING
    elif pain_point_options is not None:
        allowed = set(pain_point_options)
        unknown = [p for p in chosen if p not in allowed]
        if unknown:
            problems["pain_points"] = PAIN_POINT_UNKNOWN.format(value=unknown[0])
    question_issue = question_problem(question, min_chars=min_question_chars)
    if question_issue:
        problems["question"] = question_issue
    action = (next_action or "").strip()
    if not action:
        problems["next_action"] = NEXT_ACTION_MISSING
    elif next_action_options is not None and action not in set(next_action_options):
        problems["next_action"] = NEXT_ACTION_UNKNOWN.format(value=action)
    if not has_photo:
        problems["photo"] = PHOTO_MISSING
    return problems


def check_record(visit: VisitFacts, rules: EvidenceRules) -> list[Flag]:
    problems = record_problems(
        grade=visit.grade, pain_points=visit.pain_points, question=visit.question,
        next_action=visit.next_action,
        has_photo=visit.photo is not None or visit.photo_error is not None,
        min_question_chars=rules.min_question_chars)
    if not problems:
        return []
    return [Flag(INCOMPLETE_RECORD,
                 RECORD_INCOMPLETE.format(problems=SEPARATOR.join(problems.values())))]
