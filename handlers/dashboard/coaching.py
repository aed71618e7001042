"""The Monday coaching card (C9): every supervisor, at 09:00 business time on the week's
first Chinese working day (Monday, or the first working day after a holiday Monday), gets
a card with the 3 reps of the team with the lowest process compliance *last* week; the
card opens the team's compliance chart (PNG, pillow) by a signed URL. The outbox key
``coaching:{supervisor}:{week}`` makes every re-run, restart or racing scheduler a no-op,
and a card missed while the scheduler was down goes out once when it is back (until the
week ends). Called by the scheduler's entry point ``jobs.dashboard.sweep_coaching``."""

from __future__ import annotations

from datetime import datetime, timedelta

from analytics import coaching, metrics
from bot.outbound import queue_wecom
from cards import dashboard as cards
from cards.links import chart_path, page_url
from models.org.user import record_user
from models.visits import plan as plans
from zhongshu import clock
from zhongshu.db import session_scope


def coaching_key(supervisor: str, week: object) -> str:
    return f"coaching:{supervisor}:{week}"


def send_coaching(now: datetime) -> dict[str, int]:
    """Queue the due coaching cards as of ``now``, each supervisor in its own transaction."""
    tz = clock.business_tz()
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
            sup = record_user(session, supervisor)
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
            queued += 1
    return {"queued": queued, "skipped": skipped}
