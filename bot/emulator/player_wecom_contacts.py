"""Playing a rep's WeChat customers (客户联系) from the rep's phone: adding a WeChat friend,
editing their remark, deleting them, being deleted by them. Each action changes the
emulator's 客户联系 state and sends the service the change_external_contact callback
WeCom sends (wecom_contacts_events.send): add_external_contact (with ``State`` and a
``WelcomeCode`` good for one send_welcome_msg within ``wecom_welcome_code_ttl``),
edit_external_contact, del_external_contact, del_follow_user.

Every endpoint answers like the other player endpoints (``tries``, ``status``…, see
player_wecom.deliver) plus ``change_type`` and ``external_userid``.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, jsonify

from bot.emulator.common import control_error, control_payload, get_state
from bot.emulator.state import EmulatorState
from bot.emulator.wecom_contacts_events import send
from bot.emulator.wecom_contacts_state import (
    TYPE_WECHAT,
    ContactEvent,
    ExternalContact,
    FollowRecord,
    WelcomeCode,
    make_id,
)

bp = Blueprint("emulator_wecom_contacts_player", __name__,
               url_prefix="/_emu/wecom/users/<userid>/contacts")

NAME_MAX = 64
STATE_MAX = 30  # 联系我 / 获客链接 state (WeCom 92228)
REMARK_MAX, DESCRIPTION_MAX = 20, 150
# add_way (WeCom 92114): 1 the customer scanned the rep's 联系我 code (it carries a state),
# 2 the rep searched the mobile number, 6 the rep added a WeChat contact.
ADD_BY_QR, ADD_BY_MOBILE, ADD_BY_WECHAT = 1, 2, 6



def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def _rep_error(state: EmulatorState, userid: str) -> Response | None:
    if state.config.wecom_user(userid) is None:
        return control_error(f"企业微信通讯录里没有成员 {userid}", 404)
    return None


def _record_error(state: EmulatorState, userid: str, external_userid: str) -> Response | None:
    if (missing := _rep_error(state, userid)) is not None:
        return missing
    if state.contacts.record(userid, external_userid) is None:
        return control_error(f"{userid} 的微信客户里没有 {external_userid}", 404)
    return None


def _sent(event: ContactEvent, **extra: Any) -> Response:
    return jsonify({**send(get_state(), event), **extra})


@bp.post("/add")
def add(userid: str) -> Response:
    """A new WeChat customer the rep now follows (a brand-new external_userid)."""
    state = get_state()
    if (missing := _rep_error(state, userid)) is not None:
        return missing
    data = control_payload()
    name, mobile = _text(data, "name"), _text(data, "mobile")
    corp_name, channel = _text(data, "corp_name"), _text(data, "state")
    if not name or len(name) > NAME_MAX:
        return control_error(f"name 必填，最多 {NAME_MAX} 个字", 400)
    if len(channel) > STATE_MAX:
        return control_error(f"state 最多 {STATE_MAX} 个字符", 400)
    external_userid = make_id("wm")
    add_way = ADD_BY_QR if channel else ADD_BY_MOBILE if mobile else ADD_BY_WECHAT
    code = secrets.token_urlsafe(32)
    ttl = state.config.wecom_welcome_code_ttl
    with state.lock:
        book = state.contacts
        book.add_contact(ExternalContact(external_userid, name, TYPE_WECHAT))
        book.follow(FollowRecord(
            userid, external_userid, int(state.now()), remark_corp_name=corp_name,
            remark_mobiles=(mobile,) if mobile else (), add_way=add_way, state=channel,
            oper_userid=external_userid if add_way == ADD_BY_QR else userid))
        # Stored before the callback goes out: the service may use it while handling it.
        book.welcome_codes[code] = WelcomeCode(code, userid, external_userid,
                                               state.now() + ttl)
    event = ContactEvent("add_external_contact", userid, external_userid,
                         after=(("State", channel), ("WelcomeCode", code)))
    return _sent(event, welcome_code=code, expires_in=ttl)


@bp.post("/<external_userid>/edit")
def edit(userid: str, external_userid: str) -> Response:
    """The rep edits the remark or description on the phone."""
    state = get_state()
    if (missing := _record_error(state, userid, external_userid)) is not None:
        return missing
    data = control_payload()
    remark, description = data.get("remark"), data.get("description")
    if remark is None and description is None:
        return control_error("给出 remark 或 description", 400)
    if remark is not None and len(str(remark)) > REMARK_MAX:
        return control_error(f"remark 最多 {REMARK_MAX} 个字", 400)
    if description is not None and len(str(description)) > DESCRIPTION_MAX:
        return control_error(f"description 最多 {DESCRIPTION_MAX} 个字", 400)
    with state.lock:
        record = state.contacts.record(userid, external_userid)
        if record is not None:
            if remark is not None:
                record.remark = str(remark)
            if description is not None:
                record.description = str(description)
    return _sent(ContactEvent("edit_external_contact", userid, external_userid))


@bp.post("/<external_userid>/delete")
def delete(userid: str, external_userid: str) -> Response:
    """The rep deletes the customer: the follow record is gone."""
    state = get_state()
    if (missing := _record_error(state, userid, external_userid)) is not None:
        return missing
    with state.lock:
        state.contacts.unfollow(userid, external_userid)
    return _sent(ContactEvent("del_external_contact", userid, external_userid))


@bp.post("/<external_userid>/deleted_by_customer")
def deleted_by_customer(userid: str, external_userid: str) -> Response:
    """The customer deletes the rep: the rep keeps the record, marked as deleted."""
    state = get_state()
    if (missing := _record_error(state, userid, external_userid)) is not None:
        return missing
    with state.lock:
        record = state.contacts.record(userid, external_userid)
        if record is not None:
            if record.deleted_by_customer:
                return control_error("这位客户已经删除了该成员", 409)
            record.deleted_by_customer = True
    return _sent(ContactEvent("del_follow_user", userid, external_userid))
