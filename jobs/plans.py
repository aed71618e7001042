"""The plan-deadline sweep (C5), as the scheduler runs it: the supervisor's
morning-meeting notice, ``handlers.rules.plans`` (which says how it is sent exactly once)."""

from __future__ import annotations

from datetime import datetime

from handlers.rules import plans


def sweep_plan_notices(now: datetime) -> dict[str, int]:
    """Queue the due notices as of ``now`` (the scheduler's clock, or a test's)."""
    return plans.sweep_plan_notices(now)
