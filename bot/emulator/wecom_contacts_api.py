"""The emulated WeCom 客户联系 server API under /cgi-bin/externalcontact/ (PLATFORMS.md §7):
list, batch/get_by_user, get, remark, get_corp_tag_list, mark_tag, send_welcome_msg.
The transfers (在职继承 / 离职继承) are in wecom_contacts_transfer.

Every call is logged and honours injected faults by its path name
(``externalcontact/list``…, common.platform_api), checks the access token like the other
APIs, and counts against 10,000 calls a minute and 150,000 an hour per API
(``wecom_contacts_per_minute`` / ``_per_hour``; over them: 45009). Changes made through
the API fire no callback, as in WeCom.

Emulator choices the docs leave open:
- an unknown userid in ``userid_list`` answers 60111, like ``list``;
- a cursor this emulator did not hand out (or handed out for another userid_list)
  answers 50100 (分页查询的游标无效);
- ``get`` answers 84061 for a customer nobody follows any more.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from itertools import islice
from typing import Any

from flask import Blueprint, request

from bot.emulator.common import get_state, json_body, normalise_api, platform_api, wecom_error
from bot.emulator.state import PLATFORM_WECOM, EmulatorState
from bot.emulator.wecom_api import API_PREFIX, Answer, token_error
from bot.emulator.wecom_contacts_state import (
    contact_json,
    follow_info_json,
    follow_user_json,
    tag_group_json,
)

bp = Blueprint("emulator_wecom_contacts", __name__, url_prefix=API_PREFIX + "/externalcontact")

BATCH_USERS_MAX = 100
BATCH_LIMIT_DEFAULT = 50
BATCH_LIMIT_MAX = 100
FOLLOWERS_PAGE = 500  # get: follow_user pages beyond 500 followers
REMARK_MAX, DESCRIPTION_MAX, REMARK_COMPANY_MAX = 20, 150, 20
WELCOME_TEXT_MAX_BYTES = 4000
WELCOME_ATTACHMENTS_MAX = 9


# -- shared by every 客户联系 endpoint -------------------------------------------------------

def guard(state: EmulatorState) -> dict[str, Any] | None:
    """The token check, then the per-API rate window: the error answer, if any."""
    if (error := token_error(state)) is not None:
        return error
    config = state.config
    with state.lock:
        limited = state.contacts.over_limit(normalise_api(request.path), state.now(),
                                            config.wecom_contacts_per_minute,
                                            config.wecom_contacts_per_hour)
    return wecom_error(45009) if limited else None


def body_or_empty() -> dict[str, Any] | None:
    """The JSON body; an empty body counts as ``{}``, a body that is not JSON as None."""
    if not request.get_data(cache=True).strip():
        return {}
    return json_body()


def encode_cursor(*numbers: int) -> str:
    raw = ",".join(str(n) for n in numbers).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, count: int) -> tuple[int, ...] | None:
    """The numbers in a cursor this emulator handed out, or None."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        numbers = tuple(int(part) for part in raw.split(","))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if len(numbers) != count or any(n < 0 for n in numbers):
        return None
    return numbers


