"""The emulated DingTalk server API (oapi.dingtalk.com paths) and robot webhooks.

Point ``DINGTALK_API_BASE`` at the emulator. Work notifications follow PLATFORMS.md 4.3,
including the silent daily rules (identical content once per user per day, 500 per user
per day, to_all_user 3 times per day): the API answers success and the message is filed
as dropped. The group robot (4.1) answers its documented errcodes instead.

Emulator-specific choices (the docs leave them open):
- Bad appkey/appsecret → 40089; a bad agent_id → 40056; a malformed body → 40035.
- The QPM limit counts recipients of accepted calls over a rolling minute.
- getsendresult files silent drops under ``forbidden_list`` with code 143105 (daily cap)
  or 143106 (duplicate content).
- A session webhook that is unknown or past ``sessionWebhookExpiredTime`` → 300001.
- ``topapi/v2/user/getuserinfo`` (H5 sign-in, 免登) redeems the codes this emulator issued
  (``issue_auth_code``: what ``dd.runtime.permission.requestAuthCode`` gives the page in
  the real client): one use, ``dingtalk_auth_code_ttl`` seconds; an unknown, used or
  expired code → 40078 (不存在的临时授权码), a missing one → 40035.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from flask import Blueprint, request

from bot.emulator.common import day_number, dingtalk_error, get_state, json_body, platform_api
from bot.emulator.state import GROUP_USER, PLATFORM_DINGTALK, EmulatorState

bp = Blueprint("emulator_dingtalk", __name__)

MAX_USERIDS = 100
MAX_DEPTS = 20
# Work-notification message types and the fields each must carry.
WORK_MSGTYPES: dict[str, tuple[str, ...]] = {
    "text": ("content",),
    "markdown": ("title", "text"),
    "link": ("messageUrl", "title", "text"),
    "action_card": ("title", "markdown"),
    "oa": ("message_url", "head", "body"),
    "image": ("media_id",),
    "file": ("media_id",),
    "voice": ("media_id",),
}
# Group-robot / session-webhook message types (camelCase, unlike work notifications).
ROBOT_MSGTYPES: dict[str, tuple[str, ...]] = {
    "text": ("content",),
    "markdown": ("title", "text"),
    "link": ("title", "text", "messageUrl"),
    "actionCard": ("title", "text"),
    "feedCard": ("links",),
}
FORBIDDEN_CODES = {"daily_limit": "143105", "duplicate_today": "143106"}

Answer = dict[str, Any]


def robot_sign(secret: str, timestamp_ms: int | str) -> str:
    """base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")) -- the platforms' robot sign."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _token_error(state: EmulatorState) -> Answer | None:
    code = state.tokens[PLATFORM_DINGTALK].check(request.args.get("access_token"), state.now())
    return dingtalk_error(code) if code else None


def _body() -> dict[str, Any] | None:
    # Accept JSON (what plain requests and client.post send) or a form (the TOP style).
    body = json_body()
    if body is None and request.form:
        body = request.form.to_dict()
    return body


def _fingerprint(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False)


@bp.get("/gettoken")
@platform_api(PLATFORM_DINGTALK, "gettoken")
def gettoken() -> Answer:
    state = get_state()
    config = state.config
    if (request.args.get("appkey") != config.dingtalk_app_key
            or request.args.get("appsecret") != config.dingtalk_app_secret):
        return dingtalk_error(40089)
    with state.lock:
        token = state.tokens[PLATFORM_DINGTALK].issue(state.now(), config.token_ttl)
    return {**dingtalk_error(0), "access_token": token.value,
            "expires_in": max(1, round(token.expires_at - state.now()))}


# -- work notifications ---------------------------------------------------------------------

def _work_message(body: dict[str, Any]) -> tuple[str, dict[str, Any]] | Answer:
    msg = body.get("msg")
    if isinstance(msg, str):
        try:
            msg = json.loads(msg)
        except json.JSONDecodeError:
            return dingtalk_error(40035, "msg is not JSON")
    if not isinstance(msg, dict):
        return dingtalk_error(40035, "msg is required")
    msgtype = msg.get("msgtype")
    if msgtype not in WORK_MSGTYPES:
        return dingtalk_error(40035, f"unsupported msgtype {msgtype!r}")
    content = msg.get(msgtype)
    if not isinstance(content, dict):
        return dingtalk_error(40035, f"msg.{msgtype} is required")
    for name in WORK_MSGTYPES[msgtype]:
        if not content.get(name):
            return dingtalk_error(40035, f"msg.{msgtype}.{name} is required")
    if msgtype == "action_card":
        single = content.get("single_title") and content.get("single_url")
        buttons = content.get("btn_json_list")
        if not single and not (isinstance(buttons, list) and buttons):
            return dingtalk_error(40035, "single_title+single_url or btn_json_list is required")
    return msgtype, content


