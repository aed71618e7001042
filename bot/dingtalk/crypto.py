"""DingTalk inbound verification: the event-subscription crypto (PLATFORMS.md §4.4) and the
enterprise robot's HTTP-receive signature (§4.2).

Event crypto is WeCom's scheme with the appKey as the trailing id. dingtalk-sdk 1.3.8's
``DingTalkCrypto`` does the AES and builds the encrypted ``success`` answer; the signature
compare (constant time), the timestamp window and the strict unpadding are ours, for the
same reasons as in ``bot.wecom.crypto`` (the SDK compares with ``!=`` and trusts padding).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from dingtalk.crypto import DingTalkCrypto, PrpCrypto

from bot.edge import Forbidden, check_window, parse_timestamp, same
from bot.wecom.crypto import DecryptError, SignatureMismatch, b64_ciphertext, signature, unpack
from zhongshu.settings import Settings, get_settings

SUCCESS = "success"
# Timestamps up to this value are read as seconds, larger ones as milliseconds: DingTalk
# sends ms, some of its samples seconds, and 10**11 s lies in the year 5138.
_SECONDS_LIMIT = 10**11


def to_seconds(timestamp: int) -> float:
    return timestamp / 1000 if timestamp >= _SECONDS_LIMIT else float(timestamp)


class EventCrypto:
    """Crypto for one DingTalk app's event subscription (token, aesKey, appKey)."""

    def __init__(self, token: str, aes_key: str, app_key: str) -> None:
        self.token = token
        self.app_key = app_key
        self._sdk = DingTalkCrypto(token, aes_key, app_key)
        assert self._sdk.key is not None
        # The SDK's cipher object (AES-256-CBC, IV = key[:16]); unpacking is ours.
        self._cipher = PrpCrypto(self._sdk.key).cipher

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> EventCrypto:
        s = settings or get_settings()
        if s.dingtalk_token is None or s.dingtalk_aes_key is None or s.dingtalk_app_key is None:
            # The start-up check refuses such a configuration; never verify with a blank.
            raise ValueError("DINGTALK_TOKEN, DINGTALK_AES_KEY and DINGTALK_APP_KEY are all needed")
        return cls(s.dingtalk_token, s.dingtalk_aes_key, s.dingtalk_app_key)

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return signature(self.token, timestamp, nonce, encrypt)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str, *,
               window: int, now: float | None = None) -> None:
        """Signature (constant time), then the timestamp window; raises an EdgeError."""
        stamp = parse_timestamp(timestamp)
        if not same(self.signature(timestamp, nonce, encrypt), msg_signature.lower()):
            raise SignatureMismatch()
        check_window(to_seconds(stamp), window, now)

    def decrypt(self, encrypt: str) -> str:
        raw = b64_ciphertext(encrypt)
        try:
            plain = self._cipher.decrypt(raw)
        except ValueError as exc:
            raise DecryptError() from exc
        return unpack(plain, self.app_key)

    def encrypt_success(self, *, now_ms: int | None = None) -> dict[str, str]:
        """The mandatory answer: {"msg_signature", "timeStamp", "nonce", "encrypt"}."""
        timestamp = str(int(time.time() * 1000) if now_ms is None else now_ms)
        # The SDK's default nonce comes from ``random``; ours from ``secrets``.
        result = self._sdk.encrypt_message(SUCCESS, nonce=secrets.token_hex(8),
                                           timestamp=timestamp)
        return {k: str(result[k]) for k in ("msg_signature", "timeStamp", "nonce", "encrypt")}


def robot_sign(timestamp: str, app_secret: str) -> str:
    """base64(HmacSHA256(key=appSecret, msg=f"{timestamp}\\n{appSecret}")), not URL-encoded."""
    digest = hmac.new(app_secret.encode("utf-8"), f"{timestamp}\n{app_secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_robot(timestamp: str, sign: str, app_secret: str | None, *, window: int,
                 now: float | None = None) -> None:
    """Both checks of §4.2 must pass: the sign matches and the timestamp is within window.
    Without an app secret nothing is signed by anyone we know: refused."""
    stamp = parse_timestamp(timestamp)
    if not app_secret or not same(robot_sign(timestamp, app_secret), sign):
        raise Forbidden("bad sign")
    check_window(to_seconds(stamp), window, now)
