"""Playing a DingTalk user: robot messages (HTTP receive mode) and event callbacks.

Robot messages (PLATFORMS.md 4.2) are JSON POSTed to ``{service_url}/dingtalk/robot``
with headers ``timestamp`` (ms) and ``sign`` = base64(HmacSHA256(appSecret,
f"{timestamp}\\n{appSecret}")), not URL-encoded. Each carries a fresh ``sessionWebhook``
on the emulator, valid 90 minutes, through which the service can answer. The robot
receive channel is tried once: DingTalk documents no retry for it. A JSON message in the
HTTP answer is filed as a "passive" reply (the platform shows it in the chat).

Event callbacks (4.4) are encrypted with DingTalkCrypto and must be answered with the
encrypted "success".
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Any

import requests
from flask import Blueprint, Response, jsonify, request

from bot.emulator.common import get_state
from bot.emulator.dingtalk_api import ROBOT_MSGTYPES, issue_auth_code, robot_sign
from bot.emulator.player_wecom import base_url
from bot.emulator.state import PLATFORM_DINGTALK, EmulatorState, SessionWebhook
from bot.emulator.wire import DingtalkWire, ReplyError

bp = Blueprint("emulator_dingtalk_player", __name__, url_prefix="/_emu/dingtalk")

GROUP_TITLE = "中枢销售群"


def _error(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _opaque(prefix: str, seed: str) -> str:
    # DingTalk's ids are opaque but stable per person/conversation; a hash gives both.
    return prefix + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]


def robot_payload(state: EmulatorState, user: dict[str, Any], text: str,
                  conversation_type: str, now_ms: int) -> dict[str, Any]:
    """The robot HTTP-receive body DingTalk posts for one text message at ``now_ms``."""
    config = state.config
    staff_id = str(user["dingtalk_userid"])
    group = conversation_type == "2"
    conversation_id = (_opaque("cid", "group:" + config.dingtalk_app_key) if group
                       else _opaque("cid", "single:" + staff_id))
    session = secrets.token_urlsafe(24)
    expires_ms = now_ms + config.session_webhook_ttl * 1000
    with state.lock:
        state.sessions[session] = SessionWebhook(session, staff_id, conversation_id,
                                                 conversation_type, expires_ms / 1000)
    corp_id = _opaque("ding", "corp:" + config.dingtalk_app_key)
    chatbot_user_id = _opaque("$:LWCP_v1:$", "bot:" + config.dingtalk_app_key)
    payload: dict[str, Any] = {
        "conversationId": conversation_id,
        "chatbotCorpId": corp_id,
        "chatbotUserId": chatbot_user_id,
        "msgId": "msg" + secrets.token_urlsafe(16),
        "senderNick": user["name"],
        "isAdmin": user.get("role") == "admin",
        "senderStaffId": staff_id,
        "sessionWebhookExpiredTime": expires_ms,
        "createAt": now_ms,
        "senderCorpId": corp_id,
        "conversationType": conversation_type,
        "senderId": _opaque("$:LWCP_v1:$", "user:" + staff_id),
        "sessionWebhook": f"{base_url(state)}/robot/sendBySession?session={session}",
        "text": {"content": text},
        "robotCode": config.dingtalk_app_key,
        "msgtype": "text",
    }
    if group:
        payload["conversationTitle"] = GROUP_TITLE
        payload["isInAtList"] = True
        payload["atUsers"] = [{"dingtalkId": chatbot_user_id}]
    else:
        payload["isInAtList"] = False
    return payload


def _file_reply(state: EmulatorState, staff_id: str, body: bytes,
                in_record: dict[str, Any]) -> dict[str, Any] | None:
    """A robot-format message in the HTTP answer is shown in the chat; anything else isn't."""
    try:
        reply = json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(reply, dict) or reply.get("msgtype") not in ROBOT_MSGTYPES:
        return None
    if not isinstance(reply.get(reply["msgtype"]), dict):
        return None
    state.record_message(platform=PLATFORM_DINGTALK, direction="out", user=staff_id,
                         channel="passive", msgtype=reply["msgtype"], content=reply,
                         in_reply_to=in_record["id"])
    return reply


