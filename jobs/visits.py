"""Check-in evaluation off the request path: ``process_visit`` runs the evidence checks
and the watermark (models.visits.evaluation.evaluate_visit), then tells people in the same
transaction: the rep's supervisor gets a review card for a flagged visit, an honest rep a
short confirmation. Idempotent: the outbox dedupe keys are derived from the visit id, and
a visit a supervisor already decided is never re-evaluated.

Visit validation can be switched off by a team preset (``team_config.visit_validation``,
C8): the checks still run and their flags are stored and shown on the customer's page,
but they are not enforced — the visit counts (``compliant`` True), no review card goes to
the supervisor and the rep gets the plain confirmation (plus the unusable-photo notice,
which is about the photo, not about trust)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from rq import Retry
from sqlmodel import Session

from bot.outbound import queue_wecom
from cards import visit as cards
from cards.links import wecom_oauth_url
from jobs.followups import create_for_visit
from lib import photos
from lib.chat import Reply
from models.base import as_utc
from models.config import custom_fields as cf
from models.config import team_config as tc
from models.customers.customer import Customer
from models.org.user import User, by_platform_id
from models.visits import evidence as ev
from models.visits import visit as vm
from models.visits.evaluation import evaluate_visit
from zhongshu import clock
from zhongshu.db import session_scope
from zhongshu.queues import enqueue_after_commit
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

# A supervisor's decision is kept in ``Visit.status`` (free text, no migration needed):
# pending → checked (evaluated) → confirmed / rejected.
STATUS_CONFIRMED = "confirmed"
STATUS_REJECTED = "rejected"
DECIDED = (STATUS_CONFIRMED, STATUS_REJECTED)


def enqueue_process(session: Session, visit_id: int) -> None:
    """Queue ``process_visit`` once ``session`` commits (the job must see the row)."""
    enqueue_after_commit(session, process_visit, visit_id, job_id=f"visit-{visit_id}",
                         retry=Retry(max=3, interval=[10, 60, 300]))


def when_text(moment: datetime) -> str:
    """A server time in the business time zone, as people read it."""
    return as_utc(moment).astimezone(clock.business_tz()).strftime("%Y-%m-%d %H:%M")


def customer_path(customer_id: int) -> str:
    return f"/h5/customers/{customer_id}"


def review_path(visit_id: int) -> str:
    """The flagged visit's evidence and the one-tap decision (web/visits/review.py)."""
    return f"/h5/visits/{visit_id}/review"


def _user(session: Session, userid: str | None) -> User | None:
    if not userid:
        return None
    return by_platform_id(session, "wecom", userid, include_inactive=True)


def _team_of_rep(session: Session, rep: str) -> str:
    """The team whose settings apply to ``rep``'s visits (a team may switch validation)."""
    user = _user(session, rep)
    return tc.team_of(user) if user is not None else tc.COMPANY


def _notify(session: Session, visit_id: int) -> list[int]:
    """Queue the messages one evaluated visit calls for; returns the new outbox ids."""
    visit = session.get(vm.Visit, visit_id)
    if visit is None or visit.compliant is None:
        return []
    customer = session.get(Customer, visit.customer_id)
    customer_name = customer.name if customer else str(visit.customer_id)
    rep = _user(session, visit.rep)
    when = when_text(visit.at)
    queued = []
    team = tc.team_of(rep) if rep is not None else tc.COMPANY
    if visit.compliant and not tc.visit_validation_on(session, team):
        bad = next((f for f in vm.flags_of(session, visit_id) if f.code == ev.BAD_PHOTO), None)
        if bad is not None:
            queued.append(queue_wecom(session, visit.rep,
                                      cards.photo_unusable(customer_name, when, bad.reason),
                                      dedupe_key=f"visit:{visit_id}:bad-photo"))
    if visit.compliant:
        queued.append(queue_wecom(session, visit.rep, cards.recorded(customer_name, when),
                                  dedupe_key=f"visit:{visit_id}:recorded"))
    else:
        flags = vm.flags_of(session, visit_id)
        reasons = [flag.reason for flag in flags]
        queued.append(queue_wecom(session, visit.rep,
                                  cards.under_review(customer_name, when, reasons),
                                  dedupe_key=f"visit:{visit_id}:under-review"))
        # A bad upload is answered plainly: the photo cannot be used, and why.
        bad = next((flag for flag in flags if flag.code == ev.BAD_PHOTO), None)
        if bad is not None:
            queued.append(queue_wecom(session, visit.rep,
                                      cards.photo_unusable(customer_name, when, bad.reason),
                                      dedupe_key=f"visit:{visit_id}:bad-photo"))
        supervisor = _user(session, rep.supervisor_userid if rep else None)
        if supervisor is None or not supervisor.active:
            log.warning("visit %s flagged but rep %s has no active supervisor", visit_id,
                        visit.rep)
        else:
            card = cards.review_card(cards.FlaggedVisit(
                visit_id=visit_id, rep_name=rep.name if rep else visit.rep,
                customer_name=customer_name, when=when, reasons=tuple(reasons),
                url=wecom_oauth_url(review_path(visit_id)),
                task_id=f"visit{visit_id}x{secrets.token_hex(6)}",
                extra=tuple(cf.shown(cf.fields_of(session, cf.VISIT, team=team), cf.values_for(
                    session, cf.VISIT, [visit_id]).get(visit_id, {})))))
            queued.append(queue_wecom(session, supervisor.wecom_userid, Reply(card=card),
                                      dedupe_key=f"visit:{visit_id}:review"))
    return [row.id for row in queued if row is not None and row.id is not None]


def process_visit(visit_id: int) -> str:
    """Evaluate one submitted visit and tell the rep (and the supervisor if flagged)."""
    settings = get_settings()
    font = photos.find_cjk_font()
    with session_scope() as session:
        visit = session.get(vm.Visit, visit_id)
        if visit is None:
            return "missing"
        if visit.status in DECIDED:
            return "decided"
        evaluation = evaluate_visit(
            session, visit_id, business_tz=clock.business_tz(),
            marked_dir=settings.instance_dir / "visits" / "marked", font_path=font)
        assert evaluation is not None
        # The next action is owed whatever the evidence says: one task per visit.
        checked = session.get(vm.Visit, visit_id)
        if checked is not None and checked.compliant is False and not tc.visit_validation_on(
                session, _team_of_rep(session, checked.rep)):
            checked.compliant = True  # flags kept for the record, not enforced
            session.add(checked)
        if checked is not None:
            create_for_visit(session, checked)
        outbox_ids = _notify(session, visit_id)
        # Later visits whose photo turned out to be this one's now need review too.
        for later in evaluation.also_flagged:
            row = session.get(vm.Visit, later)
            if row is not None and row.status not in DECIDED:
                if row.compliant is False and not tc.visit_validation_on(
                        session, _team_of_rep(session, row.rep)):
                    row.compliant = True
                    session.add(row)
                outbox_ids += _notify(session, later)
    return "flagged" if evaluation.flags else "accepted"
