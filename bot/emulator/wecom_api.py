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

This module serves tokens, tickets and messages (and holds the token/agent checks the
other parts share); media is in wecom_media, the directory and OAuth identity in
wecom_directory, the app menu in wecom_menu. bot.emulator registers all four blueprints.
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from typing import Any

from flask import Blueprint, Response, request

from bot.emulator.common import get_state, json_body, platform_api, wecom_error
from bot.emulator.state import PLATFORM_WECOM, EmulatorState, ResponseCode, Token, new_token
from bot.emulator.wecom_validate import Refused, check_message

API_PREFIX = "/cgi-bin"
bp = Blueprint("emulator_wecom", __name__, url_prefix=API_PREFIX)

DUPLICATE_INTERVAL_DEFAULT = 1800
DUPLICATE_INTERVAL_MAX = 14400

Answer = dict[str, Any] | Response


def token_error(state: EmulatorState) -> dict[str, Any] | None:
    code = state.tokens[PLATFORM_WECOM].check(request.args.get("access_token"), state.now())
    return wecom_error(code) if code else None


def agent_ok(state: EmulatorState, agentid: Any) -> bool:
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
    if (error := token_error(state)) is not None:
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
    if (error := token_error(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    if not agent_ok(state, body.get("agentid")):
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
    if (error := token_error(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    if not agent_ok(state, body.get("agentid")):
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
