"""One send() for every outbound destination. The delivery job (jobs/deliver.py) calls
``send``; it picks the destination's own ``send_*`` (bot.wecom.channels,
bot.dingtalk.channels), which turns an outbox payload into the platform call.

Contract with jobs/deliver.py (the types live in bot.delivery):
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
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.delivery import Rejected, Sent
from bot.dingtalk import channels as dingtalk
from bot.wecom import channels as wecom
from models.platform.outbox import (
    CHANNEL_DINGTALK_ROBOT,
    CHANNEL_DINGTALK_SESSION,
    CHANNEL_DINGTALK_WORK,
    CHANNEL_WECOM_APP,
    CHANNEL_WECOM_CARD_UPDATE,
)
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

# One sender per destination, all with the same keyword-only signature.
Sender = Callable[..., Sent]
SENDERS: dict[str, Sender] = {
    CHANNEL_WECOM_APP: wecom.send_app,
    CHANNEL_WECOM_CARD_UPDATE: wecom.send_card_update,
    CHANNEL_DINGTALK_WORK: dingtalk.send_work,
    CHANNEL_DINGTALK_ROBOT: dingtalk.send_robot,
    CHANNEL_DINGTALK_SESSION: dingtalk.send_session,
}

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


def send(channel: str, recipient: str, payload: dict[str, Any], *, outbox_id: int | None,
         attempt: int, resend_check: bool, expires_at: datetime | None = None) -> Sent:
    """Deliver one outbox row (see the module docstring for the error contract).

    ``expires_at`` (the row's) lets channels refuse a destination that can no longer work
    (an expired DingTalk sessionWebhook) instead of calling the platform.
    """
    log.debug("outbox %s attempt %s: %s -> %s%s", outbox_id, attempt, channel, recipient,
              " (resend check)" if resend_check else "")
    _require_platform(channel)
    sender = SENDERS.get(channel)
    if sender is None:
        raise Rejected(None, f"unknown channel {channel!r}")
    return sender(recipient, payload, outbox_id=outbox_id, resend_check=resend_check,
                  expires_at=expires_at)


def _require_platform(channel: str) -> None:
    """A platform that is not configured is off: nothing is sent there (and no request
    leaves with an empty app id), the row is refused for good."""
    settings = get_settings()
    if channel in (CHANNEL_WECOM_APP, CHANNEL_WECOM_CARD_UPDATE) and not settings.wecom_enabled:
        raise Rejected(None, f"{channel}: WeCom is not configured")
    if channel in (CHANNEL_DINGTALK_WORK, CHANNEL_DINGTALK_SESSION) \
            and not settings.dingtalk_enabled:
        raise Rejected(None, f"{channel}: DingTalk is not configured")
