"""Playing a WeCom user: the emulator, acting as WeCom, calls the service's callback URL.

Each action builds the plaintext XML WeCom sends (PLATFORMS.md 1.5), encrypts it into the
``<xml><ToUserName/><Encrypt/><AgentID/></xml>`` envelope, POSTs it to
``{service_url}/wecom/callback`` and, with no HTTP 200 within ``callback_timeout``,
re-POSTs the byte-identical request, ``callback_tries`` times in all (1.4). A non-empty
answer must be a signed, encrypted passive reply (1.3); it is checked, decrypted and
filed as an "out" message on channel "passive".
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

import requests
from flask import Blueprint, Response, jsonify, request

from bot.emulator.common import control_error, control_payload, get_state
from bot.emulator.media import store_media
from bot.emulator.state import PLATFORM_WECOM, EmulatorState
from bot.emulator.wecom_api import apply_card_update, issue_response_code
from bot.emulator.wecom_directory import issue_oauth_code
from bot.emulator.wire import ReplyError, WecomWire, XmlValue, render_xml

bp = Blueprint("emulator_wecom_player", __name__, url_prefix="/_emu/wecom")


def base_url(state: EmulatorState) -> str:
    """Where the emulator is reachable, for URLs it puts into payloads."""
    return (state.config.public_url or request.host_url).rstrip("/")


def wecom_wire(state: EmulatorState) -> WecomWire:
    config = state.config
    return WecomWire(config.wecom_token, config.wecom_aes_key, config.wecom_corp_id,
                     config.wecom_agent_id)



# -- delivery ------------------------------------------------------------------------------

def _camel_to_snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


def _snake_keys(value: Any) -> Any:
    # A passive update_template_card reply spells the card in XML CamelCase; the phone
    # page renders the JSON (snake_case) shape, so convert for display.
    if isinstance(value, dict):
        return {_camel_to_snake(k): _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


def _file_passive_reply(state: EmulatorState, userid: str, fields: dict[str, Any],
                        in_record: dict[str, Any], task_id: str | None) -> None:
    """File the decrypted reply (its XML fields) in the chat; card updates touch the card."""
    msgtype = str(fields.get("MsgType", ""))
    if task_id and msgtype == "update_button":
        button = fields.get("Button")
        name = str(button.get("ReplaceName") or "") if isinstance(button, dict) else ""
        apply_card_update(state, userid, task_id, {"replace_name": name})
    elif task_id and msgtype == "update_template_card":
        apply_card_update(state, userid, task_id,
                          {"template_card": _snake_keys(fields.get("TemplateCard") or {})})
    state.record_message(platform=PLATFORM_WECOM, direction="out", user=userid,
                         channel="passive", msgtype=msgtype, content=fields,
                         in_reply_to=in_record["id"], task_id=task_id)


def deliver(state: EmulatorState, userid: str, fields: list[tuple[str, XmlValue]],
            content: dict[str, Any], *, task_id: str | None = None,
            channel: str = "app") -> dict[str, Any]:
    """Record the user's action, send it to the service, handle the passive reply.

    ``channel`` files the record: "app" for what the user does, "contact" for the
    客户联系 events WeCom itself sends about the user (FromUserName=sys)."""
    config = state.config
    plaintext = render_xml(fields)
    msgtype = str(dict(fields)["MsgType"])
    in_record = state.record_message(platform=PLATFORM_WECOM, direction="in", user=userid,
                                     channel=channel, msgtype=msgtype, content=content,
                                     task_id=task_id)
    post = wecom_wire(state).post(plaintext, int(state.now()))
    # Built once: every retry must carry the very same bytes, query string included.
    url = f"{config.service_url.rstrip('/')}/wecom/callback?{urlencode(post.query)}"
    tries, status, body, errors = 0, None, b"", []
    while tries < config.callback_tries:
        tries += 1
        started = time.monotonic()
        try:
            answer = requests.post(url, data=post.body, timeout=config.callback_timeout,
                                   headers={"Content-Type": "text/xml"})
        except requests.RequestException as exc:
            status = None
            errors.append(f"try {tries}: {type(exc).__name__} after "
                          f"{time.monotonic() - started:.2f}s")
            continue
        status = answer.status_code
        if status == 200:
            body = answer.content
            break
        errors.append(f"try {tries}: HTTP {status}")
    result: dict[str, Any] = {"tries": tries, "status": status, "passive_reply": None,
                              "passive_error": None, "errors": errors,
                              "message_id": in_record["id"], "xml": plaintext}
    if status == 200 and body.strip():
        try:
            reply_xml, reply_fields = wecom_wire(state).open_reply(body)
        except ReplyError as exc:
            # WeCom shows the user nothing when the reply can't be opened.
            result["passive_error"] = str(exc)
        else:
            if reply_fields.get("ToUserName") != userid:
                result["passive_error"] = "reply ToUserName is not the sender"
            result["passive_reply"] = {"msgtype": reply_fields.get("MsgType"),
                                       "fields": reply_fields, "xml": reply_xml}
            _file_passive_reply(state, userid, reply_fields, in_record, task_id)
    return result


def _header(state: EmulatorState, userid: str, msgtype: str) -> list[tuple[str, XmlValue]]:
    return [("ToUserName", state.config.wecom_corp_id), ("FromUserName", userid),
            ("CreateTime", int(state.now())), ("MsgType", msgtype)]


def _content(fields: list[tuple[str, XmlValue]]) -> dict[str, Any]:
    return {name: value for name, value in fields if not isinstance(value, list)}


def _event(state: EmulatorState, userid: str, event: str,
           extra: list[tuple[str, XmlValue]]) -> dict[str, Any]:
    fields = (_header(state, userid, "event") + [("Event", event)] + extra
              + [("AgentID", state.config.wecom_agent_id)])
    return deliver(state, userid, fields, _content(fields))


# -- actions -------------------------------------------------------------------------------

def _user_or_404(state: EmulatorState, userid: str) -> Response | None:
    if state.config.wecom_user(userid) is None:
        return control_error(f"企业微信通讯录里没有成员 {userid}", 404)
    return None


@bp.post("/users/<userid>/text")
def play_text(userid: str) -> Response:
    state = get_state()
    if (missing := _user_or_404(state, userid)) is not None:
        return missing
    text = str(control_payload().get("content", ""))
    if not text:
        return control_error("content 不能为空", 400)
    fields = _header(state, userid, "text") + [
        ("Content", text), ("MsgId", state.next_msg_id()),
        ("AgentID", state.config.wecom_agent_id)]
    return jsonify(deliver(state, userid, fields, _content(fields)))


@bp.post("/users/<userid>/click")
def play_click(userid: str) -> Response:
    state = get_state()
    if (missing := _user_or_404(state, userid)) is not None:
        return missing
    key = str(control_payload().get("key", ""))
    if not key:
        return control_error("key 不能为空", 400)
    return jsonify(_event(state, userid, "click", [("EventKey", key)]))


@bp.post("/users/<userid>/enter_agent")
def play_enter_agent(userid: str) -> Response:
    state = get_state()
    if (missing := _user_or_404(state, userid)) is not None:
        return missing
    return jsonify(_event(state, userid, "enter_agent", [("EventKey", "")]))


@bp.post("/users/<userid>/location")
def play_location(userid: str) -> Response:
    state = get_state()
    if (missing := _user_or_404(state, userid)) is not None:
        return missing
    data = control_payload()
    preset = state.config.locations[0] if state.config.locations else {}
    try:
        lat = float(data.get("lat", preset.get("lat", 31.2304)))
        lng = float(data.get("lng", preset.get("lng", 121.4737)))
        precision = float(data.get("precision", preset.get("precision", 30.0)))
    except (TypeError, ValueError):
        return control_error("lat / lng / precision 必须是数字", 400)
    extra: list[tuple[str, XmlValue]] = [("Latitude", lat), ("Longitude", lng),
                                         ("Precision", precision)]
    if data.get("app_type"):
        extra.append(("AppType", str(data["app_type"])))
    return jsonify(_event(state, userid, "LOCATION", extra))


@bp.post("/users/<userid>/image")
def play_image(userid: str) -> Response:
    state = get_state()
    if (missing := _user_or_404(state, userid)) is not None:
        return missing
    upload = request.files.get("file") or request.files.get("media")
    if upload is not None:
        data = upload.read()
    else:
        path = str(control_payload().get("path", ""))
        if not path:
            return control_error("请上传 file，或给出 JSON {\"path\"}", 400)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            return control_error(f"读不到文件 {path}: {exc.strerror}", 400)
    if not data:
        return control_error("文件是空的", 400)
    media = store_media(state, data, "image")
    fields = _header(state, userid, "image") + [
        ("PicUrl", f"{base_url(state)}/_emu/media/{media.media_id}"),
        ("MediaId", media.media_id), ("MsgId", state.next_msg_id()),
        ("AgentID", state.config.wecom_agent_id)]
    result = deliver(state, userid, fields, _content(fields))
    result["media_id"] = media.media_id
    return jsonify(result)


def _card_keys(card: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(button/submit keys, action-menu keys) a card offers."""
    buttons = {str(b.get("key")) for b in card.get("button_list") or [] if b.get("key")}
    submit = (card.get("submit_button") or {}).get("key")
    if submit:
        buttons.add(str(submit))
    menu = {str(a.get("key")) for a in (card.get("action_menu") or {}).get("action_list") or []
            if a.get("key")}
    return buttons, menu


