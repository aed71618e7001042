"""Contract commands and finance's card buttons (C6).

Chat: ``合同`` (show), ``新合同`` (draft), ``签约``, ``回款预测`` for reps and their
managers; ``审核`` and ``回款`` for finance. Every lookup goes through models.customers.scope, so
another rep's contract is simply "not found".

Cards: finance's review card (handlers/contracts/notify.py) has 审核通过 (``contract.approve:<id>``)
and 退回 (``contract.return:<id>``). The button text changes only once the tap is
accepted (``Reply(update_button=…)``, as handlers/visits/checkin.py does). 退回 needs a reason:
the tap starts the chat flow ``contract_return`` which asks for it, keeping the click's
ResponseCode so the card is updated when the reason arrives."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from bot.outbound import queue_wecom_card_update
from bot.router import router
from cards import contract as cards
from cards import contract_texts as card_texts
from cards.links import signin_url
from handlers import flows
from handlers.contracts import actions as ops
from handlers.contracts import texts
from handlers.contracts.actions import ContractError
from handlers.contracts.notify import contract_path, contract_view
from handlers.customers.parse import clean_input
from handlers.general import texts as general_texts
from lib.chat import PLATFORM_WECOM, Event, Reply
from models.base import parse_id
from models.contracts import texts as CM
from models.contracts.contract import Contract, outstanding, status_label
from models.customers.lookup import search_customers
from models.customers.scope import EDITOR_ROLES, get_contract_for, scope_contracts
from models.org import user as users
from models.org.user import User
from models.platform import conversation
from models.platform.conversation import Conversation

FINANCE = ("finance",)
VIEWERS = (*EDITOR_ROLES, "finance")
LIST_LIMIT = 8
RETURN_FLOW = "contract_return"
_SPLIT = re.compile(r"[\s,，/|]+")


def _sender(event: Event, session: Session, roles: tuple[str, ...]) -> tuple[User | None,
                                                                            Reply | None]:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return None, Reply(text=general_texts.HELP_UNREGISTERED)
    if sender.role not in roles:
        if roles == FINANCE:
            return None, Reply(text=CM.NOT_FINANCE)
        return None, Reply(text=CM.NOT_EDITOR.format(
            role=general_texts.ROLE_NAMES.get(sender.role, sender.role)))
    return sender, None


def _args(event: Event) -> list[str]:
    _, rest = router.split_command(event.text)
    return [p for p in _SPLIT.split(clean_input(rest)) if p]


def _link(event: Event, contract: Contract) -> str:
    assert contract.id is not None
    path = contract_path(contract.id)
    return signin_url(event.platform, path)


def _find(session: Session, sender: User, number: str) -> Contract | None:
    return ops.find_for(session, sender, number)


def _not_found(number: str) -> Reply:
    return Reply(text=CM.NOT_FOUND.format(no=number[:40]))


def _named_contract(event: Event, session: Session, roles: tuple[str, ...], *,
                    min_args: int, ask: str) -> tuple[User, Contract, list[str]] | Reply:
    """The sender, the contract its first argument names (within the sender's scope) and
    all the arguments — or the reply that refuses: not allowed, too few arguments, or a
    contract that is not found (also when it is someone else's)."""
    sender, refusal = _sender(event, session, roles)
    if sender is None:
        return refusal  # type: ignore[return-value]
    args = _args(event)
    if len(args) < min_args:
        return Reply(text=ask)
    contract = _find(session, sender, args[0])
    if contract is None or contract.id is None:
        return _not_found(args[0])
    return sender, contract, args


# -- commands -----------------------------------------------------------------------------
@router.command("合同", usage=texts.SHOW_USAGE, summary=texts.SHOW_SUMMARY, roles=VIEWERS)
def show(event: Event, session: Session) -> Reply:
    sender, refusal = _sender(event, session, VIEWERS)
    if sender is None:
        return refusal  # type: ignore[return-value]
    _, raw = router.split_command(event.text)
    query = clean_input(raw)
    if not query:
        return Reply(text=texts.SHOW_ASK)
    contract = _find(session, sender, query)
    wecom = event.platform == PLATFORM_WECOM
    if contract is not None:
        return Reply(card=cards.contract_card(contract_view(session, contract, wecom=wecom)))
    found = search_customers(session, sender, query, limit=5)
    customer = found.exact or (found.customers[0] if len(found.customers) == 1 else None)
    if customer is None:
        if found.customers:
            return Reply(text=CM.CUSTOMER_AMBIGUOUS.format(
                query=query, names="、".join(c.name for c in found.customers)))
        return _not_found(query)
    rows = list(session.exec(scope_contracts(
        select(Contract).where(Contract.customer_id == customer.id), sender)
        .order_by(col(Contract.created_at).desc(), col(Contract.id).desc())
        .limit(LIST_LIMIT + 1)))
    if not rows:
        return Reply(text=texts.NONE_FOR_CUSTOMER.format(customer=customer.name))
    if len(rows) == 1:
        return Reply(card=cards.contract_card(contract_view(session, rows[0], wecom=wecom)))
    views = [contract_view(session, c, wecom=wecom) for c in rows[:LIST_LIMIT]]
    return cards.contract_list(views, more=len(rows) > LIST_LIMIT)


@router.command("新合同", usage=texts.NEW_USAGE, summary=texts.NEW_SUMMARY, roles=EDITOR_ROLES)
def new_contract(event: Event, session: Session) -> Reply:
    sender, refusal = _sender(event, session, EDITOR_ROLES)
    if sender is None:
        return refusal  # type: ignore[return-value]
    args = _args(event)
    if len(args) < 2:
        return Reply(text=texts.NEW_ASK)
    query, raw_amount = " ".join(args[:-1]), args[-1]
    try:
        amount = ops.parse_amount(raw_amount)
    except ContractError as error:
        return Reply(text=error.message)
    found = search_customers(session, sender, query, limit=5)
    customer = found.exact or (found.customers[0] if len(found.customers) == 1 else None)
    if customer is None:
        if found.customers:
            return Reply(text=CM.CUSTOMER_AMBIGUOUS.format(
                query=query, names="、".join(c.name for c in found.customers)))
        return Reply(text=CM.CUSTOMER_NOT_FOUND.format(query=query))
    assert customer.id is not None
    try:
        contract = ops.create_draft(session, user=sender, customer_id=customer.id,
                                    amount=amount)
    except ContractError as error:
        return Reply(text=error.message)
    return Reply(text=texts.NEW_DONE.format(no=contract.contract_no, customer=customer.name,
                                            amount=f"{contract.amount:,.2f}"))


@router.command("签约", usage=texts.SIGN_USAGE, summary=texts.SIGN_SUMMARY, roles=EDITOR_ROLES)
def sign(event: Event, session: Session) -> Reply:
    named = _named_contract(event, session, EDITOR_ROLES, min_args=1, ask=texts.SIGN_ASK)
    if isinstance(named, Reply):
        return named
    sender, contract, _ = named
    assert contract.id is not None
    try:
        contract = ops.sign(session, user=sender, contract_id=contract.id)
    except ContractError as error:
        return Reply(text=error.message)
    view = contract_view(session, contract, wecom=event.platform == PLATFORM_WECOM)
    return Reply(text=texts.SIGNED_DONE.format(no=contract.contract_no,
                                               customer=view.customer_name,
                                               amount=view.amount, url=view.url))


@router.command("回款预测", usage=texts.FORECAST_USAGE, summary=texts.FORECAST_SUMMARY,
                roles=EDITOR_ROLES)
def forecast(event: Event, session: Session) -> Reply:
    named = _named_contract(event, session, EDITOR_ROLES, min_args=3,
                            ask=texts.FORECAST_ASK)
    if isinstance(named, Reply):
        return named
    sender, contract, args = named
    assert contract.id is not None
    try:
        day = ops.parse_day(args[2])
        row = ops.add_forecast(session, user=sender, contract_id=contract.id,
                               amount=args[1], expected_on=day)
    except ContractError as error:
        return Reply(text=error.message)
    return Reply(text=texts.FORECAST_DONE.format(no=contract.contract_no,
                                                 amount=f"{row.amount:,.2f}",
                                                 day=row.expected_on.isoformat()))


@router.command("审核", usage=texts.REVIEW_USAGE, summary=texts.REVIEW_SUMMARY, roles=FINANCE)
def review(event: Event, session: Session) -> Reply:
    named = _named_contract(event, session, FINANCE, min_args=2, ask=texts.REVIEW_ASK)
    if isinstance(named, Reply):
        return named
    sender, contract, args = named
    assert contract.id is not None
    if args[1] not in (*texts.REVIEW_APPROVE_WORDS, *texts.REVIEW_RETURN_WORDS):
        return Reply(text=texts.REVIEW_ASK)
    approve = args[1] in texts.REVIEW_APPROVE_WORDS
    reason = " ".join(args[2:])
    return _review(session, sender, contract.id, approve=approve, reason=reason)[0]


def _review(session: Session, sender: User, contract_id: int, *, approve: bool,
            reason: str | None) -> tuple[Reply, bool]:
    """(what the finance user is told, accepted?)"""
    try:
        contract = ops.review(session, user=sender, contract_id=contract_id, approve=approve,
                              reason=reason)
    except ContractError as error:
        return Reply(text=error.message), False
    if approve:
        view = contract_view(session, contract, wecom=False)
        return Reply(text=texts.APPROVED_DONE.format(no=contract.contract_no,
                                                     customer=view.customer_name,
                                                     amount=view.amount)), True
    return Reply(text=texts.RETURNED_DONE.format(no=contract.contract_no,
                                                 reason=contract.return_reason)), True


@router.command("回款", usage=texts.PAYMENT_USAGE, summary=texts.PAYMENT_SUMMARY, roles=FINANCE)
def payment(event: Event, session: Session) -> Reply:
    named = _named_contract(event, session, FINANCE, min_args=2, ask=texts.PAYMENT_ASK)
    if isinstance(named, Reply):
        return named
    sender, contract, args = named
    assert contract.id is not None
    try:
        day = ops.parse_day(args[2]) if len(args) > 2 else ops.today()
        row = ops.book_payment(session, user=sender, contract_id=contract.id,
                               amount=args[1], paid_on=day)
    except ContractError as error:
        return Reply(text=error.message)
    assert row is not None
    return Reply(text=texts.PAYMENT_DONE.format(
        no=contract.contract_no, amount=f"{row.amount:,.2f}", day=row.paid_on.isoformat(),
        collected=f"{contract.collected_amount:,.2f}",
        outstanding=f"{outstanding(contract):,.2f}"))


# -- finance's review card ---------------------------------------------------------------------
def _card_contract(event: Event, session: Session) -> tuple[User | None, Contract | None,
                                                            Reply | None]:
    sender, refusal = _sender(event, session, FINANCE)
    if sender is None:
        return None, None, refusal
    _, _, arg = event.key.partition(":")
    contract_id = parse_id(arg)
    contract = get_contract_for(session, sender, contract_id) if contract_id else None
    if contract is None:
        return None, None, Reply(text=CM.NOT_FOUND_PLAIN)
    return sender, contract, None


# No passive replace_name: the button changes only after the tap is accepted.
@router.card_action(cards.APPROVE_PREFIX)
def approve_button(event: Event, session: Session) -> Reply | list[Reply]:
    sender, contract, refusal = _card_contract(event, session)
    if sender is None or contract is None or contract.id is None:
        return refusal or Reply(text=CM.NOT_FOUND_PLAIN)
    answer, accepted = _review(session, sender, contract.id, approve=True, reason=None)
    if not accepted:
        return answer
    return [Reply(update_button=card_texts.APPROVED_BUTTON), answer]


@router.card_action(cards.RETURN_PREFIX)
def return_button(event: Event, session: Session) -> Reply | list[Reply]:
    sender, contract, refusal = _card_contract(event, session)
    if sender is None or contract is None or contract.id is None:
        return refusal or Reply(text=CM.NOT_FOUND_PLAIN)
    if contract.status != "signed":
        return Reply(text=CM.REVIEW_ILLEGAL.format(no=contract.contract_no,
                                                   status=status_label(contract.status)))
    conversation.start(session, platform=event.platform, user_id=event.user_id,
                       flow=RETURN_FLOW, step="reason",
                       data={"contract_id": contract.id, "contract_no": contract.contract_no,
                             "response_code": str(event.payload.get("response_code") or "")})
    return Reply(text=texts.RETURN_ASK.format(no=contract.contract_no))


def _return_question(row: Conversation) -> str:
    return texts.RETURN_ASK.format(no=row.data.get("contract_no", ""))


@flows.flow(RETURN_FLOW, title=texts.RETURN_FLOW_TITLE, question=_return_question,
            restart=texts.RETURN_RESTART, commands=("审核",))
def return_reason(event: Event, session: Session, row: Conversation) -> list[Reply]:
    reason = " ".join(event.text.split())  # as typed: full-width punctuation kept
    if not reason:
        return [Reply(text=texts.RETURN_EMPTY)]
    sender = users.by_platform_id(session, event.platform, event.user_id)
    conversation.end(session, platform=event.platform, user_id=event.user_id)
    if sender is None:
        return [Reply(text=general_texts.HELP_UNREGISTERED)]
    contract_id = int(row.data["contract_id"])
    answer, accepted = _review(session, sender, contract_id, approve=False, reason=reason)
    code = str(row.data.get("response_code") or "")
    if accepted and code and event.platform == PLATFORM_WECOM:
        # The card tapped earlier changes now that the return is recorded.
        queue_wecom_card_update(
            session, event.user_id, response_code=code, replace_name=card_texts.RETURNED_BUTTON,
            dedupe_key=f"contract:{contract_id}:return-card:{code}")
    return [answer]
