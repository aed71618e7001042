"""POST /wecom/callback and GET URL verification, through the real endpoint: each fixture
→ exact inbox row, normalised Event and enqueued job; each bad request → 4xx, nothing stored."""

from __future__ import annotations

import threading
import time
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.router import Router
from lib.chat import Event
from tests.edge.edgekit import (
    fixture_text,
    inbound_job_ids,
    sha1_signature,
    wecom_encrypt,
    wecom_envelope,
    wecom_query,
)
from tests.edge.vectors import (
    GET_ECHOSTR,
    GET_NONCE,
    GET_PLAIN,
    GET_SIG,
    GET_TS,
    POST_BODY,
    POST_NONCE,
    POST_SIG,
    POST_TS,
)
from zhongshu.queues import QUEUE_INBOUND, get_queue
from zhongshu.settings import get_settings

W = "wecom"


def _event(**fields: Any) -> Event:
    return Event(platform=W, **fields)


_EXT = "woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA"


def _contact(created_at: int, change: str, *, event: str = "change_external_contact",
             **fields: str) -> Event:
    key = ":".join(["contact", str(created_at), event, change, fields.get("userid", ""),
                    fields.get("external_userid", ""), fields.get("tag_id", "")])
    return _event(kind="contact_change", key=change, user_id="", dedupe_key=key,
                  created_at=created_at,
                  payload={"event": event, "change_type": change, **fields})


CASES: dict[str, Event] = {
    "text.xml": _event(
        kind="text", user_id="zhangsan", dedupe_key="msg:7381923456789012345",
        created_at=1718870400, msg_id="7381923456789012345",
        payload={"content": "新客户 华东机械 李经理 13800138000 制造业 有意向"}),
    "image.xml": _event(
        kind="image", user_id="zhangsan", dedupe_key="msg:7381923456789012346",
        created_at=1718870460, msg_id="7381923456789012346",
        payload={"media_id": "1QcHN5sJl3MNT4Xx9-oYgRLUIbbo0wDypRUZIRQ8pbQwP8kfjDWfK4SDF0aCS0-9H",
                 "pic_url": "https://wework.qpic.cn/wwpic/123456/0"}),
    "click.xml": _event(
        kind="click", key="quick_register", user_id="zhangsan",
        dedupe_key="evt:zhangsan:1718870520:click:quick_register", created_at=1718870520),
    "enter_agent.xml": _event(
        kind="enter_agent", user_id="zhangsan",
        dedupe_key="evt:zhangsan:1718870580:enter_agent:", created_at=1718870580),
    "location.xml": _event(
        kind="location", user_id="zhangsan", dedupe_key="evt:zhangsan:1718870640:LOCATION:",
        created_at=1718870640,
        payload={"latitude": 31.230416, "longitude": 121.473701, "precision": 30.0,
                 "app_type": "wxwork"}),
    "template_card_event.xml": _event(
        kind="card_action", key="key111", user_id="FromUser",
        dedupe_key="evt:FromUser:123456789:template_card_event:key111:taskid111",
        created_at=123456789,
        payload={"task_id": "taskid111", "card_type": "text_notice",
                 "response_code": "ResponseCode",
                 "selected": [{"question_key": "QuestionKey1",
                               "option_ids": ["OptionId1", "OptionId2"]},
                              {"question_key": "QuestionKey2",
                               "option_ids": ["OptionId3", "OptionId4"]}]}),
    "template_card_event_opiton.xml": _event(
        kind="card_action", key="visit.grade:submit", user_id="lisi",
        dedupe_key="evt:lisi:1718870700:template_card_event:visit.grade:submit:visit-42-grade",
        created_at=1718870700,
        payload={"task_id": "visit-42-grade", "card_type": "vote_interaction",
                 "response_code": "rc-7f3a9c0b2e",
                 "selected": [{"question_key": "grade", "option_ids": ["A"]}]}),
    "template_card_event_button.xml": _event(
        kind="card_action", key="test.ok:42", user_id="wangwu",
        dedupe_key="evt:wangwu:1718870760:template_card_event:test.ok:42:contract-42-approve",
        created_at=1718870760,
        payload={"task_id": "contract-42-approve", "card_type": "button_interaction",
                 "response_code": "rc-button-0001", "selected": []}),
    "template_card_menu_event.xml": _event(
        kind="card_menu", key="card.mute", user_id="zhangsan",
        dedupe_key="evt:zhangsan:1718870820:template_card_menu_event:card.mute:"
                   "daily-report-20240620",
        created_at=1718870820,
        payload={"task_id": "daily-report-20240620", "card_type": "text_notice",
                 "response_code": "rc-menu-0001", "selected": []}),
    "change_contact.xml": _event(
        kind="platform_event", key="change_contact", user_id="sys",
        dedupe_key="evt:sys:1718870880:change_contact:", created_at=1718870880,
        payload={"ToUserName": "ww1436e0e65a779aee", "FromUserName": "sys",
                 "CreateTime": "1718870880", "MsgType": "event", "Event": "change_contact",
                 "ChangeType": "update_user", "UserID": "zhangsan", "Name": "张三",
                 "Department": "1,2"}),
    # 客户联系 (PLATFORMS.md §7): sent as FromUserName=sys, keyed by the change itself.
    "external_contact_add.xml": _contact(
        1718871000, "add_external_contact", userid="zhangsan", external_userid=_EXT,
        state="expo2026", welcome_code="WELCOMECODE"),
    "external_contact_edit.xml": _contact(
        1718871060, "edit_external_contact", userid="zhangsan", external_userid=_EXT),
    "external_contact_del.xml": _contact(
        1718871120, "del_external_contact", userid="zhangsan", external_userid=_EXT,
        source="DELETE_BY_TRANSFER"),
    "external_contact_del_follow_user.xml": _contact(
        1718871180, "del_follow_user", userid="zhangsan", external_userid=_EXT),
    "external_contact_transfer_fail.xml": _contact(
        1718871240, "transfer_fail", userid="lisi", external_userid=_EXT,
        fail_reason="customer_refused"),
    "external_tag_create.xml": _contact(
        1718871300, "create", event="change_external_tag",
        tag_id="etm7wjCgAAVh_8vHkKPYDyJBoUQfqOrg", tag_type="tag"),
}


