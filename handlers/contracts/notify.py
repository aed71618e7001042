"""Tell finance the moment a contract is signed (C6), in the signing transaction.

``queue_finance_review`` is called by handlers.contracts.actions.sign — whatever path signed
the contract (H5 page, chat, card, import) — and writes, for every active finance user:
- a WeCom ``button_interaction`` template card with 审核通过 / 退回 (handled by
  handlers/contracts/commands.py, prefixes ``contract.approve`` / ``contract.return``);
- a DingTalk work notification (action card) linking to the H5 review page, for those
  with a DingTalk account: DingTalk calls nothing back when such a button is tapped.
Dedupe keys are (contract id, signed_at, recipient, channel): a retried transaction or a
re-imported row never pushes twice, while re-signing a returned contract (a new
``signed_at``) pushes again, as finance must review it again."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session, col, select

from bot.outbound import queue_dingtalk_work, queue_wecom, queue_wecom_card_update
from cards import contract as cards
from cards import contract_texts as card_texts
from cards.links import dingtalk_login_url, wecom_oauth_url
from lib.chat import Reply
from models.base import as_utc
from models.contracts.contract import RETURNED, Contract, ContractEvent, is_risk, status_label
from models.customers.customer import Customer
from models.org.user import User, record_user
from models.platform.outbox import STATUS_SENT, OutboxMessage
from zhongshu import clock

FINANCE_ROLE = "finance"


def contract_path(contract_id: int) -> str:
    return f"/h5/contracts/{contract_id}"


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return as_utc(moment).astimezone(clock.business_tz()).strftime("%Y-%m-%d %H:%M")


def contract_view(session: Session, contract: Contract, *, wecom: bool) -> cards.ContractView:
    """The card's view of ``contract``; the link goes through the sign-in entry of the
    platform it is sent on (WeCom OAuth, or DingTalk 免登 when ``wecom`` is false)."""
    assert contract.id is not None
    customer = session.get(Customer, contract.customer_id)
    owner = record_user(session, contract.owner)
    rep = owner.name if owner else None
    path = contract_path(contract.id)
    if contract.stamped_at is not None:
        stamped = card_texts.STAMPED_YES
    else:
        stamped = card_texts.STAMPED_RISK if is_risk(contract) else card_texts.STAMPED_NO
    return cards.ContractView(
        contract_id=contract.id, contract_no=contract.contract_no,
        customer_name=customer.name if customer else str(contract.customer_id),
        amount=f"{contract.amount:,.2f}", rep_name=rep or contract.owner,
        status=status_label(contract.status), signed_at=local_time(contract.signed_at),
        stamped=stamped, collected=f"{contract.collected_amount:,.2f}",
        url=wecom_oauth_url(path) if wecom else dingtalk_login_url(path))


def signed_stamp(contract: Contract) -> str:
    assert contract.signed_at is not None
    return str(int(as_utc(contract.signed_at).timestamp() * 1000))


def _task_id(contract: Contract, userid: str) -> str:
    # Deterministic (the dedupe key already stops a second send) and within WeCom's
    # task_id alphabet whatever characters the userid has.
    who = hashlib.sha1(userid.encode("utf-8")).hexdigest()[:10]
    return f"contract{contract.id}-{signed_stamp(contract)}-{who}"


def dedupe_key(contract: Contract, userid: str, channel: str) -> str:
    return f"contract:{contract.id}:signed:{signed_stamp(contract)}:{channel}:{userid}"


def _previous_return_reason(session: Session, contract: Contract) -> str | None:
    """The reason finance gave last time, when this signing follows a return."""
    last = session.exec(select(ContractEvent)
                        .where(ContractEvent.contract_id == contract.id,
                               ContractEvent.kind == "signed")
                        .order_by(ContractEvent.id.desc())).first()  # type: ignore[union-attr]
    if last is not None and last.from_status == RETURNED:
        return contract.return_reason
    return None


def queue_finance_review(session: Session, contract: Contract) -> list[OutboxMessage]:
    """Outbox rows for every finance user; see the module docstring."""
    reason = _previous_return_reason(session, contract)
    finance = session.exec(select(User).where(User.role == FINANCE_ROLE,
                                              col(User.active).is_(True))
                           .order_by(User.id)).all()  # type: ignore[arg-type]
    rows: list[OutboxMessage] = []
    wecom_view = contract_view(session, contract, wecom=True)
    plain_view = contract_view(session, contract, wecom=False)
    for person in finance:
        card = cards.review_card(wecom_view, task_id=_task_id(contract, person.wecom_userid),
                                 return_reason=reason)
        row = queue_wecom(
            session, person.wecom_userid, Reply(card=card),
            dedupe_key=dedupe_key(contract, person.wecom_userid, "wecom"))
        if row is not None:
            rows.append(row)
        if person.dingtalk_userid:
            link = cards.review_card(plain_view, task_id="", return_reason=reason,
                                     buttons=False)
            row = queue_dingtalk_work(
                session, person.dingtalk_userid, Reply(card=link),
                dedupe_key=dedupe_key(contract, person.wecom_userid, "dingtalk"))
            if row is not None:
                rows.append(row)
    return rows


def close_review_cards(session: Session, contract: Contract, *, reviewer: User,
                       approved: bool) -> list[OutboxMessage]:
    """Once one clerk has decided, every other finance clerk's WeCom card for this signing
    stops offering 审核通过 / 退回 and says who decided (update_template_card with the
    response_code WeCom returned when the card was sent: one use, 72 h). The reviewer's
    own card changes through its tap; a card not yet delivered, or older than 72 h, keeps
    its buttons and a late tap is told the contract is already reviewed."""
    stamp = signed_stamp(contract)
    prefix = f"contract:{contract.id}:signed:{stamp}:wecom:"
    label = (card_texts.APPROVED_BY_BUTTON if approved
             else card_texts.RETURNED_BY_BUTTON).format(name=reviewer.name)
    rows = session.exec(select(OutboxMessage).where(
        col(OutboxMessage.dedupe_key).startswith(prefix),
        OutboxMessage.status == STATUS_SENT,
        OutboxMessage.recipient != reviewer.wecom_userid)).all()
    queued = []
    for row in rows:
        code = (row.result or {}).get("response_code")
        if not code:
            continue
        update = queue_wecom_card_update(
            session, row.recipient, response_code=str(code), replace_name=label,
            dedupe_key=f"contract:{contract.id}:reviewed:{stamp}:card:{row.recipient}")
        if update is not None:
            queued.append(update)
    return queued


def queue_rep_notice(session: Session, contract: Contract, event: ContractEvent,
                     text: str) -> OutboxMessage | None:
    """Tell the contract's rep about finance's decision (WeCom app message); keyed by the
    event, so it goes once whichever path (card, chat, page) made the decision."""
    assert event.id is not None
    return queue_wecom(
        session, contract.owner, Reply(text=text),
        dedupe_key=f"contract:{contract.id}:event:{event.id}:rep")
