"""One send() for every outbound destination. The delivery job (jobs/deliver.py) calls
``send``; each channel module turns an outbox payload into the platform call.

Contract with jobs/deliver.py:
- ``send(...)`` returns a ``Sent`` when the platform accepted the message (or told us it
  already had it), and raises
  - ``Throttled(retry_after)`` when our own pacing says the platform limit would be
    exceeded: nothing was sent, wait and try again (not counted as a failed attempt);
  - ``RetryLater(code, message, retry_after)`` for transient failures (-1, 45009, 130101,
    143103/143104, 5xx, timeouts, connection errors);
  - ``Rejected(code, message)`` for permanent ones (bad payload, all recipients invalid...).
- ``resend_check`` is True when an earlier attempt may already have reached the platform
  (its worker died mid-send); channels that can make the platform drop a duplicate do so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import pacing
from models.base import as_utc
from models.outbox import (
    CHANNEL_DINGTALK_ROBOT,
    CHANNEL_DINGTALK_SESSION,
    CHANNEL_DINGTALK_WORK,
    CHANNEL_WECOM_APP,
    CHANNEL_WECOM_CARD_UPDATE,
)

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class RetryLater(DeliveryError):
    def __init__(self, code: int | None, message: str, retry_after: float | None = None) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class Rejected(DeliveryError):
    pass


class Throttled(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"paced: retry in {retry_after:.1f}s")
        self.retry_after = retry_after


@dataclass
class Sent:
    result: dict[str, Any] = field(default_factory=dict)


class MaybeSent(RetryLater):
    """A transient failure after the request may have reached the platform (the answer
    timed out): the retry should run with ``resend_check`` — the delivery job can tell it
    apart from a plain ``RetryLater`` with ``isinstance``."""


# -- dispatch ----------------------------------------------------------------------------------
# The client modules import the exceptions above, so each is imported where it is used.

# Whether a resend after an ambiguous attempt (``resend_check``) can be deduplicated by the
# platform, so that "send again" is safe:
RESEND_IS_SAFE: dict[str, bool] = {
    # message/send with enable_duplicate_check drops an identical message sent to the
    # same users within duplicate_check_interval (we ask for the 4 h maximum); an
    # interactive template card is also keyed by its task_id (42014 when reused).
    CHANNEL_WECOM_APP: True,
    # A response_code works once: a repeated update answers 60140, which we treat as done.
    CHANNEL_WECOM_CARD_UPDATE: True,
    # Work notifications: identical content to the same user is delivered once a day
    # (PLATFORMS.md §4.3) — the platform answers ok and silently drops the copy.
    CHANNEL_DINGTALK_WORK: True,
    # The robot webhooks have no message id and no duplicate check: a resend may post a
    # second copy into the chat.
    CHANNEL_DINGTALK_ROBOT: False,
    CHANNEL_DINGTALK_SESSION: False,
}

# WeCom's largest duplicate_check_interval (4 h): a lease expiry is noticed within minutes.
WECOM_DUPLICATE_CHECK_SECONDS = 14400
TASK_ID_EXISTS = 42014


def send(channel: str, recipient: str, payload: dict[str, Any], *, outbox_id: int | None,
         attempt: int, resend_check: bool, expires_at: datetime | None = None) -> Sent:
    """Deliver one outbox row (see the module docstring for the error contract).

    ``expires_at`` (the row's) lets channels refuse a destination that can no longer work
    (an expired DingTalk sessionWebhook) instead of calling the platform.
    """
    log.debug("outbox %s attempt %s: %s -> %s%s", outbox_id, attempt, channel, recipient,
              " (resend check)" if resend_check else "")
    _require_platform(channel)
    if channel == CHANNEL_WECOM_APP:
        return _send_wecom_app(recipient, payload, resend_check=resend_check)
    if channel == CHANNEL_WECOM_CARD_UPDATE:
        return _send_wecom_card_update(recipient, payload)
    if channel == CHANNEL_DINGTALK_WORK:
        return _send_dingtalk_work(recipient, payload)
    if channel == CHANNEL_DINGTALK_ROBOT:
        return _send_dingtalk_robot(payload, resend_check=resend_check, outbox_id=outbox_id)
    if channel == CHANNEL_DINGTALK_SESSION:
        return _send_dingtalk_session(recipient, payload, resend_check=resend_check,
                                      outbox_id=outbox_id, expires_at=expires_at)
    raise Rejected(None, f"unknown channel {channel!r}")


def _require_platform(channel: str) -> None:
    """A platform that is not configured is off: nothing is sent there (and no request
    leaves with an empty app id), the row is refused for good."""
    from zhongshu.settings import get_settings

    settings = get_settings()
    if channel in (CHANNEL_WECOM_APP, CHANNEL_WECOM_CARD_UPDATE) and not settings.wecom_enabled:
        raise Rejected(None, f"{channel}: WeCom is not configured")
    if channel in (CHANNEL_DINGTALK_WORK, CHANNEL_DINGTALK_SESSION) \
            and not settings.dingtalk_enabled:
        raise Rejected(None, f"{channel}: DingTalk is not configured")


def _split(recipient: str, sep: str) -> list[str]:
    return [r.strip() for r in recipient.split(sep) if r.strip()]


def _send_wecom_app(recipient: str, payload: dict[str, Any], *, resend_check: bool) -> Sent:
    from bot.wecom.client import get_client

    users = _split(recipient, "|")
    if not users:
        raise Rejected(None, "wecom_app: no recipient")
    msgtype = payload.get("msgtype")
    if not msgtype or msgtype not in payload:
        raise Rejected(40008, f"wecom_app: payload has no {msgtype!r} body")
    client = get_client()
    windows = [w for u in users for w in pacing.wecom_user_windows(u, agent_id=client.agent_id)]
    # Reserve before sending: beyond 30/min or 1000/h WeCom says ok and drops the message.
    wait = pacing.reserve(windows)
    if wait > 0:
        raise Throttled(wait)
    try:
        result = client.send(users, payload, duplicate_check_interval=(
            WECOM_DUPLICATE_CHECK_SECONDS if resend_check else None))
    except Rejected as exc:
        if resend_check and msgtype == "template_card" and exc.code == TASK_ID_EXISTS:
            # The earlier, ambiguous attempt did create the card: its task_id is taken.
            # That attempt's response_code is lost, so the card cannot be updated by code.
            return Sent({"errcode": TASK_ID_EXISTS, "errmsg": exc.message,
                         "note": "task_id already exists: the earlier attempt was delivered"})
        raise
    if result.get("invaliduser"):
        log.warning("wecom_app: invalid users %s", result["invaliduser"])
    return Sent(result)


def _send_wecom_card_update(recipient: str, payload: dict[str, Any]) -> Sent:
    from bot.wecom.client import get_client

    code = payload.get("response_code")
    if not code:
        raise Rejected(None, "wecom_card_update: no response_code")
    if "replace_name" in payload:
        result = get_client().update_template_card(_split(recipient, "|"), str(code),
                                                   replace_name=str(payload["replace_name"]))
    elif "template_card" in payload:
        result = get_client().update_template_card(_split(recipient, "|"), str(code),
                                                   template_card=payload["template_card"])
    else:
        raise Rejected(None, "wecom_card_update: needs replace_name or template_card")
    return Sent(result)


def _send_dingtalk_work(recipient: str, payload: dict[str, Any]) -> Sent:
    from bot.dingtalk.client import get_client

    users = _split(recipient, ",")
    if not users:
        raise Rejected(None, "dingtalk_work: no recipient")
    return Sent(get_client().send_work_notification(users, payload))


def _send_dingtalk_robot(payload: dict[str, Any], *, resend_check: bool,
                         outbox_id: int | None) -> Sent:
    from bot.dingtalk import robot_send
    from zhongshu.settings import get_settings

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


def _send_dingtalk_session(recipient: str, payload: dict[str, Any], *, resend_check: bool,
                           outbox_id: int | None, expires_at: datetime | None) -> Sent:
    from bot.dingtalk import robot_send

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
