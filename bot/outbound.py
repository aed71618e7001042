"""Turns a handler's neutral replies into outbox rows for the right platform channel.

Called inside the handler's transaction, so the messages exist if and only if the change
that caused them was committed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlmodel import Session

from cards import render
from lib.chat import PLATFORM_DINGTALK, PLATFORM_WECOM, Event, Reply
from models.platform import outbox


def queue_replies(session: Session, event: Event, replies: Iterable[Reply], *,
                  origin: str) -> list[int]:
    """Queue each reply; ``origin`` makes the dedupe keys deterministic (a re-run of the
    same inbox event can never queue its replies twice)."""
    ids: list[int] = []
    for index, reply in enumerate(replies):
        row = queue_reply(session, event, reply, dedupe_key=f"{origin}:reply:{index}")
        if row is not None and row.id is not None:
            ids.append(row.id)
    return ids


def queue_reply(session: Session, event: Event, reply: Reply, *,
                dedupe_key: str) -> outbox.OutboxMessage | None:
    if reply.update_button is not None:
        # Only WeCom cards can be changed after the fact; a DingTalk tap was a message.
        response_code = str(event.payload.get("response_code") or "")
        if event.platform != PLATFORM_WECOM or not response_code:
            return None
        return queue_wecom_card_update(session, event.user_id, response_code=response_code,
                                       replace_name=reply.update_button,
                                       dedupe_key=dedupe_key)
    if event.platform == PLATFORM_WECOM:
        return queue_wecom(session, reply.to_user or event.user_id, reply, dedupe_key=dedupe_key)
    if event.platform == PLATFORM_DINGTALK:
        session_webhook = event.reply_to.get("session_webhook")
        expires_ms = int(event.reply_to.get("expires_at_ms") or 0)
        if reply.to_user is None and session_webhook:
            return outbox.add(
                session, dedupe_key=dedupe_key, channel=outbox.CHANNEL_DINGTALK_SESSION,
                recipient=session_webhook,
                payload=render.dingtalk_robot_message(reply),
                expires_at=datetime.fromtimestamp(expires_ms / 1000, UTC) if expires_ms else None,
            )
        return queue_dingtalk_work(session, reply.to_user or event.user_id, reply,
                                   dedupe_key=dedupe_key)
    raise ValueError(f"unknown platform {event.platform!r}")


def queue_wecom(session: Session, userid: str, reply: Reply, *,
                dedupe_key: str) -> outbox.OutboxMessage | None:
    return outbox.add(session, dedupe_key=dedupe_key, channel=outbox.CHANNEL_WECOM_APP,
                      recipient=userid, payload=render.wecom_message(reply))


def queue_dingtalk_work(session: Session, userid: str, reply: Reply, *,
                        dedupe_key: str) -> outbox.OutboxMessage | None:
    return outbox.add(session, dedupe_key=dedupe_key, channel=outbox.CHANNEL_DINGTALK_WORK,
                      recipient=userid, payload=render.dingtalk_work_message(reply))


def queue_wecom_card_update(session: Session, userid: str, *, response_code: str,
                            replace_name: str, dedupe_key: str) -> outbox.OutboxMessage | None:
    return outbox.add(session, dedupe_key=dedupe_key, channel=outbox.CHANNEL_WECOM_CARD_UPDATE,
                      recipient=userid,
                      payload={"response_code": response_code, "replace_name": replace_name})
