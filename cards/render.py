"""Render a neutral ``Reply`` / ``Card`` (lib.chat) into each platform's message dict.

A reply becomes one message. When a reply sets several things, the richest wins:
card, then markdown, then text.

WeCom (message/send ``msg``, PLATFORMS.md §2.2):
- text / markdown as is;
- a card with buttons: ``template_card`` of type ``button_interaction`` (task_id required,
  at most 6 buttons ``{text, style, key}``); the click comes back as a
  ``template_card_event`` with the button key;
- a card with fields and a link: ``template_card`` ``text_notice`` whose ``card_action``
  opens the link (text_notice requires a card_action, so it needs the url);
- a card with a link only: ``textcard`` (title, description, url, 详情);
- a card with neither buttons nor a link: ``markdown``.
Fields go to ``horizontal_content_list`` (at most 6 rows).

Platform limits never make a reply fail: a card longer than the platform shows degrades
to its first items plus a line saying how many more there are (and, when the card has a
link, that tapping it shows them all) — more than 6 WeCom rows keep 5 and a 更多 row,
more than 6 WeCom buttons keep 5 and a link button, markdown and text are cut by whole
lines to WeCom's 2048 bytes and DingTalk's body size (PLATFORMS.md §2.2, §4.1).

DingTalk (robot: ``actionCard``; work notification: snake_case ``action_card``):
DingTalk robot and work-notification cards have link buttons only — nothing calls us back
when one is tapped. So a button becomes a ``dtmd://dingtalkclient/sendMessage?content=…``
link: tapping it makes the DingTalk client send that text into the conversation as if the
user had typed it, and the robot receives it as an ordinary text message. The text is
``"<button text> #<button key>"``; ``parse_dingtalk_action`` gives the key back so the
DingTalk edge can turn such a message into a card action. This only reaches us in a
conversation with the robot (sessionWebhook replies, the group robot): in a work
notification the user cannot send into that chat, so there buttons are shown but do
nothing — prefer a card ``url`` for work notifications.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from cards import texts
from cards.links import for_dingtalk
from lib.chat import Button, Card, Reply

MAX_WECOM_BUTTONS = 6
MAX_WECOM_ROWS = 6  # horizontal_content_list
MAX_WECOM_TEXT_BYTES = 2048  # text and markdown content (longer text is cut by WeCom)
# DingTalk refuses a robot body over 20 000 bytes (460101); room is kept for the JSON
# around the text and for \uXXXX escapes of non-ASCII characters.
MAX_DINGTALK_TEXT_BYTES = 6000
TASK_ID_RE = re.compile(r"^[0-9A-Za-z_\-@]{1,128}$")  # WeCom task_id rule (42014 otherwise)
# Keys are "area.action" with an optional ":argument", so a hash a user types is not a tap.
DINGTALK_ACTION_RE = re.compile(r"#([a-z][a-z0-9_]*\.[a-z0-9_.]+(?::[^\s#]+)?)\s*$")


# -- WeCom ------------------------------------------------------------------------------------

def wecom_message(reply: Reply) -> dict[str, Any]:
    """The ``{"msgtype": t, t: {...}}`` part of a WeCom message/send body."""
    if reply.card is not None:
        return _wecom_card_message(reply.card)
    if reply.markdown is not None:
        return {"msgtype": "markdown", "markdown": {
            "content": fit_lines(reply.markdown, MAX_WECOM_TEXT_BYTES)}}
    if reply.text is not None:
        return {"msgtype": "text", "text": {
            "content": fit_lines(reply.text, MAX_WECOM_TEXT_BYTES)}}
    raise ValueError("empty reply: set text, markdown or card")


def fit_lines(text: str, max_bytes: int, *, openable: bool = False) -> str:
    """``text`` cut by whole lines to at most ``max_bytes`` of UTF-8, the last line saying
    how many lines were left out (that tapping shows them when ``openable``)."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    lines = text.split("\n")
    more = texts.MORE_LINES if openable else texts.MORE_LINES_HIDDEN
    for keep in range(len(lines) - 1, 0, -1):
        cut = "\n".join([*lines[:keep], more.format(n=len(lines) - keep)])
        if len(cut.encode("utf-8")) <= max_bytes:
            return cut
    # One long line: cut inside it, without splitting a character.
    return text.encode("utf-8")[:max_bytes - 3].decode("utf-8", errors="ignore") + texts.ELLIPSIS


