"""DingTalk robot senders: the signed custom group robot webhook, and replies into a robot
conversation through its ``sessionWebhook`` (PLATFORMS.md §4.1, §4.2).

dingtalk-sdk has neither (§4.6). The group robot is signed with its ``SEC…`` secret; a
sessionWebhook is a capability URL handed to us with each incoming robot message, valid
about 1.5 h, and needs no signature.

Both check the body against the 20 000-byte limit before sending (DingTalk answers 460101
otherwise). On 130101 ("send too fast") DingTalk throttles the robot for 10 minutes, so a
block key is recorded in Redis and the pacer refuses every send to that robot until it
expires — trying during the block only extends nothing and wastes attempts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from typing import Any

import requests

from bot import pacing
from bot.delivery import DeliveryError, MaybeSent, Rejected, RetryLater
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 20000
TOO_FAST = 130101  # over 20 a minute: the robot is throttled for 10 minutes
SECURITY_FAILED = 310000  # keywords / timestamp / sign / IP whitelist
TOKEN_MISSING = 300001  # bad or missing access_token
BODY_TOO_LARGE = 460101

_http = requests.Session()


def sign(secret: str, timestamp_ms: int) -> str:
    """``urlencode(base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")))`` (§4.1)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(webhook: str, secret: str | None, *, timestamp_ms: int | None = None) -> str:
    """The webhook with ``&timestamp=…&sign=…`` appended (unchanged without a secret)."""
    if not secret:
        return webhook
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    sep = "&" if "?" in webhook else "?"
    return f"{webhook}{sep}timestamp={ts}&sign={sign(secret, ts)}"


def encode(msg: dict[str, Any]) -> bytes:
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check_size(msg: dict[str, Any]) -> bytes:
    """The UTF-8 body, or ``Rejected(460101)`` when DingTalk would refuse its size."""
    body = encode(msg)
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(BODY_TOO_LARGE, f"robot message is {len(body)} bytes "
                                       f"(limit {MAX_BODY_BYTES})")
    return body


def send_group(msg: dict[str, Any], *, webhook: str | None = None,
               secret: str | None = None) -> dict[str, Any]:
    """Post to the team's signed group robot (``DINGTALK_ROBOT_WEBHOOK``/``_SECRET``).

    Pacing is the caller's job (``bot.dingtalk.channels``); this only records the 10-minute block
    when DingTalk reports 130101.
    """
    settings = get_settings()
    webhook = webhook or settings.dingtalk_robot_webhook
    if not webhook:
        raise Rejected(None, "DINGTALK_ROBOT_WEBHOOK is not configured")
    secret = secret if secret is not None else settings.dingtalk_robot_secret
    body = check_size(msg)
    return _post(signed_url(webhook, secret), body, block_key=pacing.robot_block_key(webhook),
                 what="robot/send")


def send_session(session_webhook: str, msg: dict[str, Any], *,
                 expires_at_ms: int | None = None) -> dict[str, Any]:
    """Reply into the robot conversation the sessionWebhook belongs to.

    An expired webhook (``expires_at_ms`` passed, from the incoming message's
    ``sessionWebhookExpiredTime``) is refused without a call. Only URLs on the DingTalk API
    host are accepted: the URL came from a request body, and we must not be made to POST
    our messages anywhere else.
    """
    settings = get_settings()
    if expires_at_ms is not None and time.time() * 1000 >= expires_at_ms:
        raise Rejected(None, "sessionWebhook expired")
    if not _same_origin(session_webhook, settings.dingtalk_api_base):
        raise Rejected(None, "sessionWebhook is not on the DingTalk API host")
    body = check_size(msg)
    return _post(session_webhook, body, block_key=pacing.robot_block_key(session_webhook),
                 what="sessionWebhook", session=True)


def _same_origin(url: str, base: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


def _post(url: str, body: bytes, *, block_key: str, what: str,
          session: bool = False) -> dict[str, Any]:
    timeout = get_settings().http_timeout
    try:
        res = _http.post(url, data=body, timeout=timeout,
                         headers={"Content-Type": "application/json; charset=utf-8"})
    except requests.ReadTimeout as exc:
        # The robot may have posted it; a retry can duplicate (RESEND_IS_SAFE is False).
        raise MaybeSent(None, f"{what}: timed out waiting for the answer") from exc
    except requests.RequestException as exc:
        raise RetryLater(None, f"{what}: {type(exc).__name__}: {exc}") from exc
    if res.status_code >= 500 or res.status_code == 429:
        raise RetryLater(None, f"{what}: HTTP {res.status_code}")
    if res.status_code == 404 and session:
        raise Rejected(None, f"{what}: HTTP 404 (conversation gone)")
    try:
        result = res.json()
    except ValueError as exc:
        raise Rejected(None, f"{what}: HTTP {res.status_code}, not JSON: "
                             f"{res.text[:200]!r}") from exc
    if not isinstance(result, dict):
        raise Rejected(None, f"{what}: unexpected answer {result!r:.200}")
    errcode = int(result.get("errcode", 0) or 0)
    if errcode == 0 and res.status_code < 400:
        return dict(result)
    error = _error(errcode, f"{what}: {result.get('errmsg', '')}")
    if errcode == TOO_FAST:
        log.warning("%s answered 130101: blocking the robot for %.0f s", what,
                    pacing.ROBOT_BLOCK_SECONDS)
        pacing.block(block_key, pacing.ROBOT_BLOCK_SECONDS)
    raise error


def _error(errcode: int, message: str) -> DeliveryError:
    if errcode == TOO_FAST:
        return RetryLater(errcode, message, pacing.ROBOT_BLOCK_SECONDS)
    if errcode == -1:
        return RetryLater(errcode, message, 5.0)
    # 310000 security (sign/keywords/IP), 300001 bad token (or, for a sessionWebhook, an
    # expired conversation — DingTalk documents no code for that), 460101 too large, and
    # any other parameter error: permanent for this message.
    return Rejected(errcode, message)
