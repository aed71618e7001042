"""The 标记完成 button of a follow-up reminder card (``followup.done:<task id>``, built by
handlers/visits/reminders.py). Only the task's owner may mark it done; anyone else is refused and
nothing changes. Done is final: a second tap just says so. Completing a wake-up task (the
inactivity rule's) also logs a communication record, so the customer is no longer inactive."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.router import router
from cards import rules as rule_cards
from cards import texts as card_texts
from cards import visit as cards
from lib.chat import Event, Reply
from models.base import parse_id, utcnow
from models.customers.communication import record_communication
from models.org import user as users
from models.visits import followup as fu

# One answer for a task that does not exist and one that is someone else's: a click
# must not tell which ids exist.
TASK_NOT_FOUND = "找不到这条跟进任务（只有该跟进任务的负责人可以标记完成）"
NOT_YOUR_TASK = TASK_NOT_FOUND
ALREADY_DONE = "这条跟进任务已完成"
MARKED_DONE = "已完成跟进：{action}"
WAKEUP_CHANNEL = "phone"


def _task_id(key: str) -> int | None:
    _, _, arg = key.partition(":")
    return parse_id(arg)


# No passive replace_name: the button changes only once the owner is recognised.
@router.card_action(cards.FOLLOWUP_DONE_PREFIX)
def mark_done(event: Event, session: Session) -> Reply | list[Reply]:
    clicker = users.by_platform_id(session, event.platform, event.user_id)
    task_id = _task_id(event.key)
    task = (session.exec(select(fu.FollowUpTask).where(fu.FollowUpTask.id == task_id)
                         .with_for_update()).first() if task_id is not None else None)
    if task is None:
        return Reply(text=TASK_NOT_FOUND)
    if clicker is None or not clicker.active or clicker.wecom_userid != task.owner:
        return Reply(text=NOT_YOUR_TASK)
    if task.status == fu.STATUS_DONE:
        return Reply(text=ALREADY_DONE)
    task.status = fu.STATUS_DONE
    task.done_at = utcnow()
    session.add(task)
    if task.kind == fu.KIND_WAKEUP:
        # Done on a wake-up card means "I contacted them": that is an interaction, logged
        # as a communication record, which clears the customer's inactivity.
        record_communication(session, customer_id=task.customer_id, user_id=task.owner,
                             channel=WAKEUP_CHANNEL,
                             summary=rule_cards.WAKEUP_LOGGED.format(action=task.action),
                             at=task.done_at)
    return [Reply(update_button=card_texts.FOLLOWUP_DONE),
            Reply(text=MARKED_DONE.format(action=task.action))]
