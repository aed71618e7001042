"""Plumbing shared by the emulated platform APIs: errcodes, call log, fault injection.

Every emulated platform endpoint is wrapped by ``platform_api``: the call is logged (so
tests can count e.g. gettoken calls) and an injected fault, if one is pending for that
API, answers instead of the real handler.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, jsonify, request

from bot.emulator.state import PLATFORM_DINGTALK, PLATFORM_WECOM, EmulatorState, Fault

EXTENSION_KEY = "zhongshu_emulator"

# errmsg texts, as close to the platforms' wording as the public docs allow.
WECOM_ERRMSG: dict[int, str] = {
    -1: "system busy",
    0: "ok",
    40001: "invalid credential",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid file size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40009: "invalid image size",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40029: "invalid code",
    40056: "invalid agentid",
    40058: "invalid parameter",
    40068: "invalid tagid",
    40096: "invalid external userid",
    40097: "the user has not resigned",
    40128: "customer transfer too frequently",
    40129: "customer is being transferred",
    40130: "handover and takeover are the same user",
    40131: "handover_userid is not a follower of the external contact",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    41035: "external_userid missing",
    41049: "welcome_code missing",
    41050: "invalid welcome_code",
    42001: "access_token expired",
    42014: "taskid has existed or empty or exceed max len",
    44001: "empty media data",
    44004: "empty content",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    47001: "data format error",
    50100: "invalid cursor",
    60020: "not allow to access from your ip",
    60111: "userid not found",
    60123: "invalid party id",
    60140: "invalid response_code",
    81013: "user & party & tag all invalid",
    84061: "not external contact",
}

DINGTALK_ERRMSG: dict[int, str] = {
    -1: "系统繁忙",
    0: "ok",
    40014: "不合法的access_token",
    40035: "不合法的参数",
    40056: "不合法的agentid",
    40089: "不合法的corpid或corpsecret",
    41001: "缺少access_token参数",
    40078: "不存在的临时授权码",
    42001: "access_token超时",
    60121: "找不到该用户",
    130101: "send too fast, exceed 20 times per minute",
    143103: "企业应用每分钟发送消息的人数超过限制",
    143104: "企业每分钟发送消息的人数超过限制",
    300001: "token is not exist",
    310000: "sign not match",
    460101: "message too long, exceed 20000 bytes",
}

View = Callable[..., "dict[str, Any] | Response"]


def control_error(message: str, status: int = 400) -> Response:
    """The control API's and the player's refusal: ``{"error": message}`` with ``status``."""
    response = jsonify({"error": message})
    response.status_code = status
    return response


def control_payload() -> dict[str, Any]:
    """The JSON object a control or player call carries ({} for anything else)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def get_state() -> EmulatorState:
    state: EmulatorState = current_app.extensions[EXTENSION_KEY]
    return state


def wecom_error(code: int, detail: str = "") -> dict[str, Any]:
    """A WeCom error answer; the real errmsg carries a hint and a doc link like this."""
    message = WECOM_ERRMSG.get(code, "emulated error")
    if detail:
        message = f"{message}: {detail}"
    if code != 0:
        message = (f"{message}, hint: [{int(get_state().now())}-emulator], "
                   f"from ip: {request.remote_addr}, "
                   f"more info at https://open.work.weixin.qq.com/devtool/query?e={code}")
    return {"errcode": code, "errmsg": message}


def dingtalk_error(code: int, detail: str = "") -> dict[str, Any]:
    message = DINGTALK_ERRMSG.get(code, "emulated error")
    return {"errcode": code, "errmsg": f"{message}: {detail}" if detail else message}


def json_body() -> dict[str, Any] | None:
    """The request body as a JSON object, whatever Content-Type the client claimed.

    wechatpy and dingtalk-sdk post JSON without always saying so, so we parse bytes.
    """
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _logged_body() -> Any:
    if request.mimetype == "multipart/form-data":
        return {"form": request.form.to_dict(),
                "files": {name: f.filename for name, f in request.files.items()}}
    body = json_body()
    if body is not None:
        return body
    if request.form:
        return request.form.to_dict()
    return None


def _fault_response(platform: str, fault: Fault) -> Response:
    status = fault.status or 200
    if fault.errcode is None:
        # A bare HTTP failure looks like a gateway error page, not like JSON.
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        return Response(f"<html><body><h1>{status} {phrase}</h1></body></html>",
                        status=status, mimetype="text/html")
    build = wecom_error if platform == PLATFORM_WECOM else dingtalk_error
    response = jsonify(build(fault.errcode))
    response.status_code = status
    return response


def _errcode_of(response: Response) -> int | None:
    if response.mimetype != "application/json":
        return 0 if response.status_code in (200, 206) else None
    data = response.get_json(silent=True)
    if isinstance(data, dict) and "errcode" in data:
        return int(data["errcode"])
    return 0 if response.status_code == 200 else None


def platform_api(platform: str, api: str) -> Callable[[View], Callable[..., Response]]:
    """Wrap an emulated endpoint: log the call and honour injected faults.

    ``api`` is the name faults and the call log use: the path after ``/cgi-bin/`` for
    WeCom (``message/send``), the path without its leading slash for DingTalk
    (``topapi/message/corpconversation/asyncsend_v2``, ``robot/send``).
    """
    assert platform in (PLATFORM_WECOM, PLATFORM_DINGTALK)

    def wrap(view: View) -> Callable[..., Response]:
        @functools.wraps(view)
        def handle(*args: Any, **kwargs: Any) -> Response:
            state = get_state()
            at = state.now()
            fault = state.take_fault(platform, api)
            if fault is not None and fault.delay > 0:
                # Real sleep: the point is to make the client's HTTP timeout fire.
                time.sleep(fault.delay)
            if fault is not None and (fault.errcode is not None or fault.status is not None):
                response = _fault_response(platform, fault)
            else:
                answer = view(*args, **kwargs)
                response = answer if isinstance(answer, Response) else jsonify(answer)
            state.record_call({
                "platform": platform,
                "api": api,
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "json": _logged_body(),
                "errcode": _errcode_of(response),
                "status": response.status_code,
                "fault": fault is not None,
                "at": at,
            })
            return response

        return handle

    return wrap


def normalise_api(api: str) -> str:
    """Accept '/cgi-bin/message/send', 'message/send', '/robot/send' alike."""
    api = api.strip().lstrip("/")
    api = api.removeprefix("cgi-bin/")
    return api


def day_number(state: EmulatorState, at: float) -> int:
    """The business day ``at`` falls on (DingTalk's daily caps reset at local midnight)."""
    return int((at + state.config.day_utc_offset) // 86400)
