"""Visit cards: the supervisor's review card for a flagged check-in, the rep's short
confirmations and the check-in page link. Pure: plain values in, neutral ``Card`` /
``Reply`` out; callers look the visit up, name the people and build the links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards import texts
from cards.customer import custom_lines
from lib.chat import Button, Card, Reply

CONFIRM_PREFIX = "visit.confirm"
REJECT_PREFIX = "visit.reject"
FOLLOWUP_DONE_PREFIX = "followup.done"


@dataclass(frozen=True)
class FlaggedVisit:
    """What the supervisor needs to judge one flagged check-in."""

    visit_id: int
    rep_name: str
    customer_name: str
    when: str  # server receive time, already formatted in the business time zone
    reasons: tuple[str, ...]  # each flag's Chinese reason
    url: str  # the visit's review page: each flag with its evidence
    task_id: str  # unique per card (WeCom refuses a reused task_id)
    extra: tuple[tuple[str, str], ...] = ()  # the visit's custom field values (C8)


def review_card(visit: FlaggedVisit) -> Card:
    """The supervisor decides: 确认有效 (the visit counts) or 驳回."""
    reasons = "\n".join(texts.VISIT_REASON_LINE.format(index=i, reason=r)
                        for i, r in enumerate(visit.reasons, 1))
    extra = custom_lines(visit.extra)
    return Card(
        title=texts.VISIT_REVIEW_TITLE,
        description=texts.VISIT_REVIEW_DESCRIPTION.format(reasons=reasons)
        + (f"\n{extra}" if extra else ""),
        fields=((texts.LABEL_REP, visit.rep_name),
                (texts.LABEL_CUSTOMER, visit.customer_name),
                (texts.LABEL_VISIT_TIME, visit.when)),
        url=visit.url,
        buttons=(Button(texts.VISIT_CONFIRM, f"{CONFIRM_PREFIX}:{visit.visit_id}", style=1),
                 Button(texts.VISIT_REJECT, f"{REJECT_PREFIX}:{visit.visit_id}", style=3)),
        task_id=visit.task_id,
    )


def recorded(customer_name: str, when: str) -> Reply:
    """The honest rep's confirmation."""
    return Reply(text=texts.VISIT_RECORDED.format(customer=customer_name, when=when))


def under_review(customer_name: str, when: str, reasons: Sequence[str]) -> Reply:
    """The flagged rep learns the visit waits for the supervisor, and why."""
    return Reply(text=texts.VISIT_UNDER_REVIEW.format(
        customer=customer_name, when=when, reasons="；".join(reasons)))


def decided(customer_name: str, when: str, *, confirmed: bool, by: str) -> Reply:
    """The rep learns the supervisor's decision."""
    template = texts.VISIT_CONFIRMED_TO_REP if confirmed else texts.VISIT_REJECTED_TO_REP
    return Reply(text=template.format(customer=customer_name, when=when, by=by))


def checkin_card(url: str) -> Card:
    """The workbench button's answer: the check-in page."""
    return Card(title=texts.CHECKIN_TITLE, description=texts.CHECKIN_DESCRIPTION, url=url)


@dataclass(frozen=True)
class FollowUp:
    """One follow-up task as its reminder card shows it."""

    task_id: int
    customer_name: str
    action: str
    due: str  # the due date, e.g. 2026-11-30
    owner_name: str
    card_task_id: str  # unique per card (WeCom refuses a reused task_id)
    url: str | None = None  # the customer's 360 page


def followup_card(task: FollowUp, *, overdue: bool = False, to_owner: bool = True) -> Card:
    """The due-date (or overdue) reminder; the owner gets a 标记完成 button."""
    if overdue and not to_owner:
        description = texts.FOLLOWUP_OVERDUE_DESCRIPTION.format(owner=task.owner_name,
                                                                action=task.action)
    else:
        description = texts.FOLLOWUP_DESCRIPTION.format(action=task.action)
    buttons = ((Button(texts.FOLLOWUP_DONE_BUTTON, f"{FOLLOWUP_DONE_PREFIX}:{task.task_id}",
                       style=1),) if to_owner else ())
    return Card(
        title=texts.FOLLOWUP_OVERDUE_TITLE if overdue else texts.FOLLOWUP_DUE_TITLE,
        description=description,
        fields=((texts.LABEL_CUSTOMER, task.customer_name),
                (texts.LABEL_DUE_DATE, task.due),
                (texts.LABEL_OWNER, task.owner_name)),
        url=task.url,
        buttons=buttons,
        task_id=task.card_task_id,
    )


def photo_unusable(customer_name: str, when: str, reason: str) -> Reply:
    """A bad upload (``bad_photo``): the rep is told plainly why, and to check in again."""
    return Reply(text=texts.PHOTO_UNUSABLE.format(reason=reason.rstrip("。，,；;"),
                                                  customer=customer_name, when=when))
