"""The follow-up reminder sweep (C4), as the scheduler runs it: ``handlers.visits.reminders``
(which says when each reminder is due and how it is sent exactly once)."""

from __future__ import annotations

from datetime import datetime

from handlers.visits import reminders


def sweep_followup_reminders(now: datetime) -> dict[str, int]:
    """Queue the due and overdue reminders as of ``now`` (the scheduler's clock, or a test's)."""
    return reminders.sweep_followup_reminders(now)