def _csv(value: Any) -> list[str]:
    # The API takes "u1,u2"; a JSON list is tolerated, since clients build either.
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _work_recipients(state: EmulatorState, body: dict[str, Any]
                     ) -> tuple[list[str], list[str], list[str]] | Answer:
    """(valid staff ids, invalid user ids, invalid dept ids) or an error answer."""
    userids = _csv(body.get("userid_list"))
    dept_ids = _csv(body.get("dept_id_list"))
    to_all = str(body.get("to_all_user", "false")).lower() == "true"
    if len(userids) > MAX_USERIDS:
        return dingtalk_error(40035, f"userid_list exceeds {MAX_USERIDS}")
    if len(dept_ids) > MAX_DEPTS:
        return dingtalk_error(40035, f"dept_id_list exceeds {MAX_DEPTS}")
    if not (userids or dept_ids or to_all):
        return dingtalk_error(40035, "userid_list, dept_id_list or to_all_user is required")
    config = state.config
    valid: dict[str, None] = {}
    invalid_users = []
    for userid in dict.fromkeys(userids):
        if config.dingtalk_user(userid) is not None:
            valid.setdefault(userid, None)
        else:
            invalid_users.append(userid)
    invalid_depts = []
    for dept in dept_ids:
        if not dept.isdigit() or int(dept) not in config.department_ids():
            invalid_depts.append(dept)
            continue
        depts = config.subdepartment_ids(int(dept))
        valid.update((u["dingtalk_userid"], None) for u in config.users
                     if u.get("dingtalk_userid")
                     and depts.intersection(int(d) for d in u["department"]))
    if to_all:
        valid.update((u["dingtalk_userid"], None) for u in config.users
                     if u.get("dingtalk_userid"))
    return list(valid), invalid_users, invalid_depts


def _work_drop_reason(state: EmulatorState, userid: str, fingerprint: str) -> str | None:
    today = day_number(state, state.now())
    delivered_today = [r for r in state.by_user.get((PLATFORM_DINGTALK, userid), [])
                       if r["channel"] == "work" and r["delivered"]
                       and day_number(state, r["at"]) == today]
    if any(_fingerprint(r["content"]) == fingerprint for r in delivered_today):
        return "duplicate_today"
    if len(delivered_today) >= state.config.dingtalk_daily_per_user:
        return "daily_limit"
    return None


@bp.post("/topapi/message/corpconversation/asyncsend_v2")
@platform_api(PLATFORM_DINGTALK, "topapi/message/corpconversation/asyncsend_v2")
def asyncsend_v2() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    body = _body()
    if body is None:
        return dingtalk_error(40035, "body is not JSON")
    try:
        agent_ok = int(body.get("agent_id", -1)) == state.config.dingtalk_agent_id
    except (TypeError, ValueError):
        agent_ok = False
    if not agent_ok:
        return dingtalk_error(40056)
    message = _work_message(body)
    if isinstance(message, dict):
        return message
    msgtype, content = message
    recipients = _work_recipients(state, body)
    if isinstance(recipients, dict):
        return recipients
    users, invalid_users, invalid_depts = recipients
    # What each recipient gets: the message itself, as {"msgtype", <msgtype>: {...}}.
    message_dict = {"msgtype": msgtype, msgtype: content}
    fingerprint = _fingerprint(message_dict)
    to_all = str(body.get("to_all_user", "false")).lower() == "true"
    with state.lock:
        now = state.now()
        window = state.dingtalk_recipients
        while window and window[0][0] <= now - 60:
            window.popleft()
        if sum(count for _, count in window) + len(users) > state.config.dingtalk_qpm:
            return dingtalk_error(143103)
        window.append((now, len(users)))
        to_all_blocked = False
        if to_all:
            today = day_number(state, now)
            sent_today = [at for at in state.dingtalk_to_all if day_number(state, at) == today]
            to_all_blocked = len(sent_today) >= state.config.dingtalk_to_all_per_day
            state.dingtalk_to_all.append(now)
        task_id = state.next_task_id()
        forbidden: list[dict[str, Any]] = []
        for userid in users:
            reason = "to_all_limit" if to_all_blocked else _work_drop_reason(
                state, userid, fingerprint)
            if reason in FORBIDDEN_CODES:
                forbidden.append({"code": FORBIDDEN_CODES[reason], "count": 1,
                                  "userid": userid})
            state.record_message(
                platform=PLATFORM_DINGTALK, direction="out", user=userid, channel="work",
                msgtype=msgtype, content=message_dict, delivered=reason is None,
                dropped_reason=reason, task_id=task_id, read=False)
        state.dingtalk_tasks[task_id] = {
            "users": users, "invalid_users": invalid_users, "invalid_depts": invalid_depts,
            "forbidden": forbidden,
        }
    return {**dingtalk_error(0), "task_id": task_id, "request_id": secrets.token_hex(8)}


