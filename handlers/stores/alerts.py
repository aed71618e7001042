"""The weekly "busy but not selling" store alert (C12): what the sweep
jobs.stores.sweep_store_alerts (declared in jobs/schedule.py) does.

The sweep looks at the last complete ISO week (business time zone). It is due from
09:00 on the first Chinese working day of the following week (a holiday Monday moves it
to the first working day, a make-up Saturday counts); until that week ends, every run
finds the same stores and hits the same ``store_alert`` rows and outbox keys
``store-alert:{store}:{week}:{user}`` — exactly once per store, week and recipient,
also after downtime or with two schedulers racing. Recipients: every active ``hq`` user
and every director of the whole chain (no region)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from analytics.stores import Finding, Thresholds, two_weeks_running
from bot.outbound import queue_wecom
from cards import store as cards
from cards.links import wecom_oauth_url
from lib.workdays import is_workday
from models.org.user import User
from models.stores.metrics import week_of
from models.stores.store import Store, StoreAlert
from zhongshu import clock
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

ALERT_TIME = time(9, 0)
ALERT_ROLES = ("hq",)


def thresholds() -> Thresholds:
    settings = get_settings()
    return Thresholds(settings.store_traffic_k, settings.store_conversion_m)


def alert_due_at(week: date, tz: ZoneInfo) -> datetime:
    """09:00 on the first working day on or after the Monday after ``week``."""
    day = week + timedelta(days=7)
    while not is_workday(day):
        day += timedelta(days=1)
    return datetime.combine(day, ALERT_TIME, tz)


def alert_key(code: str, week: date, userid: str) -> str:
    return f"store-alert:{code}:{week.isoformat()}:{userid}"


def sweep_store_alerts(now: datetime) -> dict[str, int]:
    tz = clock.business_tz()
    last = week_of(now.astimezone(tz).date()) - timedelta(days=7)
    queued: list[int] = []
    stores = 0
    this_monday = datetime.combine(last + timedelta(days=7), time(0), tz)
    # The week before only when its alert fell due in this week too: after a long
    # holiday (Spring Festival) two weeks' alerts are due on the same working day.
    earlier = last - timedelta(days=7)
    weeks = ([earlier] if alert_due_at(earlier, tz) >= this_monday else []) + [last]
    for week in weeks:
        if now >= alert_due_at(week, tz):
            found, ids = _alert_week(week, tz)
            stores += found
            queued += ids
    return {"queued": len(queued), "stores": stores}


def _alert_week(week: date, tz: ZoneInfo) -> tuple[int, list[int]]:
    queued: list[int] = []
    with session_scope() as session:
        findings = two_weeks_running(session, week, tz, thresholds())
        # HQ operations, and directors of the whole chain (no region of their own).
        recipients = list(session.exec(select(User.wecom_userid).where(
            col(User.active).is_(True),
            or_(col(User.role).in_(ALERT_ROLES),
                and_(col(User.role) == "director", col(User.region).is_(None))))
            .order_by(col(User.wecom_userid))))
        for this_week, last_week in findings:
            store = session.get(Store, this_week.store_id)
            assert store is not None and store.id is not None
            _record(session, store.id, week, {"this_week": this_week.to_dict(),
                                              "last_week": last_week.to_dict()})
            reply = cards.alert_card(
                name=store.name, code=store.code, this_week=_numbers(this_week),
                last_week=_numbers(last_week),
                url=wecom_oauth_url(f"/h5/stores/{store.id}"))
            for userid in recipients:
                row = queue_wecom(session, userid, reply,
                                  dedupe_key=alert_key(store.code, week, userid))
                if row is not None:
                    session.flush()
                    assert row.id is not None
                    queued.append(row.id)
    return len(findings), queued


def _record(session: Session, store_id: int, week: date, figures: dict[str, object]) -> None:
    exists = session.exec(select(StoreAlert.id).where(StoreAlert.store_id == store_id,
                                                      StoreAlert.week == week)).first()
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(StoreAlert(store_id=store_id, week=week, figures=figures))
            session.flush()
    except IntegrityError:
        log.info("store alert %s/%s recorded by another sweep", store_id, week)


def _numbers(finding: Finding) -> cards.WeekNumbers:
    return cards.WeekNumbers(finding.week, finding.traffic, finding.conversion,
                             finding.peer_traffic, finding.peer_conversion)
