"""Visit check-ins in the chat: the 拜访签到 workbench button (a card linking to the H5
form) and the supervisor's decision on a flagged visit (``visit.confirm:<id>`` /
``visit.reject:<id>`` buttons of the review card built by jobs/visits.py).

Who may decide (C11): the rep's own supervisor, or a director whose region covers the
rep (a director without a region covers everyone). Anyone else is refused politely and
nothing changes. A decision is final: it is stored in ``Visit.status`` (confirmed /
rejected) and ``compliant`` follows it, so ``countable()`` counts confirmed visits."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select

from bot.event import PLATFORM_WECOM, Event, Reply
from cards import texts as card_texts
from cards import visit as cards
from handlers import checkin_texts as texts
from handlers import router
from jobs.visits import DECIDED, STATUS_CONFIRMED, STATUS_REJECTED, when_text
from models import user as users
from models import visit as vm
from models.customer import Customer
from models.geo import GeoPoint
from models.scope import can_edit_customers
from models.user import User
from web.links import page_url, wecom_oauth_url

CHECKIN_PATH = "/h5/checkin"


def may_decide(decider: User, rep: User | None) -> bool:
    if rep is None or not decider.active or decider.wecom_userid == rep.wecom_userid:
        return False
    if decider.role == "supervisor":
        return rep.supervisor_userid == decider.wecom_userid
    if decider.role == "director":
        return decider.region is None or decider.region == rep.region
    return False


def _visit_id(key: str) -> int | None:
    _, _, arg = key.partition(":")
    return int(arg) if arg.isdigit() else None


def _learn_location(customer: Customer, visit: vm.Visit) -> None:
    """A customer without coordinates takes them from its first confirmed visit: the
    photo's GPS (EXIF, WGS-84) when present, else the device's, stored as WGS-84."""
    if customer.latitude is not None and customer.longitude is not None:
        return
    if visit.photo_lat is not None and visit.photo_lng is not None:
        point: GeoPoint | None = GeoPoint(visit.photo_lat, visit.photo_lng, "wgs84")
    else:
        point = visit.device
    if point is None:
        return
    customer.latitude, customer.longitude = point.wgs84()
    customer.coord = "wgs84"


def _decide(event: Event, session: Session, *, confirm: bool) -> Reply | list[Reply]:
    decider = users.by_platform_id(session, event.platform, event.user_id)
    visit_id = _visit_id(event.key)
    visit = (session.exec(select(vm.Visit).where(vm.Visit.id == visit_id).with_for_update())
             .first() if visit_id is not None else None)
    if visit is None:
        return Reply(text=texts.VISIT_NOT_FOUND)
    rep = session.exec(select(User).where(User.wecom_userid == visit.rep)).first()
    if decider is None or not may_decide(decider, rep):
        return Reply(text=texts.NOT_YOUR_DECISION)
    if visit.status in DECIDED:
        return Reply(text=texts.ALREADY_DECIDED.format(state=texts.STATE_NAMES[visit.status]))
    if visit.compliant is None:
        return Reply(text=texts.NOT_EVALUATED)
    customer = session.get(Customer, visit.customer_id)
    customer_name = customer.name if customer else str(visit.customer_id)
    visit.status = STATUS_CONFIRMED if confirm else STATUS_REJECTED
    visit.compliant = confirm
    session.add(visit)
    if confirm and customer is not None:
        _learn_location(customer, visit)
        session.add(customer)
    # The rep's notice is a reply addressed to them, so the inbox job queues and
    # delivers it with the decider's answer (dedupe keys from the inbox event).
    to_rep = cards.decided(customer_name, when_text(visit.at), confirmed=confirm,
                           by=decider.name)
    template = texts.CONFIRMED_DONE if confirm else texts.REJECTED_DONE
    return [Reply(text=template.format(rep=rep.name if rep else visit.rep,
                                       customer=customer_name)),
            replace(to_rep, to_user=visit.rep)]


@router.card_action(cards.CONFIRM_PREFIX, replace_name=card_texts.VISIT_CONFIRMED)
def confirm_visit(event: Event, session: Session) -> Reply | list[Reply]:
    return _decide(event, session, confirm=True)


@router.card_action(cards.REJECT_PREFIX, replace_name=card_texts.VISIT_REJECTED)
def reject_visit(event: Event, session: Session) -> Reply | list[Reply]:
    return _decide(event, session, confirm=False)


@router.click("checkin")
def checkin_button(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None or not can_edit_customers(sender):
        return Reply(text=texts.CHECKIN_REFUSED)
    url = wecom_oauth_url(CHECKIN_PATH) if event.platform == PLATFORM_WECOM else page_url(
        CHECKIN_PATH)
    return Reply(card=cards.checkin_card(url))
