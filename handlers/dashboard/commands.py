"""``健康度`` in the chat (C9): the sender's scope's four health metrics for this week as a
card linking to the dashboard. Supervisors and directors only; anyone else gets a polite
refusal (the figures follow ``analytics.metrics.Selection``, i.e. ``models.customers.scope``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from analytics import metrics
from analytics.rollup import freshness
from bot.router import router
from cards import dashboard as cards
from cards.links import signin_url
from handlers.general import texts
from lib.chat import Event, Reply
from models.base import utcnow
from models.org import user as users
from models.visits.plan import current_week
from zhongshu import clock

COMMAND = "健康度"
PATH = "/h5/dashboard"


def _now() -> datetime:
    """The clock of this module (tests patch it to freeze time)."""
    return utcnow()


@router.command(COMMAND, usage=cards.HEALTH_USAGE, summary=cards.HEALTH_SUMMARY,
                roles=metrics.DASHBOARD_ROLES)
def health(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=texts.HELP_UNREGISTERED)
    sel = metrics.selection(session, sender)
    if sel is None:
        return Reply(text=cards.HEALTH_REFUSED)
    now = _now()
    tz = clock.business_tz()
    week = current_week(now, tz)
    h = metrics.health(session, sel, week, tz=tz)
    scope = (sender.region if sender.role == "director" and sender.region
             else cards.WHOLE_SCOPE[sender.role])
    figures = cards.HealthFigures(
        scope=scope, week=week, coverage=cards.pct(h.sums.coverage),
        conversion=cards.days(h.conversion_days), collection=cards.pct(h.collection_rate),
        compliance=cards.pct(h.sums.compliance), freshness=freshness(session))
    url = signin_url(event.platform, PATH)
    return cards.health_card(figures, url=url)
