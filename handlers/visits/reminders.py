"""Follow-up tasks (C4): ``create_for_visit`` turns a visit's next action with a date into
one ``FollowUpTask`` (called by ``handlers.visits.evaluate``, so once per visit however
often the evaluation re-runs), and ``sweep_followup_reminders`` queues the reminders (the
scheduler runs it through jobs/followups.py).

Reminders, for an open task:

- due: 09:00 business time on the due date, or on the first Chinese working day after it
  when the due date is a weekend or public holiday — ONE card to the owner, outbox key
  ``followup:{id}:due``;
- overdue: still open at 09:00 on the next working day after that — ONE card to the owner
  (``followup:{id}:overdue``) and ONE to the owner's supervisor
  (``followup:{id}:overdue:{supervisor}``).

Like the plan-notice sweep, the deterministic outbox keys are the whole exactly-once
mechanism: re-runs, restarts and racing schedulers hit the same unique key, and a reminder
missed while the scheduler was down is sent once by the next sweep. A task done in the
meantime is never reminded."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session, select

from bot.outbound import queue_wecom
from cards import visit as cards
from cards.links import customer_path, wecom_oauth_url
from lib.chat import Reply
from models.customers.customer import Customer
from models.org.user import User, record_user
from models.platform.outbox import OutboxMessage
from models.visits import followup as fu
from models.visits.visit import Visit
from zhongshu import clock
from zhongshu.db import session_scope


def due_key(task_id: int) -> str:
    return f"followup:{task_id}:due"


def overdue_key(task_id: int) -> str:
    return f"followup:{task_id}:overdue"


def overdue_supervisor_key(task_id: int, supervisor: str) -> str:
    return f"followup:{task_id}:overdue:{supervisor}"


def create_for_visit(session: Session, visit: Visit) -> fu.FollowUpTask | None:
    """The visit's follow-up task if it has a next action and a date (idempotent)."""
    if visit.id is None or not visit.next_action or visit.next_action_date is None:
        return None
    return fu.ensure_for_visit(session, visit_id=visit.id, customer_id=visit.customer_id,
                               owner=visit.rep, action=visit.next_action,
                               due_date=visit.next_action_date)


def _queued(session: Session, key: str) -> bool:
    return session.exec(select(OutboxMessage.id)
                        .where(OutboxMessage.dedupe_key == key)).first() is not None


def _card_values(session: Session, task: fu.FollowUpTask, owner: User | None) -> cards.FollowUp:
    customer = session.get(Customer, task.customer_id)
    assert task.id is not None
    return cards.FollowUp(
        task_id=task.id, customer_name=customer.name if customer else str(task.customer_id),
        action=task.action, due=task.due_date.isoformat(),
        owner_name=owner.name if owner else task.owner,
        card_task_id=f"followup{task.id}x{secrets.token_hex(6)}",
        url=wecom_oauth_url(customer_path(task.customer_id)))


def _queue(session: Session, userid: str, reply: Reply, key: str) -> int | None:
    row = queue_wecom(session, userid, reply, dedupe_key=key)
    if row is None:
        return None
    row_id = row.id
    assert row_id is not None
    return row_id


def sweep_followup_reminders(now: datetime) -> dict[str, int]:
    """Queue the due and overdue reminders; ``now`` is the scheduler's clock (or a test's)."""
    tz = clock.business_tz()
    today = now.astimezone(tz).date()
    with session_scope() as session:
        candidates = [task.id for task in fu.open_due_by(session, today)]
    queued = skipped = 0
    for task_id in candidates:
        with session_scope() as session:
            task = session.get(fu.FollowUpTask, task_id)
            if task is None or task.status != fu.STATUS_OPEN or task.id is None:
                continue
            owner = record_user(session, task.owner)
            sent_any = False
            if now >= fu.due_reminder_at(task.due_date, tz):
                if _queued(session, due_key(task.id)):
                    skipped += 1
                elif _queue(session, task.owner, Reply(card=cards.followup_card(
                        _card_values(session, task, owner))),
                            due_key(task.id)) is not None:
                    queued += 1
                    sent_any = True
            if now >= fu.overdue_reminder_at(task.due_date, tz):
                recipients = [(task.owner, overdue_key(task.id), True)]
                supervisor = record_user(session, owner.supervisor_userid if owner else None)
                if supervisor is not None and supervisor.active:
                    recipients.append((supervisor.wecom_userid,
                                       overdue_supervisor_key(task.id, supervisor.wecom_userid),
                                       False))
                for userid, key, to_owner in recipients:
                    if _queued(session, key):
                        skipped += 1
                        continue
                    card = cards.followup_card(_card_values(session, task, owner),
                                               overdue=True, to_owner=to_owner)
                    if _queue(session, userid, Reply(card=card), key) is not None:
                        queued += 1
                        sent_any = True
            if sent_any and task.reminded_at is None:
                task.reminded_at = now
                session.add(task)
    return {"queued": queued, "skipped": skipped}

