"""The message center's sweeps (C7), as the scheduler and the CLI run them. What a rule
does and how it fires exactly once is ``handlers.rules`` (the runner, one module per rule
family); these entry points take only the clock."""

from __future__ import annotations

from datetime import datetime

from handlers.rules import runner


def run_rule(code: str, now: datetime) -> int:
    """One rule in its own transaction; returns the messages it queued."""
    return runner.run_rule(code, now)


def sweep_rules(now: datetime) -> dict[str, int]:
    """The scheduled sweep: every message-center rule as of ``now`` (the plan deadline
    has its own sweep, jobs.plans)."""
    return runner.sweep_rules(now)


def run_all(now: datetime) -> dict[str, int]:
    """Every rule, the plan deadline included (``zhongshu rules run --at``)."""
    return runner.run_all(now)
