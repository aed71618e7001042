"""Help, identity and the polite answers for everything not (yet) understood."""

from __future__ import annotations

from sqlmodel import Session

from bot.router import router
from handlers import flows
from handlers.general import texts
from lib.chat import Event, Reply
from models.customers.scope import EDITOR_ROLES
from models.org import user as users
from models.stores.scope import STORE_ROLES


@router.command("帮助", summary="查看可用命令")
def help_command(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=texts.HELP_UNREGISTERED)
    return Reply(text=help_text(sender.role))


def help_text(role: str) -> str:
    """The commands ``role`` may use, one per line."""
    lines = [texts.HELP_TITLE]
    for command in router.commands_for(role):
        usage = command.usage if command.usage != command.word else command.word
        lines.append(f"· {usage} — {command.summary}" if command.summary else f"· {usage}")
    # The workbench's entries are the sales team's; store roles are pointed at 门店.
    if role in EDITOR_ROLES:
        lines.append(texts.HELP_FOOTER)
    elif role in STORE_ROLES:
        lines.append(texts.HELP_FOOTER_STORES)
    return "\n".join(lines)


@router.click("help")
def help_button(event: Event, session: Session) -> Reply:
    return help_command(event, session)


@router.command("我的信息", summary="查看我的账号、角色和上级")
def whoami(event: Event, session: Session) -> Reply:
    sender = users.by_platform_id(session, event.platform, event.user_id)
    if sender is None:
        return Reply(text=texts.HELP_UNREGISTERED)
    supervisor = (users.by_platform_id(session, "wecom", sender.supervisor_userid)
                  if sender.supervisor_userid else None)
    return Reply(text=texts.WHOAMI.format(
        name=sender.name, role=texts.ROLE_NAMES.get(sender.role, sender.role),
        wecom=sender.wecom_userid, dingtalk=sender.dingtalk_userid or texts.EMPTY,
        supervisor=supervisor.name if supervisor else texts.EMPTY,
        region=sender.region or texts.EMPTY))


@router.otherwise_text
def unknown_command(event: Event, session: Session) -> Reply | list[Reply]:
    # Text without a command word first answers the sender's waiting chat flow, if any
    # (e.g. the contact name asked for by 新客户); only then is it "not understood".
    answered = flows.answer_waiting(event, session)
    if answered is not None:
        return answered
    shown = event.text if len(event.text) <= 20 else event.text[:20] + "…"
    return Reply(text=texts.UNKNOWN_COMMAND.format(text=shown))


@router.otherwise
def unsupported(event: Event, session: Session) -> Reply | None:
    # Platform notifications nobody asked about (contact changes, etc.) get no chat reply.
    if event.kind == "platform_event":
        return None
    return Reply(text=texts.UNSUPPORTED)

