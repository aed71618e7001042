"""zhongshu.demo.visits: the demo's plans and check-ins make the dashboard's visit metrics
show from the first minute, with the same definitions as live check-ins."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from sqlmodel import Session, col, func, select

from analytics import metrics, rollup
from models.base import utcnow
from models.org import user as users
from models.visits import evidence as ev
from models.visits.plan import VisitPlan, visit_is_complete, week_of
from models.visits.visit import Visit, VisitFlag
from zhongshu.db import session_scope
from zhongshu.demo.org import DEMO_ORG
from zhongshu.demo.run import load_demo_data

TZ = ZoneInfo("Asia/Shanghai")
REPS = {p.userid for p in DEMO_ORG if p.role == "rep"}


def test_demo_visits_fill_the_dashboard_like_live_check_ins(session: Session) -> None:
    counts = load_demo_data(progress=False, customers=600, visit_weeks=6)
    assert counts["visit_plans"] == 6 * len(REPS)
    assert counts["visits"] > 4 * len(REPS) * 3
    assert load_demo_data(progress=False, customers=600, visit_weeks=6)["visits"] == 0

    now = utcnow()
    visits = session.exec(select(Visit)).all()
    flags: dict[int, list[str]] = {}
    for visit_id, code, evidence in session.exec(
            select(VisitFlag.visit_id, VisitFlag.code, VisitFlag.evidence)):
        flags.setdefault(visit_id, []).append(code)
        if code == ev.FAR_FROM_CUSTOMER:  # the review page shows the points and distances
            assert evidence and evidence["customer"] and evidence["max_km"] == 5
    for visit in visits:
        assert visit.status == "checked" and visit.at.replace(tzinfo=None) < now.replace(
            tzinfo=None)
        # Flagged exactly as the evidence checks would: an incomplete record, or a fix
        # more than 5 km from the customer.
        codes = flags.get(visit.id or 0, [])
        assert visit.compliant is (not codes)
        assert (ev.INCOMPLETE_RECORD in codes) is (not visit_is_complete(visit))
        assert (ev.FAR_FROM_CUSTOMER in codes) is (visit.distance_km is not None
                                                    and visit.distance_km > 5)
    # Every photo is there, watermarked, and opens as an image.
    for visit in visits[:50]:
        assert Path(visit.photo_path or "").is_file()
        with Image.open(visit.photo_marked_path or "") as image:
            assert image.format == "JPEG" and image.size == (400, 300)

    with session_scope() as s:
        rollup.refresh(s, now=now, tz=TZ, all_weeks=True)
    last_week = week_of(now.astimezone(TZ).date()) - timedelta(weeks=1)
    with session_scope() as s:
        director = users.by_platform_id(s, "wecom", "liuyang")
        assert director is not None
        sel = metrics.selection(s, director)
        assert sel is not None
        health = metrics.health(s, sel, last_week, tz=TZ)
        assert health.sums.coverage is not None and 0.2 < health.sums.coverage < 1
        assert health.sums.compliance is not None and 0.4 < health.sums.compliance < 1
        assert health.sums.fake_rate is not None
        # lina leaves records half-filled, zhangwei does not: she is the one to coach.
        weeks = [last_week - timedelta(weeks=n) for n in range(4)]
        sums = {rep: [metrics.by_owner(s, sel, w).get(rep) for w in weeks]
                for rep in ("zhangwei", "lina")}
        rates = {rep: sum(w["complete_visits"] for w in got if w)
                 / max(1, sum(w["visits"] for w in got if w)) for rep, got in sums.items()}
        assert rates["zhangwei"] > rates["lina"]
        plans = s.exec(select(func.count()).select_from(VisitPlan).where(
            col(VisitPlan.week) == last_week)).one()
        assert plans == len(REPS)


def test_a_demo_folder_from_before_the_visits_gets_them_on_the_next_start(
        session: Session) -> None:
    first = load_demo_data(progress=False, customers=300, visit_weeks=0)
    assert first["customers"] == 300 and first["visits"] == 0
    again = load_demo_data(progress=False, customers=300, visit_weeks=1)
    assert again["customers"] == 0 and again["contracts"] == 0
    assert again["visit_plans"] > 0
    assert session.exec(select(func.count()).select_from(Visit)).one() == again["visits"]
