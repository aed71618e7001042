"""Custom field commands in the chat (C8): a supervisor adds, renames, reorders, retires
and lists fields from WeCom or DingTalk, e.g. ``新建字段 拜访 竞品品牌 单选 A牌/B牌/其他 必填``.
The field is live for the next form, card, export and chat check-in. Reps and finance
are refused politely and nothing changes; a bad definition gets the model's Chinese
message and nothing changes (the transaction rolls back with the refusal).

A supervisor's fields are their team's: created for it, and the only ones they change
(the company's are an admin's or a director's, see models.config.team_config.may_change)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sqlmodel import Session

from bot.router import router
from handlers.config import texts
from handlers.general import texts as general_texts
from lib.chat import Event, Reply
from models.config import custom_fields as cf
from models.config import team_config as tc
from models.org import user as users
from models.org.user import User

CONFIG_ROLES = ("supervisor", "director", "admin")
REQUIRED_WORDS = ("必填", "必选", "required")


def _manager(event: Event, session: Session) -> tuple[User | None, Reply | None]:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return None, Reply(text=general_texts.HELP_UNREGISTERED)
    if sender.role not in CONFIG_ROLES:
        return None, Reply(text=texts.REFUSED)
    return sender, None


def _args(event: Event) -> list[str]:
    _, rest = router.split_command(event.text)
    return rest.split()


def _managing(fn: Callable[[Session, User, list[str]], Reply]) -> Callable[[Event, Session],
                                                                          Reply]:
    """The steps every managing command shares: the sender must be a registered manager;
    the command gets the words after it; a refused definition answers the model's Chinese
    message (the model checks everything before its first write, so it wrote nothing)."""

    @functools.wraps(fn)
    def command(event: Event, session: Session) -> Reply:
        sender, refusal = _manager(event, session)
        if sender is None:
            assert refusal is not None
            return refusal
        try:
            return fn(session, sender, _args(event))
        except cf.FieldRefused as error:
            return Reply(text=error.message)

    return command


@router.command("新建字段", usage=texts.CREATE_USAGE, summary=texts.CREATE_SUMMARY,
                roles=CONFIG_ROLES)
@_managing
def create_field(session: Session, sender: User, args: list[str]) -> Reply:
    required = bool(args) and args[-1] in REQUIRED_WORDS
    if required:
        args = args[:-1]
    if len(args) not in (3, 4):
        return Reply(text=texts.USAGE.format(usage=texts.CREATE_USAGE))
    entity, name, kind = args[:3]
    field = cf.create_field(session, actor=sender.wecom_userid, entity=entity, name=name,
                            kind=kind, options=args[3] if len(args) == 4 else None,
                            required=required, team=tc.scope_of(sender))
    return Reply(text=texts.CREATED.format(entity=cf.ENTITY_NAMES[field.entity],
                                           field=cf.describe(field)))


def _scope(sender: User) -> str | None:
    """The team whose fields ``sender`` may change (None: every field)."""
    return None if tc.sees_every_team(sender) else tc.scope_of(sender)


def _find(session: Session, sender: User, entity_word: str,
          name: str) -> tuple[cf.FieldDef | None, str]:
    """The field of that name ``sender`` sees (their team's before the company's)."""
    entity = cf.clean_entity(entity_word)
    return cf.find_field(session, entity, name, _scope(sender)), entity


@router.command("重命名字段", usage=texts.RENAME_USAGE, summary=texts.RENAME_SUMMARY,
                roles=CONFIG_ROLES)
@_managing
def rename_field(session: Session, sender: User, args: list[str]) -> Reply:
    if len(args) != 3:
        return Reply(text=texts.USAGE.format(usage=texts.RENAME_USAGE))
    field, entity = _find(session, sender, args[0], args[1])
    if field is None or field.id is None:
        return Reply(text=texts.NOT_FOUND.format(entity=cf.ENTITY_NAMES[entity], name=args[1]))
    cf.update_field(session, field.id, actor=sender.wecom_userid, name=args[2],
                    scope=_scope(sender))
    return Reply(text=texts.RENAMED.format(entity=cf.ENTITY_NAMES[entity], old=args[1],
                                           new=field.name))


def _switch(session: Session, sender: User, args: list[str], *, active: bool) -> Reply:
    if len(args) != 2:
        usage = texts.RESTORE_USAGE if active else texts.RETIRE_USAGE
        return Reply(text=texts.USAGE.format(usage=usage))
    field, entity = _find(session, sender, args[0], args[1])
    if field is None or field.id is None:
        return Reply(text=texts.NOT_FOUND.format(entity=cf.ENTITY_NAMES[entity], name=args[1]))
    cf.set_active(session, field.id, actor=sender.wecom_userid, active=active,
                  scope=_scope(sender))
    entity_name = cf.ENTITY_NAMES[entity]
    if active:
        return Reply(text=texts.RESTORED.format(entity=entity_name, name=field.name))
    return Reply(text=texts.RETIRED.format(entity=entity_name, name=field.name,
                                           count=cf.values_count(session, field.id)))


@router.command("停用字段", usage=texts.RETIRE_USAGE, summary=texts.RETIRE_SUMMARY,
                roles=CONFIG_ROLES)
@_managing
def retire_field(session: Session, sender: User, args: list[str]) -> Reply:
    return _switch(session, sender, args, active=False)


@router.command("恢复字段", usage=texts.RESTORE_USAGE, summary=texts.RESTORE_SUMMARY,
                roles=CONFIG_ROLES)
@_managing
def restore_field(session: Session, sender: User, args: list[str]) -> Reply:
    return _switch(session, sender, args, active=True)


@router.command("字段排序", usage=texts.ORDER_USAGE, summary=texts.ORDER_SUMMARY,
                roles=CONFIG_ROLES)
@_managing
def order_fields(session: Session, sender: User, args: list[str]) -> Reply:
    if len(args) < 2:
        return Reply(text=texts.USAGE.format(usage=texts.ORDER_USAGE))
    ordered = cf.reorder_fields(session, args[0], args[1:], actor=sender.wecom_userid,
                                scope=tc.scope_of(sender))
    entity = cf.clean_entity(args[0])
    return Reply(text=texts.ORDERED.format(entity=cf.ENTITY_NAMES[entity],
                                           names="、".join(f.name for f in ordered)))


@router.command("字段列表", usage=texts.LIST_USAGE, summary=texts.LIST_SUMMARY)
def list_fields(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=general_texts.HELP_UNREGISTERED)
    args = _args(event)
    try:
        entities = [cf.clean_entity(args[0])] if args else list(cf.ENTITIES)
    except cf.FieldRefused as error:
        return Reply(text=error.message)
    # Managers also see retired fields (to restore them); others see what forms show.
    manager = sender.role in CONFIG_ROLES
    parts: list[str] = []
    for entity in entities:
        fields = cf.fields_of(session, entity, include_retired=manager,
                              team=None if tc.sees_every_team(sender) else tc.team_of(sender))
        name = cf.ENTITY_NAMES[entity]
        if not fields:
            parts.append(texts.LIST_EMPTY.format(entity=name))
            continue
        parts.append("\n".join([texts.LIST_TITLE.format(entity=name), *(
            texts.LIST_LINE.format(n=n, field=cf.describe(f)) for n, f in enumerate(fields, 1))]))
    return Reply(text="\n\n".join(parts))
