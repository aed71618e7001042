"""The plan-deadline sweep (C5): the supervisor's morning-meeting notice.

For every planned week whose notice is due (08:30 business time on the first Chinese
working day after the Friday 17:00 lock, ``models.plan.notice_at``) and not yet sent,
each supervisor gets ONE card listing their reps without a plan. The outbox row's dedupe
key ``plan-notice:{supervisor}:{week}`` is the whole exactly-once mechanism: re-runs,
restarts and two schedulers racing all hit the same unique key, and a notice missed
while the scheduler was down is found by the next sweep (until the planned week ends)."""

from __future__ import annotations

import functools
from datetime import date, datetime

from bot.outbound import queue_wecom
from cards import plan as cards
from models import plan as plans
from web.links import wecom_oauth_url
from zhongshu.db import on_commit, session_scope
from zhongshu.settings import get_settings

PLAN_PAGE = "/h5/plan"


def notice_key(supervisor: str, week: date) -> str:
    return f"plan-notice:{supervisor}:{week.isoformat()}"


def sweep_plan_notices(now: datetime) -> dict[str, int]:
    """Queue the due notices; ``now`` is passed in (the scheduler's clock, or a test's)."""
    tz = plans.business_tz(get_settings().timezone)
    queued = skipped = 0
    for week in plans.due_notice_weeks(now, tz):
        with session_scope() as session:
            supervisors = plans.supervisors_with_teams(session)
        for supervisor in supervisors:
            with session_scope() as session:
                key = notice_key(supervisor, week)
                if plans.notice_queued(session, key):
                    skipped += 1
                    continue
                missing = plans.reps_without_plan(session, supervisor, week)
                if not missing:
                    skipped += 1
                    continue
                reply = cards.notice_card(week, [rep.name for rep in missing],
                                          lock=plans.lock_at(week, tz),
                                          url=wecom_oauth_url(PLAN_PAGE))
                row = queue_wecom(session, supervisor, reply, dedupe_key=key)
                if row is None:
                    skipped += 1
                    continue
                session.flush()
                row_id = row.id
                assert row_id is not None
                on_commit(session, functools.partial(_deliver, row_id))
                queued += 1
    return {"queued": queued, "skipped": skipped}


def _deliver(outbox_id: int) -> None:
    from jobs.deliver import enqueue_delivery

    enqueue_delivery(outbox_id)