@pytest.fixture()
def no_handlers_router() -> Any:
    """An empty router: no card action has a passive button text."""
    import bot.router
    from bot.router import Router

    with mock.patch.object(bot.router, "router", Router()):
        yield


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_is_recorded_as_event(name: str, wecom_post: Any, inbox: Any,
                                      no_handlers_router: Any) -> None:
    response = wecom_post(fixture_text(W, name))
    assert response.status_code == 200
    assert response.data == b""
    [row] = inbox()
    expected = CASES[name]
    assert (row.platform, row.kind, row.user_id, row.dedupe_key) == (
        W, expected.kind, expected.user_id, expected.dedupe_key)
    assert Event.from_dict(row.event) == expected
    assert inbound_job_ids() == [f"inbox-{row.id}"]
    assert get_queue(QUEUE_INBOUND).count == 1


def test_every_fixture_has_a_case() -> None:
    from tests.edge.edgekit import FIXTURES

    assert sorted(p.name for p in (FIXTURES / W).glob("*.xml")) == sorted(CASES)


# -- passive update_button -------------------------------------------------------------
@pytest.fixture()
def test_router() -> Any:
    router = Router()

    @router.card_action("test.ok", replace_name="已确认")
    def _ok(event: Event, session: Any) -> None:
        return None

    @router.card_action("test.silent")
    def _silent(event: Event, session: Any) -> None:
        return None

    import bot.router

    with mock.patch.object(bot.router, "router", router):
        yield router


def _decrypt_reply(body: bytes) -> str:
    from defusedxml.ElementTree import fromstring

    s = get_settings()
    root = fromstring(body)
    vendor = WeChatCrypto(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id)
    return vendor.decrypt_message(body.decode(), root.findtext("MsgSignature"),
                                  root.findtext("TimeStamp"), root.findtext("Nonce"))


def test_card_click_gets_update_button_reply(wecom_post: Any, inbox: Any,
                                             test_router: Any) -> None:
    plaintext = fixture_text(W, "template_card_event_button.xml")
    before = int(time.time())
    response = wecom_post(plaintext)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    reply = _decrypt_reply(response.data)
    created = int(reply.split("<CreateTime>")[1].split("</CreateTime>")[0])
    assert before <= created <= int(time.time())
    assert reply == (
        "<xml><ToUserName><![CDATA[wangwu]]></ToUserName>"
        f"<FromUserName><![CDATA[{get_settings().wecom_corp_id}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[update_button]]></MsgType>"
        "<Button><ReplaceName><![CDATA[已确认]]></ReplaceName></Button></xml>")
    assert len(inbox()) == 1


def test_duplicate_card_click_gets_the_same_update(wecom_post: Any, inbox: Any,
                                                   test_router: Any) -> None:
    plaintext = fixture_text(W, "template_card_event_button.xml")
    first, second = wecom_post(plaintext), wecom_post(plaintext)
    assert "已确认" in _decrypt_reply(first.data)
    assert "已确认" in _decrypt_reply(second.data)
    assert len(inbox()) == 1


