"""Evaluating a submitted check-in and telling people, in one transaction (C4, C8).

``evaluate`` runs the evidence checks and the watermark (models.visits.evaluation), owes the
visit's next action as a follow-up task, then queues the messages: the rep's supervisor gets
a review card for a flagged visit, an honest rep a short confirmation. Idempotent: the outbox
dedupe keys are derived from the visit id, and a visit a supervisor already decided is never
re-evaluated. The RQ entry point is ``jobs.visits.process_visit``; submitting a check-in (the
H5 form, the chat flow) queues it with ``enqueue_process``.

Visit validation can be switched off by a team preset (``team_config.visit_validation``,
C8): the checks still run and their flags are stored and shown on the customer's page,
but they are not enforced — the visit counts (``compliant`` True), no review card goes to
the supervisor and the rep gets the plain confirmation (plus the unusable-photo notice,
which is about the photo, not about trust)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from sqlmodel import Session

from bot.outbound import queue_wecom
from cards import visit as cards
from cards.links import review_path, wecom_oauth_url
from handlers.visits.reminders import create_for_visit
from lib.chat import Reply
from models.config import custom_fields as cf
from models.config import team_config as tc
from models.customers.customer import Customer
from models.org.user import record_user
from models.visits import evidence as ev
from models.visits import visit as vm
from models.visits.evaluation import evaluate_visit
from zhongshu import clock
from zhongshu.queues import JOB_PROCESS_VISIT, RETRY_TRANSIENT, enqueue_after_commit

log = logging.getLogger(__name__)


def enqueue_process(session: Session, visit_id: int) -> None:
    """Queue the evaluation once ``session`` commits (the job must see the row)."""
    enqueue_after_commit(session, JOB_PROCESS_VISIT, visit_id, job_id=f"visit-{visit_id}",
                         retry=RETRY_TRANSIENT)


def _team_of_rep(session: Session, rep: str) -> str:
    """The team whose settings apply to ``rep``'s visits (a team may switch validation)."""
    user = record_user(session, rep)
    return tc.team_of(user) if user is not None else tc.COMPANY


def notify(session: Session, visit_id: int) -> list[int]:
    """Queue the messages one evaluated visit calls for; returns the new outbox ids."""
    visit = session.get(vm.Visit, visit_id)
    if visit is None or visit.compliant is None:
        return []
    customer = session.get(Customer, visit.customer_id)
    customer_name = customer.name if customer else str(visit.customer_id)
    rep = record_user(session, visit.rep)
    when = clock.shown(visit.at)
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
        supervisor = record_user(session, rep.supervisor_userid if rep else None)
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


def _not_enforced(session: Session, row: vm.Visit) -> None:
    """Validation switched off for the rep's team: the flags stay, the visit counts."""
    if row.compliant is False and not tc.visit_validation_on(
            session, _team_of_rep(session, row.rep)):
        row.compliant = True
        session.add(row)


def evaluate(session: Session, visit_id: int, *, marked_dir: Path,
             font_path: str | None) -> str:
    """Evaluate one submitted visit and tell the rep (and the supervisor if flagged):
    "missing", "decided" (left as the supervisor decided it), "flagged" or "accepted"."""
    visit = session.get(vm.Visit, visit_id)
    if visit is None:
        return "missing"
    if visit.status in vm.DECIDED:
        return "decided"
    evaluation = evaluate_visit(session, visit_id, business_tz=clock.business_tz(),
                                marked_dir=marked_dir, font_path=font_path)
    assert evaluation is not None
    checked = session.get(vm.Visit, visit_id)
    if checked is not None:
        _not_enforced(session, checked)
        # The next action is owed whatever the evidence says: one task per visit.
        create_for_visit(session, checked)
    notify(session, visit_id)
    # Later visits whose photo turned out to be this one's now need review too.
    for later in evaluation.also_flagged:
        row = session.get(vm.Visit, later)
        if row is not None and row.status not in vm.DECIDED:
            _not_enforced(session, row)
            notify(session, later)
    return "flagged" if evaluation.flags else "accepted"
