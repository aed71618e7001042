"""Dashboard sweeps (C9): keep the roll-ups fresh, and the Monday coaching card.

``sweep_dashboard_rollup`` rebuilds the recent weeks of the roll-ups (the scheduler runs it
every ``analytics.rollup.REFRESH_EVERY``; the page shows when it last ran).

``sweep_coaching`` sends every supervisor, at 09:00 business time on the week's first
Chinese working day (Monday, or the first working day after a holiday Monday), a card
with the 3 reps of the team with the lowest process compliance *last* week; the card
opens the team's compliance chart (PNG, pillow) by a signed URL. The outbox key
``coaching:{supervisor}:{week}`` makes every re-run, restart or racing scheduler a no-op,
and a card missed while the scheduler was down goes out once when it is back (until the
week ends)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from sqlmodel import select

from analytics import coaching, metrics, rollup
from bot.outbound import queue_wecom
from cards import dashboard as cards
from models import plan as plans
from models.user import User
from web.dashboard import chart_path
from web.links import page_url
from zhongshu.db import on_commit, session_scope
from zhongshu.settings import get_settings


def coaching_key(supervisor: str, week: object) -> str:
    return f"coaching:{supervisor}:{week}"


def sweep_dashboard_rollup(now: datetime) -> dict[str, int]:
    tz = plans.business_tz(get_settings().timezone)
    with session_scope() as session:
        return rollup.refresh(session, now=now, tz=tz)


def sweep_coaching(now: datetime) -> dict[str, int]:
    tz = plans.business_tz(get_settings().timezone)
    week = plans.current_week(now, tz)
    queued = skipped = 0
    if not coaching.send_at(week, tz) <= now < plans.week_bounds(week, tz)[1]:
        return {"queued": 0, "skipped": 0}
    reported = week - timedelta(weeks=1)
    with session_scope() as session:
        supervisors = plans.supervisors_with_teams(session)
    for supervisor in supervisors:
        with session_scope() as session:
            key = coaching_key(supervisor, reported.isoformat())
            sup = session.exec(select(User).where(User.wecom_userid == supervisor)).first()
            if plans.notice_queued(session, key) or sup is None:
                skipped += 1
                continue
            lines = coaching.lowest(coaching.team_lines(session, metrics.Selection(sup), sup,
                                                        reported))
            rows = [cards.CoachRow(c.name, c.visits, c.complete, c.rate_text) for c in lines]
            reply = cards.coaching_card(sup.name, reported, rows,
                                        url=page_url(chart_path(supervisor, reported)))
            row = queue_wecom(session, supervisor, reply, dedupe_key=key)
            if row is None:
                skipped += 1
                continue
            session.flush()
            assert row.id is not None
            on_commit(session, functools.partial(_deliver, row.id))
            queued += 1
    return {"queued": queued, "skipped": skipped}


def _deliver(outbox_id: int) -> None:
    from jobs.deliver import enqueue_delivery

    enqueue_delivery(outbox_id)