def test_card_click_without_replace_name_gets_empty_200(wecom_post: Any,
                                                        test_router: Any) -> None:
    plaintext = fixture_text(W, "template_card_event_button.xml").replace(
        "test.ok:42", "test.silent:42")
    response = wecom_post(plaintext)
    assert (response.status_code, response.data) == (200, b"")


# -- official vectors through the endpoint --------------------------------------------
def test_official_post_vector_through_endpoint(client: Any, inbox: Any, settings_env: Any,
                                               no_handlers_router: Any) -> None:
    settings_env(ZS_WECOM_TIMESTAMP_WINDOW=str(10**10))
    query = urlencode({"msg_signature": POST_SIG, "timestamp": POST_TS, "nonce": POST_NONCE})
    response = client.post(f"/wecom/callback?{query}", data=POST_BODY.encode(),
                           content_type="text/xml")
    assert response.status_code == 200
    [row] = inbox()
    assert Event.from_dict(row.event) == _event(
        kind="text", user_id="ChenJiaShun", dedupe_key="msg:1456453720",
        created_at=1476422779, msg_id="1456453720", payload={"content": "你好"})


def test_official_get_vector_through_endpoint(client: Any, settings_env: Any,
                                              assert_nothing_stored: Any) -> None:
    settings_env(ZS_WECOM_TIMESTAMP_WINDOW=str(10**10))
    query = urlencode({"msg_signature": GET_SIG, "timestamp": GET_TS, "nonce": GET_NONCE,
                       "echostr": GET_ECHOSTR})
    response = client.get(f"/wecom/callback?{query}")
    assert response.status_code == 200
    assert response.data == GET_PLAIN.encode()  # bare: no quotes, no BOM, no newline
    assert response.mimetype == "text/plain"
    assert_nothing_stored()


def test_official_get_vector_is_stale_with_default_window(client: Any) -> None:
    query = urlencode({"msg_signature": GET_SIG, "timestamp": GET_TS, "nonce": GET_NONCE,
                       "echostr": GET_ECHOSTR})
    assert client.get(f"/wecom/callback?{query}").status_code == 403


# -- URL verification with a fresh timestamp ------------------------------------------
def _get_query(echostr: str, **override: str) -> dict[str, str]:
    ts = str(int(time.time()))
    params = {"msg_signature": sha1_signature(get_settings().wecom_token, ts, "55", echostr),
              "timestamp": ts, "nonce": "55", "echostr": echostr}
    params.update(override)
    return params


def test_url_verification_fresh(client: Any) -> None:
    echostr = wecom_encrypt("6203987402331129856")
    response = client.get("/wecom/callback?" + urlencode(_get_query(echostr)))
    assert (response.status_code, response.data) == (200, b"6203987402331129856")


def test_url_verification_tolerates_unencoded_plus(client: Any) -> None:
    echostr = next(e for e in (wecom_encrypt("42") for _ in range(200)) if "+" in e)
    query = urlencode(_get_query(echostr)).replace("%2B", "+")
    assert client.get("/wecom/callback?" + query).data == b"42"


@pytest.mark.parametrize("override,status", [
    ({"msg_signature": "0" * 40}, 403),
    ({"timestamp": str(int(time.time()) - 3600)}, 403),
    ({"echostr": ""}, 400),
    ({"nonce": ""}, 400),
    ({"timestamp": "soon"}, 400),
])
def test_url_verification_refused(client: Any, override: dict[str, str], status: int) -> None:
    params = _get_query(wecom_encrypt("1288432023552776189"))
    params.update(override)
    assert client.get("/wecom/callback?" + urlencode(params)).status_code == status


def test_url_verification_undecryptable_echostr(client: Any) -> None:
    echostr = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    response = client.get("/wecom/callback?" + urlencode(_get_query(echostr)))
    assert response.status_code == 400


# -- rejections: right status, nothing stored ------------------------------------------
TEXT = fixture_text(W, "text.xml")


def _post(client: Any, query: str, body: bytes) -> Any:
    return client.post(f"/wecom/callback?{query}", data=body, content_type="text/xml")


def test_bad_signature(client: Any, assert_nothing_stored: Any) -> None:
    encrypt = wecom_encrypt(TEXT)
    response = _post(client, wecom_query(encrypt, signature="f" * 40), wecom_envelope(encrypt))
    assert response.status_code == 403
    assert response.mimetype == "text/plain"
    assert_nothing_stored()


