"""The promotion photo check (C12) off the request path: what the RQ job
jobs.stores.process_promotion_photo runs for one check-in (queued after the promotion
page's check-in commits, web/stores, through jobs.stores.enqueue_photo)."""

from __future__ import annotations

from lib import photos
from models.org.user import record_user
from models.stores import promotion as pm
from zhongshu import clock
from zhongshu.db import session_scope
from zhongshu.settings import get_settings


def check_promotion_photo(checkin_id: int) -> str:
    """Validate and mark the check-in's photo; its status, or "missing"."""
    settings = get_settings()
    with session_scope() as session:
        row = session.get(pm.PromotionCheckin, checkin_id)
        if row is None:
            return "missing"
        manager = record_user(session, row.by)
        done = pm.evaluate_checkin(session, checkin_id, business_tz=clock.business_tz(),
                                   marked_dir=settings.instance_dir / "promotions" / "marked",
                                   font_path=photos.find_cjk_font(),
                                   manager_name=manager.name if manager else None)
        return done.status if done is not None else "missing"