def _task(state: EmulatorState) -> tuple[int, dict[str, Any]] | Answer:
    body = _body() or {}
    try:
        task_id = int(body.get("task_id", -1))
    except (TypeError, ValueError):
        task_id = -1
    task = state.dingtalk_tasks.get(task_id)
    if task is None:
        return dingtalk_error(40035, "invalid task_id")
    return task_id, task


@bp.post("/topapi/message/corpconversation/getsendresult")
@platform_api(PLATFORM_DINGTALK, "topapi/message/corpconversation/getsendresult")
def getsendresult() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    found = _task(state)
    if isinstance(found, dict):
        return found
    task_id, task = found
    with state.lock:
        records = [r for r in state.messages
                   if r["platform"] == PLATFORM_DINGTALK and r.get("task_id") == task_id]
    delivered = [r for r in records if r["delivered"]]
    return {**dingtalk_error(0), "request_id": secrets.token_hex(8), "send_result": {
        "invalid_user_id_list": task["invalid_users"],
        "invalid_dept_id_list": task["invalid_depts"],
        "forbidden_user_id_list": [f["userid"] for f in task["forbidden"]],
        "forbidden_list": task["forbidden"],
        "failed_user_id_list": [],
        "read_user_id_list": [r["user"] for r in delivered if r.get("read")],
        "unread_user_id_list": [r["user"] for r in delivered if not r.get("read")],
    }}


@bp.post("/topapi/message/corpconversation/getsendprogress")
@platform_api(PLATFORM_DINGTALK, "topapi/message/corpconversation/getsendprogress")
def getsendprogress() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    found = _task(state)
    if isinstance(found, dict):
        return found
    # Delivery is instantaneous here, so every task is finished.
    return {**dingtalk_error(0), "request_id": secrets.token_hex(8),
            "progress": {"progress_in_percent": 100, "status": 2}}


# -- H5 sign-in (免登) ------------------------------------------------------------------------

def issue_auth_code(state: EmulatorState, staff_id: str) -> str:
    """A fresh one-time auth code for ``staff_id``, as the client's requestAuthCode gives."""
    code = secrets.token_hex(16)
    with state.lock:
        state.dingtalk_auth_codes[code] = (staff_id,
                                           state.now() + state.config.dingtalk_auth_code_ttl)
    return code


@bp.post("/topapi/v2/user/getuserinfo")
@platform_api(PLATFORM_DINGTALK, "topapi/v2/user/getuserinfo")
def user_getuserinfo() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    code = str((_body() or {}).get("code") or "")
    if not code:
        return dingtalk_error(40035, "code is required")
    # One use only: a replayed code is as unknown as a made-up one.
    with state.lock:
        entry = state.dingtalk_auth_codes.pop(code, None)
    if entry is None or entry[1] <= state.now():
        return dingtalk_error(40078)
    user = state.config.dingtalk_user(entry[0])
    if user is None:  # removed from the directory since the code was issued
        return dingtalk_error(40078)
    return {**dingtalk_error(0), "request_id": secrets.token_hex(8), "result": {
        "userid": user["dingtalk_userid"], "device_id": secrets.token_hex(6),
        "sys": user.get("role") == "admin", "sys_level": 1 if user.get("role") == "admin" else 0,
        "associated_unionid": "", "unionid": f"union-{user['dingtalk_userid']}",
        "name": user["name"],
    }}


