"""``转交 客户名 接手人``: a supervisor (or director) hands a customer to another rep.

The customer is found within what the sender may edit, the takeover among the active reps
and supervisors the sender leads, so nobody moves a customer they could not see to someone
outside their team. A WeChat customer moves through WeCom's transfer
(``handlers.contacts.handover``)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.router import router
from handlers.contacts import handover
from handlers.contacts import texts as ctexts
from lib.chat import Event, Reply
from models.customers.customer import Customer
from models.customers.lookup import search_customers
from models.customers.scope import get_customer_for
from models.org import user as users
from models.org.user import User

REASSIGN_COMMAND = "转交"
LEADER_ROLES = ("supervisor", "director")
TAKEOVER_ROLES = ("rep", "supervisor")


def _takeover(session: Session, sender: User, name: str) -> User | None:
    stmt = select(User).where(col(User.name) == name, col(User.active).is_(True),
                              col(User.role).in_(TAKEOVER_ROLES),
                              col(User.wecom_userid).is_not(None))
    for user in session.exec(stmt):
        if sender.role == "director":
            if sender.region is None or user.region == sender.region:
                return user
        elif user.supervisor_userid == sender.wecom_userid or user.id == sender.id:
            return user
    return None


def _customer(session: Session, sender: User, query: str) -> Customer | Reply:
    found = search_customers(session, sender, query, limit=5)
    best = found.exact or (found.customers[0] if len(found.customers) == 1 else None)
    if best is None and found.customers:
        names = "、".join(c.name for c in found.customers)
        return Reply(text=ctexts.REASSIGN_MANY_CUSTOMERS.format(query=query, names=names))
    editable = (get_customer_for(session, sender, best.id, for_edit=True)
                if best is not None and best.id is not None else None)
    if editable is None:
        return Reply(text=ctexts.REASSIGN_NO_CUSTOMER.format(query=query))
    return editable


@router.command(REASSIGN_COMMAND, usage=ctexts.REASSIGN_USAGE, summary=ctexts.REASSIGN_SUMMARY,
                roles=LEADER_ROLES)
def reassign_command(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None or sender.role not in LEADER_ROLES:
        return Reply(text=ctexts.REASSIGN_NO_RIGHT)
    _, rest = router.split_command(event.text)
    words = rest.split()
    if len(words) < 2:
        return Reply(text=ctexts.REASSIGN_ASK)
    query, taker_name = " ".join(words[:-1]), words[-1]
    customer = _customer(session, sender, query)
    if isinstance(customer, Reply):
        return customer
    taker = _takeover(session, sender, taker_name)
    if taker is None:
        return Reply(text=ctexts.REASSIGN_NO_TAKER.format(name=taker_name))
    try:
        outcome = handover.reassign(session, customer, taker, sender)
    except handover.ReassignError as exc:
        return Reply(text=str(exc))
    if outcome.moved_now:
        return Reply(text=ctexts.REASSIGN_DONE.format(customer=customer.name, taker=taker.name))
    return Reply(text=ctexts.REASSIGN_STARTED.format(customer=customer.name, taker=taker.name,
                                                     count=outcome.transfers))
