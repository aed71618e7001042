"""DingTalk JSON → the neutral ``Event``: robot messages (PLATFORMS.md §4.2) and decrypted
event-subscription pushes (§4.4)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from bot.dingtalk.crypto import to_seconds
from bot.edge import BadRequest
from cards.render import parse_dingtalk_action
from lib import chat as ev
from lib.chat import Event

MAX_DEDUPE_KEY = 255  # inbox_event.dedupe_key column size
MAX_USER_ID = 128  # inbox_event.user_id column size
CHECK_URL = "check_url"

# In a group the robot only hears messages that @ it, and some clients leave the mention
# in the text ("@销售助手 新客户 ..."); a command never starts with '@', so drop one leading
# mention followed by a space (ASCII, ideographic, or the U+2005 DingTalk puts after @s).
_LEADING_MENTION = re.compile(r"^@\S+[ \u3000\u2005]+")
# Event fields that name the user an event is about, in order of preference.
_USER_FIELDS = ("UserId", "StaffId", "userId", "staffId")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_object(body: bytes | str) -> dict[str, Any]:
    """A JSON object from an untrusted body; anything else is a 400."""
    try:
        # NaN/Infinity are not JSON and PostgreSQL's JSON type refuses them: refuse here.
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest("malformed json") from exc
    if not isinstance(data, dict):
        raise BadRequest("json body is not an object")
    return data


def _digest(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _bounded(key: str) -> str:
    if len(key) <= MAX_DEDUPE_KEY:
        return key
    return key.split(":", 1)[0] + ":sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _str(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _epoch_seconds(value: int) -> int:
    return int(to_seconds(value))


# -- robot (HTTP receive mode) ---------------------------------------------------------
def strip_mention(content: str) -> str:
    return _LEADING_MENTION.sub("", content.strip(), count=1).strip()


def _code(item: dict[str, Any]) -> str:
    for name in ("downloadCode", "pictureDownloadCode"):
        value = item.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _download_code(content: Any) -> str:
    """The downloadCode of a picture, or of the first picture in a richText message."""
    if not isinstance(content, dict):
        return ""
    items = content.get("richText")
    if isinstance(items, list):
        return next((c for c in (_code(i) for i in items if isinstance(i, dict)) if c), "")
    return _code(content)


def robot_event(data: dict[str, Any], *, header_timestamp: int) -> Event:
    """A robot message (already signature-checked) as an Event."""
    msg_type = _str(data, "msgtype")
    if not msg_type:
        raise BadRequest("no msgtype")
    user_id = _str(data, "senderStaffId") or _str(data, "senderId")
    if not user_id:
        raise BadRequest("no sender")
    msg_id = _str(data, "msgId") or None
    # msgId is DingTalk's id for a message; without one, the retried copy is the same JSON.
    dedupe = f"msg:{msg_id}" if msg_id else f"raw:{_digest(data)}"
    reply_to = {
        "session_webhook": _str(data, "sessionWebhook"),
        "expires_at_ms": _int(data.get("sessionWebhookExpiredTime")),
        "conversation_id": _str(data, "conversationId"),
        "conversation_type": _str(data, "conversationType"),
        "sender_nick": _str(data, "senderNick"),
        "robot_code": _str(data, "robotCode"),
    }
    common: dict[str, Any] = {
        "platform": ev.PLATFORM_DINGTALK, "user_id": user_id[:MAX_USER_ID],
        "dedupe_key": _bounded(dedupe), "msg_id": msg_id, "reply_to": reply_to,
        "created_at": _epoch_seconds(_int(data.get("createAt")) or header_timestamp),
    }
    if msg_type == "text":
        text = data.get("text")
        content = text.get("content") if isinstance(text, dict) else None
        if not isinstance(content, str):
            raise BadRequest("text message without content")
        content = strip_mention(content)
        # A tapped card button arrives as the text it was told to send (cards/render.py).
        action = parse_dingtalk_action(content)
        if action:
            return Event(kind=ev.KIND_CARD_ACTION, key=action,
                         payload={"content": content, "task_id": "", "card_type": "dingtalk",
                                  "response_code": "", "selected": []}, **common)
        return Event(kind=ev.KIND_TEXT, payload={"content": content}, **common)
    if msg_type in ("picture", "richText"):
        code = _download_code(data.get("content"))
        if code:
            return Event(kind=ev.KIND_IMAGE, payload={"download_code": code}, **common)
    return Event(kind=ev.KIND_PLATFORM_EVENT, key=msg_type, **common)


# -- event subscription ------------------------------------------------------------------
def event_type(plain: dict[str, Any]) -> str:
    name = _str(plain, "EventType")
    if not name:
        raise BadRequest("plaintext lacks EventType")
    return name


def _event_user(plain: dict[str, Any]) -> str:
    for name in _USER_FIELDS:
        value = plain.get(name)
        # Org events carry a list of users; only a single one names "the" user.
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str) and value:
            return value[:MAX_USER_ID]
    return ""


def callback_event(plain: dict[str, Any], *, query_timestamp: int) -> Event:
    """A decrypted event push (not check_url) as a platform_event.

    DingTalk documents no per-push id for these callbacks; an ``EventId`` is used when one
    is there, otherwise a digest of the whole plaintext, which a retried push repeats."""
    name = event_type(plain)
    event_id = _str(plain, "EventId") or _str(plain, "eventId")
    dedupe = f"evt:{name}:{event_id}" if event_id else f"evt:{name}:{_digest(plain)}"
    created = _epoch_seconds(_int(plain.get("TimeStamp")) or query_timestamp)
    return Event(platform=ev.PLATFORM_DINGTALK, kind=ev.KIND_PLATFORM_EVENT, key=name,
                 user_id=_event_user(plain), dedupe_key=_bounded(dedupe), created_at=created,
                 payload=plain)
