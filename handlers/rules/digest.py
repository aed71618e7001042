"""The supervisor's weekly digest (C7): the team's numbers for the past week, once per
week on the rule's weekday (moved to the next working day when that day is off). Run by
``handlers.rules.runner``."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import false, func, literal, select
from sqlmodel import Session, col
from sqlmodel.sql.sqltypes import UTCDateTime

from cards import rules as cards
from handlers.rules.contracts import risk_filter
from handlers.rules.customers import TASKS, zombie_filter
from handlers.rules.outgoing import Outgoing
from lib.workdays import first_workday_on_or_after, window
from models.contracts import contract as contracts
from models.customers.customer import Customer
from models.org.user import User
from models.rules.recipients import Directory
from models.rules.rule import RuleConfig
from models.rules.sql import fire
from models.visits import followup as fu
from models.visits.visit import Visit


def digest_due(now: datetime, tz: tzinfo, rule: RuleConfig) -> date | None:
    """The week (its Monday) whose digest is due now: from the rule's weekday and time —
    moved to the next working day when that day is off — until the week ends."""
    win = window(now, tz, rule.at_time)
    if not win.workday:
        return None
    week = win.day - timedelta(days=win.day.weekday())
    target = first_workday_on_or_after(week + timedelta(days=int(rule.schedule["weekday"])))
    if target.isocalendar()[:2] != week.isocalendar()[:2]:
        return None  # the whole rest of the week is off: no late digest next week
    if win.day > target or (win.day == target and win.past_time):
        return week
    return None


def supervisor_digests(session: Session, rule: RuleConfig, now: datetime, tz: tzinfo,
                       people: Directory, zombie_days: int) -> int:
    """Each supervisor's team numbers for the past week, once per week."""
    week = digest_due(now, tz, rule)
    if week is None:
        return 0
    week_start = datetime.combine(week, time(0), tz).astimezone(UTC)
    fired = fire(session, rule.code, week, now, col(User.id),
                 literal(week_start, UTCDateTime()),
                 col(User.role) == "supervisor", col(User.active).is_(True))
    if not fired:
        return 0
    ids = [uid for uid, _ in fired]
    sups: dict[int, str] = dict(session.execute(select(col(User.id), col(User.wecom_userid))
                                .where(col(User.id).in_(ids))).all())
    numbers = _team_numbers(session, now, tz, week, zombie_days)
    team_of: dict[str, set[str]] = defaultdict(set)
    for person in people.people.values():
        if person.supervisor:
            team_of[person.supervisor].add(person.userid)
    start = week - timedelta(days=7)
    out = Outgoing(rule.code)
    for uid, at in fired:
        sup = people.get(sups.get(uid))
        if sup is None:
            continue
        members = team_of[sup.userid] | {sup.userid}
        totals = {k: sum(numbers[k].get(m, 0) for m in members) for k in numbers}
        reply = cards.digest(team=sup.name, start=start.isoformat(),
                             end=(week - timedelta(days=1)).isoformat(),
                             numbers=cards.DigestNumbers(**totals))
        for person in people.resolve(rule.recipients, supervisor=sup.userid):
            out.add(rule, person, reply, subject_id=uid, subject_at=at, occurrence=week)
    return out.write(session)


def _team_numbers(session: Session, now: datetime, tz: tzinfo, week: date,
                  zombie_days: int) -> dict[str, dict[str, int]]:
    """Per owner: last week's new customers, visits and flagged visits; today's overdue
    tasks, zombies and risk contracts. Grouped in SQL, summed per team in Python."""
    start = datetime.combine(week - timedelta(days=7), time(0), tz).astimezone(UTC)
    end = datetime.combine(week, time(0), tz).astimezone(UTC)
    today = now.astimezone(tz).date()
    c = contracts.Contract

    def grouped(stmt: Any) -> dict[str, int]:
        return {str(k): int(n) for k, n in session.execute(stmt).all() if k}

    return {
        "new_customers": grouped(select(Customer.owner, func.count()).where(  # type: ignore[call-overload]
            col(Customer.created_at) >= start, col(Customer.created_at) < end)
            .group_by(Customer.owner)),
        "visits": grouped(select(Visit.rep, func.count()).where(  # type: ignore[call-overload]
            col(Visit.at) >= start, col(Visit.at) < end).group_by(Visit.rep)),
        "flagged": grouped(select(Visit.rep, func.count()).where(  # type: ignore[call-overload]
            col(Visit.at) >= start, col(Visit.at) < end, col(Visit.compliant) == false())
            .group_by(Visit.rep)),
        "overdue": grouped(select(TASKS.c.owner, func.count()).where(
            TASKS.c.status == fu.STATUS_OPEN, TASKS.c.due_date < today)
            .group_by(TASKS.c.owner)),
        "zombies": grouped(select(Customer.owner, func.count()).where(  # type: ignore[call-overload]
            zombie_filter(now, zombie_days)).group_by(Customer.owner)),
        "risk": grouped(select(c.owner, func.count()).where(risk_filter())  # type: ignore[call-overload]
                        .group_by(c.owner)),
    }
