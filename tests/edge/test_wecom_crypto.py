"""bot.wecom.crypto against the official WeCom vectors (PLATFORMS.md §1.7) and wechatpy."""

from __future__ import annotations

import base64

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.edge import BadRequest, Forbidden
from bot.wecom.crypto import (
    BLOCK_SIZE,
    DecryptError,
    ReceiverMismatch,
    SignatureMismatch,
    WeComCrypto,
    signature,
    unpack,
)
from bot.wecom.replies import cdata, text, update_button
from tests.edge.vectors import (
    AES_KEY,
    CORP_ID,
    GET_ECHOSTR,
    GET_NONCE,
    GET_PLAIN,
    GET_SIG,
    GET_TS,
    POST_BODY,
    POST_ENCRYPT,
    POST_NONCE,
    POST_PLAIN,
    POST_SIG,
    POST_TS,
    TOKEN,
)


@pytest.fixture()
def crypto() -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID)


@pytest.fixture()
def vendor() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, CORP_ID)


def test_official_get_vector(crypto: WeComCrypto, vendor: WeChatCrypto) -> None:
    assert signature(TOKEN, GET_TS, GET_NONCE, GET_ECHOSTR) == GET_SIG
    crypto.verify(GET_SIG, GET_TS, GET_NONCE, GET_ECHOSTR, window=300, now=int(GET_TS) + 10)
    assert crypto.decrypt(GET_ECHOSTR) == GET_PLAIN
    assert vendor.check_signature(GET_SIG, GET_TS, GET_NONCE, GET_ECHOSTR) == GET_PLAIN


def test_official_post_vector(crypto: WeComCrypto, vendor: WeChatCrypto) -> None:
    assert vendor.decrypt_message(POST_BODY, POST_SIG, POST_TS, POST_NONCE) == POST_PLAIN
    crypto.verify(POST_SIG, POST_TS, POST_NONCE, POST_ENCRYPT, window=300,
                  now=int(POST_TS) - 299)
    assert crypto.decrypt(POST_ENCRYPT) == POST_PLAIN


def test_official_vectors_are_stale_now(crypto: WeComCrypto) -> None:
    with pytest.raises(Forbidden, match="stale"):
        crypto.verify(POST_SIG, POST_TS, POST_NONCE, POST_ENCRYPT, window=300)
    with pytest.raises(Forbidden, match="stale"):
        crypto.verify(POST_SIG, POST_TS, POST_NONCE, POST_ENCRYPT, window=300,
                      now=int(POST_TS) + 301)


def test_signature_mismatch(crypto: WeComCrypto) -> None:
    for bad in ("0" * 40, POST_SIG[:-1], "", "é" * 40):
        with pytest.raises(SignatureMismatch):
            crypto.verify(bad, POST_TS, POST_NONCE, POST_ENCRYPT, window=10**10)
    with pytest.raises(SignatureMismatch):
        crypto.verify(POST_SIG, POST_TS, POST_NONCE, POST_ENCRYPT[:-4] + "AAAA", window=10**10)


@pytest.mark.parametrize("timestamp", ["", "abc", "-1476422779", "1e9", "١٤٧٦٤٢٢٧٧٩"])
def test_malformed_timestamp(crypto: WeComCrypto, timestamp: str) -> None:
    with pytest.raises(BadRequest):
        crypto.verify(POST_SIG, timestamp, POST_NONCE, POST_ENCRYPT, window=10**10)


def test_round_trip_both_ways_with_chinese(crypto: WeComCrypto, vendor: WeChatCrypto) -> None:
    plain = "<xml><Content><![CDATA[新客户 华东机械 李经理]]></Content></xml>"
    ours = crypto.encrypt(plain)
    assert crypto.decrypt(ours) == plain
    envelope = vendor.encrypt_message(plain, "123", "1700000000")
    assert vendor.decrypt_message(envelope, vendor_sig(envelope), "1700000000", "123") == plain
    theirs = _field(envelope, "Encrypt")
    assert crypto.decrypt(theirs) == plain


