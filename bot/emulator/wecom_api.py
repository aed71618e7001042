"""The emulated WeCom server API, under /cgi-bin/ exactly as qyapi.weixin.qq.com serves it.

Point ``WECOM_API_BASE`` at the emulator and every call the service makes lands here.
Rules (PLATFORMS.md 2.x) that matter to the service are enforced, including the silent
ones: over the per-user rate, or a duplicate under ``enable_duplicate_check``, the API
answers ok and the message is filed as dropped instead of delivered.

Emulator-specific choices (the docs leave them open):
- gettoken answers ``expires_in`` with the token's *remaining* lifetime, since it hands
  out the same token until it expires.
- The rate windows count delivered messages only; a silently dropped one doesn't count.
- update_template_card answers 60140 for an unknown, used or expired response_code and
  81013 when none of the named users received the card.
- A passive update_button reply does not consume the click's response_code.
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from typing import Any

from flask import Blueprint, Response, request

from bot.emulator.common import get_state, json_body, platform_api, wecom_error
from bot.emulator.media import is_photo, live_media, store_media
from bot.emulator.state import PLATFORM_WECOM, EmulatorState, ResponseCode, Token, new_token
from bot.emulator.wecom_validate import Refused, check_message

bp = Blueprint("emulator_wecom", __name__, url_prefix="/cgi-bin")

DUPLICATE_INTERVAL_DEFAULT = 1800
DUPLICATE_INTERVAL_MAX = 14400
MEDIA_LIMITS = {"image": 10 * 2**20, "voice": 2 * 2**20, "video": 10 * 2**20, "file": 20 * 2**20}

Answer = dict[str, Any] | Response


def _token_error(state: EmulatorState) -> dict[str, Any] | None:
    code = state.tokens[PLATFORM_WECOM].check(request.args.get("access_token"), state.now())
    return wecom_error(code) if code else None


def _agent_ok(state: EmulatorState, agentid: Any) -> bool:
    try:
        return int(agentid) == state.config.wecom_agent_id
    except (TypeError, ValueError):
        return False


def issue_response_code(state: EmulatorState, task_id: str) -> str:
    code = secrets.token_urlsafe(48)
    with state.lock:
        state.response_codes[code] = ResponseCode(
            code, task_id, state.now() + state.config.response_code_ttl)
    return code


# -- tokens and tickets -----------------------------------------------------------------

@bp.get("/gettoken")
@platform_api(PLATFORM_WECOM, "gettoken")
def gettoken() -> Answer:
    state = get_state()
    corpid = request.args.get("corpid", "")
    secret = request.args.get("corpsecret", "")
    if not corpid:
        return wecom_error(41002)
    if corpid != state.config.wecom_corp_id:
        return wecom_error(40013)
    if not secret:
        return wecom_error(41004)
    if secret != state.config.wecom_secret:
        return wecom_error(40001)
    with state.lock:
        token = state.tokens[PLATFORM_WECOM].issue(state.now(), state.config.token_ttl)
    return {**wecom_error(0), "access_token": token.value,
            "expires_in": max(1, round(token.expires_at - state.now()))}


@bp.get("/get_jsapi_ticket")
@platform_api(PLATFORM_WECOM, "get_jsapi_ticket")
def get_jsapi_ticket() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    with state.lock:
        ticket = state.jsapi_ticket
        if ticket is None or ticket.expires_at <= state.now():
            ticket = Token(new_token(86), state.now() + 7200)
            state.jsapi_ticket = ticket
    return {**wecom_error(0), "ticket": ticket.value,
            "expires_in": max(1, round(ticket.expires_at - state.now()))}


# -- messages ------------------------------------------------------------------------------

def _split(value: Any) -> list[str]:
    if value is None:
        return []
    items = [str(v) for v in value] if isinstance(value, list) else str(value).split("|")
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip(), None)
    return list(seen)


def _recipients(state: EmulatorState,
                body: dict[str, Any]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(valid userids, invalid users, invalid parties, invalid tags)."""
    config = state.config
    users = _split(body.get("touser"))
    valid: dict[str, None] = {}
    invalid_users: list[str] = []
    for userid in users:
        if userid == "@all":
            valid.update((u["userid"], None) for u in config.users)
        elif config.wecom_user(userid) is not None:
            valid.setdefault(userid, None)
        else:
            invalid_users.append(userid)
    invalid_parties: list[str] = []
    for party in _split(body.get("toparty")):
        if not party.isdigit() or int(party) not in config.department_ids():
            invalid_parties.append(party)
            continue
        depts = config.subdepartment_ids(int(party))
        valid.update((u["userid"], None) for u in config.users
                     if depts.intersection(int(d) for d in u["department"]))
    # The emulated corp has no tags, so every tag is invalid.
    invalid_tags = _split(body.get("totag"))
    return list(valid), invalid_users, invalid_parties, invalid_tags