@bp.post("/users/<staff_id>/authcode")
def play_auth_code(staff_id: str) -> Response:
    """What ``dd.runtime.permission.requestAuthCode({corpId})`` returns to a page opened in
    this user's DingTalk: ``{"code"}``, valid once for ``dingtalk_auth_code_ttl`` seconds.
    A page asking for another organisation's corp gets no code."""
    state = get_state()
    if state.config.dingtalk_user(staff_id) is None:
        return _error(f"no DingTalk user {staff_id}", 404)
    data = request.get_json(silent=True) or {}
    if str(data.get("corpId", "")) != state.config.dingtalk_corp_id:
        return _error("corpId does not match this organisation", 400)
    return jsonify({"code": issue_auth_code(state, staff_id),
                    "expires_in": state.config.dingtalk_auth_code_ttl})


@bp.post("/users/<staff_id>/text")
def play_text(staff_id: str) -> Response:
    state = get_state()
    config = state.config
    user = config.dingtalk_user(staff_id) or config.wecom_user(staff_id)
    if user is None or not user.get("dingtalk_userid"):
        return _error(f"钉钉通讯录里没有成员 {staff_id}", 404)
    data = request.get_json(silent=True) or {}
    text = str(data.get("content", ""))
    if not text:
        return _error("content 不能为空", 400)
    conversation_type = str(data.get("conversation_type", "1"))
    if conversation_type not in ("1", "2"):
        return _error("conversation_type 只能是 \"1\"（单聊）或 \"2\"（群聊）", 400)
    # One instant for createAt and the signed timestamp header, as the platform sends.
    now_ms = int(state.now() * 1000)
    payload = robot_payload(state, user, text, conversation_type, now_ms)
    staff = str(user["dingtalk_userid"])
    in_record = state.record_message(platform=PLATFORM_DINGTALK, direction="in", user=staff,
                                     channel="robot", msgtype="text", content=payload)
    timestamp = str(now_ms)
    headers = {"Content-Type": "application/json; charset=utf-8", "timestamp": timestamp,
               "sign": robot_sign(config.dingtalk_app_secret, timestamp)}
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    started = time.monotonic()
    try:
        answer = requests.post(f"{config.service_url.rstrip('/')}/dingtalk/robot", data=body,
                               headers=headers, timeout=config.callback_timeout)
    except requests.RequestException as exc:
        return jsonify({"status": None, "error": type(exc).__name__,
                        "elapsed": time.monotonic() - started, "reply": None,
                        "message_id": in_record["id"], "payload": payload})
    reply = _file_reply(state, staff, answer.content, in_record) if answer.ok else None
    return jsonify({"status": answer.status_code, "error": None,
                    "elapsed": time.monotonic() - started, "reply": reply,
                    "message_id": in_record["id"], "payload": payload})


@bp.post("/event")
def play_event() -> Response:
    """POST an encrypted event to the service's subscription URL; check the "success"."""
    state = get_state()
    config = state.config
    event = request.get_json(silent=True)
    if not isinstance(event, dict) or not event.get("EventType"):
        return _error("需要 JSON，且带 EventType", 400)
    wire = DingtalkWire(config.dingtalk_token, config.dingtalk_aes_key, config.dingtalk_app_key)
    query, body = wire.post(event, int(state.now() * 1000))
    url = f"{config.service_url.rstrip('/')}/dingtalk/callback"
    try:
        answer = requests.post(url, params=query, data=body, timeout=config.callback_timeout,
                               headers={"Content-Type": "application/json"})
    except requests.RequestException as exc:
        return jsonify({"ok": False, "status": None, "decrypted": None,
                        "error": type(exc).__name__})
    try:
        decrypted: str | None = wire.open_reply(answer.content)
        error = None
    except ReplyError as exc:
        decrypted, error = None, str(exc)
    return jsonify({"ok": answer.status_code == 200 and decrypted == "success",
                    "status": answer.status_code, "decrypted": decrypted, "error": error})