@pytest.mark.parametrize("size", [0, 1, 11, 12, 31, 32, 100, 2048])
def test_round_trip_every_padding_length(crypto: WeComCrypto, size: int) -> None:
    plain = "x" * size
    assert crypto.decrypt(crypto.encrypt(plain)) == plain


def test_encryptions_differ(crypto: WeComCrypto) -> None:
    # The random prefix is what makes equal plaintexts encrypt differently (the IV is fixed).
    assert crypto.encrypt("same") != crypto.encrypt("same")


def test_wrong_receiver_is_refused(crypto: WeComCrypto) -> None:
    other = WeComCrypto(TOKEN, AES_KEY, "wwsomeothercorp000001")
    with pytest.raises(ReceiverMismatch):
        crypto.decrypt(other.encrypt("<xml/>"))


@pytest.mark.parametrize("encrypt", [
    "", "not base64!", "QUJD", base64.b64encode(b"x" * 31).decode(),
    base64.b64encode(b"\0" * 64).decode(), POST_ENCRYPT[:-24] + "==",
    POST_ENCRYPT[:40] + ("A" if POST_ENCRYPT[40] != "A" else "B") + POST_ENCRYPT[41:],
    "中文",
])
def test_undecryptable_is_refused(crypto: WeComCrypto, encrypt: str) -> None:
    with pytest.raises(DecryptError):
        crypto.decrypt(encrypt)


def _raw_plain(payload: bytes) -> bytes:
    """random16 ‖ len ‖ msg ‖ corpid, unpadded, for padding tests."""
    return b"r" * 16 + len(payload).to_bytes(4, "big") + payload + CORP_ID.encode()


def test_padding_is_validated() -> None:
    body = _raw_plain(b"<xml/>")
    pad = BLOCK_SIZE - len(body) % BLOCK_SIZE
    assert unpack(body + bytes([pad]) * pad, CORP_ID) == "<xml/>"
    for bad in (body + bytes([pad]) * (pad - 1) + bytes([pad - 1]),  # inconsistent bytes
                body[:-1] + b"\0",  # zero pad byte
                body + bytes([33]) * (pad),  # pad value out of range
                b""):
        with pytest.raises(DecryptError):
            unpack(bad, CORP_ID)


def test_length_field_is_validated() -> None:
    body = b"r" * 16 + (10_000).to_bytes(4, "big") + b"<xml/>" + CORP_ID.encode()
    pad = BLOCK_SIZE - len(body) % BLOCK_SIZE
    with pytest.raises(DecryptError):
        unpack(body + bytes([pad]) * pad, CORP_ID)


def test_encrypt_reply_decrypts_with_wechatpy(crypto: WeComCrypto, vendor: WeChatCrypto) -> None:
    xml = update_button(to_user="zhangsan", corp_id=CORP_ID, replace_name="已确认",
                        create_time=1718870760)
    envelope = crypto.encrypt_reply(xml, timestamp="1718870761", nonce="987654321")
    assert "<TimeStamp>1718870761</TimeStamp>" in envelope
    assert "<Nonce><![CDATA[987654321]]></Nonce>" in envelope
    sig = _field(envelope, "MsgSignature")
    assert vendor.decrypt_message(envelope, sig, "1718870761", "987654321") == (
        "<xml><ToUserName><![CDATA[zhangsan]]></ToUserName>"
        "<FromUserName><![CDATA[ww1436e0e65a779aee]]></FromUserName>"
        "<CreateTime>1718870760</CreateTime><MsgType><![CDATA[update_button]]></MsgType>"
        "<Button><ReplaceName><![CDATA[已确认]]></ReplaceName></Button></xml>")


def test_text_reply_and_cdata_escape() -> None:
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
    assert text(to_user="u", corp_id="c", content="好", create_time=1) == (
        "<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[c]]></FromUserName>"
        "<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[好]]></Content></xml>")


def test_bad_aes_key_is_a_config_error() -> None:
    with pytest.raises(ValueError):
        WeComCrypto(TOKEN, AES_KEY[:-1], CORP_ID)


def _field(envelope: str, tag: str) -> str:
    from defusedxml.ElementTree import fromstring

    return fromstring(envelope).findtext(tag) or ""


def vendor_sig(envelope: str) -> str:
    return _field(envelope, "MsgSignature")
