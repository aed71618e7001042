"""``GET/POST /wecom/callback``: WeCom URL verification and encrypted callbacks.

Order of work, for every request: size cap → signature, timestamp window, decryption →
parse into an Event → ``intake.accept`` → answer. Nothing is stored unless every check
passed; a refused request gets a short 4xx (never a 500 for bad input). The answer is an
empty 200 except for a card click whose button has a ``replace_name``: that gets the
encrypted ``update_button`` passive reply so the card changes before the worker runs.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request

from bot import router as routing  # handlers register on it; the edge never imports them
from bot.edge import EdgeError, read_body, reject, require
from bot.intake import accept
from bot.wecom import parse, replies
from bot.wecom.crypto import WeComCrypto
from lib import chat as ev
from lib.chat import Event
from zhongshu.settings import get_settings

log = logging.getLogger(__name__)

bp = Blueprint("wecom", __name__)

PLATFORM = "wecom"


@bp.before_request
def _only_when_configured() -> None:
    # WeCom not configured: the platform is off, its callback does not exist.
    if not get_settings().wecom_enabled:
        abort(404)


@bp.get("/wecom/callback")
def verify_url() -> Response:
    """URL verification (§1.2): answer the decrypted echostr, bare, within a second."""
    settings = get_settings()
    try:
        signature, timestamp, nonce, echostr = require(
            request.args, "msg_signature", "timestamp", "nonce", "echostr")
        # Werkzeug has already URL-decoded echostr; a '+' that arrived unencoded became a
        # space, and base64 has no spaces, so restoring it is safe.
        echostr = echostr.replace(" ", "+")
        crypto = WeComCrypto.from_settings(settings)
        crypto.verify(signature, timestamp, nonce, echostr,
                      window=settings.wecom_timestamp_window)
        plaintext = crypto.decrypt(echostr)
    except EdgeError as error:
        return reject(error, PLATFORM)
    log.info("wecom URL verification answered")
    return Response(plaintext, status=200, mimetype="text/plain")


@bp.post("/wecom/callback")
def callback() -> Response:
    settings = get_settings()
    try:
        body = read_body(settings.max_callback_bytes)
        signature, timestamp, nonce = require(request.args, "msg_signature", "timestamp",
                                              "nonce")
        encrypt = parse.envelope_encrypt(body)
        crypto = WeComCrypto.from_settings(settings)
        crypto.verify(signature, timestamp, nonce, encrypt,
                      window=settings.wecom_timestamp_window)
        event = parse.to_event(crypto.decrypt(encrypt))
    except EdgeError as error:
        return reject(error, PLATFORM)

    accepted = accept(event)
    log.info("wecom %s accepted inbox=%s duplicate=%s", event.kind, accepted.inbox_id,
             accepted.duplicate)
    # A duplicate click gets the same passive reply: if the first answer was lost (the
    # reason WeCom retried), this answer is the one that updates the card.
    return _passive_reply(crypto, event, crypto.receive_id)


def _passive_reply(crypto: WeComCrypto, event: Event, corp_id: str) -> Response:
    replace_name = _button_text(event)
    if not replace_name:
        return Response("", status=200, mimetype="text/plain")
    xml = replies.update_button(to_user=event.user_id, corp_id=corp_id,
                                replace_name=replace_name)
    return Response(crypto.encrypt_reply(xml), status=200, mimetype="text/xml")


def _button_text(event: Event) -> str | None:
    if event.kind != ev.KIND_CARD_ACTION:
        return None
    try:
        return routing.router.passive_button_text(event)
    except Exception:
        log.exception("passive_button_text failed for key %r", event.key)
        return None
