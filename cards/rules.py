"""Message-center notices (C7): the texts and cards the rule sweeps send. Pure: plain
values in, neutral ``Reply`` out (handlers/rules/ looks the rows up and picks recipients).

DingTalk silently drops a work notification whose content equals one already sent to the
same user that day, so every repeated reminder carries its date, its count and the hours
elapsed: no two reminders about one contract are ever the same text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards import texts as card_texts
from cards.visit import FOLLOWUP_DONE_PREFIX
from lib.chat import Button, Card, Reply

REVIEW_REMINDER = ("【合同待审核】合同 {no}（{customer}，金额 {amount} 元，业务员 {rep}）"
                   "已签约 {hours} 小时仍未审核，请尽快处理。第 {count} 次提醒 · {day}")
RISK_TO_REP = ("【风险单】合同 {no}（{customer}）签约已超过 {hours} 小时仍未上传盖章页，"
               "已标记为风险单。请尽快上传盖章页，上传后自动解除。{day}")
RISK_TO_OTHERS = ("【风险单】{rep}的合同 {no}（{customer}）签约已超过 {hours} 小时仍未上传"
                  "盖章页，已标记为风险单。{day}")
ZOMBIE_SUMMARY = ("【僵尸客户】{count} 位客户已 {days} 天以上没有成交，已标记为僵尸客户，"
                  "请安排跟进：\n{lines}")
ZOMBIE_LINE = "· {customer}（{rep}，{days} 天，最近一次下单 {last}）"
WAKEUP_SUMMARY = ("【客户唤醒】{count} 位客户长期没有拜访、沟通或订单，已给负责的业务员派唤醒任务："
                  "\n{lines}")
WAKEUP_LINE = "· {customer}（{grade}级，{rep}，{days} 天未互动）"
WAKEUP_OWNER_SUMMARY = ("【客户唤醒】另有 {count} 位你的客户长期没有拜访、沟通或订单，"
                        "已为每位建好唤醒任务；"
                        "联系后在客户页记一次沟通即可完成：\n{lines}")
SUMMARY_MORE = "\n……等共 {count} 位，详见客户列表"
SUMMARY_LINES = 30
WAKEUP_TITLE = "客户唤醒任务"
WAKEUP_ACTION = "唤醒客户（{days}天未互动）"
WAKEUP_DESCRIPTION = ("{customer} 已 {days} 天没有拜访、沟通或订单，请联系客户；"
                      "联系后点“标记完成”记录一次沟通。")
WAKEUP_DESCRIPTION_OTHERS = ("{rep}的客户 {customer} 已 {days} 天没有拜访、沟通或订单，"
                             "已给{rep}派唤醒任务。")
LABEL_CUSTOMER = "客户"
LABEL_GRADE = "等级"
LABEL_LAST = "最近互动"
LABEL_OWNER = "负责人"
DIGEST = ("【团队周报】{team}（{start} 至 {end}）\n"
          "新增客户：{new_customers}\n"
          "拜访：{visits}（异常 {flagged}）\n"
          "逾期任务：{overdue}\n"
          "僵尸客户：{zombies}\n"
          "风险单：{risk}")
WAKEUP_LOGGED = "完成唤醒任务：{action}"


def review_reminder(*, no: str, customer: str, amount: str, rep: str, hours: int,
                    count: int, day: str) -> Reply:
    return Reply(text=REVIEW_REMINDER.format(no=no, customer=customer, amount=amount, rep=rep,
                                             hours=hours, count=count, day=day))


def risk_notice(*, no: str, customer: str, rep: str, hours: int, day: str,
                to_owner: bool) -> Reply:
    template = RISK_TO_REP if to_owner else RISK_TO_OTHERS
    return Reply(text=template.format(no=no, customer=customer, rep=rep, hours=hours, day=day))


def _lines(lines: Sequence[str]) -> str:
    shown = "\n".join(lines[:SUMMARY_LINES])
    if len(lines) > SUMMARY_LINES:
        shown += SUMMARY_MORE.format(count=len(lines))
    return shown


def zombie_line(*, customer: str, rep: str, days: int, last: str) -> str:
    return ZOMBIE_LINE.format(customer=customer, rep=rep, days=days, last=last)


def zombie_summary(lines: Sequence[str], *, days: int) -> Reply:
    """One sweep's new zombie customers for one person (the rep, the supervisor…)."""
    return Reply(text=ZOMBIE_SUMMARY.format(count=len(lines), days=days, lines=_lines(lines)))


def wakeup_line(task: Wakeup) -> str:
    return WAKEUP_LINE.format(customer=task.customer_name, grade=task.grade or "未分",
                              rep=task.owner_name, days=task.days)


def wakeup_summary(lines: Sequence[str]) -> Reply:
    """One sweep's new wake-up tasks of a team, for its supervisor (and others named)."""
    return Reply(text=WAKEUP_SUMMARY.format(count=len(lines), lines=_lines(lines)))


def wakeup_owner_summary(lines: Sequence[str]) -> Reply:
    """The rep's wake-ups of one sweep beyond the first few cards, as one message."""
    return Reply(text=WAKEUP_OWNER_SUMMARY.format(count=len(lines), lines=_lines(lines)))


@dataclass(frozen=True)
class Wakeup:
    task_id: int
    customer_name: str
    grade: str
    days: int
    last: str  # the last interaction's date
    owner_name: str
    card_task_id: str  # unique per card (WeCom refuses a reused task_id)
    url: str | None = None


def wakeup_action(days: int) -> str:
    return WAKEUP_ACTION.format(days=days)


def wakeup_card(task: Wakeup, *, to_owner: bool) -> Reply:
    """The rep's card carries the same 标记完成 button as a follow-up reminder."""
    if to_owner:
        description = WAKEUP_DESCRIPTION.format(customer=task.customer_name, days=task.days)
        buttons: tuple[Button, ...] = (
            Button(card_texts.FOLLOWUP_DONE_BUTTON, f"{FOLLOWUP_DONE_PREFIX}:{task.task_id}"),)
    else:
        description = WAKEUP_DESCRIPTION_OTHERS.format(rep=task.owner_name,
                                                       customer=task.customer_name,
                                                       days=task.days)
        buttons = ()
    return Reply(card=Card(
        title=WAKEUP_TITLE, description=description,
        fields=((LABEL_CUSTOMER, task.customer_name), (LABEL_GRADE, task.grade or "-"),
                (LABEL_LAST, task.last), (LABEL_OWNER, task.owner_name)),
        url=task.url, buttons=buttons,
        task_id=task.card_task_id if to_owner else None))


@dataclass(frozen=True)
class DigestNumbers:
    new_customers: int = 0
    visits: int = 0
    flagged: int = 0
    overdue: int = 0
    zombies: int = 0
    risk: int = 0


def digest(*, team: str, start: str, end: str, numbers: DigestNumbers) -> Reply:
    return Reply(text=DIGEST.format(team=team, start=start, end=end,
                                    new_customers=numbers.new_customers,
                                    visits=numbers.visits, flagged=numbers.flagged,
                                    overdue=numbers.overdue, zombies=numbers.zombies,
                                    risk=numbers.risk))
