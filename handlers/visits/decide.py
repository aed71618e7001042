"""A supervisor's decision on a flagged visit: the ``visit.confirm:<id>`` /
``visit.reject:<id>`` buttons of the review card (built by handlers/visits/evaluate.py) and
the review page (web/visits/review.py) both store it through ``record_decision``.

Who may decide is ``models.visits.decision.may_decide``; anyone else is refused politely and
nothing changes. A decision is final: it is stored in ``Visit.status`` (confirmed /
rejected) and ``compliant`` follows it, so ``countable()`` counts confirmed visits."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select

from bot.router import router
from cards import texts as card_texts
from cards import visit as cards
from handlers.visits import texts
from lib.chat import Event, Reply
from models.base import parse_id, utcnow
from models.customers.customer import Customer
from models.org import user as users
from models.org.user import User
from models.visits import visit as vm
from models.visits.decision import learn_location, may_decide
from zhongshu import clock


def record_decision(session: Session, visit: vm.Visit, decider: User, *,
                    confirm: bool) -> None:
    """Store a supervisor's decision on a visit whose row the caller holds locked, after
    ``may_decide``: confirmed (its flags dismissed, the visit counts) or rejected, by
    whom and when."""
    visit.status = vm.STATUS_CONFIRMED if confirm else vm.STATUS_REJECTED
    visit.compliant = confirm
    visit.decided_by = decider.wecom_userid
    visit.decided_at = utcnow()
    session.add(visit)
    customer = session.get(Customer, visit.customer_id)
    if confirm and customer is not None:
        learn_location(customer, visit)
        session.add(customer)


def _decide(event: Event, session: Session, *, confirm: bool) -> Reply | list[Reply]:
    decider = users.by_platform_id(session, event.platform, event.user_id)
    visit_id = parse_id(event.key.partition(":")[2])
    visit = (session.exec(select(vm.Visit).where(vm.Visit.id == visit_id).with_for_update())
             .first() if visit_id is not None else None)
    if visit is None:
        return Reply(text=texts.VISIT_NOT_FOUND)
    rep = users.record_user(session, visit.rep)
    if decider is None or not may_decide(decider, rep):
        return Reply(text=texts.NOT_YOUR_DECISION)
    if visit.status in vm.DECIDED:
        return Reply(text=texts.ALREADY_DECIDED.format(state=texts.STATE_NAMES[visit.status]))
    if visit.compliant is None:
        return Reply(text=texts.NOT_EVALUATED)
    customer = session.get(Customer, visit.customer_id)
    customer_name = customer.name if customer else str(visit.customer_id)
    record_decision(session, visit, decider, confirm=confirm)
    # The rep's notice is a reply addressed to them, so the inbox job queues and
    # delivers it with the decider's answer (dedupe keys from the inbox event).
    to_rep = cards.decided(customer_name, clock.shown(visit.at), confirmed=confirm,
                           by=decider.name)
    template = texts.CONFIRMED_DONE if confirm else texts.REJECTED_DONE
    button = card_texts.VISIT_CONFIRMED if confirm else card_texts.VISIT_REJECTED
    return [Reply(update_button=button),
            Reply(text=template.format(rep=rep.name if rep else visit.rep,
                                       customer=customer_name)),
            replace(to_rep, to_user=visit.rep)]


# No passive replace_name: the button changes only after the decider is authorised.
@router.card_action(cards.CONFIRM_PREFIX)
def confirm_visit(event: Event, session: Session) -> Reply | list[Reply]:
    return _decide(event, session, confirm=True)


@router.card_action(cards.REJECT_PREFIX)
def reject_visit(event: Event, session: Session) -> Reply | list[Reply]:
    return _decide(event, session, confirm=False)