def wecom_template_card(card: Card) -> dict[str, Any]:
    """The ``template_card`` object alone (also what update_template_card takes)."""
    if card.buttons:
        return _wecom_button_card(card)
    if card.url is None:
        raise ValueError("a WeCom template card needs buttons or a url")
    tc: dict[str, Any] = {"card_type": "text_notice", "main_title": {"title": card.title}}
    if card.description:
        tc["sub_title_text"] = card.description
    if card.fields:
        tc["horizontal_content_list"] = _wecom_rows(card)
    tc["card_action"] = {"type": 1, "url": card.url}
    if card.task_id is not None:
        tc["task_id"] = _task_id(card.task_id)
    return tc


def _wecom_card_message(card: Card) -> dict[str, Any]:
    if card.buttons or (card.url is not None and card.fields):
        return {"msgtype": "template_card", "template_card": wecom_template_card(card)}
    if card.url is not None:
        return {"msgtype": "textcard", "textcard": {
            "title": card.title, "description": card.description or card.title,
            "url": card.url, "btntxt": texts.DETAILS}}
    return {"msgtype": "markdown", "markdown": {"content": _wecom_card_markdown(card)}}


def _wecom_button_card(card: Card) -> dict[str, Any]:
    if card.task_id is None:
        raise ValueError(f"card {card.title!r} has buttons but no task_id")
    tc: dict[str, Any] = {"card_type": "button_interaction",
                          "main_title": {"title": card.title}}
    if card.description:
        tc["sub_title_text"] = card.description
    if card.fields:
        tc["horizontal_content_list"] = _wecom_rows(card)
    if card.url is not None:
        tc["card_action"] = {"type": 1, "url": card.url}
    tc["task_id"] = _task_id(card.task_id)
    buttons: list[dict[str, Any]] = [{"text": b.text, "style": b.style, "key": b.key}
                                     for b in card.buttons]
    if len(buttons) > MAX_WECOM_BUTTONS:
        if card.url is not None:  # the rest are reachable on the page the card links to
            buttons = [*buttons[:MAX_WECOM_BUTTONS - 1],
                       {"type": 1, "text": texts.VIEW_ALL, "style": 2, "url": card.url}]
        else:
            buttons = buttons[:MAX_WECOM_BUTTONS]
    tc["button_list"] = buttons
    return tc


def _wecom_rows(card: Card) -> list[dict[str, str]]:
    fields = list(card.fields)
    if len(fields) > MAX_WECOM_ROWS:
        keep = MAX_WECOM_ROWS - 1
        more = texts.MORE_OPEN if card.url is not None else texts.MORE_HIDDEN
        fields = [*fields[:keep], (texts.MORE_LABEL, more.format(n=len(fields) - keep))]
    return [{"keyname": name, "value": value} for name, value in fields]


# Plain text placed into markdown: the characters that would start a link, an HTML tag,
# emphasis or code become their full-width look-alikes, and line breaks become spaces, so
# a customer named "[点我](http://…)" is shown as typed and never becomes a link.
_MARKDOWN_NEUTRAL = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊",
                                   "`": "｀", "#": "＃", "\r": " ", "\n": " "})


def markdown_text(text: str) -> str:
    """``text`` made safe to place inside WeCom / DingTalk markdown as plain text."""
    return text.translate(_MARKDOWN_NEUTRAL)


def _wecom_card_markdown(card: Card) -> str:
    lines = [f"**{markdown_text(card.title)}**"]
    if card.description:
        lines.append(markdown_text(card.description))
    lines += [f"> {markdown_text(name)}：{markdown_text(value)}" for name, value in card.fields]
    return fit_lines("\n".join(lines), MAX_WECOM_TEXT_BYTES)


def _task_id(task_id: str) -> str:
    if not TASK_ID_RE.match(task_id) or len(task_id.encode("utf-8")) > 128:
        raise ValueError(f"WeCom task_id {task_id!r}: only [0-9A-Za-z_-@], at most 128 bytes")
    return task_id


# -- DingTalk ---------------------------------------------------------------------------------

def dingtalk_action_command(button: Button) -> str:
    """The text a tapped DingTalk button sends back into the conversation."""
    return f"{button.text} #{button.key}"


