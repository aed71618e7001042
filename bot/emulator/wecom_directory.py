"""The emulated WeCom directory (department/list, user/simplelist, user/list, user/get)
and the OAuth identity calls (user/getuserinfo, auth/getuserinfo) under /cgi-bin/.

Serves the configured organisation; ``issue_oauth_code`` is how the emulated phones
(bot.emulator.phone, player_wecom) sign a user in. Registered by bot.emulator."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, request

from bot.emulator.common import get_state, platform_api, wecom_error
from bot.emulator.state import PLATFORM_WECOM, EmulatorState
from bot.emulator.wecom_api import API_PREFIX, Answer, token_error

bp = Blueprint("emulator_wecom_directory", __name__, url_prefix=API_PREFIX)

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


@bp.get("/department/list")
@platform_api(PLATFORM_WECOM, "department/list")
def department_list() -> Answer:
    state = get_state()
    if (error := token_error(state)) is not None:
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
    if (error := token_error(state)) is not None:
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
    if (error := token_error(state)) is not None:
        return error
    users = _users_in_department(state)
    if isinstance(users, dict):
        return users
    return {**wecom_error(0), "userlist": [_user_detail(u) for u in users]}


@bp.get("/user/get")
@platform_api(PLATFORM_WECOM, "user/get")
def user_get() -> Answer:
    state = get_state()
    if (error := token_error(state)) is not None:
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
    if (error := token_error(state)) is not None:
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
    if (error := token_error(state)) is not None:
        return error
    userid = _redeem_oauth_code(state)
    if userid is None:
        return wecom_error(40029)
    return {**wecom_error(0), "userid": userid}
