"""Customers in the chat: ``新客户`` (quick registration, C2), ``客户 <名称或电话>`` and
``我的客户`` (C3), and the workbench buttons 报备客户 / 我的客户.

Registration is a state machine (flow ``register_customer``, see handlers/flows.py):

    state = the field being asked (name → contact → phone → industry → intent, the first
            one still missing), data = the fields accepted so far (cleaned)
    新客户 <text>    parse the text (handlers/customers/parse.py), accept the valid fields
    plain text       the answer for the field being asked
    each input  →  a bad value (the field's rules, or an answer that does not fit the
                   question: a filler word, a phone number as a name — see
                   customer_parse.answer_problem): the reason, the same question again
                →  a name or phone already registered: the duplicate notice, flow ends
                →  a field still missing: ask for it (state saved, expiry restarts)
                →  all five: register_customer(owner=sender), confirmation card, flow ends
    取消 / 30 min silence: the flow ends, nothing written

Who may do what (C11): registering and looking up are for reps, supervisors and
directors (``models.customers.scope.EDITOR_ROLES``); finance and admin are politely refused;
unregistered senders get the same "ask an admin" answer as 帮助. Lookups only ever see
the sender's scope, and "not found" reads the same whether a customer does not exist or
belongs to someone else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.router import router
from cards import customer as cards
from cards.links import signin_url
from handlers import flows
from handlers.customers.parse import FIELDS, answer_problem, clean_input, parse_registration
from handlers.general import texts
from lib.chat import Event, Reply
from models.config import custom_fields as cf
from models.contacts.contact import wechat_customer_ids
from models.customers.customer import Customer
from models.customers.lookup import owner_names, recent_customers, search_customers
from models.customers.registration import (
    Duplicate,
    DuplicateCustomer,
    ValidationError,
    clean_field,
    find_duplicates,
    register_customer,
)
from models.customers.scope import EDITOR_ROLES, can_edit_customers
from models.org import user as users
from models.org.user import User
from models.platform import conversation
from models.platform.conversation import Conversation
from zhongshu import clock

REGISTER_FLOW = "register_customer"
REGISTER_COMMAND = "新客户"
# Names and phones are checked for duplicates as soon as they are given, so a rep does
# not type four more answers to learn the customer is someone else's.
_DUPLICATE_KEYS = ("name", "phone")
RECENT_LIMIT = 10
SEARCH_LIMIT = 5
_SHOWN_QUERY_MAX = 20


# -- helpers ----------------------------------------------------------------------------------

def _link(platform: str, path: str) -> str:
    """A link to one of our pages through the platform's sign-in (WeCom OAuth, DingTalk
    免登): the page learns who opened it."""
    return signin_url(platform, path)


def _customer_path(customer_id: int | None) -> str:
    return f"/h5/customers/{customer_id}"


def _editor(event: Event, session: Session) -> tuple[User | None, Reply | None]:
    """The sender if they may register and look up customers, else the refusal."""
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return None, Reply(text=texts.HELP_UNREGISTERED)
    if not can_edit_customers(sender):
        return None, Reply(text=texts.REGISTER_REFUSED.format(
            role=texts.ROLE_NAMES.get(sender.role, sender.role)))
    return sender, None


def _today() -> date:
    return clock.today()


def _days_since(moment: datetime | None, today: date) -> int | None:
    # Calendar days in the business time zone: "昨天 23:00" is 1 day ago at 08:00.
    if moment is None:
        return None
    return (today - moment.astimezone(clock.business_tz()).date()).days


def _summaries(session: Session, viewer: User, customers: list[Customer],
               platform: str) -> list[cards.CustomerSummary]:
    names = owner_names(session, (c.owner for c in customers))
    today = _today()
    fields = cf.visible_fields(session, cf.CUSTOMER, viewer)
    ids = [c.id for c in customers if c.id is not None]
    values = cf.values_for(session, cf.CUSTOMER, ids) if fields else {}
    friends = wechat_customer_ids(session, ids, userid=viewer.wecom_userid or "")
    return [cards.CustomerSummary(
        name=c.name, url=_link(platform, _customer_path(c.id)), grade=c.grade,
        owner_name=names.get(c.owner or "", c.owner), contact=c.contact, phone=c.phone,
        days_since_interaction=_days_since(c.last_interaction_at, today),
        days_since_order=_days_since(c.last_order_at, today),
        mine=c.owner == viewer.wecom_userid, wechat=c.id in friends,
        extra=tuple(cf.shown(fields, values.get(c.id or 0, {})))) for c in customers]


def _shown(query: str) -> str:
    return query if len(query) <= _SHOWN_QUERY_MAX else query[:_SHOWN_QUERY_MAX] + "…"


# -- registration: the state machine ----------------------------------------------------------

def _question(row: Conversation) -> str:
    if row.step.startswith(CUSTOM_STEP):
        return str(row.data.get("asking", ""))
    return texts.REGISTER_ASK.get(row.step, texts.REGISTER_ASK["name"])


# The supervisor's required customer fields (C8) are asked after the five, ``cf:<id>``;
# answers are kept in the flow's data under ``custom`` until the customer is created.
# A photo field can't be answered in chat: registration there leaves it for the 360 page.
CUSTOM_STEP = "cf:"


def _chat_fields(session: Session, sender: User) -> list[cf.FieldDef]:
    return [f for f in cf.form_fields(session, cf.CUSTOMER, sender)
            if f.required and f.kind != cf.PHOTO]


def _ask_custom(field: cf.FieldDef) -> str:
    if field.is_select:
        return texts.REGISTER_ASK_OPTION.format(name=field.name, options=cf.numbered(field))
    return texts.REGISTER_ASK_FIELD.format(name=field.name,
                                           kind=cf.KIND_NAMES.get(field.kind, ""))


def _duplicate_reply(duplicates: list[Duplicate]) -> Reply:
    lines = "\n".join(texts.DUPLICATE_LINE.format(message=d.message) for d in duplicates)
    return Reply(text=texts.REGISTER_DUPLICATE.format(lines=lines))


def _end(session: Session, event: Event) -> None:
    conversation.end(session, platform=event.platform, user_id=event.user_id)


def _step(event: Event, session: Session, sender: User, *, row: Conversation | None,
          collected: dict[str, Any], offered: dict[str, str | None],
          notes: list[str]) -> list[Reply]:
    """One transition: take the offered values, then finish, stop or ask the next field.
    ``row`` is the flow's state (None when the command starts a new flow)."""
    data: dict[str, Any] = {f: str(v) for f, v in collected.items() if f in FIELDS}
    custom: dict[str, Any] = dict(collected.get("custom", {}))
    errors: list[str] = []
    fields = _chat_fields(session, sender)
    for field in fields:
        raw = offered.get(f"{CUSTOM_STEP}{field.id}")
        if raw is None:
            continue
        try:
            custom[str(field.id)] = cf.from_chat(field, str(raw))
        except ValueError as error:
            custom.pop(str(field.id), None)
            errors.append(str(error))
    for name in FIELDS:
        raw = offered.get(name)
        if raw is None:
            continue
        try:
            cleaned = clean_field(name, raw)
        except ValidationError as error:
            data.pop(name, None)
            errors.append(error.errors[name])
            continue
        problem = answer_problem(name, clean_input(str(raw)))
        if problem is not None:
            data.pop(name, None)
            errors.append(problem)
        else:
            data[name] = cleaned

    if any(offered.get(f) is not None and f in data for f in _DUPLICATE_KEYS):
        duplicates = find_duplicates(session, name=data.get("name"), phone=data.get("phone"))
        if duplicates:
            _end(session, event)
            return [_duplicate_reply(duplicates)]

    def still_missing() -> list[str]:
        return [f for f in FIELDS if f not in data] + [
            f"{CUSTOM_STEP}{f.id}" for f in fields if str(f.id) not in custom]

    missing = still_missing()
    if not missing:
        try:
            customer = register_customer(session, owner=sender.wecom_userid, source="chat",
                                         **{f: data[f] for f in FIELDS})
        except DuplicateCustomer as duplicate:  # lost a race with another registration
            _end(session, event)
            return [_duplicate_reply(duplicate.duplicates)]
        except ValidationError as error:  # cleaned values should pass; ask again if not
            for name, message in error.errors.items():
                data.pop(name, None)
                errors.append(message)
            missing = still_missing()
        else:
            assert customer.id is not None
            every = [f for f in cf.form_fields(session, cf.CUSTOMER, sender)
                     if f.kind != cf.PHOTO]
            values, _ = cf.clean_values(every, {f.key: custom.get(str(f.id)) for f in every
                                                if str(f.id) in custom})
            cf.save_values(session, cf.CUSTOMER, customer.id,
                           {k: v for k, v in values.items() if not v.empty})
            _end(session, event)
            card = cards.registered_card(cards.RegisteredCustomer(
                name=customer.name, contact=customer.contact or "",
                phone=customer.phone or "", industry=customer.industry or "",
                intent=customer.intent or "",
                url=_link(event.platform, _customer_path(customer.id))))
            return [*([Reply(text="\n".join(notes))] if notes else []), Reply(card=card)]

    step = missing[0]
    if custom:
        data["custom"] = custom
    if step.startswith(CUSTOM_STEP):
        asked = next(f for f in fields if f"{CUSTOM_STEP}{f.id}" == step)
        data["asking"] = question = _ask_custom(asked)
    else:
        question = texts.REGISTER_ASK[step]
    if row is None:
        conversation.start(session, platform=event.platform, user_id=event.user_id,
                           flow=REGISTER_FLOW, step=step, data=data)
    else:
        conversation.advance(session, row, step=step, data=data)
    ask = texts.REGISTER_NEXT.format(question=question, left=len(missing))
    return [Reply(text="\n".join([*notes, *errors, ask]))]