def _fingerprint(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False)


def _drop_reason(state: EmulatorState, userid: str, content: dict[str, Any],
                 duplicate_interval: int | None) -> str | None:
    """Why the platform would silently not deliver this message to ``userid``, if it would."""
    now = state.now()
    if duplicate_interval is not None:
        mine = _fingerprint(content)
        for earlier in state.by_user.get((PLATFORM_WECOM, userid), []):
            if (earlier["channel"] == "app" and earlier["delivered"]
                    and earlier["at"] > now - duplicate_interval
                    and _fingerprint(earlier["content"]) == mine):
                return "duplicate"
    window = state.wecom_deliveries.setdefault(userid, deque())
    while window and window[0] <= now - 3600:
        window.popleft()
    last_minute = sum(1 for at in window if at > now - 60)
    if (last_minute >= state.config.wecom_per_user_per_minute
            or len(window) >= state.config.wecom_per_user_per_hour):
        return "rate_limit"
    return None


def _duplicate_interval(body: dict[str, Any]) -> int | None:
    if str(body.get("enable_duplicate_check", 0)) != "1":
        return None
    try:
        interval = int(body.get("duplicate_check_interval", DUPLICATE_INTERVAL_DEFAULT))
    except (TypeError, ValueError):
        interval = DUPLICATE_INTERVAL_DEFAULT
    return max(1, min(interval, DUPLICATE_INTERVAL_MAX))


@bp.post("/message/send")
@platform_api(PLATFORM_WECOM, "message/send")
def message_send() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    if not _agent_ok(state, body.get("agentid")):
        return wecom_error(40056)
    try:
        checked = check_message(body)
    except Refused as refused:
        return wecom_error(refused.errcode, refused.detail)
    users, invalid_users, invalid_parties, invalid_tags = _recipients(state, body)
    if not users:
        return wecom_error(81013)
    duplicate_interval = _duplicate_interval(body)
    # What each recipient gets: the message itself, without the routing fields.
    content = {"msgtype": checked.msgtype, checked.msgtype: checked.content}
    msgid = secrets.token_urlsafe(24)
    with state.lock:
        if checked.task_id is not None:
            if checked.task_id in state.task_ids:
                return wecom_error(42014)
            state.task_ids.add(checked.task_id)
        for userid in users:
            reason = _drop_reason(state, userid, content, duplicate_interval)
            if reason is None:
                state.wecom_deliveries[userid].append(state.now())
            state.record_message(
                platform=PLATFORM_WECOM, direction="out", user=userid, channel="app",
                msgtype=checked.msgtype, content=content, delivered=reason is None,
                dropped_reason=reason, msgid=msgid, task_id=checked.task_id,
                card_type=checked.card_type, card_update=None)
    answer: dict[str, Any] = {
        **wecom_error(0),
        "invaliduser": "|".join(invalid_users),
        "invalidparty": "|".join(invalid_parties),
        "invalidtag": "|".join(invalid_tags),
        "unlicenseduser": "",
        "msgid": msgid,
    }
    if checked.wants_response_code and checked.task_id is not None:
        answer["response_code"] = issue_response_code(state, checked.task_id)
    return answer


def apply_card_update(state: EmulatorState, userid: str, task_id: str,
                      update: dict[str, Any]) -> int:
    """Record a card update on every copy of the card ``userid`` holds; returns the count."""
    changed = 0
    with state.lock:
        for record in state.by_user.get((PLATFORM_WECOM, userid), []):
            if record.get("task_id") == task_id and record["direction"] == "out":
                record["card_update"] = update
                record["updated_at"] = state.now()
                changed += 1
    return changed


