"""The DingTalk outbound destinations behind bot.channels.send: work notifications
(``dingtalk_work``), the group robot webhook (``dingtalk_robot``) and a conversation's
sessionWebhook (``dingtalk_session``).

Each ``send_*`` takes one outbox row's recipient and payload and answers ``Sent`` or raises
a bot.delivery error; bot.channels picks the function by the row's channel."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot import pacing
from bot.delivery import Rejected, Sent, Throttled, split_recipients
from bot.dingtalk import robot_send
from bot.dingtalk.client import get_client
from models.base import as_utc
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)


def send_work(recipient: str, payload: dict[str, Any], *, outbox_id: int | None,
              resend_check: bool, expires_at: datetime | None) -> Sent:
    users = split_recipients(recipient, ",")
    if not users:
        raise Rejected(None, "dingtalk_work: no recipient")
    return Sent(get_client().send_work_notification(users, payload))


def send_robot(recipient: str, payload: dict[str, Any], *, outbox_id: int | None,
               resend_check: bool, expires_at: datetime | None) -> Sent:
    webhook = get_settings().dingtalk_robot_webhook
    if not webhook:
        raise Rejected(None, "dingtalk_robot: DINGTALK_ROBOT_WEBHOOK is not configured")
    if resend_check:
        log.warning("outbox %s: resending to the group robot may post a duplicate", outbox_id)
    robot_send.check_size(payload)
    # The block (set after a 130101) is checked in the same atomic step as the window.
    wait = pacing.reserve(pacing.robot_windows(webhook),
                          blocks=[pacing.robot_block_key(webhook)])
    if wait > 0:
        raise Throttled(wait)
    return Sent(robot_send.send_group(payload))


def send_session(recipient: str, payload: dict[str, Any], *, outbox_id: int | None,
                 resend_check: bool, expires_at: datetime | None) -> Sent:
    if resend_check:
        log.warning("outbox %s: resending into a conversation may post a duplicate",
                    outbox_id)
    if expires_at is not None:
        expires_ms: int | None = int(as_utc(expires_at).timestamp() * 1000)
    else:
        expires_ms = None
    robot_send.check_size(payload)
    wait = pacing.reserve([], blocks=[pacing.robot_block_key(recipient)])
    if wait > 0:
        raise Throttled(wait)
    return Sent(robot_send.send_session(recipient, payload, expires_at_ms=expires_ms))
