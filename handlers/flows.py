"""Multi-step chat flows: explicit state machines whose state lives in the database.

A flow (e.g. registering a customer field by field) is a named set of steps. Its state —
the step waiting for an answer and the data collected — is one ``models.platform.conversation``
row per (platform, user), so any worker can take the next message. A handler module
registers a flow with ``@flow(name, ...)``, giving the function that takes an answer.

How a message meets a waiting flow:
- plain text (no command word) is the answer to the current step: the text fallback in
  handlers/general/commands.py calls ``answer_waiting`` before anything else;
- ``取消`` / ``退出`` abandon the flow, nothing is saved;
- any command or workbench button works as usual and the flow keeps waiting; the router's
  after-hook below adds a reminder of the pending question to that command's replies
  (except for the commands that drive the flow themselves, e.g. ``新客户`` restarts it);
- after ``conversation.DEFAULT_TTL`` without an answer the flow has lapsed: the next
  plain text is told so instead of being taken as a late answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlmodel import Session

from bot.router import router
from handlers.general import texts
from lib import chat as ev
from lib.chat import Event, Reply
from models.platform import conversation
from models.platform.conversation import Conversation

# (event, session, the user's flow row, locked) → the replies; the step function moves
# the row on (conversation.advance) or ends it (conversation.end).
StepHandler = Callable[[Event, Session, Conversation], "Reply | Iterable[Reply]"]


@dataclass(frozen=True)
class Flow:
    name: str
    title: str  # how the flow is called in messages, e.g. "客户报备"
    answer: StepHandler
    question: Callable[[Conversation], str]  # the pending question, for reminders
    restart: str  # how to start over, said when the flow lapsed
    commands: tuple[str, ...]  # command words that manage this flow themselves


FLOWS: dict[str, Flow] = {}


def flow(name: str, *, title: str, question: Callable[[Conversation], str], restart: str,
         commands: Iterable[str] = ()) -> Callable[[StepHandler], StepHandler]:
    """Register ``fn`` as the answer handler of flow ``name``."""
    def register(fn: StepHandler) -> StepHandler:
        if name in FLOWS:
            raise ValueError(f"flow {name!r} registered twice")
        FLOWS[name] = Flow(name, title, fn, question, restart, tuple(commands))
        return fn
    return register


def _as_list(result: Reply | Iterable[Reply]) -> list[Reply]:
    return [result] if isinstance(result, Reply) else list(result)


def waiting(session: Session, event: Event, *, lock: bool = False) -> Conversation | None:
    """The sender's flow if one is waiting (registered and not lapsed)."""
    row = conversation.get(session, platform=event.platform, user_id=event.user_id, lock=lock)
    if row is None or row.flow not in FLOWS or conversation.is_expired(row):
        return None
    return row


def is_cancel(text: str) -> bool:
    """``取消`` / ``退出``, also with a full stop or exclamation mark after it."""
    return text.strip().rstrip("。.!！~～ ") in texts.CANCEL_WORDS


def answer_waiting(event: Event, session: Session) -> list[Reply] | None:
    """Plain text from a user: the answer to their waiting flow, a cancel, or the notice
    that their flow lapsed. None when no flow is involved (the caller answers)."""
    row = conversation.get(session, platform=event.platform, user_id=event.user_id, lock=True)
    cancel = is_cancel(event.text)
    if row is None:
        return [Reply(text=texts.NOTHING_TO_CANCEL)] if cancel else None
    spec = FLOWS.get(row.flow)
    if spec is None:
        # Left behind by a flow this version no longer has: drop it, treat text as new.
        conversation.end(session, platform=event.platform, user_id=event.user_id)
        return [Reply(text=texts.NOTHING_TO_CANCEL)] if cancel else None
    if conversation.is_expired(row):
        conversation.end(session, platform=event.platform, user_id=event.user_id)
        return [Reply(text=texts.FLOW_EXPIRED.format(title=spec.title, restart=spec.restart))]
    if cancel:
        conversation.end(session, platform=event.platform, user_id=event.user_id)
        return [Reply(text=texts.FLOW_CANCELLED.format(title=spec.title))]
    return _as_list(spec.answer(event, session, row))


@router.after
def remind_waiting(event: Event, session: Session, replies: list[Reply]) -> list[Reply]:
    """After another command or a workbench button, remind the user that their flow still
    waits (the command itself ran as usual). Plain text went to the flow already."""
    if event.kind == ev.KIND_TEXT:
        command, _ = router.split_command(event.text)
        if command is None:
            return replies
        word: str | None = command.word
    elif event.kind == ev.KIND_CLICK:
        word = None
    else:
        return replies
    row = waiting(session, event)
    if row is None:
        return replies
    spec = FLOWS[row.flow]
    if word in spec.commands:
        return replies
    return [*replies, Reply(text=texts.FLOW_WAITING.format(title=spec.title,
                                                            question=spec.question(row)))]