def dingtalk_action_url(button: Button) -> str:
    """``dtmd://`` link that makes the DingTalk client send the button's command."""
    command = urllib.parse.quote(dingtalk_action_command(button), safe="")
    return f"dtmd://dingtalkclient/sendMessage?content={command}"


def parse_dingtalk_action(text: str) -> str | None:
    """The button key in a message sent by a tapped button, else None."""
    match = DINGTALK_ACTION_RE.search(text.strip())
    return match.group(1) if match else None


def dingtalk_robot_message(reply: Reply) -> dict[str, Any]:
    """A robot message (group webhook or sessionWebhook). Links to our pages go through
    the DingTalk sign-in entry (免登), whoever built the reply."""
    reply = for_dingtalk(reply)
    if reply.card is not None:
        card = reply.card
        links = _dingtalk_links(card)
        if not links:
            return _dingtalk_markdown(card.title, _dingtalk_card_markdown(card))
        body: dict[str, Any] = {"title": card.title, "text": _dingtalk_card_markdown(card)}
        if len(links) == 1 and not card.buttons:
            body["singleTitle"], body["singleURL"] = links[0]
        else:
            body["btnOrientation"] = "0"
            body["btns"] = [{"title": t, "actionURL": u} for t, u in links]
        return {"msgtype": "actionCard", "actionCard": body}
    if reply.markdown is not None:
        return _dingtalk_markdown(_markdown_title(reply.markdown),
                                  fit_lines(reply.markdown, MAX_DINGTALK_TEXT_BYTES))
    if reply.text is not None:
        return {"msgtype": "text", "text": {
            "content": fit_lines(reply.text, MAX_DINGTALK_TEXT_BYTES)}}
    raise ValueError("empty reply: set text, markdown or card")


def dingtalk_work_message(reply: Reply) -> dict[str, Any]:
    """The ``msg`` of a work notification (asyncsend_v2): snake_case ``action_card``;
    links as in ``dingtalk_robot_message``."""
    reply = for_dingtalk(reply)
    if reply.card is not None:
        card = reply.card
        links = _dingtalk_links(card)
        if not links:
            return _dingtalk_markdown(card.title, _dingtalk_card_markdown(card))
        body: dict[str, Any] = {"title": card.title, "markdown": _dingtalk_card_markdown(card)}
        if len(links) == 1 and not card.buttons:
            body["single_title"], body["single_url"] = links[0]
        else:
            body["btn_orientation"] = "0"
            body["btn_json_list"] = [{"title": t, "action_url": u} for t, u in links]
        return {"msgtype": "action_card", "action_card": body}
    if reply.markdown is not None:
        return _dingtalk_markdown(_markdown_title(reply.markdown),
                                  fit_lines(reply.markdown, MAX_DINGTALK_TEXT_BYTES))
    if reply.text is not None:
        return {"msgtype": "text", "text": {
            "content": fit_lines(reply.text, MAX_DINGTALK_TEXT_BYTES)}}
    raise ValueError("empty reply: set text, markdown or card")


def _dingtalk_links(card: Card) -> list[tuple[str, str]]:
    """(title, url) per button, then the card's own link as 查看详情."""
    links = [(b.text, dingtalk_action_url(b)) for b in card.buttons]
    if card.url is not None:
        links.append((texts.VIEW_DETAILS, card.url))
    return links


def _dingtalk_card_markdown(card: Card) -> str:
    # DingTalk markdown needs a blank line between paragraphs; list items may be adjacent.
    parts = [f"### {markdown_text(card.title)}"]
    if card.description:
        parts.append(markdown_text(card.description))
    if card.fields:
        parts.append("\n".join(f"- {markdown_text(name)}：{markdown_text(value)}"
                               for name, value in card.fields))
    return fit_lines("\n\n".join(parts), MAX_DINGTALK_TEXT_BYTES,
                     openable=bool(card.url or card.buttons))


def _dingtalk_markdown(title: str, text: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def _markdown_title(markdown: str) -> str:
    """DingTalk shows ``title`` in the chat list; the first line, without markup, serves."""
    for line in markdown.splitlines():
        line = line.strip().lstrip("#>").strip().strip("*").strip()
        if line:
            return line
    return markdown.strip()