@router.command(REGISTER_COMMAND, usage=texts.REGISTER_USAGE, summary=texts.REGISTER_SUMMARY,
                roles=EDITOR_ROLES)
def register_command(event: Event, session: Session) -> list[Reply]:
    sender, refusal = _editor(event, session)
    if sender is None:
        assert refusal is not None
        return [refusal]
    _, args = router.split_command(event.text)
    parsed = parse_registration(args)
    notes: list[str] = []
    previous = flows.waiting(session, event, lock=True)
    if previous is not None:
        notes.append(texts.REGISTER_REPLACED.format(title=flows.FLOWS[previous.flow].title))
    elif parsed.missing():
        notes.append(texts.REGISTER_STARTED)
    return _step(event, session, sender, row=None, collected={}, offered=parsed.as_dict(),
                 notes=notes)


@flows.flow(REGISTER_FLOW, title=texts.REGISTER_TITLE, question=_question,
            restart=texts.REGISTER_RESTART, commands=(REGISTER_COMMAND,))
def register_answer(event: Event, session: Session, row: Conversation) -> list[Reply]:
    sender, refusal = _editor(event, session)
    if sender is None or (row.step not in FIELDS and not row.step.startswith(CUSTOM_STEP)):
        # The sender was deactivated or changed role meanwhile, or the row is unusable.
        _end(session, event)
        return [refusal or Reply(text=texts.REGISTER_RESTART)]
    return _step(event, session, sender, row=row, collected=row.data,
                 offered={row.step: clean_input(event.text)}, notes=[])


