"""Plain helpers for the platform-edge tests: sign and encrypt payloads with the test keys
(the emulator defaults in settings) and a fresh timestamp, the way the platforms do."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from zhongshu.queues import QUEUE_INBOUND, get_queue, get_redis
from zhongshu.settings import get_settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_text(platform: str, name: str) -> str:
    return (FIXTURES / platform / name).read_text(encoding="utf-8")


def fixture_json(platform: str, name: str) -> dict[str, Any]:
    return json.loads(fixture_text(platform, name))


def sha1_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """Written out here rather than imported, so the tests do not trust the code under test."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def wecom_envelope(encrypt: str, corp_id: str | None = None) -> bytes:
    corp = corp_id or get_settings().wecom_corp_id
    return (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<AgentID><![CDATA[1000002]]></AgentID></xml>").encode()


def wecom_encrypt(plaintext: str, *, receive_id: str | None = None) -> str:
    """Encrypt as WeCom would, with wechatpy (the vendor-compatible implementation)."""
    from wechatpy.enterprise.crypto import PrpCrypto

    s = get_settings()
    key = base64.b64decode(s.wecom_aes_key + "=")
    return PrpCrypto(key).encrypt(plaintext, receive_id or s.wecom_corp_id).decode()


def wecom_query(encrypt: str, *, timestamp: str | None = None, nonce: str = "1372623149",
                signature: str | None = None) -> str:
    ts = timestamp or str(int(time.time()))
    sig = signature or sha1_signature(get_settings().wecom_token, ts, nonce, encrypt)
    return urlencode({"msg_signature": sig, "timestamp": ts, "nonce": nonce})


def robot_headers(*, timestamp_ms: int | None = None, secret: str | None = None
                  ) -> dict[str, str]:
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    key = secret or get_settings().dingtalk_app_secret
    sign = base64.b64encode(hmac.new(key.encode(), f"{ts}\n{key}".encode(),
                                     hashlib.sha256).digest()).decode()
    return {"timestamp": ts, "sign": sign, "Content-Type": "application/json"}


def dingtalk_encrypt(plaintext: str, *, app_key: str | None = None) -> str:
    from dingtalk.crypto import PrpCrypto

    s = get_settings()
    key = base64.b64decode(s.dingtalk_aes_key + "=")
    return PrpCrypto(key).encrypt(plaintext, app_key or s.dingtalk_app_key).decode()


def dingtalk_query(encrypt: str, *, timestamp_ms: int | None = None, nonce: str = "WL4PK6yA",
                   signature: str | None = None, names: tuple[str, str] = ("signature",
                                                                            "timestamp")) -> str:
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    sig = signature or sha1_signature(get_settings().dingtalk_token, ts, nonce, encrypt)
    return urlencode({names[0]: sig, names[1]: ts, "nonce": nonce})


def dedupe_keys() -> list[bytes]:
    return list(get_redis().scan_iter("zs:dedupe:*"))


def inbound_job_ids() -> list[str]:
    return list(get_queue(QUEUE_INBOUND).job_ids)
