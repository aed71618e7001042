"""The product's words: how grades, roles, statuses and prompts read to users, in the
chat, on cards and on pages alike. Every module that shows one of these takes it from
here, so a customer is never "A级" in the chat and "A类" on a page.

``RETIRED`` lists the spellings that drifted in before and must not come back (a test
scans the code and templates for them)."""

from __future__ import annotations

# -- customer grades ----------------------------------------------------------------------------
GRADES = ("A", "B", "C")
GRADE = "{grade}级"
NO_GRADE = "未评级"


def grade_label(grade: str | None) -> str:
    """"A级", or 未评级 for a customer without a grade."""
    return GRADE.format(grade=grade) if grade in GRADES else NO_GRADE


# -- roles --------------------------------------------------------------------------------------
ROLE_NAMES = {
    "rep": "业务员",
    "supervisor": "主管",
    "director": "销售总监",
    "finance": "财务",
    "admin": "管理员",
    "store_manager": "店长",
    "hq": "总部运营",
}


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def person(name: str | None, userid: str | None) -> str:
    """How a person is named to users: their name; the account only when no name is known."""
    return name or userid or ""


# -- visit review -------------------------------------------------------------------------------
VISIT_STATUS = {"confirmed": "已确认有效", "rejected": "已驳回", "review": "待审核"}

# -- prompts: a field one types into is 填写, one picked from (a list, a photo) is 选择 --------
FILL = "请填写{label}"
CHOOSE = "请选择{label}"

# Spellings replaced by the words above: retired term -> the word to use instead.
RETIRED = {
    "A类": "A级", "B类": "B级", "C类": "C级", "{grade}类": GRADE, "类客户": "级客户",
    "未分级": NO_GRADE, "未定级": NO_GRADE, " 级": "级",
}
