"""Queueing the dashboard roll-up refresh (C9) from below jobs/: the RQ job is named by
its dotted path (``JOB_REBUILD``), so a setting change (the zombie rule's days,
``models.rules.rule.update_rule``) and the scheduler's sweeps (``jobs.dashboard``) queue
the same job without importing it. A fixed job id per kind: a slow rebuild never runs
twice at once and the one already waiting is not queued again."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from sqlmodel import Session

from zhongshu.db import on_commit
from zhongshu.queues import enqueue_unless_pending

log = logging.getLogger(__name__)

JOB_REBUILD = "jobs.dashboard.rebuild_rollups"
ROLLUP_JOB_RECENT = "dashboard-rollup-recent"
ROLLUP_JOB_FULL = "dashboard-rollup-full"


def queue_rollup(all_weeks: bool) -> dict[str, int]:
    """Queue the refresh (recent weeks, or ``all_weeks``) unless it is waiting or running."""
    queued = enqueue_unless_pending(
        JOB_REBUILD, all_weeks, job_id=ROLLUP_JOB_FULL if all_weeks else ROLLUP_JOB_RECENT,
        job_timeout=3600, result_ttl=600, failure_ttl=24 * 3600)
    return {"queued": int(queued)}


def refresh_after_commit(session: Session) -> None:
    """Once ``session`` commits, queue the recent roll-up refresh — a setting the figures
    depend on (the zombie rule's days) changed in it."""
    on_commit(session, _refresh_soon)


def _refresh_soon() -> None:
    # Already queued or running, or Redis down: the next five-minute refresh catches up.
    try:
        queue_rollup(False)
    except RedisError:
        log.warning("dashboard refresh not queued; the scheduled refresh will follow",
                    exc_info=True)
