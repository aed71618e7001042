"""WeCom XML → the neutral ``Event`` (PLATFORMS.md §1.3, §1.5).

Both the outer envelope and the decrypted plaintext go through defusedxml with DTDs
forbidden: WeCom never sends a DOCTYPE, so any DTD (entity bombs, XXE) is refused outright.
We map the plaintext ourselves instead of using wechatpy's ``parse_message`` because it
knows no template-card events, lower-cases ``LOCATION`` and parses with a second XML stack;
ElementTree also gives repeated elements as lists, so there is no single-item-dict quirk.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.edge import BadRequest
from lib import chat as ev
from lib.chat import Event

MAX_DEDUPE_KEY = 255  # inbox_event.dedupe_key column size
MAX_USER_ID = 128  # inbox_event.user_id column size (WeCom userids are at most 64)

_CARD_EVENTS = {"template_card_event": ev.KIND_CARD_ACTION,
                "template_card_menu_event": ev.KIND_CARD_MENU}
_SIMPLE_EVENTS = {"click": ev.KIND_CLICK, "enter_agent": ev.KIND_ENTER_AGENT}
_CONTACT_EVENTS = ("change_external_contact", "change_external_tag")
# change_external_contact / change_external_tag fields (PLATFORMS.md §7) → payload keys.
_CONTACT_FIELDS = {"ChangeType": "change_type", "UserID": "userid",
                   "ExternalUserID": "external_userid", "State": "state",
                   "WelcomeCode": "welcome_code", "FailReason": "fail_reason",
                   "Source": "source", "Id": "tag_id", "TagType": "tag_type",
                   "StrategyId": "strategy_id"}
# Tencent's docs spell it OptionIds/OptionId; SKIT (and so some payloads) OpitonIds/OpitonId.
_OPTION_SPELLINGS = (("OptionIds", "OptionId"), ("OpitonIds", "OpitonId"))


def parse_xml(data: str | bytes) -> Element:
    """Parse untrusted XML: no DTD, no entities, no external references."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError) as exc:
        raise BadRequest("malformed xml") from exc
    return root


def envelope_encrypt(body: bytes) -> str:
    """The ``Encrypt`` value of a callback POST body."""
    root = parse_xml(body)
    encrypt = (root.findtext("Encrypt") or "").strip()
    if not encrypt:
        raise BadRequest("no Encrypt element")
    return encrypt


def _text(root: Element, tag: str) -> str:
    return (root.findtext(tag) or "").strip()


def _required(root: Element, tag: str) -> str:
    value = _text(root, tag)
    if not value:
        raise BadRequest(f"plaintext lacks {tag}")
    return value


def _float(root: Element, tag: str, *, required: bool = True) -> float:
    raw = _text(root, tag)
    if not raw and not required:
        return 0.0
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadRequest(f"bad {tag}") from exc
    if not math.isfinite(value):
        raise BadRequest(f"bad {tag}")
    return value


def _bounded(key: str) -> str:
    """Keep a dedupe key within the column; an over-long one becomes a stable digest."""
    if len(key) <= MAX_DEDUPE_KEY:
        return key
    return key.split(":", 1)[0] + ":sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _selected(root: Element) -> list[dict[str, object]]:
    """Vote / multiple-choice answers: [{"question_key", "option_ids": [...]}, ...]."""
    out: list[dict[str, object]] = []
    for item in root.findall("SelectedItems/SelectedItem"):
        option_ids: list[str] = []
        for outer, inner in _OPTION_SPELLINGS:
            for group in item.findall(outer):
                option_ids += [(o.text or "").strip() for o in group.findall(inner)]
        out.append({"question_key": _text(item, "QuestionKey"),
                    "option_ids": [o for o in option_ids if o]})
    return out


def _scalars(root: Element) -> dict[str, str]:
    """Top-level leaf elements, for events we pass on unmodelled (change_contact, ...)."""
    return {child.tag: (child.text or "").strip() for child in root if len(child) == 0}


def to_event(plaintext: str) -> Event:
    """Turn a decrypted callback into an Event; a malformed one is a BadRequest."""
    root = parse_xml(plaintext)
    user_id = _required(root, "FromUserName")
    if len(user_id) > MAX_USER_ID:
        raise BadRequest("FromUserName too long")
    msg_type = _required(root, "MsgType")
    try:
        created_at = int(_required(root, "CreateTime"))
    except ValueError as exc:
        raise BadRequest("bad CreateTime") from exc
    if msg_type == "event":
        return _event(root, user_id, created_at)
    return _message(root, plaintext, user_id, msg_type, created_at)


