"""Store jobs (C12): the promotion photo check off the request path (queued by the
promotion page through ``enqueue_photo``, ids in) and the weekly "busy but not selling"
sweep (declared in jobs/schedule.py). The work is in handlers/stores/promotions.py and
handlers/stores/alerts.py."""

from __future__ import annotations

from datetime import datetime

from rq import Retry
from sqlmodel import Session

from handlers.stores import alerts
from handlers.stores.promotions import check_promotion_photo
from zhongshu.queues import enqueue_after_commit


def enqueue_photo(session: Session, checkin_id: int, at: datetime) -> None:
    enqueue_after_commit(session, process_promotion_photo, checkin_id,
                         job_id=f"promo-photo-{checkin_id}-{int(at.timestamp())}",
                         retry=Retry(max=3, interval=[10, 60, 300]))


def process_promotion_photo(checkin_id: int) -> str:
    return check_promotion_photo(checkin_id)


def sweep_store_alerts(now: datetime) -> dict[str, int]:
    return alerts.sweep_store_alerts(now)