@bp.post("/topapi/v2/user/get")
@platform_api(PLATFORM_DINGTALK, "topapi/v2/user/get")
def user_get() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    user = state.config.dingtalk_user(str((_body() or {}).get("userid", "")))
    if user is None:
        return dingtalk_error(60121)
    return {**dingtalk_error(0), "request_id": secrets.token_hex(8), "result": {
        "userid": user["dingtalk_userid"], "name": user["name"],
        "mobile": user.get("mobile", ""), "title": user.get("position", ""),
        "dept_id_list": [int(d) for d in user["department"]], "active": True,
    }}


# -- robots ------------------------------------------------------------------------------------

def _robot_message(state: EmulatorState) -> tuple[str, dict[str, Any]] | Answer:
    """Parse and check a robot-format body: (msgtype, message) or an error answer.

    The message is what the chat shows: {"msgtype", <msgtype>: {...}} plus "at" if given.
    """
    raw = request.get_data(cache=True)
    if len(raw) > state.config.robot_max_bytes:
        return dingtalk_error(460101)
    body = json_body()
    if body is None:
        return dingtalk_error(40035, "body is not JSON")
    msgtype = body.get("msgtype")
    if msgtype not in ROBOT_MSGTYPES:
        return dingtalk_error(40035, f"unsupported msgtype {msgtype!r}")
    content = body.get(msgtype)
    if not isinstance(content, dict):
        return dingtalk_error(40035, f"{msgtype} is required")
    for name in ROBOT_MSGTYPES[msgtype]:
        if not content.get(name):
            return dingtalk_error(40035, f"{msgtype}.{name} is required")
    if msgtype == "actionCard":
        single = content.get("singleTitle") and content.get("singleURL")
        if not single and not (isinstance(content.get("btns"), list) and content["btns"]):
            return dingtalk_error(40035, "singleTitle+singleURL or btns is required")
    message = {"msgtype": msgtype, msgtype: content}
    if body.get("at"):
        message["at"] = body["at"]
    return msgtype, message


def _security_error(state: EmulatorState) -> Answer | None:
    secret = state.config.dingtalk_robot_secret
    if not secret:
        return None
    timestamp = request.args.get("timestamp", "")
    if not timestamp.isdigit() or abs(state.now() * 1000 - int(timestamp)) > (
            state.config.robot_timestamp_window * 1000):
        return {"errcode": 310000, "errmsg": "invalid timestamp"}
    # Query decoding already undid the URL-encoding; a sender that skipped it and left a
    # raw '+' in the query now has a space there and fails, as on the real platform.
    if not hmac.compare_digest(request.args.get("sign", ""), robot_sign(secret, timestamp)):
        return {"errcode": 310000, "errmsg": "sign not match"}
    return None


@bp.post("/robot/send")
@platform_api(PLATFORM_DINGTALK, "robot/send")
def robot_send() -> Answer:
    state = get_state()
    config = state.config
    if request.args.get("access_token") != config.dingtalk_robot_webhook_token:
        return dingtalk_error(300001)
    if (error := _security_error(state)) is not None:
        return error
    with state.lock:
        if state.now() < state.robot_blocked_until:
            return dingtalk_error(130101)
    parsed = _robot_message(state)
    if isinstance(parsed, dict):
        return parsed
    msgtype, message = parsed
    with state.lock:
        now = state.now()
        sends = state.robot_sends
        while sends and sends[0] <= now - 60:
            sends.popleft()
        if len(sends) >= config.robot_per_minute:
            # Going over throttles the robot for 10 minutes, not just for the minute.
            state.robot_blocked_until = now + config.robot_block_seconds
            return dingtalk_error(130101)
        sends.append(now)
        state.record_message(platform=PLATFORM_DINGTALK, direction="out", user=GROUP_USER,
                             channel="robot", msgtype=msgtype, content=message)
    return dingtalk_error(0)


@bp.post("/robot/sendBySession")
@platform_api(PLATFORM_DINGTALK, "robot/sendBySession")
def robot_send_by_session() -> Answer:
    state = get_state()
    with state.lock:
        session = state.sessions.get(request.args.get("session", ""))
    if session is None or session.expires_at <= state.now():
        return {"errcode": 300001, "errmsg": "session webhook is not exist or expired"}
    parsed = _robot_message(state)
    if isinstance(parsed, dict):
        return parsed
    msgtype, message = parsed
    state.record_message(platform=PLATFORM_DINGTALK, direction="out", user=session.user,
                         channel="session", msgtype=msgtype, content=message,
                         conversation_id=session.conversation_id)
    return dingtalk_error(0)