def _default_selection(card: dict[str, Any]) -> list[dict[str, Any]]:
    # What the card shows as pre-selected is what a user submitting it unchanged sends.
    if card.get("checkbox"):
        box = card["checkbox"]
        return [{"question_key": box.get("question_key", ""),
                 "option_ids": [o["id"] for o in box.get("option_list") or []
                                if o.get("is_checked")]}]
    return [{"question_key": s.get("question_key", ""),
             "option_ids": [s["selected_id"]] if s.get("selected_id") else []}
            for s in card.get("select_list") or []]


def _selected_items_xml(items: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [("SelectedItem", [
        ("QuestionKey", str(item.get("question_key", ""))),
        ("OptionIds", [("OptionId", str(option)) for option in item.get("option_ids") or []]),
    ]) for item in items]


@bp.post("/users/<userid>/card_click")
def play_card_click(userid: str) -> Response:
    state = get_state()
    if (missing := _user_or_404(state, userid)) is not None:
        return missing
    data = control_payload()
    task_id, key = str(data.get("task_id", "")), str(data.get("key", ""))
    cards = [r for r in state.user_messages(PLATFORM_WECOM, userid)
             if r["direction"] == "out" and r["channel"] == "app"
             and r.get("task_id") == task_id and r["delivered"]]
    if not cards:
        return control_error(f"{userid} 没有收到 task_id={task_id} 的卡片", 404)
    card_record = cards[-1]
    card = card_record["content"].get("template_card") or {}
    update = card_record.get("card_update") or {}
    if "replace_name" in update:
        return control_error(f"卡片已更新为「{update['replace_name']}」，按钮不能再点", 409)
    buttons, menu = _card_keys(card)
    if key not in buttons | menu:
        return control_error(f"卡片上没有 key={key} 的按钮", 400)
    response_code = issue_response_code(state, task_id)
    extra: list[tuple[str, XmlValue]] = [
        ("EventKey", key), ("TaskId", task_id),
        ("CardType", str(card_record.get("card_type") or card.get("card_type", ""))),
        ("ResponseCode", response_code)]
    fields = (_header(state, userid, "event")
              + [("Event", "template_card_menu_event" if key in menu and key not in buttons
                  else "template_card_event")]
              + extra + [("AgentID", state.config.wecom_agent_id)])
    content = _content(fields)
    if card_record.get("card_type") in ("vote_interaction", "multiple_interaction"):
        selected = data.get("selected_items")
        items = selected if isinstance(selected, list) else _default_selection(card)
        if items:
            fields.append(("SelectedItems", _selected_items_xml(items)))
            content["SelectedItems"] = items
    result = deliver(state, userid, fields, content, task_id=task_id)
    result["response_code"] = response_code
    return jsonify(result)


@bp.post("/users/<userid>/oauth")
def play_oauth(userid: str) -> Response:
    state = get_state()
    if (missing := _user_or_404(state, userid)) is not None:
        return missing
    data = control_payload()
    redirect = str(data.get("redirect", ""))
    code = issue_oauth_code(state, userid)
    query = {"code": code}
    if data.get("state") is not None:
        query["state"] = str(data["state"])
    url = None
    if redirect:
        url = redirect + ("&" if "?" in redirect else "?") + urlencode(query)
    return jsonify({"code": code, "url": url, "expires_in": state.config.oauth_code_ttl})


@bp.post("/verify_url")
def verify_url() -> Response:
    """Run WeCom's GET URL-verification handshake against the service (PLATFORMS.md 1.2)."""
    state = get_state()
    expected = str(10**18 + secrets.randbelow(9 * 10**18))
    query = wecom_wire(state).echo_query(expected, int(state.now()))
    url = f"{state.config.service_url.rstrip('/')}/wecom/callback"
    started = time.monotonic()
    try:
        answer = requests.get(url, params=query, timeout=state.config.callback_timeout)
    except requests.RequestException as exc:
        return jsonify({"ok": False, "status": None, "expected": expected, "body": None,
                        "error": type(exc).__name__, "elapsed": time.monotonic() - started})
    elapsed = time.monotonic() - started
    return jsonify({"ok": answer.status_code == 200 and answer.content == expected.encode(),
                    "status": answer.status_code, "expected": expected,
                    "body": answer.text[:200], "elapsed": elapsed,
                    # WeCom wants the echo within 1 s.
                    "within_deadline": elapsed <= 1.0})
