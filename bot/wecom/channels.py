"""The WeCom outbound destinations behind bot.channels.send: application messages
(``wecom_app``) and updates of a template card already sent (``wecom_card_update``).

Each ``send_*`` takes one outbox row's recipient and payload and answers ``Sent`` or raises
a bot.delivery error; bot.channels picks the function by the row's channel."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot import pacing
from bot.delivery import Rejected, Sent, Throttled, split_recipients
from bot.wecom.client import get_client

log = logging.getLogger(__name__)

# WeCom's largest duplicate_check_interval (4 h): a lease expiry is noticed within minutes.
WECOM_DUPLICATE_CHECK_SECONDS = 14400
TASK_ID_EXISTS = 42014


def send_app(recipient: str, payload: dict[str, Any], *, outbox_id: int | None,
             resend_check: bool, expires_at: datetime | None) -> Sent:
    users = split_recipients(recipient, "|")
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


def send_card_update(recipient: str, payload: dict[str, Any], *, outbox_id: int | None,
                     resend_check: bool, expires_at: datetime | None) -> Sent:
    code = payload.get("response_code")
    if not code:
        raise Rejected(None, "wecom_card_update: no response_code")
    if "replace_name" in payload:
        result = get_client().update_template_card(split_recipients(recipient, "|"), str(code),
                                                   replace_name=str(payload["replace_name"]))
    elif "template_card" in payload:
        result = get_client().update_template_card(split_recipients(recipient, "|"), str(code),
                                                   template_card=payload["template_card"])
    else:
        raise Rejected(None, "wecom_card_update: needs replace_name or template_card")
    return Sent(result)
