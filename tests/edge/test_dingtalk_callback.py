"""POST /dingtalk/callback (event subscription): the official vector, check_url, an org
event, the mandatory encrypted "success" answer, and every rejection path."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from dingtalk.crypto import DingTalkCrypto

from bot.dingtalk.crypto import EventCrypto
from bot.edge import Forbidden
from bot.wecom.crypto import DecryptError, ReceiverMismatch, SignatureMismatch
from lib.chat import Event
from tests.edge.edgekit import (
    dedupe_keys,
    dingtalk_encrypt,
    dingtalk_query,
    fixture_json,
    fixture_text,
    inbound_job_ids,
    sha1_signature,
)
from tests.edge.vectors import V_AES_KEY, V_ENCRYPT, V_KEY, V_NONCE, V_SIG, V_TOKEN, V_TS
from zhongshu.settings import get_settings

D = "dingtalk"

def test_official_vector_with_our_crypto() -> None:
    ours = EventCrypto(V_TOKEN, V_AES_KEY, V_KEY)
    ours.verify(V_SIG, V_TS, V_NONCE, V_ENCRYPT, window=3600, now=int(V_TS) / 1000 + 60)
    assert ours.decrypt(V_ENCRYPT) == '{"EventType":"check_url"}'
    vendor = DingTalkCrypto(V_TOKEN, V_AES_KEY, V_KEY)
    assert vendor.decrypt_encrypt_str(V_SIG, V_TS, V_NONCE, V_ENCRYPT) == ours.decrypt(V_ENCRYPT)


def test_official_vector_refusals() -> None:
    ours = EventCrypto(V_TOKEN, V_AES_KEY, V_KEY)
    with pytest.raises(Forbidden, match="stale"):
        ours.verify(V_SIG, V_TS, V_NONCE, V_ENCRYPT, window=3600)
    with pytest.raises(SignatureMismatch):
        ours.verify(V_SIG.replace("0", "1"), V_TS, V_NONCE, V_ENCRYPT, window=10**10)
    with pytest.raises(ReceiverMismatch):
        EventCrypto(V_TOKEN, V_AES_KEY, "dingsomeotherappkey").decrypt(V_ENCRYPT)


def _vendor_decrypt(answer: dict[str, str]) -> str:
    """Read our answer as DingTalk would: with the vendor algorithm (dingtalk-sdk)."""
    s = get_settings()
    vendor = DingTalkCrypto(s.dingtalk_token, s.dingtalk_aes_key, s.dingtalk_app_key)
    return vendor.decrypt_encrypt_str(answer["msg_signature"], answer["timeStamp"],
                                      answer["nonce"], answer["encrypt"])


def _assert_success_answer(response: Any) -> None:
    assert response.status_code == 200
    answer = response.get_json()
    assert set(answer) == {"msg_signature", "timeStamp", "nonce", "encrypt"}
    assert _vendor_decrypt(answer) == "success"
    assert abs(int(answer["timeStamp"]) - time.time() * 1000) < 60_000


def _canonical_digest(data: dict[str, Any]) -> str:
    """The documented fallback dedupe id: sha256 of the plaintext's canonical JSON."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _post(client: Any, plaintext: str, **query: Any) -> Any:
    encrypt = dingtalk_encrypt(plaintext)
    return client.post("/dingtalk/callback?" + dingtalk_query(encrypt, **query),
                       json={"encrypt": encrypt})


def test_official_vector_through_endpoint(client: Any, settings_env: Any,
                                          assert_nothing_stored: Any) -> None:
    settings_env(DINGTALK_APP_KEY=V_KEY, DINGTALK_TOKEN=V_TOKEN, DINGTALK_AES_KEY=V_AES_KEY,
                 ZS_DINGTALK_ROBOT_WINDOW=str(10**10))
    query = urlencode({"signature": V_SIG, "timestamp": V_TS, "nonce": V_NONCE})
    response = client.post(f"/dingtalk/callback?{query}", json={"encrypt": V_ENCRYPT})
    _assert_success_answer(response)
    assert_nothing_stored()


@pytest.mark.parametrize("names", [("signature", "timestamp"), ("msg_signature", "timeStamp")])
def test_check_url_answers_success_and_stores_nothing(client: Any, assert_nothing_stored: Any,
                                                      names: tuple[str, str]) -> None:
    response = _post(client, fixture_text(D, "event_check_url.json"), names=names)
    _assert_success_answer(response)
    assert_nothing_stored()


def test_org_event_is_recorded(client: Any, inbox: Any) -> None:
    plain = fixture_text(D, "event_user_add_org.json")
    response = _post(client, plain)
    _assert_success_answer(response)
    [row] = inbox()
    digest = _canonical_digest(json.loads(plain))
    expected = Event(platform=D, kind="platform_event", key="user_add_org", user_id="zhangsan",
                     dedupe_key=f"evt:user_add_org:{digest}", created_at=1718870400,
                     payload=fixture_json(D, "event_user_add_org.json"))
    assert Event.from_dict(row.event) == expected
    assert (row.platform, row.kind, row.user_id) == (D, "platform_event", "zhangsan")
    assert inbound_job_ids() == [f"inbox-{row.id}"]