# -- lookups ----------------------------------------------------------------------------------

@router.command("客户", usage=texts.FIND_USAGE, summary=texts.FIND_SUMMARY, roles=EDITOR_ROLES)
def find_customer(event: Event, session: Session) -> Reply | list[Reply]:
    sender, refusal = _editor(event, session)
    if sender is None:
        assert refusal is not None
        return refusal
    _, raw_query = router.split_command(event.text)
    query = clean_input(raw_query)
    if not query:
        return Reply(text=texts.FIND_ASK_QUERY)
    found = search_customers(session, sender, query, limit=SEARCH_LIMIT)
    if not found.customers:
        return Reply(text=texts.FIND_NOT_FOUND.format(query=_shown(query)))
    best = found.exact or (found.customers[0] if len(found.customers) == 1 else None)
    if best is not None:
        (summary,) = _summaries(session, sender, [best], event.platform)
        return Reply(card=cards.customer_card(summary))
    return cards.search_results(_shown(query),
                                _summaries(session, sender, found.customers, event.platform),
                                more=found.more)


def _my_customers(event: Event, session: Session) -> Reply | list[Reply]:
    sender, refusal = _editor(event, session)
    if sender is None:
        assert refusal is not None
        return refusal
    customers = recent_customers(session, sender, limit=RECENT_LIMIT)
    if not customers:
        return Reply(text=texts.MY_CUSTOMERS_EMPTY)
    return cards.my_customers(_summaries(session, sender, customers, event.platform))


@router.command("我的客户", usage=texts.MY_CUSTOMERS_USAGE, summary=texts.MY_CUSTOMERS_SUMMARY,
                roles=EDITOR_ROLES)
def my_customers(event: Event, session: Session) -> Reply | list[Reply]:
    # Also a command: DingTalk has no workbench buttons, only the chat.
    return _my_customers(event, session)


@router.click("my_customers")
def my_customers_button(event: Event, session: Session) -> Reply | list[Reply]:
    return _my_customers(event, session)


@router.click("quick_register")
def quick_register_button(event: Event, session: Session) -> Reply:
    sender, refusal = _editor(event, session)
    if sender is None:
        assert refusal is not None
        return refusal
    return Reply(card=cards.quick_register_card(_link(event.platform, "/h5/register"),
                                                texts.REGISTER_USAGE))
