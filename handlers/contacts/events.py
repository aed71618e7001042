"""Live 客户联系 events on the app's callback (``change_external_contact``).

Every change is applied from WeCom's current view of the contact (``externalcontact/get``),
never from the event alone, so a retried or duplicated event, or one for a contact the sync
has not seen yet, has one effect: the contact as WeCom holds it now. Deletions only mark the
follow record: the customer and its history stay in the CRM."""

from __future__ import annotations

import logging

from sqlmodel import Session

from bot.delivery import DeliveryError, Rejected
from bot.outbound import queue_wecom
from bot.router import router
from bot.wecom.contacts import INVALID_EXTERNAL_USERID, ContactsApi
from cards.links import customer_path, signin_url
from handlers.contacts import handover, texts
from handlers.contacts.apply import apply_contacts
from lib import chat as ev
from lib.chat import Card, Event, Reply
from models.base import utcnow
from models.contacts import contact as cm
from models.contacts.rules import from_get
from models.customers.customer import Customer
from models.org.user import record_user
from zhongshu import clock
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

ADD = "add_external_contact"
ADD_HALF = "add_half_external_contact"
EDIT = "edit_external_contact"
DELETE = "del_external_contact"
DELETED_BY_CUSTOMER = "del_follow_user"
TRANSFER_FAIL = "transfer_fail"
BY_TRANSFER = "DELETE_BY_TRANSFER"


@router.on(ev.KIND_CONTACT)
def contact_changed(event: Event, session: Session) -> list[Reply]:
    change = event.payload.get("change_type", "")
    if event.payload.get("event") != "change_external_contact":
        log.info("wecom tag change %s ignored (tags are read at each sync)", change)
        return []
    userid = event.payload.get("userid", "")
    external = event.payload.get("external_userid", "")
    if change in (ADD, ADD_HALF, EDIT):
        refresh(session, external, revive=change != EDIT)
        if change == ADD:
            _welcome(session, event, userid, external)
    elif change in (DELETE, DELETED_BY_CUSTOMER):
        _mark(session, event, userid, external)
    elif change == TRANSFER_FAIL:
        _transfer_failed(session, event, userid, external)
    else:
        log.info("wecom contact change %s ignored", change)
    return []


def refresh(session: Session, external_userid: str, *, revive: bool = False) -> int | None:
    """Apply WeCom's current view of one contact; its customer id (None if WeCom no longer
    knows the contact). ``revive``: the contact (re)added the rep."""
    try:
        answer = ContactsApi().get(external_userid)
    except Rejected as exc:
        if exc.code == INVALID_EXTERNAL_USERID:
            log.info("contact %s unknown to WeCom: nothing to apply", external_userid)
            return None
        raise
    info = from_get(answer)
    if info is None:
        return None
    return apply_contacts(session, [info], revive=revive).get(external_userid)


def _customer_of(session: Session, external_userid: str) -> Customer | None:
    row = cm.by_external_ids(session, [external_userid]).get(external_userid)
    return session.get(Customer, row.customer_id) if row is not None else None


def _welcome(session: Session, event: Event, userid: str, external: str) -> None:
    customer = _customer_of(session, external)
    rep = record_user(session, userid)
    code = event.payload.get("welcome_code", "")
    template = get_settings().wecom_welcome_text
    if code and template and rep is not None:
        try:
            ContactsApi().send_welcome(code, template.replace("{rep}", rep.name))
        except DeliveryError as exc:
            # The code lives 20 s and works once: a late or repeated try is not worth a retry.
            log.warning("welcome message for %s not sent: %s", external, exc)
    if customer is None or customer.id is None or rep is None:
        return
    state = event.payload.get("state", "")
    channel = texts.NEW_FRIEND_CHANNEL.format(state=state) if state else ""
    card = Card(title=texts.NEW_FRIEND_TITLE,
                description=texts.NEW_FRIEND.format(name=customer.name, channel=channel),
                url=signin_url(ev.PLATFORM_WECOM, customer_path(customer.id)))
    queue_wecom(session, userid, Reply(card=card),
                dedupe_key=f"contact:new:{external}:{userid}")


def _mark(session: Session, event: Event, userid: str, external: str) -> None:
    follow = cm.follow_of(session, external, userid)
    change = event.payload.get("change_type")
    if change == DELETE:
        status = (cm.FOLLOW_TRANSFERRED if event.payload.get("source") == BY_TRANSFER
                  else cm.FOLLOW_DELETED_BY_REP)
    else:
        status = cm.FOLLOW_DELETED_BY_CUSTOMER
    if follow is None:
        # Never synced: learn the contact first, so the mark has a customer to stand on.
        refresh(session, external)
        follow = cm.follow_of(session, external, userid)
        if follow is None:
            follow = cm.WeChatFollow(external_userid=external, userid=userid)
    if follow.status == status:
        return
    follow.status, follow.status_at = status, utcnow()
    session.add(follow)
    if status == cm.FOLLOW_DELETED_BY_CUSTOMER:
        _tell_supervisor(session, userid, external)


def _tell_supervisor(session: Session, userid: str, external: str) -> None:
    rep = record_user(session, userid)
    customer = _customer_of(session, external)
    if rep is None or customer is None or not rep.supervisor_userid:
        return
    text = texts.DELETED_BY_CUSTOMER.format(rep=rep.name, name=customer.name,
                                            when=clock.shown(utcnow()))
    queue_wecom(session, rep.supervisor_userid, Reply(text=text),
                dedupe_key=f"contact:deleted:{external}:{userid}")


def _transfer_failed(session: Session, event: Event, takeover: str, external: str) -> None:
    reason = event.payload.get("fail_reason", "") or "unknown"
    if not handover.failed_by_event(session, external, takeover, reason):
        log.info("transfer_fail for %s → %s with no open transfer", external, takeover)
