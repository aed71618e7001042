"""The store manager's daily report (C12): the figures the system already has for
yesterday are filled in; the manager adds notes and issues and submits once per store
and day (``uq_store_daily_report_day``: a second submit — double tap, second phone —
changes nothing and is told so)."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.org.user import User
from models.stores.metrics import daily_figures
from models.stores.promotion import pending_items
from models.stores.store import Store, StoreDailyReport

MAX_TEXT = 1000
TOO_LONG = "内容不能超过 {n} 字"


class AlreadySubmitted(Exception):
    pass


def existing(session: Session, store_id: int, day: date) -> StoreDailyReport | None:
    return session.exec(select(StoreDailyReport).where(
        StoreDailyReport.store_id == store_id, StoreDailyReport.day == day)).first()


def prefilled(session: Session, store: Store, day: date, tz: tzinfo,
              today: date) -> dict[str, Any]:
    assert store.id is not None
    return daily_figures(session, store.id, day, tz, pending_items(session, store, today))


def submit(session: Session, *, user: User, store: Store, day: date, tz: tzinfo,
           today: date, notes: str, issues: str) -> StoreDailyReport:
    """Raises ``AlreadySubmitted`` (nothing changed) or ``ValueError`` (text too long)."""
    assert store.id is not None
    if len(notes) > MAX_TEXT or len(issues) > MAX_TEXT:
        raise ValueError(TOO_LONG.format(n=MAX_TEXT))
    if existing(session, store.id, day) is not None:
        raise AlreadySubmitted
    report = StoreDailyReport(store_id=store.id, day=day,
                              figures=prefilled(session, store, day, tz, today),
                              notes=notes.strip(), issues=issues.strip(),
                              submitted_by=user.wecom_userid)
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError as exc:  # two submits racing: the other one won
        raise AlreadySubmitted from exc
    return report