def _message(root: Element, plaintext: str, user_id: str, msg_type: str,
             created_at: int) -> Event:
    msg_id = _text(root, "MsgId") or None
    # MsgId is WeCom's dedupe id for messages (§1.4); a message without one can still be
    # told from its retries, which are byte-identical, by the plaintext itself.
    dedupe = (f"msg:{msg_id}" if msg_id
              else "raw:" + hashlib.sha256(plaintext.encode("utf-8")).hexdigest())
    common: dict[str, Any] = {
        "platform": ev.PLATFORM_WECOM, "user_id": user_id, "created_at": created_at,
        "msg_id": msg_id, "dedupe_key": _bounded(dedupe)}
    if msg_type == "text":
        # Not stripped: the router strips; the record keeps what the user typed.
        return Event(kind=ev.KIND_TEXT, payload={"content": root.findtext("Content") or ""},
                     **common)
    if msg_type == "image":
        return Event(kind=ev.KIND_IMAGE,
                     payload={"media_id": _required(root, "MediaId"),
                              "pic_url": _text(root, "PicUrl")},
                     **common)
    return Event(kind=ev.KIND_PLATFORM_EVENT, key=msg_type, payload=_scalars(root), **common)


def _contact_event(root: Element, name: str, created_at: int) -> Event:
    """A WeChat customer changed. Sent as FromUserName=sys, so the dedupe key names the
    change itself: two reps adding two friends in the same second are two events."""
    payload = {key: _text(root, tag) for tag, key in _CONTACT_FIELDS.items()
               if root.find(tag) is not None}
    payload["event"] = name
    if not payload.get("change_type"):
        raise BadRequest("ChangeType missing")
    if name == "change_external_contact" and not (payload.get("userid")
                                                  and payload.get("external_userid")):
        raise BadRequest("UserID / ExternalUserID missing")
    for key in ("userid", "external_userid", "tag_id"):
        if len(payload.get(key, "")) > MAX_USER_ID:
            raise BadRequest(f"{key} too long")
    dedupe = ":".join(["contact", str(created_at), name, payload["change_type"],
                       payload.get("userid", ""), payload.get("external_userid", ""),
                       payload.get("tag_id", "")])
    return Event(platform=ev.PLATFORM_WECOM, kind=ev.KIND_CONTACT, user_id="",
                 created_at=created_at, key=payload["change_type"],
                 dedupe_key=_bounded(dedupe), payload=payload)


def _event(root: Element, user_id: str, created_at: int) -> Event:
    name = _required(root, "Event")
    event_key = _text(root, "EventKey")
    # WeCom's rule is FromUserName + CreateTime (§1.4), but CreateTime has 1 s resolution:
    # two different buttons tapped within one second must both count, so the event name
    # and key join it. Byte-identical platform retries still map to the same key.
    dedupe = f"evt:{user_id}:{created_at}:{name}:{event_key}"
    common: dict[str, Any] = {"platform": ev.PLATFORM_WECOM, "user_id": user_id,
                              "created_at": created_at}

    if name in _CARD_EVENTS:
        task_id = _text(root, "TaskId")
        # The same button key may sit on two cards (two contracts to approve): the card's
        # task id tells those taps apart, while a double tap on one card stays one event.
        return Event(kind=_CARD_EVENTS[name], key=event_key,
                     dedupe_key=_bounded(f"{dedupe}:{task_id}"),
                     payload={"task_id": task_id, "card_type": _text(root, "CardType"),
                              "response_code": _text(root, "ResponseCode"),
                              "selected": _selected(root)},
                     **common)
    if name in _SIMPLE_EVENTS:
        return Event(kind=_SIMPLE_EVENTS[name], key=event_key, dedupe_key=_bounded(dedupe),
                     **common)
    if name in _CONTACT_EVENTS:
        return _contact_event(root, name, created_at)
    if name.upper() == "LOCATION":
        return Event(kind=ev.KIND_LOCATION, dedupe_key=_bounded(dedupe),
                     payload={"latitude": _float(root, "Latitude"),
                              "longitude": _float(root, "Longitude"),
                              "precision": _float(root, "Precision", required=False),
                              "app_type": _text(root, "AppType")},
                     **common)
    # Anything else is passed on by name; the router answers it politely and logs it.
    return Event(kind=ev.KIND_PLATFORM_EVENT, key=name, dedupe_key=_bounded(dedupe),
                 payload=_scalars(root), **common)