@bp.post("/message/update_template_card")
@platform_api(PLATFORM_WECOM, "message/update_template_card")
def update_template_card() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    if not _agent_ok(state, body.get("agentid")):
        return wecom_error(40056)
    if isinstance(body.get("button"), dict) and body["button"].get("replace_name"):
        update: dict[str, Any] = {"replace_name": str(body["button"]["replace_name"])}
    elif isinstance(body.get("template_card"), dict):
        update = {"template_card": body["template_card"]}
    else:
        return wecom_error(40058, "button.replace_name or template_card is required")
    with state.lock:
        code = state.response_codes.get(str(body.get("response_code") or ""))
        if code is None or code.used or code.expires_at <= state.now():
            return wecom_error(60140)
        holders = {r["user"] for r in state.messages
                   if r["platform"] == PLATFORM_WECOM and r.get("task_id") == code.task_id
                   and r["direction"] == "out"}
        if str(body.get("atall", 0)) == "1":
            wanted = sorted(holders)
        else:
            wanted = _split(body.get("userids"))
            for party in _split(body.get("partyids")):
                if party.isdigit():
                    depts = state.config.subdepartment_ids(int(party))
                    wanted += [u["userid"] for u in state.config.users
                               if depts.intersection(int(d) for d in u["department"])]
        if not wanted:
            return wecom_error(40058, "userids, partyids, tagids or atall is required")
        valid = [u for u in dict.fromkeys(wanted) if u in holders]
        invalid = [u for u in dict.fromkeys(wanted) if u not in holders]
        if not valid:
            return wecom_error(81013)
        code.used = True
        for userid in valid:
            apply_card_update(state, userid, code.task_id, update)
    return {**wecom_error(0), "invaliduser": invalid}


# -- media ----------------------------------------------------------------------------------

@bp.get("/media/get")
@platform_api(PLATFORM_WECOM, "media/get")
def media_get() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    media = live_media(state, request.args.get("media_id", ""))
    if media is None:
        return wecom_error(40007)
    data = media.data
    headers = {
        "Content-disposition": f'attachment; filename="{media.filename}"',
        "Accept-Ranges": "bytes",
        "Cache-Control": "no-cache, must-revalidate",
    }
    if request.range is not None:
        span = request.range.range_for_length(len(data))
        if span is None:
            headers["Content-Range"] = f"bytes */{len(data)}"
            return Response(b"", status=416, headers=headers)
        start, stop = span
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(data)}"
        return Response(data[start:stop], status=206, headers=headers,
                        content_type=media.content_type)
    return Response(data, status=200, headers=headers, content_type=media.content_type)


@bp.post("/media/upload")
@platform_api(PLATFORM_WECOM, "media/upload")
def media_upload() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    media_type = request.args.get("type", "")
    if media_type not in MEDIA_LIMITS:
        return wecom_error(40004)
    upload = request.files.get("media")
    data = upload.read() if upload is not None else b""
    if len(data) < 5:
        return wecom_error(44001)
    if len(data) > MEDIA_LIMITS[media_type]:
        return wecom_error(40009 if media_type == "image" else 40006)
    if media_type == "image" and not is_photo(data):
        return wecom_error(40005)
    media = store_media(state, data, media_type)
    return {**wecom_error(0), "type": media_type, "media_id": media.media_id,
            "created_at": str(int(media.created_at))}


# -- directory ------------------------------------------------------------------------------

def _user_detail(user: dict[str, Any]) -> dict[str, Any]:
    departments = [int(d) for d in user["department"]]
    return {
        "userid": user["userid"], "name": user["name"], "department": departments,
        "order": [0] * len(departments), "position": user.get("position", ""),
        "mobile": user.get("mobile", ""), "gender": user.get("gender", "0"),
        "email": user.get("email", ""), "is_leader_in_dept": [0] * len(departments),
        "status": 1, "main_department": departments[0] if departments else 1,
    }


def _department_arg(state: EmulatorState, name: str) -> int | None:
    value = request.args.get(name, "")
    if value.isdigit() and int(value) in state.config.department_ids():
        return int(value)
    return None


# -- the app's menu (workbench) ---------------------------------------------------------------
MENU_TOP_MAX = 3  # first-level buttons
MENU_SUB_MAX = 5  # second-level buttons under one first-level button


def _menu_leaf(button: Any) -> dict[str, str] | None:
    """One clickable menu entry as the workbench shows it, or None if WeCom would refuse
    it: ``click`` needs a key (the app gets Event=click), ``view`` an http(s) url (the
    client opens it)."""
    if not isinstance(button, dict) or not button.get("name"):
        return None
    if button.get("type") == "click" and button.get("key"):
        return {"key": str(button["key"]), "name": str(button["name"])}
    if button.get("type") == "view" and str(button.get("url", "")).startswith(
            ("http://", "https://")):
        return {"url": str(button["url"]), "name": str(button["name"])}
    return None


