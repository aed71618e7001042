"""Wire formats the emulator produces as the platform: XML, envelopes, signatures.

The AES part reuses the SDKs' ciphers (wechatpy / dingtalk-sdk), which interoperate with
the vendors' samples (PLATFORMS.md 3, 4.6); everything around them (the outer XML the
platform posts, the signatures, the reply checks) is built here so the emulator sends
exactly what the platform sends, not what an SDK happens to render.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

import xmltodict
from defusedxml import ElementTree
from dingtalk.crypto import DingTalkCrypto
from wechatpy.enterprise.crypto import PrpCrypto

XmlValue = str | int | float | list[tuple[str, Any]]


class ReplyError(Exception):
    """A reply from the service the platform could not accept (bad signature, garbage)."""


# -- XML -------------------------------------------------------------------------------------

def cdata(text: str) -> str:
    # "]]>" can't appear inside CDATA; the standard trick splits it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(name: str, value: XmlValue) -> str:
    if isinstance(value, list):
        inner = "".join(_element(child, child_value) for child, child_value in value)
    elif isinstance(value, bool):
        inner = cdata(str(value).lower())
    elif isinstance(value, (int, float)):
        # Numbers go bare, as in the platform's samples (CreateTime, MsgId, Latitude).
        inner = str(value)
    else:
        inner = cdata(str(value))
    return f"<{name}>{inner}</{name}>"


def render_xml(fields: list[tuple[str, XmlValue]]) -> str:
    """``<xml>`` with the fields in the given order; lists nest."""
    return "<xml>" + "".join(_element(name, value) for name, value in fields) + "</xml>"


def parse_xml(text: str | bytes) -> dict[str, Any]:
    """The children of the root ``<xml>`` as a dict (defusedxml first: it's untrusted)."""
    try:
        ElementTree.fromstring(text)
        parsed = xmltodict.parse(text)
    except Exception as exc:
        raise ReplyError(f"not XML: {exc}") from exc
    root = parsed.get("xml")
    if not isinstance(root, dict):
        raise ReplyError("no <xml> root")
    return root


# -- WeCom -----------------------------------------------------------------------------------

def sha1_signature(*parts: str) -> str:
    """sha1 over the sorted, concatenated parts (WeCom and DingTalk callback signature)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _aes_key(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def nonce() -> str:
    return str(secrets.randbelow(10**10)).zfill(10)


@dataclass(frozen=True)
class WecomPost:
    """One encrypted callback, ready to be POSTed (and re-POSTed byte for byte)."""

    query: dict[str, str]
    body: bytes


class WecomWire:
    """Encrypts callbacks and checks passive replies for one WeCom app."""

    def __init__(self, token: str, aes_key: str, corp_id: str, agent_id: int) -> None:
        self.token = token
        self.key = _aes_key(aes_key)
        self.corp_id = corp_id
        self.agent_id = agent_id

    def encrypt(self, plaintext: str) -> str:
        return str(PrpCrypto(self.key).encrypt(plaintext, self.corp_id).decode("ascii"))

    def decrypt(self, encrypted: str) -> str:
        try:
            return str(PrpCrypto(self.key).decrypt(encrypted, self.corp_id))
        except Exception as exc:
            raise ReplyError(f"cannot decrypt: {type(exc).__name__}") from exc

    def post(self, plaintext_xml: str, timestamp: int) -> WecomPost:
        encrypted = self.encrypt(plaintext_xml)
        once = nonce()
        body = render_xml([("ToUserName", self.corp_id), ("Encrypt", encrypted),
                           ("AgentID", str(self.agent_id))])
        query = {"msg_signature": sha1_signature(self.token, str(timestamp), once, encrypted),
                 "timestamp": str(timestamp), "nonce": once}
        return WecomPost(query=query, body=body.encode("utf-8"))

    def echo_query(self, echostr_plain: str, timestamp: int) -> dict[str, str]:
        """Query string of the GET URL-verification handshake."""
        encrypted = self.encrypt(echostr_plain)
        once = nonce()
        return {"msg_signature": sha1_signature(self.token, str(timestamp), once, encrypted),
                "timestamp": str(timestamp), "nonce": once, "echostr": encrypted}

    def open_reply(self, body: bytes) -> tuple[str, dict[str, Any]]:
        """Check and decrypt a passive reply: (plaintext XML, its fields)."""
        outer = parse_xml(body)
        missing = [f for f in ("Encrypt", "MsgSignature", "TimeStamp", "Nonce") if not outer.get(f)]
        if missing:
            raise ReplyError("reply lacks " + ", ".join(missing))
        expected = sha1_signature(self.token, str(outer["TimeStamp"]), str(outer["Nonce"]),
                                  str(outer["Encrypt"]))
        if expected != outer["MsgSignature"]:
            raise ReplyError("MsgSignature does not match")
        plaintext = self.decrypt(str(outer["Encrypt"]))
        return plaintext, parse_xml(plaintext)


# -- DingTalk --------------------------------------------------------------------------------

class DingtalkWire:
    """Encrypts event-subscription callbacks and checks the encrypted "success" reply."""

    def __init__(self, token: str, aes_key: str, app_key: str) -> None:
        self.crypto = DingTalkCrypto(token, aes_key, app_key)

    def post(self, event: dict[str, Any], timestamp_ms: int) -> tuple[dict[str, str], bytes]:
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        sealed = self.crypto.encrypt_message(text, nonce(), str(timestamp_ms))
        query = {"msg_signature": sealed["msg_signature"], "timestamp": sealed["timeStamp"],
                 "nonce": sealed["nonce"]}
        return query, json.dumps({"encrypt": sealed["encrypt"]}).encode("utf-8")

    def open_reply(self, body: bytes) -> str:
        try:
            reply = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReplyError("reply is not JSON") from exc
        if not isinstance(reply, dict):
            raise ReplyError("reply is not a JSON object")
        missing = [f for f in ("msg_signature", "timeStamp", "nonce",
                               "encrypt") if not reply.get(f)]
        if missing:
            raise ReplyError("reply lacks " + ", ".join(missing))
        try:
            return str(self.crypto.decrypt_encrypt_str(
                reply["msg_signature"], str(reply["timeStamp"]), reply["nonce"],
                reply["encrypt"]))
        except Exception as exc:
            raise ReplyError(f"cannot verify/decrypt: {type(exc).__name__}") from exc