def test_signature_over_other_encrypt(client: Any, assert_nothing_stored: Any) -> None:
    encrypt = wecom_encrypt(TEXT)
    response = _post(client, wecom_query(wecom_encrypt(TEXT)), wecom_envelope(encrypt))
    assert response.status_code == 403
    assert_nothing_stored()


def test_tampered_encrypt_with_recomputed_signature(client: Any,
                                                    assert_nothing_stored: Any) -> None:
    encrypt = wecom_encrypt(TEXT)
    # Flip one ciphertext block in the middle: the signature is valid, decryption is not.
    i = len(encrypt) // 2
    tampered = encrypt[:i] + ("A" if encrypt[i] != "A" else "B") + encrypt[i + 1:]
    response = _post(client, wecom_query(tampered), wecom_envelope(tampered))
    assert response.status_code == 400
    assert_nothing_stored()


def test_truncated_encrypt(client: Any, assert_nothing_stored: Any) -> None:
    encrypt = wecom_encrypt(TEXT)[:-8]
    response = _post(client, wecom_query(encrypt), wecom_envelope(encrypt))
    assert response.status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("delta", [-301, 301, -86400])
def test_stale_timestamp(client: Any, assert_nothing_stored: Any, delta: int) -> None:
    encrypt = wecom_encrypt(TEXT)
    query = wecom_query(encrypt, timestamp=str(int(time.time()) + delta))
    assert _post(client, query, wecom_envelope(encrypt)).status_code == 403
    assert_nothing_stored()


@pytest.mark.parametrize("missing", ["msg_signature", "timestamp", "nonce"])
def test_missing_params(client: Any, assert_nothing_stored: Any, missing: str) -> None:
    encrypt = wecom_encrypt(TEXT)
    params = dict(p.split("=") for p in wecom_query(encrypt).split("&"))
    del params[missing]
    response = _post(client, urlencode(params), wecom_envelope(encrypt))
    assert response.status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("body", [
    b"", b"not xml at all", b'{"encrypt": "abc"}', b"<xml><Encrypt></Encrypt></xml>",
    b"<xml><ToUserName>x</ToUserName></xml>", b"<xml><Encrypt>unclosed",
])
def test_non_xml_or_no_encrypt(client: Any, assert_nothing_stored: Any, body: bytes) -> None:
    assert _post(client, wecom_query("abc"), body).status_code == 400
    assert_nothing_stored()


def test_one_megabyte_body(client: Any, assert_nothing_stored: Any) -> None:
    encrypt = wecom_encrypt(TEXT)
    body = wecom_envelope(encrypt) + b" " * (1024 * 1024)
    assert _post(client, wecom_query(encrypt), body).status_code == 413
    assert_nothing_stored()


@pytest.mark.parametrize("declared", ["", "100"])
def test_oversized_body_without_honest_length(client: Any, assert_nothing_stored: Any,
                                              declared: str) -> None:
    """A chunked upload has no Content-Length and a client may lie about it: the bytes
    actually read are capped too."""
    import io

    encrypt = wecom_encrypt(TEXT)
    body = wecom_envelope(encrypt) + b" " * (get_settings().max_callback_bytes + 1)
    response = client.post(f"/wecom/callback?{wecom_query(encrypt)}",
                           input_stream=io.BytesIO(body), content_type="text/xml",
                           environ_overrides={"wsgi.input_terminated": True,
                                              "CONTENT_LENGTH": declared})
    assert response.status_code == 413
    assert_nothing_stored()


def test_body_at_the_limit_is_read(client: Any, inbox: Any, no_handlers_router: Any) -> None:
    encrypt = wecom_encrypt(TEXT)
    envelope = wecom_envelope(encrypt)
    body = envelope + b" " * (get_settings().max_callback_bytes - len(envelope))
    assert _post(client, wecom_query(encrypt), body).status_code == 200
    assert len(inbox()) == 1