def menu_entries(menu: Any) -> list[dict[str, str]] | None:
    """The workbench entries of a menu/create body, flattened in order, or None when the
    body is not a menu WeCom accepts."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MENU_TOP_MAX:
        return None
    entries: list[dict[str, str]] = []
    for button in buttons:
        subs = button.get("sub_button") if isinstance(button, dict) else None
        if subs:
            if not isinstance(subs, list) or len(subs) > MENU_SUB_MAX or not button.get("name"):
                return None
            leaves = [_menu_leaf(sub) for sub in subs]
        else:
            leaves = [_menu_leaf(button)]
        if any(leaf is None for leaf in leaves):
            return None
        entries += [leaf for leaf in leaves if leaf is not None]
    return entries


@bp.post("/menu/create")
@platform_api(PLATFORM_WECOM, "menu/create")
def menu_create() -> Answer:
    """Set the app's menu: the phone pages' workbench shows it from then on."""
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    if not _agent_ok(state, request.args.get("agentid")):
        return wecom_error(40056)
    body = json_body()
    entries = menu_entries(body)
    if body is None or entries is None:
        return wecom_error(40058, "invalid menu")
    with state.lock:
        state.menu, state.menu_entries = body, entries
    return wecom_error(0)


@bp.get("/menu/get")
@platform_api(PLATFORM_WECOM, "menu/get")
def menu_get() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    if not _agent_ok(state, request.args.get("agentid")):
        return wecom_error(40056)
    return {**wecom_error(0), **(state.menu or {"button": []})}


@bp.get("/department/list")
@platform_api(PLATFORM_WECOM, "department/list")
def department_list() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    wanted = state.config.department_ids()
    if request.args.get("id"):
        root = _department_arg(state, "id")
        if root is None:
            return wecom_error(60123)
        wanted = state.config.subdepartment_ids(root)
    departments = [{"id": int(d["id"]), "name": d["name"], "parentid": int(d["parentid"]),
                    "order": int(d.get("order", 0)), "department_leader": []}
                   for d in state.config.departments if int(d["id"]) in wanted]
    return {**wecom_error(0), "department": departments}


def _users_in_department(state: EmulatorState) -> list[dict[str, Any]] | dict[str, Any]:
    dept = _department_arg(state, "department_id")
    if dept is None:
        return wecom_error(60123)
    depts = ({dept} if request.args.get("fetch_child", "0") != "1"
             else state.config.subdepartment_ids(dept))
    return [u for u in state.config.users
            if depts.intersection(int(d) for d in u["department"])]


@bp.get("/user/simplelist")
@platform_api(PLATFORM_WECOM, "user/simplelist")
def user_simplelist() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    users = _users_in_department(state)
    if isinstance(users, dict):
        return users
    return {**wecom_error(0), "userlist": [
        {"userid": u["userid"], "name": u["name"],
         "department": [int(d) for d in u["department"]]} for u in users]}


@bp.get("/user/list")
@platform_api(PLATFORM_WECOM, "user/list")
def user_list() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    users = _users_in_department(state)
    if isinstance(users, dict):
        return users
    return {**wecom_error(0), "userlist": [_user_detail(u) for u in users]}


@bp.get("/user/get")
@platform_api(PLATFORM_WECOM, "user/get")
def user_get() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    user = state.config.wecom_user(request.args.get("userid", ""))
    if user is None:
        return wecom_error(60111)
    return {**wecom_error(0), **_user_detail(user)}


def issue_oauth_code(state: EmulatorState, userid: str) -> str:
    code = secrets.token_urlsafe(32)
    with state.lock:
        state.oauth_codes[code] = (userid, state.now() + state.config.oauth_code_ttl)
    return code


def _redeem_oauth_code(state: EmulatorState) -> str | None:
    # One use only, 5 minutes (91023): a replayed code is as invalid as a made-up one.
    with state.lock:
        entry = state.oauth_codes.pop(request.args.get("code", ""), None)
    if entry is None or entry[1] <= state.now():
        return None
    return entry[0]


@bp.get("/user/getuserinfo")
@platform_api(PLATFORM_WECOM, "user/getuserinfo")
def user_getuserinfo() -> Answer:
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    userid = _redeem_oauth_code(state)
    if userid is None:
        return wecom_error(40029)
    return {**wecom_error(0), "UserId": userid, "DeviceId": ""}


@bp.get("/auth/getuserinfo")
@platform_api(PLATFORM_WECOM, "auth/getuserinfo")
def auth_getuserinfo() -> Answer:
    # The newer spelling of the same call; it answers in lower case.
    state = get_state()
    if (error := _token_error(state)) is not None:
        return error
    userid = _redeem_oauth_code(state)
    if userid is None:
        return wecom_error(40029)
    return {**wecom_error(0), "userid": userid}

