"""WeCom callback crypto (PLATFORMS.md §1.1): signature, timestamp window, AES decrypt and
encrypt, and the encrypted passive-reply envelope.

The AES step is wechatpy 1.8.18's cipher. The rest is ours on purpose: wechatpy compares
signatures with ``!=`` (timing leak), never checks a timestamp, and on decrypt trusts the
pad byte and the embedded length, so a forged ciphertext yields garbage or a stray
exception instead of a clean refusal. ``unpack`` validates the whole plaintext layout;
DingTalk's event crypto uses the same layout (§4.4) and reuses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import time

from wechatpy.enterprise.crypto import PrpCrypto

from bot.edge import BadRequest, Forbidden, check_window, parse_timestamp, same
from zhongshu.settings import Settings, get_settings

BLOCK_SIZE = 32  # PKCS#7 block of the Tencent scheme (not AES's 16)
_RANDOM_PREFIX = 16
_LENGTH_FIELD = 4


class SignatureMismatch(Forbidden):
    def __init__(self) -> None:
        super().__init__("bad signature")


class DecryptError(BadRequest):
    def __init__(self, reason: str = "undecryptable") -> None:
        super().__init__(reason)


class ReceiverMismatch(DecryptError):
    def __init__(self) -> None:
        super().__init__("receiver id mismatch")


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """msg_signature = sha1 over the four values sorted and concatenated, lowercase hex."""
    joined = "".join(sorted([token, timestamp, nonce, encrypt]))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def unpad(plain: bytes) -> bytes:
    """Strip PKCS#7 padding, refusing anything that is not well-formed padding."""
    if not plain or len(plain) % 16:
        raise DecryptError()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK_SIZE or pad > len(plain):
        raise DecryptError()
    # Every pad byte must equal the pad length; compare in constant time anyway.
    if not hmac.compare_digest(plain[-pad:], bytes([pad]) * pad):
        raise DecryptError()
    return plain[:-pad]


def unpack(plain: bytes, receive_id: str) -> str:
    """``random16 ‖ len32be ‖ msg ‖ receiveid`` → msg, after checking every part."""
    body = unpad(plain)
    if len(body) < _RANDOM_PREFIX + _LENGTH_FIELD:
        raise DecryptError()
    (length,) = struct.unpack(">I", body[_RANDOM_PREFIX:_RANDOM_PREFIX + _LENGTH_FIELD])
    start = _RANDOM_PREFIX + _LENGTH_FIELD
    if length > len(body) - start:
        raise DecryptError()
    message, tail = body[start:start + length], body[start + length:]
    if not hmac.compare_digest(tail, receive_id.encode("utf-8")):
        raise ReceiverMismatch()
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecryptError() from exc


def b64_ciphertext(encrypt: str) -> bytes:
    """The raw ciphertext; it must be strict base64 of whole AES blocks."""
    try:
        raw = base64.b64decode(encrypt.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise DecryptError() from exc
    if not raw or len(raw) % 16:
        raise DecryptError()
    return raw


def new_nonce() -> str:
    """A fresh reply nonce (digits, like the platform's own)."""
    return str(secrets.randbelow(9 * 10**9) + 10**9)


class _Prp(PrpCrypto):
    """wechatpy's Prp with an unpredictable random prefix (wechatpy uses ``random``)."""

    def get_random_string(self) -> str:
        return secrets.token_hex(_RANDOM_PREFIX // 2)


class WeComCrypto:
    """Crypto for one WeCom app: token, EncodingAESKey and the receiveid (corpid)."""

    def __init__(self, token: str, aes_key: str, receive_id: str) -> None:
        try:
            key = base64.b64decode(aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("EncodingAESKey is not base64") from exc
        if len(aes_key) != 43 or len(key) != 32:
            raise ValueError("EncodingAESKey must be 43 characters (32 bytes)")
        self.token = token
        self.receive_id = receive_id
        self._prp = _Prp(key)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> WeComCrypto:
        s = settings or get_settings()
        if s.wecom_token is None or s.wecom_aes_key is None or s.wecom_corp_id is None:
            # The start-up check refuses such a configuration; never verify with a blank.
            raise ValueError("WECOM_TOKEN, WECOM_AES_KEY and WECOM_CORP_ID are all needed")
        return cls(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id)

    # -- inbound ------------------------------------------------------------------
    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return signature(self.token, timestamp, nonce, encrypt)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str, *,
               window: int, now: float | None = None) -> None:
        """Signature (constant time) and timestamp window; raises an EdgeError."""
        seconds = parse_timestamp(timestamp)
        if not same(self.signature(timestamp, nonce, encrypt), msg_signature.lower()):
            raise SignatureMismatch()
        check_window(seconds, window, now)

    def decrypt(self, encrypt: str) -> str:
        """The plaintext inside ``encrypt``; DecryptError / ReceiverMismatch otherwise."""
        raw = b64_ciphertext(encrypt)
        try:
            plain = self._prp.cipher.decrypt(raw)
        except ValueError as exc:
            raise DecryptError() from exc
        return unpack(plain, self.receive_id)

    # -- outbound -----------------------------------------------------------------
    def encrypt(self, plaintext: str) -> str:
        return self._prp.encrypt(plaintext, self.receive_id).decode("ascii")

    def encrypt_reply(self, xml_str: str, *, timestamp: str | None = None,
                      nonce: str | None = None) -> str:
        """A passive reply envelope (§1.3): the encrypted ``xml_str`` signed with our own
        timestamp and nonce, exactly what WeCom expects as the HTTP response body."""
        ts = timestamp or str(int(time.time()))
        nc = nonce or new_nonce()
        encrypt = self.encrypt(xml_str)
        sig = self.signature(ts, nc, encrypt)
        return (f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
                f"<MsgSignature><![CDATA[{sig}]]></MsgSignature>"
                f"<TimeStamp>{ts}</TimeStamp>"
                f"<Nonce><![CDATA[{nc}]]></Nonce></xml>")