def test_event_id_is_the_dedupe_key_when_present(client: Any, inbox: Any) -> None:
    plain = json.dumps({"EventType": "bpms_task_change", "EventId": "e-123",
                        "staffId": "lisi", "TimeStamp": 1718870400999})
    _post(client, plain)
    [row] = inbox()
    assert (row.dedupe_key, row.user_id, row.event["created_at"]) == (
        "evt:bpms_task_change:e-123", "lisi", 1718870400)


def test_retried_push_is_one_event(client: Any, inbox: Any) -> None:
    plain = fixture_text(D, "event_user_add_org.json")
    encrypt = dingtalk_encrypt(plain)
    query = dingtalk_query(encrypt)
    for _ in range(3):
        _assert_success_answer(client.post(f"/dingtalk/callback?{query}",
                                           json={"encrypt": encrypt}))
    # DingTalk may re-encrypt a retry (fresh random prefix): still the same event.
    _assert_success_answer(_post(client, plain))
    assert len(inbox()) == 1
    assert len(inbound_job_ids()) == 1


def test_multi_user_event_has_no_single_user(client: Any, inbox: Any) -> None:
    _post(client, json.dumps({"EventType": "user_leave_org", "UserId": ["a", "b"]}))
    [row] = inbox()
    assert row.user_id == ""


# -- rejections ---------------------------------------------------------------------
CHECK = '{"EventType":"user_add_org","UserId":["zhangsan"]}'


def test_bad_signature(client: Any, assert_nothing_stored: Any) -> None:
    response = _post(client, CHECK, signature="0" * 40)
    assert response.status_code == 403
    assert_nothing_stored()


def test_bad_encrypt_with_valid_signature(client: Any, assert_nothing_stored: Any) -> None:
    encrypt = dingtalk_encrypt(CHECK)
    i = len(encrypt) // 2
    bad = encrypt[:i] + ("A" if encrypt[i] != "A" else "B") + encrypt[i + 1:]
    response = client.post("/dingtalk/callback?" + dingtalk_query(bad), json={"encrypt": bad})
    assert response.status_code == 400
    assert_nothing_stored()


def test_wrong_app_key(client: Any, assert_nothing_stored: Any) -> None:
    encrypt = dingtalk_encrypt(CHECK, app_key="dingsomeotherappkey")
    response = client.post("/dingtalk/callback?" + dingtalk_query(encrypt),
                           json={"encrypt": encrypt})
    assert response.status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("delta_s", [-3601, 3601])
def test_stale_timestamp(client: Any, assert_nothing_stored: Any, delta_s: int) -> None:
    response = _post(client, CHECK, timestamp_ms=int((time.time() + delta_s) * 1000))
    assert response.status_code == 403
    assert_nothing_stored()


@pytest.mark.parametrize("missing", ["signature", "timestamp", "nonce"])
def test_missing_params(client: Any, assert_nothing_stored: Any, missing: str) -> None:
    encrypt = dingtalk_encrypt(CHECK)
    params = dict(p.split("=", 1) for p in dingtalk_query(encrypt).split("&"))
    del params[missing]
    response = client.post("/dingtalk/callback?" + urlencode(params), json={"encrypt": encrypt})
    assert response.status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b'{"encrypt": 5}', b"{}"])
def test_malformed_body(client: Any, assert_nothing_stored: Any, body: bytes) -> None:
    response = client.post("/dingtalk/callback?" + dingtalk_query("x"), data=body,
                           content_type="application/json")
    assert response.status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("plaintext", ["not json", "[]", '{"UserId": "x"}', '{"EventType": 5}'])
def test_bad_plaintext(client: Any, assert_nothing_stored: Any, plaintext: str) -> None:
    assert _post(client, plaintext).status_code == 400
    assert_nothing_stored()


def test_oversized_body(client: Any, assert_nothing_stored: Any) -> None:
    body = json.dumps({"encrypt": "A" * (1024 * 1024)})
    response = client.post("/dingtalk/callback?" + dingtalk_query("x"), data=body,
                           content_type="application/json")
    assert response.status_code == 413
    assert_nothing_stored()


def test_decrypt_error_types() -> None:
    crypto = EventCrypto.from_settings()
    with pytest.raises(DecryptError):
        crypto.decrypt("%%%")
    assert dedupe_keys() == []


def test_signature_helper_matches_tests() -> None:
    s = get_settings()
    assert EventCrypto.from_settings().signature("1", "2", "3") == sha1_signature(
        s.dingtalk_token, "1", "2", "3")
