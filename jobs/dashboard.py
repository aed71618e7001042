"""Dashboard sweeps (C9): keep the roll-ups fresh, and the Monday coaching card.

``sweep_dashboard_rollup`` and ``sweep_dashboard_rollup_full`` queue the roll-up refresh
(recent weeks every ``analytics.rollup.REFRESH_EVERY``, everything every ``FULL_EVERY``) as
an RQ job with a fixed id, so a slow rebuild never holds up the scheduler's other sweeps
and never runs twice at once; the page shows when it last finished.

``sweep_coaching`` sends every supervisor, at 09:00 business time on the week's first
Chinese working day (Monday, or the first working day after a holiday Monday), a card
with the 3 reps of the team with the lowest process compliance *last* week; the card
opens the team's compliance chart (PNG, pillow) by a signed URL. The outbox key
``coaching:{supervisor}:{week}`` makes every re-run, restart or racing scheduler a no-op,
and a card missed while the scheduler was down goes out once when it is back (until the
week ends)."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlmodel import Session

from analytics import coaching, metrics, rollup
from bot.outbound import queue_wecom
from cards import dashboard as cards
from models import plan as plans
from models.base import utcnow
from models.user import by_platform_id
from web.dashboard import chart_path
from web.links import page_url
from zhongshu import clock
from zhongshu.db import on_commit, session_scope
from zhongshu.queues import get_queue

log = logging.getLogger(__name__)

ROLLUP_JOB_RECENT = "dashboard-rollup-recent"
ROLLUP_JOB_FULL = "dashboard-rollup-full"
PENDING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def coaching_key(supervisor: str, week: object) -> str:
    return f"coaching:{supervisor}:{week}"


def rebuild_rollups(all_weeks: bool) -> dict[str, int]:
    """The RQ job: refresh the roll-ups as of now."""
    tz = clock.business_tz()
    with session_scope() as session:
        return rollup.refresh(session, now=utcnow(), tz=tz, all_weeks=all_weeks)


def _queue_rollup(all_weeks: bool) -> dict[str, int]:
    job_id = ROLLUP_JOB_FULL if all_weeks else ROLLUP_JOB_RECENT
    queue = get_queue()
    try:
        job = Job.fetch(job_id, connection=queue.connection)
        if job.get_status(refresh=True) in PENDING:
            return {"queued": 0}
        job.delete()
    except NoSuchJobError:
        pass
    queue.enqueue(rebuild_rollups, all_weeks, job_id=job_id, job_timeout=3600,
                  result_ttl=600, failure_ttl=24 * 3600)
    return {"queued": 1}


def refresh_after_commit(session: Session) -> None:
    """Once ``session`` commits, queue the recent roll-up refresh — a setting the figures
    depend on (the zombie rule's days) changed in it."""
    on_commit(session, _refresh_soon)


def _refresh_soon() -> None:
    # Already queued or running, or Redis down: the next five-minute refresh catches up.
    try:
        _queue_rollup(False)
    except RedisError:
        log.warning("dashboard refresh not queued; the scheduled refresh will follow",
                    exc_info=True)


def sweep_dashboard_rollup(now: datetime) -> dict[str, int]:
    return _queue_rollup(False)


def sweep_dashboard_rollup_full(now: datetime) -> dict[str, int]:
    return _queue_rollup(True)


def sweep_coaching(now: datetime) -> dict[str, int]:
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
            sup = by_platform_id(session, "wecom", supervisor, include_inactive=True)
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
