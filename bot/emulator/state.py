"""In-memory state of one emulator instance: tokens, chats, call log, faults, clock, and
the WeCom 客户联系 book (wecom_contacts_state).

Every Flask request thread shares one ``EmulatorState``; anything that checks and then
changes state does so under ``state.lock``. Outbound HTTP (the player calling the
service) never happens while the lock is held, because the service calls back into the
emulator's API while it handles the callback.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.config import EmulatorConfig
from bot.emulator.wecom_contacts_seed import build_book
from bot.emulator.wecom_contacts_state import ContactBook

PLATFORM_WECOM = "wecom"
PLATFORM_DINGTALK = "dingtalk"
PLATFORMS = (PLATFORM_WECOM, PLATFORM_DINGTALK)

# The user id under which group-robot messages are filed.
GROUP_USER = "group"


def new_token(length: int = 64) -> str:
    """An opaque credential like the platforms hand out (letters, digits, - and _)."""
    return secrets.token_urlsafe(length)[:length]


@dataclass
class Token:
    value: str
    expires_at: float
    invalidated: bool = False


@dataclass
class TokenBook:
    """The access tokens one platform has issued; only the newest one is current."""

    current: Token | None = None
    known: dict[str, Token] = field(default_factory=dict)

    def issue(self, now: float, ttl: int) -> Token:
        # Within its lifetime the same token is handed out again (PLATFORMS.md 2.1).
        token = self.current
        if token is None or token.invalidated or token.expires_at <= now:
            token = Token(new_token(), now + ttl)
            self.current = token
            self.known[token.value] = token
        return token

    def check(self, value: str | None, now: float) -> int:
        """The errcode a call carrying ``value`` gets: 0, 41001, 40014 or 42001."""
        if not value:
            return 41001
        token = self.known.get(value)
        if token is None or token.invalidated:
            return 40014
        if token.expires_at <= now:
            return 42001
        return 0

    def expire(self, now: float) -> None:
        if self.current is not None:
            self.current.expires_at = min(self.current.expires_at, now)

    def invalidate(self) -> None:
        if self.current is not None:
            self.current.invalidated = True


@dataclass
class Fault:
    """An injected failure for the next ``times`` calls of one platform API."""

    platform: str
    api: str
    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0
    times: int = 1


@dataclass
class Media:
    media_id: str
    data: bytes
    content_type: str
    filename: str
    created_at: float
    media_type: str = "image"


@dataclass
class ResponseCode:
    """A WeCom card response_code: valid 72 h, usable once."""

    code: str
    task_id: str
    expires_at: float
    used: bool = False


@dataclass
class SessionWebhook:
    """A DingTalk robot conversation's reply URL, handed out with each robot message."""

    session: str
    user: str
    conversation_id: str
    conversation_type: str
    expires_at: float


class EmulatorState:
    """All mutable emulator data; ``reset()`` puts it back to a fresh start."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.clock_offset = 0.0
            self.messages: list[dict[str, Any]] = []
            self.by_user: dict[tuple[str, str], list[dict[str, Any]]] = {}
            self.calls: list[dict[str, Any]] = []
            self.faults: list[Fault] = []
            self.tokens: dict[str, TokenBook] = {p: TokenBook() for p in PLATFORMS}
            self.jsapi_ticket: Token | None = None
            self.media: dict[str, Media] = {}
            self.task_ids: set[str] = set()
            self.response_codes: dict[str, ResponseCode] = {}
            self.oauth_codes: dict[str, tuple[str, float]] = {}
            # The place a phone picked when it last opened a link (a URL fragment for the
            # page), handed over at that user's next OAuth hop.
            self.picked_places: dict[str, str] = {}
            # DingTalk H5 auth codes (requestAuthCode): code -> (staff id, expiry).
            self.dingtalk_auth_codes: dict[str, tuple[str, float]] = {}
            # WeCom: when each message/send delivery to a user happened (rate windows).
            self.wecom_deliveries: dict[str, deque[float]] = {}
            # DingTalk work notifications.
            self.dingtalk_tasks: dict[int, dict[str, Any]] = {}
            self.dingtalk_recipients: deque[tuple[float, int]] = deque()
            self.dingtalk_to_all: list[float] = []
            # DingTalk group robot.
            self.robot_sends: deque[float] = deque()
            self.robot_blocked_until = 0.0
            self.sessions: dict[str, SessionWebhook] = {}
            # WeCom app menu set through menu/create (None: the configured workbench).
            self.menu: dict[str, Any] | None = None
            self.menu_entries: list[dict[str, str]] | None = None
            # WeCom 客户联系: customers, follow records, tags, transfers.
            self.contacts: ContactBook = build_book(self.config, self.now())
            self._next_message_id = 1
            self._next_call_id = 1
            self._next_msgid = 7_300_000_000_000_000_000 + secrets.randbelow(10**15)
            self._next_task_id = 256_000_000_000 + secrets.randbelow(10**9)

    def workbench(self) -> list[dict[str, str]]:
        """The WeCom workbench: the app's menu once the service has set one, else the
        configured buttons. Each entry has a ``name`` and a ``key`` (click) or ``url``."""
        with self.lock:
            return list(self.menu_entries if self.menu_entries is not None
                        else self.config.workbench)

    # -- clock ---------------------------------------------------------------------------
    def now(self) -> float:
        """Emulated platform time: the configured clock plus every /_emu/clock advance."""
        return self.config.now() + self.clock_offset

    def advance(self, seconds: float) -> float:
        with self.lock:
            self.clock_offset += seconds
            return self.now()

    # -- counters --------------------------------------------------------------------------
    def next_msg_id(self) -> int:
        """A WeCom MsgId (64-bit number, strictly increasing)."""
        with self.lock:
            self._next_msgid += 1 + secrets.randbelow(1000)
            return self._next_msgid

    def next_task_id(self) -> int:
        with self.lock:
            self._next_task_id += 1
            return self._next_task_id

    # -- messages ------------------------------------------------------------------------
    def record_message(self, *, platform: str, direction: str, user: str, channel: str,
                       msgtype: str, content: dict[str, Any], delivered: bool = True,
                       dropped_reason: str | None = None,
                       **extra: Any) -> dict[str, Any]:
        """File one chat message under (platform, user) and return the stored record."""
        with self.lock:
            record: dict[str, Any] = {
                "id": self._next_message_id,
                "platform": platform,
                "direction": direction,
                "user": user,
                "channel": channel,
                "msgtype": msgtype,
                "content": content,
                "delivered": delivered,
                "dropped_reason": dropped_reason,
                "at": self.now(),
            }
            record.update(extra)
            self._next_message_id += 1
            self.messages.append(record)
            self.by_user.setdefault((platform, user), []).append(record)
            return record

    def user_messages(self, platform: str, user: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.by_user.get((platform, user), []))

    # -- call log ------------------------------------------------------------------------
    def record_call(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            entry["id"] = self._next_call_id
            self._next_call_id += 1
            self.calls.append(entry)
            return entry

    # -- faults ----------------------------------------------------------------------------
    def take_fault(self, platform: str, api: str) -> Fault | None:
        """Consume one use of the first fault registered for this API, if any."""
        with self.lock:
            for fault in self.faults:
                if fault.platform == platform and fault.api == api and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
            return None
