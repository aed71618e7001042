"""The plan-deadline notice (C5): the supervisor's morning-meeting card.

For every planned week whose notice is due (08:30 business time on the first Chinese
working day after the Friday 17:00 lock, ``models.visits.plan.notice_at``) and not yet sent,
each supervisor gets ONE card listing their reps without a plan. The outbox row's dedupe
key ``plan-notice:{supervisor}:{week}`` is the whole exactly-once mechanism: re-runs,
restarts and two schedulers racing all hit the same unique key, and a notice missed
while the scheduler was down is found by the next sweep (until the planned week ends).

Called by the scheduler's entry point ``jobs.plans.sweep_plan_notices`` and by
``handlers.rules.runner.run_all``."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.outbound import queue_dingtalk_work, queue_wecom
from cards import plan as cards
from cards.links import wecom_oauth_url
from lib.chat import Reply
from models.rules import rule as rules
from models.rules.recipients import Directory
from models.visits import plan as plans
from zhongshu import clock
from zhongshu.db import session_scope

PLAN_PAGE = "/h5/plan"


def notice_key(supervisor: str, week: date) -> str:
    return f"plan-notice:{supervisor}:{week.isoformat()}"


def sweep_plan_notices(now: datetime) -> dict[str, int]:
    """Queue the due notices; ``now`` is passed in (the scheduler's clock, or a test's).

    The ``plan_deadline`` rule row decides whether it runs (``enabled``), when
    (``schedule.time``, 08:30 by default) and to whom (``recipients``: "supervisor" is the
    team's supervisor, whose key stays ``plan-notice:{supervisor}:{week}``; others get a
    copy of each team's notice keyed ``…:{week}:{userid}``) through which ``channel``."""
    tz = clock.business_tz()
    with session_scope() as session:
        rule = rules.get_rule(session, rules.PLAN_DEADLINE)
        people = Directory(session)
    if not rule.enabled:
        return {"queued": 0, "skipped": 0}
    queued = skipped = 0
    for week in plans.due_notice_weeks(now, tz, rule.at_time):
        with session_scope() as session:
            supervisors = plans.supervisors_with_teams(session)
        for supervisor in supervisors:
            for person in people.resolve(rule.recipients, supervisor=supervisor):
                with session_scope() as session:
                    key = notice_key(supervisor, week)
                    if person.userid != supervisor:
                        key = f"{key}:{person.userid}"
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
                    row_ids = _queue(session, rule.channel, person.userid, person.dingtalk,
                                     reply, key)
                    if not row_ids:
                        skipped += 1
                        continue
                    queued += 1
    return {"queued": queued, "skipped": skipped}


def _queue(session: Session, channel: str, userid: str, dingtalk: str | None, reply: Reply,
           key: str) -> list[int]:
    """The notice on the rule's channel (DingTalk only for people who have an account
    there; WeCom otherwise). The WeCom row keeps the plain key, as before the rule."""
    rows = []
    if channel in ("dingtalk", "both") and dingtalk:
        rows.append(queue_dingtalk_work(session, dingtalk, reply, dedupe_key=f"{key}:dingtalk"))
    if channel in ("wecom", "both") or not rows:
        rows.append(queue_wecom(session, userid, reply, dedupe_key=key))
    session.flush()
    return [row.id for row in rows if row is not None and row.id is not None]

