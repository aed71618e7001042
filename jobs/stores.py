"""Store jobs (C12): the promotion photo check off the request path, and the weekly
"busy but not selling" sweep.

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

from rq import Retry
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.outbound import queue_wecom
from cards import store as cards
from models import photos
from models import promotion as pm
from models.store import Store, StoreAlert
from models.store_metrics import Finding, Thresholds, two_weeks_running, week_of
from models.user import User, by_platform_id
from models.workdays import is_workday
from web.links import wecom_oauth_url
from zhongshu import clock
from zhongshu.db import session_scope
from zhongshu.queues import enqueue_after_commit
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

ALERT_TIME = time(9, 0)
ALERT_ROLES = ("hq",)


def enqueue_photo(session: Session, checkin_id: int, at: datetime) -> None:
    enqueue_after_commit(session, process_promotion_photo, checkin_id,
                         job_id=f"promo-photo-{checkin_id}-{int(at.timestamp())}",
                         retry=Retry(max=3, interval=[10, 60, 300]))


def process_promotion_photo(checkin_id: int) -> str:
    settings = get_settings()
    with session_scope() as session:
        row = session.get(pm.PromotionCheckin, checkin_id)
        if row is None:
            return "missing"
        manager = by_platform_id(session, "wecom", row.by, include_inactive=True)
        done = pm.evaluate_checkin(session, checkin_id, business_tz=clock.business_tz(),
                                   marked_dir=settings.instance_dir / "promotions" / "marked",
                                   font_path=photos.find_cjk_font(),
                                   manager_name=manager.name if manager else None)
        return done.status if done is not None else "missing"


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
    from jobs.deliver import enqueue_delivery

    for outbox_id in queued:
        enqueue_delivery(outbox_id)
    return {"queued": len(queued), "stores": stores}


def _alert_week(week: date, tz: ZoneInfo) -> tuple[int, list[int]]:
    queued: list[int] = []
    with session_scope() as session:
        findings = two_weeks_running(session, week, tz, thresholds())
        # HQ operations, and directors of the whole chain (no region of their own).
        recipients = list(session.exec(select(User.wecom_userid).where(
            col(User.active).is_(True),
            or_(col(User.role).in_(ALERT_ROLES),
                and_(User.role == "director", col(User.region).is_(None))))
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
