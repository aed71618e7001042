"""Handlers register here by decorator; the router dispatches a neutral Event to them.

The router knows every event kind it serves (``served()``); an event nobody handles is
logged and answered politely, never guessed at."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel import Session

from lib import chat as ev
from lib.chat import Event, Reply

log = logging.getLogger(__name__)

Handler = Callable[[Event, Session], "Reply | Iterable[Reply] | None"]
# The decorators hand back the function they register, with its own (narrower) signature.
H = TypeVar("H", bound=Handler)
# What may follow a command word (CONTRACT.md: spaces, "，" "," "/" "|"), plus the
# full-width "／" "｜" and colons Chinese input methods produce; any whitespace counts
# (ideographic space, a line break in a pasted message).
_SEPARATORS = " \t\r\n\u3000\u2005\u00a0，,/|／｜:："


def _is_separator(char: str) -> bool:
    return char.isspace() or char in _SEPARATORS


# Runs after the handler, in its transaction; returns the replies to send (it may add some).
AfterHook = Callable[[Event, Session, list[Reply]], list[Reply]]


@dataclass(frozen=True)
class Command:
    word: str
    handler: Handler
    usage: str
    summary: str
    roles: tuple[str, ...] | None  # None: everyone


@dataclass(frozen=True)
class CardAction:
    prefix: str
    handler: Handler
    replace_name: str | None


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.clicks: dict[str, Handler] = {}
        self.card_actions: list[CardAction] = []
        self.kinds: dict[str, Handler] = {}
        self.fallback_text: Handler | None = None
        self.unsupported: Handler | None = None
        self.after_hooks: list[AfterHook] = []

    # -- registration ---------------------------------------------------------------
    def command(self, word: str, *, usage: str = "", summary: str = "",
                roles: Iterable[str] | None = None) -> Callable[[H], H]:
        def register(fn: H) -> H:
            if word in self.commands:
                raise ValueError(f"command {word!r} registered twice")
            self.commands[word] = Command(word, fn, usage or word, summary,
                                          tuple(roles) if roles else None)
            return fn
        return register

    def click(self, key: str) -> Callable[[H], H]:
        def register(fn: H) -> H:
            self.clicks[key] = fn
            return fn
        return register

    def card_action(self, prefix: str, *, replace_name: str | None = None
                    ) -> Callable[[H], H]:
        """Button keys look like ``prefix:arg``; ``replace_name`` is the new button text sent
        back in the passive reply, so the card changes the moment it is tapped."""
        def register(fn: H) -> H:
            self.card_actions.append(CardAction(prefix, fn, replace_name))
            return fn
        return register

    def on(self, kind: str) -> Callable[[H], H]:
        if kind not in ev.KINDS:
            raise ValueError(f"unknown event kind {kind!r}")

        def register(fn: H) -> H:
            self.kinds[kind] = fn
            return fn
        return register

    def otherwise_text(self, fn: Handler) -> Handler:
        self.fallback_text = fn
        return fn

    def otherwise(self, fn: Handler) -> Handler:
        self.unsupported = fn
        return fn

    def after(self, fn: AfterHook) -> AfterHook:
        """Register ``fn(event, session, replies) -> replies``, run after every dispatched
        handler. For concerns that span handlers without each one knowing about them, e.g.
        reminding a user that a multi-step chat flow still waits for their answer after
        they used some other command in between."""
        self.after_hooks.append(fn)
        return fn

    # -- lookup -----------------------------------------------------------------------
    def served(self) -> list[str]:
        """Every event type this router handles, e.g. ``text:帮助``, ``click:help``."""
        out = [f"text:{w}" for w in self.commands]
        out += [f"click:{k}" for k in self.clicks]
        out += [f"card_action:{a.prefix}" for a in self.card_actions]
        out += list(self.kinds)
        return out

    def commands_for(self, role: str | None) -> list[Command]:
        return [c for c in self.commands.values() if c.roles is None or role in c.roles]

    def split_command(self, text: str) -> tuple[Command | None, str]:
        text = text.strip()
        for word in sorted(self.commands, key=len, reverse=True):
            if text == word or text.startswith(word) and _is_separator(text[len(word)]):
                return self.commands[word], text[len(word):].lstrip(_SEPARATORS).strip()
        return None, text

    def _card_action(self, key: str) -> CardAction | None:
        for action in self.card_actions:
            if key == action.prefix or key.startswith(action.prefix + ":"):
                return action
        return None

    def passive_button_text(self, event: Event) -> str | None:
        """Text the tapped card button turns into at once (WeCom update_button)."""
        if event.kind != ev.KIND_CARD_ACTION:
            return None
        action = self._card_action(event.key)
        return action.replace_name if action else None

    def resolve(self, event: Event) -> Handler | None:
        if event.kind == ev.KIND_TEXT:
            command, _ = self.split_command(event.text)
            return command.handler if command else self.fallback_text
        if event.kind == ev.KIND_CLICK:
            return self.clicks.get(event.key)
        if event.kind in (ev.KIND_CARD_ACTION, ev.KIND_CARD_MENU):
            action = self._card_action(event.key)
            return action.handler if action else None
        return self.kinds.get(event.kind)

    def dispatch(self, event: Event, session: Session) -> list[Reply]:
        handler = self.resolve(event)
        if handler is None:
            log.warning("unhandled event platform=%s kind=%s key=%r", event.platform,
                        event.kind, event.key)
            handler = self.unsupported
            if handler is None:
                return []
        result = handler(event, session)
        if result is None:
            replies: list[Reply] = []
        elif isinstance(result, Reply):
            replies = [result]
        else:
            replies = list(result)
        for hook in self.after_hooks:
            replies = hook(event, session, replies)
        return replies


# The one router: handlers register on it at import (``import handlers``), the edge and the
# inbound job dispatch through it.
router = Router()
