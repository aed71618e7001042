"""Visit plans in the chat (C5): ``下周计划`` shows next week's plan, ``下周计划 A，B``
adds the sender's own customers A and B to it (refused once the Friday 17:00 deadline
has passed), ``未覆盖`` shows a supervisor this week's high-potential customers of the
team not yet visited. Customer names are looked up among the sender's own customers
only; an unknown name and someone else's customer get the same "not found"."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from bot.router import router
from cards import plan as cards
from cards.links import signin_url
from handlers.general import texts
from lib.chat import Event, Reply
from models.base import utcnow
from models.customers.lookup import owner_names
from models.org import user as users
from models.visits import plan as plans
from zhongshu import clock

PLAN_COMMAND = "下周计划"
UNCOVERED_COMMAND = "未覆盖"
PLAN_PATH = "/h5/plan"
# Between customer names: Chinese and ASCII commas, the enumeration comma, semicolons,
# line breaks.
_NAME_SEPARATORS = re.compile(r"[，,、;；\n\r]+")


def _now() -> datetime:
    """The clock of this module (tests patch it to freeze time)."""
    return utcnow()


def _link(platform: str) -> str:
    return signin_url(platform, PLAN_PATH)


def _plan_reply(session: Session, sender: users.User, event: Event, now: datetime) -> Reply:
    tz = clock.business_tz()
    view = plans.get_plan(session, sender, plans.next_week(now, tz), now=now, tz=tz)
    lines = [cards.PlanLine(c.name, c.day) for c in view.customers]
    return cards.plan_card(view.week, lines, lock=view.lock_at.astimezone(tz),
                           locked=view.locked, url=_link(event.platform))


@router.command(PLAN_COMMAND, usage=cards.PLAN_USAGE, summary=cards.PLAN_SUMMARY,
                roles=plans.PLAN_ROLES)
def next_week_plan(event: Event, session: Session) -> Reply | list[Reply]:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=texts.HELP_UNREGISTERED)
    if not plans.may_plan(sender):
        return Reply(text=cards.PLAN_REFUSED)
    now = _now()
    tz = clock.business_tz()
    _, args = router.split_command(event.text)
    names = [n.strip() for n in _NAME_SEPARATORS.split(args) if n.strip()]
    if not names:
        return _plan_reply(session, sender, event, now)
    week = plans.next_week(now, tz)
    if plans.is_locked(week, now, tz):
        return Reply(text=cards.PLAN_LOCKED.format(
            lock=cards.lock_text(plans.lock_at(week, tz))))
    found, missing = [], []
    for name in dict.fromkeys(names):
        customer = plans.find_own_customer(session, sender, name)
        if customer is None:
            missing.append(name[:20])
        elif customer not in found:
            found.append(customer)
    added = plans.add_customers(session, sender, week, found, now=now, tz=tz) if found else []
    already = [c.name for c in found if c not in added]
    text = cards.added_text([c.name for c in added], already, missing)
    if not added:
        return Reply(text=text)
    return [Reply(text=text), _plan_reply(session, sender, event, now)]


@router.command(UNCOVERED_COMMAND, usage=cards.UNCOVERED_USAGE,
                summary=cards.UNCOVERED_SUMMARY, roles=("supervisor",))
def uncovered(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=texts.HELP_UNREGISTERED)
    if sender.role != "supervisor":
        return Reply(text=cards.UNCOVERED_REFUSED)
    tz = clock.business_tz()
    customers = plans.uncovered_high_potential(session, sender, now=_now(), tz=tz)
    names = owner_names(session, [c.owner for c in customers])
    lines = [cards.UncoveredLine(c.name, names.get(c.owner or "", c.owner or ""), c.grade,
                                 c.intent) for c in customers]
    return cards.uncovered_card(lines, url=_link(event.platform))
