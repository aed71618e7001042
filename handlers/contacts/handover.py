"""Handing a customer to another rep when it is a WeChat customer (在职继承, PLATFORMS.md §7).

A customer nobody follows on WeChat changes owner at once. One the current owner follows
on WeChat changes owner only when WeCom has moved the friendship: ``reassign`` records one
``WeChatTransfer`` per contact and queues ``start_transfer``; WeCom completes it after 24 h
unless the customer refuses; ``poll_transfers`` asks ``transfer_result`` and finishes it.
A refusal, WeCom's two-transfers-in-90-days limit or the takeover's customer limit is told
to the supervisor who asked, and the CRM owner stays — never changed behind the customer's
back."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.delivery import DeliveryError, RetryLater
from bot.outbound import queue_wecom
from bot.wecom.contacts import ContactsApi
from handlers.contacts import texts
from lib.chat import Reply
from models.base import utcnow
from models.contacts import contact as cm
from models.customers.customer import Customer
from models.org.user import User, record_user
from zhongshu.queues import JOB_START_TRANSFER, RETRY_TRANSIENT, enqueue_after_commit

log = logging.getLogger(__name__)

RESULT_DONE, RESULT_WAITING = 1, 2


class ReassignError(ValueError):
    """Why the customer cannot be handed over now; ``str()`` is the Chinese answer."""


@dataclass(frozen=True)
class Reassigned:
    moved_now: bool
    transfers: int


def reassign(session: Session, customer: Customer, takeover: User, by: User) -> Reassigned:
    """Hand ``customer`` to ``takeover`` (the caller checked that ``by`` may)."""
    assert customer.id is not None and takeover.wecom_userid
    if customer.owner == takeover.wecom_userid:
        raise ReassignError(texts.REASSIGN_SAME.format(customer=customer.name,
                                                       taker=takeover.name))
    if cm.open_transfers(session, customer.id):
        raise ReassignError(texts.REASSIGN_BUSY.format(customer=customer.name))
    follows = cm.active_follows(session, customer.id, customer.owner) if customer.owner else []
    if not follows:
        customer.owner = takeover.wecom_userid
        session.add(customer)
        return Reassigned(moved_now=True, transfers=0)
    rows = [cm.WeChatTransfer(external_userid=f.external_userid, customer_id=customer.id,
                              handover=f.userid, takeover=takeover.wecom_userid,
                              requested_by=by.wecom_userid or "") for f in follows]
    session.add_all(rows)
    session.flush()
    ids = [r.id for r in rows]
    enqueue_after_commit(session, JOB_START_TRANSFER, ids, job_id=f"transfer-{ids[0]}",
                         retry=RETRY_TRANSIENT)
    return Reassigned(moved_now=False, transfers=len(rows))


def start_transfer(session: Session, transfer_ids: list[int]) -> int:
    """Ask WeCom to move these friendships (all of one handover and takeover); returns how
    many WeCom accepted. A transient error raises, for the job's retry."""
    rows = [r for r in (session.get(cm.WeChatTransfer, i) for i in transfer_ids)
            if r is not None and r.status == cm.TRANSFER_PENDING]
    if not rows:
        return 0
    first = rows[0]
    try:
        codes = ContactsApi().transfer_customer(first.handover, first.takeover,
                                                [r.external_userid for r in rows])
    except RetryLater:
        raise
    except DeliveryError as exc:
        codes = {r.external_userid: int(exc.code or -1) for r in rows}
    started = 0
    for row in rows:
        code = codes.get(row.external_userid, 0)
        if code == 0:
            row.status = cm.TRANSFER_WAITING
            started += 1
            session.add(row)
        else:
            fail(session, row, str(code))
    return started


def poll_transfers(session: Session) -> dict[str, int]:
    """Finish the transfers WeCom reports done, refused or over a limit."""
    waiting = list(session.exec(select(cm.WeChatTransfer).where(
        col(cm.WeChatTransfer.status) == cm.TRANSFER_WAITING)))
    pairs: dict[tuple[str, str], list[cm.WeChatTransfer]] = defaultdict(list)
    for row in waiting:
        pairs[(row.handover, row.takeover)].append(row)
    counts = {"done": 0, "failed": 0, "waiting": 0}
    api = ContactsApi()
    for (handover, takeover), rows in pairs.items():
        try:
            results = {str(r.get("external_userid")): r
                       for r in api.transfer_result(handover, takeover)}
        except DeliveryError as exc:
            log.warning("transfer_result %s → %s: %s", handover, takeover, exc)
            continue
        for row in rows:
            status = int(results.get(row.external_userid, {}).get("status") or RESULT_WAITING)
            if status == RESULT_DONE:
                _done(session, row)
                counts["done"] += 1
            elif status == RESULT_WAITING:
                counts["waiting"] += 1
            else:
                fail(session, row, str(status))
                counts["failed"] += 1
    return counts


def _done(session: Session, row: cm.WeChatTransfer) -> None:
    row.status, row.finished_at = cm.TRANSFER_DONE, utcnow()
    session.add(row)
    old = cm.follow_of(session, row.external_userid, row.handover)
    if old is not None:
        old.status, old.status_at = cm.FOLLOW_TRANSFERRED, utcnow()
        session.add(old)
    new = cm.follow_of(session, row.external_userid, row.takeover)
    if new is None:
        new = cm.WeChatFollow(external_userid=row.external_userid, userid=row.takeover)
    elif new.status != cm.FOLLOW_ACTIVE:
        new.status, new.status_at = cm.FOLLOW_ACTIVE, utcnow()
    session.add(new)
    customer = session.get(Customer, row.customer_id)
    if customer is None:
        return
    if customer.owner == row.handover:
        customer.owner = row.takeover
        session.add(customer)
    taker = record_user(session, row.takeover)
    text = texts.TRANSFER_DONE.format(customer=customer.name,
                                      taker=taker.name if taker else row.takeover)
    for who in dict.fromkeys(u for u in (row.requested_by, row.takeover) if u):
        queue_wecom(session, who, Reply(text=text),
                    dedupe_key=f"transfer:{row.id}:done:{who}")


def fail(session: Session, row: cm.WeChatTransfer, reason: str) -> None:
    """The transfer ended without moving the customer: say why to whoever asked."""
    if row.status in (cm.TRANSFER_DONE, cm.TRANSFER_FAILED):
        return
    row.status, row.reason, row.finished_at = cm.TRANSFER_FAILED, reason[:64], utcnow()
    session.add(row)
    customer = session.get(Customer, row.customer_id)
    taker = record_user(session, row.takeover)
    text = texts.TRANSFER_REFUSED.format(
        customer=customer.name if customer else row.external_userid,
        taker=taker.name if taker else row.takeover,
        reason=texts.TRANSFER_ERRORS.get(reason, f"企业微信返回 {reason}"))
    for who in dict.fromkeys(u for u in (row.requested_by,) if u):
        queue_wecom(session, who, Reply(text=text),
                    dedupe_key=f"transfer:{row.id}:failed:{who}")


def failed_by_event(session: Session, external_userid: str, takeover: str,
                    reason: str) -> bool:
    """``transfer_fail`` (the customer refused, or the takeover is at their limit)."""
    row = session.exec(select(cm.WeChatTransfer).where(
        col(cm.WeChatTransfer.external_userid) == external_userid,
        col(cm.WeChatTransfer.takeover) == takeover,
        col(cm.WeChatTransfer.status).in_(cm.TRANSFER_OPEN))).first()
    if row is None:
        return False
    fail(session, row, reason)
    return True
