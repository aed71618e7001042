"""Control API for WeCom 客户联系 under /_emu/wecom/contacts: seed a rep's customers
explicitly, look at them, make the next transfer of a customer fail, mark a rep as left
(离职), list transfers. Also the hook that settles due transfers before each request
(wecom_contacts_events.settle_before_request). Tests and the phone page use it; the
service never does.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot.emulator.common import control_error, control_payload, get_state
from bot.emulator.state import EmulatorState
from bot.emulator.wecom_contacts_events import settle_before_request
from bot.emulator.wecom_contacts_state import (
    FAIL_REASONS,
    TYPE_WECHAT,
    TYPE_WECOM,
    ContactBook,
    ExternalContact,
    FollowRecord,
    contact_json,
    follow_info_json,
    make_id,
)

bp = Blueprint("emulator_wecom_contacts_control", __name__, url_prefix="/_emu/wecom")

# add_way of a customer seeded without one: 0 未知来源, or 1 (联系我) when it has a state.
ADD_WAY_UNKNOWN, ADD_WAY_QR = 0, 1


@bp.before_app_request
def _settle_due_transfers() -> None:
    settle_before_request(get_state())



def contact_view(book: ContactBook, record: FollowRecord) -> dict[str, Any]:
    """One follow record as the control API and the phone page show it."""
    return {"external_contact": contact_json(book.contacts[record.external_userid]),
            "follow_info": follow_info_json(record),
            "tags": [book.tags[t].name for t in record.tag_ids if t in book.tags],
            "deleted_by_customer": record.deleted_by_customer}


def rep_contacts(state: EmulatorState, userid: str,
                 newest: int | None = None) -> tuple[int, list[dict[str, Any]]]:
    """(how many customers the rep has, the ``newest`` of them newest first, or all)."""
    with state.lock:
        book = state.contacts
        records = book.rep_records(userid)
        chosen = records[::-1][:newest] if newest is not None else records
        return len(records), [contact_view(book, r) for r in chosen]


@bp.get("/contacts")
def list_contacts() -> Response:
    """?userid= → that rep's customers, oldest first; without it every rep's."""
    state = get_state()
    userid = request.args.get("userid")
    if userid is not None:
        if state.config.wecom_user(userid) is None:
            return control_error(f"企业微信通讯录里没有成员 {userid}", 404)
        return jsonify(rep_contacts(state, userid)[1])
    with state.lock:
        book = state.contacts
        return jsonify([contact_view(book, r) for rep in list(book.follows)
                        for r in book.rep_records(rep)])


def _seed_one(state: EmulatorState, userid: str, item: dict[str, Any]) -> str:
    """Add one customer for ``userid`` (under the lock); raises ValueError when unusable."""
    book = state.contacts
    tags = []
    for name in item.get("tags") or []:
        tag = book.tag_named(str(name))
        if tag is None:
            raise ValueError(f"没有企业标签「{name}」")
        tags.append(tag.id)
    kind = TYPE_WECOM if item.get("type") == TYPE_WECOM else TYPE_WECHAT
    external_userid = str(item.get("external_userid") or "") or make_id(
        "wo" if kind == TYPE_WECOM else "wm")
    corp_name = str(item.get("corp_name") or "")
    contact = book.contacts.get(external_userid) or book.add_contact(ExternalContact(
        external_userid, str(item.get("name") or ""), kind, int(item.get("gender") or 0)))
    if contact.type == TYPE_WECOM and corp_name:
        contact.corp_name = contact.corp_full_name = corp_name
    channel = str(item.get("state") or "")
    mobile = str(item.get("mobile") or "")
    book.follow(FollowRecord(
        userid, external_userid, int(item.get("createtime") or state.now()),
        remark=str(item.get("remark") or ""), description=str(item.get("description") or ""),
        tag_ids=tuple(dict.fromkeys(tags)),
        # A WeChat customer has no corp in WeCom: the company is the rep's note of it.
        remark_corp_name=corp_name if contact.type == TYPE_WECHAT else "",
        remark_mobiles=(mobile,) if mobile else (),
        add_way=int(item.get("add_way") or (ADD_WAY_QR if channel else ADD_WAY_UNKNOWN)),
        state=channel, oper_userid=userid))
    return external_userid


@bp.post("/contacts")
def seed_contacts() -> Response:
    """``{"userid", "contacts": [{name, mobile?, corp_name?, remark?, description?,
    tags?: [tag names], state?, external_userid?, type?}]}`` → the external_userids.
    Naming an existing external_userid makes this rep a second follower of it."""
    state = get_state()
    data = control_payload()
    userid = str(data.get("userid") or "")
    if state.config.wecom_user(userid) is None:
        return control_error(f"企业微信通讯录里没有成员 {userid}", 404)
    items = data.get("contacts")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return control_error("contacts must be a list of objects")
    with state.lock:
        try:
            ids = [_seed_one(state, userid, item) for item in items]
        except (TypeError, ValueError) as exc:
            return control_error(str(exc))
    return jsonify({"ok": True, "userid": userid, "external_userids": ids})


@bp.post("/contacts/refuse")
def refuse() -> Response:
    """``{"external_userid", "reason": "customer_refused"|"customer_limit_exceed"}``: the
    next transfer of that customer fails at its 24 h mark with transfer_fail."""
    state = get_state()
    data = control_payload()
    external_userid = str(data.get("external_userid") or "")
    reason = str(data.get("reason") or "customer_refused")
    if reason not in FAIL_REASONS:
        return control_error("reason must be customer_refused or customer_limit_exceed")
    with state.lock:
        if external_userid not in state.contacts.contacts:
            return control_error(f"没有外部联系人 {external_userid}", 404)
        state.contacts.refusals[external_userid] = reason
    return jsonify({"ok": True, "external_userid": external_userid, "reason": reason})


@bp.post("/contacts/resign")
def resign() -> Response:
    """``{"userid"}``: the rep has left (离职); their customers show in
    get_unassigned_list and resigned/transfer_customer accepts them as handover."""
    state = get_state()
    userid = str(control_payload().get("userid") or "")
    if state.config.wecom_user(userid) is None:
        return control_error(f"企业微信通讯录里没有成员 {userid}", 404)
    with state.lock:
        left = state.contacts.departed.setdefault(userid, int(state.now()))
    return jsonify({"ok": True, "userid": userid, "dimission_time": left})


@bp.get("/contacts/transfers")
def transfers() -> Response:
    """Every transfer started, oldest first (kind "onjob" or "resigned", status 1–4)."""
    state = get_state()
    with state.lock:
        return jsonify([asdict(t) for t in state.contacts.transfers])