def string_list(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value


def int_arg(value: Any, default: int) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- reading -----------------------------------------------------------------------------------

@bp.get("/list")
@platform_api(PLATFORM_WECOM, "externalcontact/list")
def contact_list() -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    userid = request.args.get("userid", "")
    if state.config.wecom_user(userid) is None:
        return wecom_error(60111)
    with state.lock:
        ids = list(state.contacts.follows.get(userid, {}))
    if not ids:
        return wecom_error(84061)
    return {**wecom_error(0), "external_userid": ids}


@bp.post("/batch/get_by_user")
@platform_api(PLATFORM_WECOM, "externalcontact/batch/get_by_user")
def batch_get_by_user() -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    users = string_list(body.get("userid_list"))
    if users is None and isinstance(body.get("userid"), str):
        users = [body["userid"]]  # the older single-user spelling
    if users is None or not 1 <= len(users) <= BATCH_USERS_MAX or not all(users):
        return wecom_error(40058, f"userid_list must hold 1 to {BATCH_USERS_MAX} userids")
    limit = int_arg(body.get("limit"), BATCH_LIMIT_DEFAULT)
    if limit is None or not 1 <= limit <= BATCH_LIMIT_MAX:
        return wecom_error(40058, f"limit must be 1 to {BATCH_LIMIT_MAX}")
    users = list(dict.fromkeys(users))
    if any(state.config.wecom_user(u) is None for u in users):
        return wecom_error(60111)
    fingerprint = zlib.crc32("|".join(users).encode("utf-8"))
    cursor = str(body.get("cursor") or "")
    position = decode_cursor(cursor, 3) if cursor else (fingerprint, 0, 0)
    if position is None or position[0] != fingerprint:
        return wecom_error(50100)
    _, index, offset = position
    page: list[dict[str, Any]] = []
    book = state.contacts
    with state.lock:
        # Stable order: the userid_list order, each rep's customers in the order added.
        while index < len(users) and len(page) < limit:
            mine = book.follows.get(users[index], {})
            for record in islice(mine.values(), offset, offset + limit - len(page)):
                contact = book.contacts[record.external_userid]
                page.append({"external_contact": contact_json(contact),
                             "follow_info": follow_info_json(record)})
                offset += 1
            if offset >= len(mine):
                index, offset = index + 1, 0
        # A last page that happens to be full still says it is the last.
        while index < len(users) and offset >= len(book.follows.get(users[index], {})):
            index, offset = index + 1, 0
    next_cursor = encode_cursor(fingerprint, index, offset) if index < len(users) else ""
    return {**wecom_error(0), "external_contact_list": page, "next_cursor": next_cursor}


@bp.get("/get")
@platform_api(PLATFORM_WECOM, "externalcontact/get")
def contact_get() -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    external_userid = request.args.get("external_userid", "")
    if not external_userid:
        return wecom_error(41035)
    cursor = request.args.get("cursor", "")
    position = decode_cursor(cursor, 1) if cursor else (0,)
    if position is None:
        return wecom_error(50100)
    book = state.contacts
    with state.lock:
        contact = book.contacts.get(external_userid)
        if contact is None:
            return wecom_error(40096)
        records = book.follow_records(external_userid)
        if not records:
            return wecom_error(84061)
        start = position[0]
        follow_user = [follow_user_json(r, book)
                       for r in records[start:start + FOLLOWERS_PAGE]]
        more = start + FOLLOWERS_PAGE < len(records)
        answer = {**wecom_error(0), "external_contact": contact_json(contact),
                  "follow_user": follow_user,
                  "next_cursor": encode_cursor(start + FOLLOWERS_PAGE) if more else ""}
    return answer


# -- writing -----------------------------------------------------------------------------------

def _follower(state: EmulatorState, body: dict[str, Any]) -> tuple[str, str] | dict[str, Any]:
    """(userid, external_userid) of a follow record the body names, or the error."""
    userid = str(body.get("userid") or "")
    external_userid = str(body.get("external_userid") or "")
    if state.config.wecom_user(userid) is None:
        return wecom_error(60111)
    if not external_userid:
        return wecom_error(41035)
    if external_userid not in state.contacts.contacts:
        return wecom_error(40096)
    if state.contacts.record(userid, external_userid) is None:
        return wecom_error(84061)
    return userid, external_userid


def _too_long(body: dict[str, Any], key: str, most: int) -> bool:
    value = body.get(key)
    return value is not None and (not isinstance(value, str) or len(value) > most)


@bp.post("/remark")
@platform_api(PLATFORM_WECOM, "externalcontact/remark")
def remark() -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    for key, most in (("remark", REMARK_MAX), ("description", DESCRIPTION_MAX),
                      ("remark_company", REMARK_COMPANY_MAX)):
        if _too_long(body, key, most):
            return wecom_error(40058, f"{key} is longer than {most} characters")
    mobiles = body.get("remark_mobiles")
    if mobiles is not None and string_list(mobiles) is None:
        return wecom_error(40058, "remark_mobiles must be a list of strings")
    with state.lock:
        found = _follower(state, body)
        if isinstance(found, dict):
            return found
        record = state.contacts.record(*found)
        assert record is not None
        if body.get("remark") is not None:
            record.remark = body["remark"]
        if body.get("description") is not None:
            record.description = body["description"]
        if body.get("remark_company") is not None:
            record.remark_corp_name = body["remark_company"]
        if mobiles is not None:
            # [""] clears them (WeCom 92115); any list replaces the old ones.
            record.remark_mobiles = tuple(m for m in mobiles if m)
    return wecom_error(0)


@bp.post("/get_corp_tag_list")
@platform_api(PLATFORM_WECOM, "externalcontact/get_corp_tag_list")
def get_corp_tag_list() -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = body_or_empty()
    if body is None:
        return wecom_error(47001)
    tag_ids = string_list(body.get("tag_id") or [])
    group_ids = string_list(body.get("group_id") or [])
    if tag_ids is None or group_ids is None:
        return wecom_error(40058, "tag_id and group_id must be lists of ids")
    with state.lock:
        groups = state.contacts.groups
        if group_ids:  # with both filters, WeCom goes by group_id alone
            answer = [tag_group_json(g) for g in groups if g.group_id in group_ids]
        elif tag_ids:
            answer = [tag_group_json(g, [t for t in g.tags if t.id in tag_ids])
                      for g in groups if any(t.id in tag_ids for t in g.tags)]
        else:
            answer = [tag_group_json(g) for g in groups]
    return {**wecom_error(0), "tag_group": answer}


@bp.post("/mark_tag")
@platform_api(PLATFORM_WECOM, "externalcontact/mark_tag")
def mark_tag() -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    add = string_list(body.get("add_tag") or [])
    remove = string_list(body.get("remove_tag") or [])
    if add is None or remove is None:
        return wecom_error(40058, "add_tag and remove_tag must be lists of tag ids")
    if not add and not remove:
        return wecom_error(40058, "add_tag and remove_tag cannot both be empty")
    with state.lock:
        found = _follower(state, body)
        if isinstance(found, dict):
            return found
        if any(t not in state.contacts.tags for t in add + remove):
            return wecom_error(40068)
        record = state.contacts.record(*found)
        assert record is not None
        kept = [t for t in record.tag_ids if t not in remove]
        record.tag_ids = tuple(dict.fromkeys(kept + [t for t in add if t not in remove]))
    return wecom_error(0)


@bp.post("/send_welcome_msg")
@platform_api(PLATFORM_WECOM, "externalcontact/send_welcome_msg")
def send_welcome_msg() -> Answer:
    state = get_state()
    if (error := guard(state)) is not None:
        return error
    body = json_body()
    if body is None:
        return wecom_error(47001)
    code_value = str(body.get("welcome_code") or "")
    if not code_value:
        return wecom_error(41049)
    text = body.get("text")
    content = text.get("content") if isinstance(text, dict) else None
    attachments = body.get("attachments") or []
    if not isinstance(attachments, list) or len(attachments) > WELCOME_ATTACHMENTS_MAX:
        return wecom_error(40058, f"at most {WELCOME_ATTACHMENTS_MAX} attachments")
    if not content and not attachments:
        return wecom_error(40058, "text.content or attachments is required")
    if content is not None and (not isinstance(content, str)
                                or len(content.encode("utf-8")) > WELCOME_TEXT_MAX_BYTES):
        return wecom_error(40058, f"text.content is over {WELCOME_TEXT_MAX_BYTES} bytes")
    with state.lock:
        code = state.contacts.welcome_codes.get(code_value)
        if code is None or code.used or code.expires_at <= state.now():
            return wecom_error(41050)
        code.used = True
        message: dict[str, Any] = {"msgtype": "text", "text": {"content": content or ""}}
        if attachments:
            message["attachments"] = attachments
        state.record_message(platform=PLATFORM_WECOM, direction="out", user=code.userid,
                             channel="welcome", msgtype="text", content=message,
                             external_userid=code.external_userid)
    return wecom_error(0)
