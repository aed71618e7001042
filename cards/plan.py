"""Visit plan cards (C5): plain values in, neutral ``Card`` / ``Reply`` out. Pure: the
callers look plans up and build links; the Chinese text of plans lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lib.chat import Card, Reply
from models.config import glossary

WEEKDAYS = "一二三四五六日"

PLAN_TITLE = "下周拜访计划（{start}—{end}）"
PLAN_EMPTY = "下周计划还是空的。发送「下周计划 客户名称，客户名称」添加客户。"
PLAN_LOCKED_NOTE = "已于 {lock} 截止，计划只读。"
PLAN_OPEN_NOTE = "{lock} 截止，截止前可随时修改。"
PLAN_ADDED = "已加入下周计划：{names}"
PLAN_ALREADY = "已在计划中：{names}"
PLAN_NOT_FOUND = "没有找到客户「{name}」"
PLAN_LOCKED = "下周计划已于 {lock} 截止，不能再修改。如需调整请联系主管。"
PLAN_REFUSED = "拜访计划只对业务员和主管开放。"
PLAN_USAGE = "下周计划 [客户名称，客户名称…]"
PLAN_SUMMARY = "查看或添加下周拜访计划"
PLAN_PAGE = "打开计划页面"
NOTICE_TITLE = "晨会提醒：{n} 位业务员未交下周计划"
NOTICE_DESC = "计划周 {start}—{end}，截止时间 {lock}。以下业务员没有提交拜访计划："
UNCOVERED_TITLE = "本周未覆盖的高潜客户（{n} 位）"
UNCOVERED_NONE = "本周团队的高潜客户（A级或高意向）都已有有效拜访。"
UNCOVERED_USAGE = "未覆盖"
UNCOVERED_SUMMARY = "本周团队未拜访的高潜客户（主管）"
UNCOVERED_REFUSED = "「未覆盖」只对主管开放。"
UNCOVERED_MORE = "只列出前 {shown} 位，另有 {n} 位，点开查看全部"
NO_DAY = "未定日期"


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def week_range(week: date) -> tuple[str, str]:
    return _md(week), _md(week + timedelta(days=6))


def lock_text(lock: datetime) -> str:
    return f"{lock:%m-%d} 周{WEEKDAYS[lock.weekday()]} {lock:%H:%M}"


def day_text(day: date | None) -> str:
    return f"周{WEEKDAYS[day.weekday()]}" if day else NO_DAY


@dataclass(frozen=True)
class PlanLine:
    name: str
    day: date | None


def plan_card(week: date, lines: Sequence[PlanLine], *, lock: datetime, locked: bool,
              url: str) -> Reply:
    start, end = week_range(week)
    note = (PLAN_LOCKED_NOTE if locked else PLAN_OPEN_NOTE).format(lock=lock_text(lock))
    if not lines:
        return Reply(card=Card(title=PLAN_TITLE.format(start=start, end=end),
                               description=f"{PLAN_EMPTY}\n{note}", url=url))
    fields = tuple((line.name, day_text(line.day)) for line in lines)
    return Reply(card=Card(title=PLAN_TITLE.format(start=start, end=end), description=note,
                           fields=fields, url=url))


def added_text(added: Sequence[str], already: Sequence[str], missing: Sequence[str]) -> str:
    parts = []
    if added:
        parts.append(PLAN_ADDED.format(names="、".join(added)))
    if already:
        parts.append(PLAN_ALREADY.format(names="、".join(already)))
    parts.extend(PLAN_NOT_FOUND.format(name=name) for name in missing)
    return "\n".join(parts)


def notice_card(week: date, rep_names: Sequence[str], *, lock: datetime, url: str) -> Reply:
    start, end = week_range(week)
    return Reply(card=Card(
        title=NOTICE_TITLE.format(n=len(rep_names)),
        description=NOTICE_DESC.format(start=start, end=end, lock=lock_text(lock)),
        fields=tuple((name, "未提交") for name in rep_names), url=url))


@dataclass(frozen=True)
class UncoveredLine:
    name: str
    owner_name: str
    grade: str | None
    intent: str | None


# The card shows the first few (WeCom shows at most 6 rows); the plan page it links to
# lists them all, scoped to the supervisor's team.
UNCOVERED_MAX_FIELDS = 5


def uncovered_card(lines: Sequence[UncoveredLine], *, url: str) -> Reply:
    if not lines:
        return Reply(text=UNCOVERED_NONE)
    shown = lines[:UNCOVERED_MAX_FIELDS]
    fields = tuple((line.name, f"{line.owner_name} · {glossary.grade_label(line.grade)}")
                   for line in shown)
    desc = (UNCOVERED_MORE.format(shown=len(shown), n=len(lines) - len(shown))
            if len(lines) > len(shown) else "")
    return Reply(card=Card(title=UNCOVERED_TITLE.format(n=len(lines)), description=desc,
                           fields=fields, url=url))
