"""The emulator's own control API under /_emu/: inspect chats and calls, steer time and faults.

Tests and the phone page use it; the service never does. All bodies are JSON.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request

from bot.emulator.common import control_error, control_payload, get_state, normalise_api
from bot.emulator.media import live_media
from bot.emulator.state import PLATFORMS, Fault
from bot.emulator.wecom_contacts_events import settle_and_send

bp = Blueprint("emulator_control", __name__, url_prefix="/_emu")



@bp.post("/reset")
def reset() -> Response:
    get_state().reset()
    return jsonify({"ok": True})


@bp.get("/messages")
def messages() -> Response:
    """Messages in order; filters: platform, user, since (only ids above it).

    ``mark_read=1`` marks the returned DingTalk work notifications as read, as a phone
    showing them would (getsendresult then lists the user under read).
    """
    state = get_state()
    platform = request.args.get("platform")
    user = request.args.get("user")
    since = request.args.get("since", type=int, default=0)
    mark_read = request.args.get("mark_read") == "1"
    with state.lock:
        if platform and user:
            pool = state.by_user.get((platform, user), [])
        else:
            pool = [m for m in state.messages
                    if (not platform or m["platform"] == platform)
                    and (not user or m["user"] == user)]
        selected = [m for m in pool if m["id"] > since]
        if mark_read:
            for message in selected:
                if message["channel"] == "work" and message["delivered"]:
                    message["read"] = True
        return jsonify([dict(m) for m in selected])


@bp.get("/calls")
def calls() -> Response:
    """The platform-API call log; filters: api, platform, since."""
    state = get_state()
    api = request.args.get("api")
    platform = request.args.get("platform")
    since = request.args.get("since", type=int, default=0)
    with state.lock:
        return jsonify([dict(c) for c in state.calls
                        if (not api or c["api"] == normalise_api(api))
                        and (not platform or c["platform"] == platform)
                        and c["id"] > since])


@bp.post("/<platform>/token")
def token(platform: str) -> Response:
    """{"action": "expire"} → next use answers 42001; "invalidate" → 40014."""
    if platform not in PLATFORMS:
        return control_error(f"unknown platform {platform!r}", 404)
    state = get_state()
    action = control_payload().get("action")
    with state.lock:
        book = state.tokens[platform]
        had_token = book.current is not None
        if action == "expire":
            book.expire(state.now())
        elif action == "invalidate":
            book.invalidate()
        else:
            return control_error('action must be "expire" or "invalidate"')
    return jsonify({"ok": True, "action": action, "had_token": had_token})


@bp.get("/faults")
def list_faults() -> Response:
    state = get_state()
    with state.lock:
        return jsonify([asdict(f) for f in state.faults])


@bp.post("/faults")
def add_fault() -> Response:
    """Queue a fault: the next ``times`` calls of ``api`` answer it instead of the handler.

    ``errcode`` → that errcode in the usual JSON (HTTP ``status`` or 200); ``status``
    alone → that HTTP status with an HTML error page; ``delay`` (s) → sleep first, then
    the fault (or, with neither errcode nor status, the normal answer).
    """
    data = control_payload()
    platform = data.get("platform")
    api = normalise_api(str(data.get("api", "")))
    if platform not in PLATFORMS:
        return control_error('platform must be "wecom" or "dingtalk"')
    if not api:
        return control_error("api is required, e.g. message/send")
    try:
        fault = Fault(
            platform=platform, api=api,
            errcode=int(data["errcode"]) if data.get("errcode") is not None else None,
            status=int(data["status"]) if data.get("status") is not None else None,
            delay=float(data.get("delay") or 0.0),
            times=int(data.get("times", 1)))
    except (TypeError, ValueError):
        return control_error("errcode, status and times must be integers, delay a number")
    if fault.times < 1:
        return control_error("times must be at least 1")
    if fault.errcode is None and fault.status is None and fault.delay <= 0:
        return control_error("give errcode, status or delay")
    state = get_state()
    with state.lock:
        state.faults.append(fault)
    return jsonify({"ok": True, "fault": asdict(fault)})


@bp.delete("/faults")
def clear_faults() -> Response:
    state = get_state()
    with state.lock:
        cleared = len(state.faults)
        state.faults.clear()
    return jsonify({"ok": True, "cleared": cleared})


@bp.get("/clock")
def clock() -> Response:
    state = get_state()
    return jsonify({"now": state.now(), "offset": state.clock_offset})


@bp.post("/clock")
def advance_clock() -> Response:
    try:
        seconds = float(control_payload().get("advance", 0))
    except (TypeError, ValueError):
        return control_error("advance must be a number of seconds")
    state = get_state()
    now = state.advance(seconds)
    # 客户联系 transfers that fell due in the jump finish now, callbacks included.
    contact_events = settle_and_send(state)
    return jsonify({"now": now, "offset": state.clock_offset, "contact_events": contact_events})


@bp.get("/media/<media_id>")
def media(media_id: str) -> Response:
    """Media bytes without a token: the PicUrl the player hands out, and the phone's <img>."""
    found = live_media(get_state(), media_id)
    if found is None:
        return control_error("media not found or expired", 404)
    return Response(found.data, content_type=found.content_type)


@bp.get("/directory")
def directory() -> Response:
    """Users, departments, workbench buttons and preset places (for the phone page)."""
    config = get_state().config
    return jsonify({"users": config.users, "departments": config.departments,
                    "workbench": get_state().workbench(), "locations": config.locations})
