"""Checks a WeCom message/send body the way the platform does (PLATFORMS.md 2.2).

Pure functions: they take the decoded JSON and return either the content to deliver or
the errcode the platform would answer. Bodies the real API refuses are refused here too,
so a card builder that forgets a required field fails in tests, not in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MSGTYPES = frozenset({
    "text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown",
    "miniprogram_notice", "template_card",
})
CARD_TYPES = frozenset({
    "text_notice", "news_notice", "button_interaction", "vote_interaction",
    "multiple_interaction",
})
# Cards whose clicks call back, and which therefore need a task_id and get a response_code.
INTERACTIVE_CARDS = frozenset({"button_interaction", "vote_interaction", "multiple_interaction"})
TASK_ID_RE = re.compile(r"[0-9A-Za-z_\-@]+")
TASK_ID_MAX_BYTES = 128
TEXT_MAX_BYTES = 2048
MAX_BUTTONS = 6


class Refused(Exception):
    """The platform refuses the body with this errcode."""

    def __init__(self, errcode: int, detail: str = "") -> None:
        super().__init__(errcode, detail)
        self.errcode = errcode
        self.detail = detail


@dataclass(frozen=True)
class Checked:
    msgtype: str
    content: dict[str, Any]
    task_id: str | None = None
    card_type: str | None = None
    wants_response_code: bool = False


def truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut to ``max_bytes`` of UTF-8 without splitting a character (the platform truncates)."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def valid_task_id(task_id: Any) -> bool:
    return (isinstance(task_id, str) and bool(task_id)
            and len(task_id.encode("utf-8")) <= TASK_ID_MAX_BYTES
            and TASK_ID_RE.fullmatch(task_id) is not None)


def _require(payload: dict[str, Any], *names: str) -> None:
    for name in names:
        if not payload.get(name):
            raise Refused(40058, f"{name} is required")


def _check_text(payload: dict[str, Any]) -> dict[str, Any]:
    content = payload.get("content")
    if not isinstance(content, str) or not content:
        raise Refused(44004)
    return {**payload, "content": truncate_utf8(content, TEXT_MAX_BYTES)}


def _check_card(card: dict[str, Any]) -> tuple[str, str | None, bool]:
    card_type = card.get("card_type")
    if card_type not in CARD_TYPES:
        raise Refused(40058, f"invalid card_type {card_type!r}")
    task_id = card.get("task_id")
    interactive = card_type in INTERACTIVE_CARDS
    has_menu = bool(card.get("action_menu"))
    # task_id is required for callback cards (and for notices carrying an action menu).
    if (interactive or has_menu or task_id is not None) and not valid_task_id(task_id):
        raise Refused(42014)
    main_title = card.get("main_title") or {}
    if (card_type in ("text_notice", "button_interaction")
            and not main_title.get("title") and not card.get("sub_title_text")):
        raise Refused(40058, "main_title.title or sub_title_text is required")
    if card_type == "news_notice" and not main_title.get("title"):
        raise Refused(40058, "main_title.title is required")
    if card_type in ("text_notice", "news_notice") and not card.get("card_action"):
        raise Refused(40058, "card_action is required")
    if card_type == "button_interaction":
        buttons = card.get("button_list")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
            raise Refused(40058, f"button_list needs 1 to {MAX_BUTTONS} buttons")
        for button in buttons:
            if not isinstance(button, dict) or not button.get("text"):
                raise Refused(40058, "button text is required")
            if not button.get("key") and button.get("type") != 1:
                raise Refused(40058, "button key is required")
    if card_type == "vote_interaction":
        checkbox = card.get("checkbox") or {}
        if not checkbox.get("question_key") or not checkbox.get("option_list"):
            raise Refused(40058, "checkbox.question_key and option_list are required")
        _require(card, "submit_button")
    if card_type == "multiple_interaction":
        if not card.get("select_list"):
            raise Refused(40058, "select_list is required")
        _require(card, "submit_button")
    return card_type, task_id, interactive or has_menu


def check_message(body: dict[str, Any]) -> Checked:
    """Validate the message part of a message/send body (not the recipients)."""
    msgtype = body.get("msgtype")
    if not isinstance(msgtype, str) or msgtype not in MSGTYPES:
        raise Refused(40008)
    payload = body.get(msgtype)
    if msgtype in ("text", "markdown"):
        return Checked(msgtype, _check_text(payload if isinstance(payload, dict) else {}))
    if not isinstance(payload, dict):
        raise Refused(40058, f"{msgtype} is required")
    if msgtype == "textcard":
        _require(payload, "title", "description", "url")
        return Checked(msgtype, dict(payload))
    if msgtype in ("image", "voice", "video", "file"):
        _require(payload, "media_id")
        return Checked(msgtype, dict(payload))
    if msgtype in ("news", "mpnews"):
        articles = payload.get("articles")
        if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
            raise Refused(40058, "articles needs 1 to 8 items")
        return Checked(msgtype, dict(payload))
    if msgtype == "template_card":
        card_type, task_id, wants_code = _check_card(payload)
        return Checked(msgtype, dict(payload), task_id=task_id, card_type=card_type,
                       wants_response_code=wants_code)
    return Checked(msgtype, dict(payload))
