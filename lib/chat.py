"""The neutral event and reply types: past bot/, nobody reads XML or platform JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PLATFORM_WECOM = "wecom"
PLATFORM_DINGTALK = "dingtalk"

# Every kind of event the edge produces. The router refuses to register anything else.
KIND_TEXT = "text"  # a chat message (WeCom text, DingTalk robot text)
KIND_IMAGE = "image"  # a photo sent in the chat
KIND_CLICK = "click"  # a workbench / menu button (WeCom Event=click)
KIND_ENTER_AGENT = "enter_agent"  # the user opened the app's chat
KIND_LOCATION = "location"  # WeCom LOCATION report
KIND_CARD_ACTION = "card_action"  # a template card button / vote / multiple submit
KIND_CARD_MENU = "card_menu"  # a template card's action menu item
KIND_PLATFORM_EVENT = "platform_event"  # anything else the platform reports (raw name in key)
# A rep's WeChat customer changed (WeCom change_external_contact / change_external_tag).
# Sent by the platform itself (FromUserName=sys): no person to answer or to rate-limit, so
# ``user_id`` is "" and the rep is ``payload["userid"]``.
KIND_CONTACT = "contact_change"

KINDS = (KIND_TEXT, KIND_IMAGE, KIND_CLICK, KIND_ENTER_AGENT, KIND_LOCATION, KIND_CARD_ACTION,
         KIND_CARD_MENU, KIND_PLATFORM_EVENT, KIND_CONTACT)


@dataclass(frozen=True)
class Event:
    """One user action or platform event, as every handler sees it.

    ``payload`` holds the kind-specific fields, already normalised:
    text: {"content"}; image: {"media_id", "pic_url"} (DingTalk: {"download_code"});
    location: {"latitude", "longitude", "precision"}; card_action/card_menu:
    {"task_id", "card_type", "response_code", "selected": [{"question_key", "option_ids"}]}.
    ``reply_to`` tells outbound delivery how to answer in the same conversation
    (DingTalk: {"session_webhook", "expires_at_ms", "conversation_id", "conversation_type"}).
    """

    platform: str
    kind: str
    user_id: str
    dedupe_key: str
    created_at: int
    key: str = ""
    msg_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    reply_to: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.payload.get("content", "")).strip()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(**data)


@dataclass(frozen=True)
class Button:
    text: str
    key: str
    style: int = 1  # WeCom: 1 primary, 2 default, 3 red, 4 blue


@dataclass(frozen=True)
class Card:
    """A platform-neutral card; cards/render.py turns it into each platform's format."""

    title: str
    description: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    url: str | None = None
    buttons: tuple[Button, ...] = ()
    task_id: str | None = None  # set for interactive cards (buttons)


@dataclass(frozen=True)
class Reply:
    """What a handler wants said back to the sender (or to someone else)."""

    text: str | None = None
    markdown: str | None = None
    card: Card | None = None
    to_user: str | None = None  # None: the event's sender, on the event's platform
    # New text for the tapped card button, sent only once the handler has accepted the
    # tap (WeCom update_template_card with the click's fresh ResponseCode). Unlike the
    # router's passive ``replace_name``, a refused tap leaves the button as it was.
    update_button: str | None = None
