"""Dashboard sweeps (C9) as the scheduler and the worker run them: keep the roll-ups
fresh, and the Monday coaching card (``handlers.dashboard.coaching``).

``sweep_dashboard_rollup`` and ``sweep_dashboard_rollup_full`` queue the roll-up refresh
(recent weeks every ``analytics.rollup.REFRESH_EVERY``, everything every ``FULL_EVERY``) as
an RQ job with a fixed id (``models.dashboard.refresh``), so a slow rebuild never holds up
the scheduler's other sweeps and never runs twice at once; ``rebuild_rollups`` is that
job, and the page shows when it last finished."""

from __future__ import annotations

from datetime import datetime

from analytics import rollup
from handlers.dashboard import coaching
from models.base import utcnow
from models.dashboard.refresh import queue_rollup
from zhongshu import clock
from zhongshu.db import session_scope


def rebuild_rollups(all_weeks: bool) -> dict[str, int]:
    """The RQ job (``models.dashboard.refresh.JOB_REBUILD``): refresh the roll-ups as of now."""
    tz = clock.business_tz()
    with session_scope() as session:
        return rollup.refresh(session, now=utcnow(), tz=tz, all_weeks=all_weeks)


def sweep_dashboard_rollup(now: datetime) -> dict[str, int]:
    return queue_rollup(False)


def sweep_dashboard_rollup_full(now: datetime) -> dict[str, int]:
    return queue_rollup(True)


def sweep_coaching(now: datetime) -> dict[str, int]:
    return coaching.send_coaching(now)
