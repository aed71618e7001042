"""DingTalk inbound endpoints.

``POST /dingtalk/callback`` — event subscription (PLATFORMS.md §4.4): verify, decrypt,
record anything but ``check_url``, and always answer the encrypted ``success`` JSON, which
DingTalk requires or it counts the push as failed.

``POST /dingtalk/robot`` — the enterprise robot in HTTP receive mode (§4.2): verify the
``timestamp``/``sign`` headers, record the message and answer ``{}`` at once; the reply goes
later through the message's sessionWebhook, from a job.

As on the WeCom side: size cap → verification → parse → ``intake.accept`` → answer; a
refused request gets a short 4xx and nothing is stored.

Timestamp windows: the robot's ±1 h is documented. DingTalk documents none for event
pushes, so they get the same ±1 h (``settings.dingtalk_robot_window``): tight enough that a
captured push cannot be replayed later, loose enough for DingTalk's own retries.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, jsonify, request

from bot.dingtalk import parse
from bot.dingtalk.crypto import EventCrypto, to_seconds, verify_robot
from bot.edge import BadRequest, EdgeError, parse_timestamp, read_body, reject, require
from bot.intake import accept
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

bp = Blueprint("dingtalk", __name__)

PLATFORM = "dingtalk"


@bp.post("/dingtalk/callback")
def callback() -> Response:
    settings = get_settings()
    if not settings.dingtalk_events_enabled:
        abort(404)  # no event subscription configured: the endpoint does not exist
    try:
        body = read_body(settings.max_callback_bytes)
        signature, timestamp, nonce = require(request.args, "signature|msg_signature",
                                              "timestamp|timeStamp", "nonce")
        encrypt = parse.loads_object(body).get("encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise BadRequest("no encrypt field")
        crypto = EventCrypto.from_settings(settings)
        crypto.verify(signature, timestamp, nonce, encrypt,
                      window=settings.dingtalk_robot_window)
        plain = parse.loads_object(crypto.decrypt(encrypt))
        if parse.event_type(plain) == parse.CHECK_URL:
            event = None
        else:
            event = parse.callback_event(
                plain, query_timestamp=int(to_seconds(parse_timestamp(timestamp))))
    except EdgeError as error:
        return reject(error, PLATFORM)

    if event is None:
        log.info("dingtalk check_url answered")
    else:
        accepted = accept(event)
        log.info("dingtalk event %s accepted inbox=%s duplicate=%s", event.key,
                 accepted.inbox_id, accepted.duplicate)
    return jsonify(crypto.encrypt_success())


@bp.post("/dingtalk/robot")
def robot() -> Response:
    settings = get_settings()
    if not settings.dingtalk_enabled:
        abort(404)  # DingTalk not configured: the platform is off
    try:
        body = read_body(settings.max_callback_bytes)
        timestamp, sign = require(request.headers, "timestamp", "sign")
        verify_robot(timestamp, sign, settings.dingtalk_app_secret,
                     window=settings.dingtalk_robot_window)
        event = parse.robot_event(parse.loads_object(body),
                                  header_timestamp=int(to_seconds(parse_timestamp(timestamp))))
    except EdgeError as error:
        return reject(error, PLATFORM)

    accepted = accept(event)
    log.info("dingtalk robot %s accepted inbox=%s duplicate=%s", event.kind,
             accepted.inbox_id, accepted.duplicate)
    return jsonify({})
