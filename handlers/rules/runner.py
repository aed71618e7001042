"""Running the message-center rules (C7): each rule in its own transaction, reading its
rule row afresh. Called by the scheduler's entry points in ``jobs.rules`` and by
``zhongshu rules run --at`` (``run_all``, which adds the plan-deadline notice)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

from sqlmodel import Session

from handlers.rules.contracts import review_reminders, stamp_risks
from handlers.rules.customers import inactive_wakeups, zombies
from handlers.rules.digest import supervisor_digests
from handlers.rules.plans import sweep_plan_notices
from models.rules import rule as rules
from models.rules.recipients import Directory
from models.rules.rule import RuleConfig
from zhongshu import clock
from zhongshu.db import session_scope

log = logging.getLogger(__name__)

Sweep = Callable[[Session, RuleConfig, datetime, tzinfo, Directory], int]
CONTRACT_AND_CUSTOMER_RULES: dict[str, Sweep] = {
    rules.REVIEW_72H: review_reminders,
    rules.STAMP_24H: stamp_risks,
    rules.INACTIVE: inactive_wakeups,
    rules.ZOMBIE: zombies,
}


def run_rule(code: str, now: datetime) -> int:
    """One rule in its own transaction; returns the messages it queued."""
    tz = clock.business_tz()
    with session_scope() as session:
        rule = rules.get_rule(session, code)
        if not rule.enabled:
            return 0
        people = Directory(session)
        if code == rules.DIGEST:
            zombie_days = int(rules.get_rule(session, rules.ZOMBIE).threshold["days"])
            return supervisor_digests(session, rule, now, tz, people, zombie_days)
        return CONTRACT_AND_CUSTOMER_RULES[code](session, rule, now, tz, people)


def sweep_rules(now: datetime) -> dict[str, int]:
    """The scheduled sweep: every message-center rule as of ``now`` (the plan deadline
    has its own sweep, handlers.rules.plans, which reads its rule row too)."""
    results: dict[str, int] = {}
    for code in (*CONTRACT_AND_CUSTOMER_RULES, rules.DIGEST):
        try:
            results[code] = run_rule(code, now)
        except Exception:
            # One broken rule must not silence the others; the next tick retries it.
            log.exception("rule %s failed", code)
            results[code] = 0
    return results


def run_all(now: datetime) -> dict[str, int]:
    """Every rule, the plan deadline included (``zhongshu rules run --at``)."""
    results = sweep_rules(now)
    results[rules.PLAN_DEADLINE] = sweep_plan_notices(now)["queued"]
    return results