def test_wrong_corpid(client: Any, assert_nothing_stored: Any) -> None:
    encrypt = wecom_encrypt(TEXT, receive_id="wwsomeothercorp000001")
    response = _post(client, wecom_query(encrypt), wecom_envelope(encrypt))
    assert response.status_code == 400
    assert_nothing_stored()


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                  b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                  b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                  b"<xml><Encrypt>&c;</Encrypt></xml>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b"<xml><Encrypt>&x;</Encrypt></xml>")


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE])
def test_entity_payload_in_envelope(client: Any, assert_nothing_stored: Any,
                                    body: bytes) -> None:
    assert _post(client, wecom_query("abc"), body).status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize("plaintext", [
    BILLION_LAUGHS.decode().replace("<Encrypt>&c;</Encrypt>",
                                    "<FromUserName>&c;</FromUserName><MsgType>text</MsgType>"
                                    "<CreateTime>1</CreateTime>"),
    XXE.decode().replace("<Encrypt>&x;</Encrypt>",
                         "<FromUserName>u</FromUserName><MsgType>text</MsgType>"
                         "<CreateTime>1</CreateTime><Content>&x;</Content>"),
    "not xml",
    TEXT.replace("<FromUserName><![CDATA[zhangsan]]></FromUserName>", ""),
    TEXT.replace("<CreateTime>1718870400</CreateTime>", "<CreateTime>yesterday</CreateTime>"),
    TEXT.replace("zhangsan", "z" * 129),
    fixture_text(W, "location.xml").replace("31.230416", "north"),
    fixture_text(W, "location.xml").replace("31.230416", "nan"),
    fixture_text(W, "image.xml").replace("<MediaId>", "<Media>").replace("</MediaId>",
                                                                           "</Media>"),
    # A WeChat customer's change without the customer, the rep or the change itself.
    fixture_text(W, "external_contact_add.xml").replace(
        "<ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID>", ""),
    fixture_text(W, "external_contact_add.xml").replace("<UserID><![CDATA[zhangsan]]></UserID>",
                                                        ""),
    fixture_text(W, "external_contact_edit.xml").replace(
        "<ChangeType><![CDATA[edit_external_contact]]></ChangeType>", ""),
    fixture_text(W, "external_contact_add.xml").replace("zhangsan", "z" * 129),
])
def test_bad_plaintext_inside_valid_crypto(wecom_post: Any, assert_nothing_stored: Any,
                                           plaintext: str) -> None:
    assert wecom_post(plaintext).status_code == 400
    assert_nothing_stored()


# -- dedupe --------------------------------------------------------------------------
def test_two_friends_added_in_one_second_are_two_events(wecom_post: Any, inbox: Any,
                                                         no_handlers_router: Any) -> None:
    first = fixture_text(W, "external_contact_add.xml")
    second = first.replace("woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA", "woAJ2GCAAAXtWyujaWJHDDGi0mACBBBB")
    assert wecom_post(first).status_code == 200
    assert wecom_post(second).status_code == 200
    assert wecom_post(first).status_code == 200  # WeCom's retry of the first
    assert sorted(r.event["payload"]["external_userid"] for r in inbox()) == [
        "woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA", "woAJ2GCAAAXtWyujaWJHDDGi0mACBBBB"]


def test_same_post_three_times_is_one_event(client: Any, inbox: Any,
                                            no_handlers_router: Any) -> None:
    encrypt = wecom_encrypt(TEXT)
    query, body = wecom_query(encrypt), wecom_envelope(encrypt)
    statuses = [_post(client, query, body).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    [row] = inbox()
    assert inbound_job_ids() == [f"inbox-{row.id}"]


def test_concurrent_posts_are_one_event(app: Any, inbox: Any, no_handlers_router: Any) -> None:
    encrypt = wecom_encrypt(TEXT)
    query, body = wecom_query(encrypt), wecom_envelope(encrypt)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        own_client = app.test_client()
        barrier.wait()
        statuses.append(_post(own_client, query, body).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [200] * 4
    assert len(inbox()) == 1
    assert len(inbound_job_ids()) == 1


def test_two_buttons_in_one_second_both_count(wecom_post: Any, inbox: Any,
                                              no_handlers_router: Any) -> None:
    click = fixture_text(W, "click.xml")
    wecom_post(click)
    wecom_post(click.replace("quick_register", "my_customers"))
    wecom_post(click)  # a platform retry of the first
    assert [r.dedupe_key for r in inbox()] == [
        "evt:zhangsan:1718870520:click:quick_register",
        "evt:zhangsan:1718870520:click:my_customers"]


def test_same_button_on_two_cards_in_one_second_both_count(wecom_post: Any, inbox: Any,
                                                           no_handlers_router: Any) -> None:
    card = fixture_text(W, "template_card_event_button.xml")
    wecom_post(card)
    wecom_post(card.replace("contract-42-approve", "contract-43-approve"))
    assert len(inbox()) == 2


def test_over_long_dedupe_key_is_digested(wecom_post: Any, inbox: Any,
                                          no_handlers_router: Any) -> None:
    card = fixture_text(W, "template_card_event_button.xml").replace(
        "contract-42-approve", "t" * 128).replace("test.ok:42", "k" * 200)
    assert wecom_post(card).status_code == 200
    [row] = inbox()
    assert row.dedupe_key.startswith("evt:sha256:") and len(row.dedupe_key) <= 255
