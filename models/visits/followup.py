"""Follow-up tasks (C4): a visit's next action with a date becomes one task for the rep,
reminded on the due date and again when it is overdue.

Wake-up tasks (``kind="wakeup"``, no visit) are made by the inactivity rule
(handlers/rules/customers.py); they share the table so they show in the rep's open tasks
and are done with the same 标记完成 button. One task per visit (``visit_id`` unique), created by
``handlers.visits.evaluate`` so a re-run never duplicates it. Reminders are tracked by
their outbox dedupe keys (``followup:{id}:due`` / ``followup:{id}:overdue``);
``reminded_at`` records when the first reminder was queued, for people reading the table."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from sqlalchemy import Column, ForeignKey, Index, Integer, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from lib.workdays import first_workday_after, first_workday_on_or_after
from models.base import utcnow

STATUS_OPEN = "open"
STATUS_DONE = "done"
REMIND_TIME = time(9, 0)


KIND_FOLLOWUP = "followup"  # a visit's next action (visit_id set)
KIND_WAKEUP = "wakeup"  # the inactivity rule's "wake this customer up" (no visit)
KINDS = (KIND_FOLLOWUP, KIND_WAKEUP)


class FollowUpTask(SQLModel, table=True):
    __tablename__ = "followup_task"
    __table_args__ = (
        # At most one open wake-up task per customer, whatever races the sweep loses.
        Index("uq_followup_task_open_wakeup", "customer_id", unique=True,
              sqlite_where=text("kind = 'wakeup' AND status = 'open'"),
              postgresql_where=text("kind = 'wakeup' AND status = 'open'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("visit.id", ondelete="CASCADE"), nullable=True, unique=True))
    kind: str = Field(default=KIND_FOLLOWUP, max_length=16)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner: str = Field(max_length=64, index=True)  # the rep's WeCom userid
    action: str = Field(max_length=64)
    due_date: date = Field(index=True)
    status: str = Field(default=STATUS_OPEN, max_length=16, index=True)
    reminded_at: datetime | None = None
    done_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


def next_workday(day: date) -> date:
    return first_workday_after(day)


def due_reminder_at(due: date, tz: tzinfo) -> datetime:
    """09:00 business time on the due date, or on the first working day after it."""
    return datetime.combine(first_workday_on_or_after(due), REMIND_TIME, tz)


def overdue_reminder_at(due: date, tz: tzinfo) -> datetime:
    """09:00 on the working day after the due reminder's day."""
    return datetime.combine(next_workday(first_workday_on_or_after(due)), REMIND_TIME, tz)


def for_visit(session: Session, visit_id: int) -> FollowUpTask | None:
    return session.exec(select(FollowUpTask).where(col(FollowUpTask.visit_id) == visit_id)).first()


def ensure_for_visit(session: Session, *, visit_id: int, customer_id: int, owner: str,
                     action: str, due_date: date) -> FollowUpTask:
    """The visit's task, created once (a concurrent duplicate hits the unique key)."""
    existing = for_visit(session, visit_id)
    if existing is not None:
        return existing
    task = FollowUpTask(visit_id=visit_id, customer_id=customer_id, owner=owner,
                        action=action, due_date=due_date)
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:
        found = for_visit(session, visit_id)
        assert found is not None
        return found
    return task


def open_due_by(session: Session, day: date) -> list[FollowUpTask]:
    """Open follow-up tasks whose due date is on or before ``day`` (reminder candidates;
    wake-up tasks are announced by their own rule, not reminded again here)."""
    return list(session.exec(select(FollowUpTask).where(
        col(FollowUpTask.status) == STATUS_OPEN, col(FollowUpTask.due_date) <= day,
        col(FollowUpTask.kind) == KIND_FOLLOWUP)
        .order_by(col(FollowUpTask.id))))


def open_for(session: Session, owner: str) -> list[FollowUpTask]:
    """The rep's open tasks of every kind, soonest first (their to-do list)."""
    return list(session.exec(select(FollowUpTask).where(
        col(FollowUpTask.owner) == owner, col(FollowUpTask.status) == STATUS_OPEN)
        .order_by(col(FollowUpTask.due_date), col(FollowUpTask.id))))


def open_wakeup(session: Session, customer_id: int) -> FollowUpTask | None:
    return session.exec(select(FollowUpTask).where(
        col(FollowUpTask.customer_id) == customer_id, col(FollowUpTask.kind) == KIND_WAKEUP,
        col(FollowUpTask.status) == STATUS_OPEN)).first()
