"""Helpers for the emulator tests: a loopback server runner, a fake Zhongshu service and a
thin client for one running emulator.

The fake service checks what the emulator sends with the SDKs' own crypto (wechatpy's
WeChatCrypto, dingtalk-sdk's DingTalkCrypto), independently of the emulator's code."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import xmltodict
from dingtalk.crypto import DingTalkCrypto
from flask import Flask, Response, request
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from werkzeug.serving import make_server

from bot.emulator import EmulatorConfig

CALLBACK_TIMEOUT = 0.5


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@dataclass
class Received:
    path: str
    method: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeService:
    """Plays the Zhongshu service's endpoints; every test tunes it through attributes."""

    config: EmulatorConfig
    received: list[Received] = field(default_factory=list)
    wecom_plaintexts: list[str] = field(default_factory=list)
    dingtalk_events: list[dict[str, Any]] = field(default_factory=list)
    # Seconds to sleep before answering each WeCom POST, consumed in order (then 0).
    delays: list[float] = field(default_factory=list)
    # HTTP statuses for successive WeCom POSTs, consumed in order (then 200).
    statuses: list[int] = field(default_factory=list)
    # Builds the plaintext passive reply from the decrypted fields, or None for "".
    wecom_reply: Callable[[dict[str, Any]], str | None] | None = None
    # Answer every WeCom POST with these bytes instead (a broken passive reply).
    raw_reply: bytes | None = None
    robot_reply: dict[str, Any] | None = None
    event_reply: str = "encrypted"  # or "plain": a broken handler answering bare "success"

    def reset(self) -> None:
        self.received.clear()
        self.wecom_plaintexts.clear()
        self.dingtalk_events.clear()
        self.delays.clear()
        self.statuses.clear()
        self.wecom_reply = None
        self.raw_reply = None
        self.robot_reply = None
        self.event_reply = "encrypted"

    def posts(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path and r.method == "POST"]

    def build_app(self) -> Flask:
        app = Flask("fake_zhongshu")
        cfg = self.config
        wecom = WeChatCrypto(cfg.wecom_token, cfg.wecom_aes_key, cfg.wecom_corp_id)
        ding = DingTalkCrypto(cfg.dingtalk_token, cfg.dingtalk_aes_key, cfg.dingtalk_app_key)

        def record() -> None:
            self.received.append(Received(request.path, request.method, request.args.to_dict(),
                                          dict(request.headers), request.get_data()))

        @app.route("/wecom/callback", methods=["GET", "POST"])
        def wecom_callback() -> Response | str:
            record()
            q = request.args
            try:
                if request.method == "GET":
                    return str(wecom.check_signature(q["msg_signature"], q["timestamp"],
                                                     q["nonce"], q["echostr"]))
                plaintext = wecom.decrypt_message(request.get_data(), q["msg_signature"],
                                                  q["timestamp"], q["nonce"])
            except InvalidSignatureException:
                return Response("bad signature", status=403)
            self.wecom_plaintexts.append(plaintext)
            if self.delays:
                time.sleep(self.delays.pop(0))
            if self.statuses:
                status = self.statuses.pop(0)
                if status != 200:
                    return Response("", status=status)
            if self.raw_reply is not None:
                return Response(self.raw_reply, mimetype="text/xml")
            if self.wecom_reply is not None:
                reply = self.wecom_reply(xmltodict.parse(plaintext)["xml"])
                if reply:
                    return str(wecom.encrypt_message(reply, "1234567890", q["timestamp"]))
            return ""

        @app.post("/dingtalk/robot")
        def dingtalk_robot() -> Response | str:
            record()
            if self.robot_reply is not None:
                return Response(json.dumps(self.robot_reply), mimetype="application/json")
            return ""

        @app.post("/dingtalk/callback")
        def dingtalk_callback() -> Response | str:
            record()
            q = request.args
            plaintext = ding.decrypt_message(request.get_data(), q["msg_signature"],
                                             q["timestamp"], q["nonce"])
            self.dingtalk_events.append(json.loads(plaintext))
            if self.event_reply == "plain":
                return "success"
            return Response(json.dumps(ding.encrypt_message("success")),
                            mimetype="application/json")

        return app


class Emu:
    """A thin client for one running emulator."""

    def __init__(self, base: str, config: EmulatorConfig) -> None:
        self.base = base
        self.config = config

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.base + path, params=params, timeout=10)

    def post(self, path: str, body: Any = None, **params: Any) -> requests.Response:
        return requests.post(self.base + path, params=params, json=body, timeout=10)

    # -- platform helpers ----------------------------------------------------------------
    def wecom_token(self) -> str:
        answer = self.get("/cgi-bin/gettoken", corpid=self.config.wecom_corp_id,
                          corpsecret=self.config.wecom_secret).json()
        assert answer["errcode"] == 0, answer
        return str(answer["access_token"])

    def dingtalk_token(self) -> str:
        answer = self.get("/gettoken", appkey=self.config.dingtalk_app_key,
                          appsecret=self.config.dingtalk_app_secret).json()
        assert answer["errcode"] == 0, answer
        return str(answer["access_token"])

    def send(self, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        full = {"agentid": self.config.wecom_agent_id, **body}
        answer: dict[str, Any] = self.post("/cgi-bin/message/send", full,
                                           access_token=token or self.wecom_token()).json()
        return answer

    def text(self, user: str, content: str, token: str | None = None,
             **extra: Any) -> dict[str, Any]:
        return self.send({"touser": user, "msgtype": "text", "text": {"content": content},
                          **extra}, token)

    # -- control helpers ---------------------------------------------------------------
    def messages(self, platform: str, user: str) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.get("/_emu/messages", platform=platform,
                                              user=user).json()
        return data

    def delivered(self, platform: str, user: str) -> list[dict[str, Any]]:
        return [m for m in self.messages(platform, user)
                if m["direction"] == "out" and m["delivered"]]

    def calls(self, api: str) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.get("/_emu/calls", api=api).json()
        return data

    def advance(self, seconds: float) -> float:
        return float(self.post("/_emu/clock", {"advance": seconds}).json()["now"])

    def now(self) -> float:
        return float(self.get("/_emu/clock").json()["now"])
