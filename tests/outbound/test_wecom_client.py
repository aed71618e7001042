"""bot.wecom.client against the emulator: base URL, shared single-flight token, the bounded
refetch, media/get, template cards and the errcode mapping."""

from __future__ import annotations

import threading

import pytest
import requests

from bot.delivery import MaybeSent, Rejected, RetryLater
from bot.wecom.client import MediaTooLarge, WeComClient, WeComMediaError, get_client

TEXT = {"msgtype": "text", "text": {"content": "今天下午三点开周会"}}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def button_card(task_id: str) -> dict:
    return {"msgtype": "template_card", "template_card": {
        "card_type": "button_interaction", "main_title": {"title": "合同待审核"},
        "task_id": task_id,
        "button_list": [{"text": "同意", "style": 1, "key": "contract.approve:42"}]}}


def test_one_gettoken_for_many_sends_all_on_the_configured_base(emu):
    client = get_client()
    for i in range(5):
        result = client.send("zhangwei", {"msgtype": "text", "text": {"content": f"第{i}条"}})
        assert result["errcode"] == 0 and result["msgid"]
    assert emu.count("gettoken", "wecom") == 1
    assert emu.count("message/send", "wecom") == 5
    assert len(emu.delivered("wecom", "zhangwei")) == 5


def test_a_new_process_reuses_the_token_in_redis(emu):
    get_client().send("zhangwei", TEXT)
    WeComClient().send("lina", TEXT)  # another instance: as another worker would
    assert emu.count("gettoken", "wecom") == 1


def test_expired_token_is_refetched_once_and_the_send_succeeds(emu):
    client = get_client()
    client.send("zhangwei", TEXT)
    emu.token("wecom", "expire")
    result = client.send("zhangwei", {"msgtype": "text", "text": {"content": "第二条"}})
    assert result["errcode"] == 0
    assert emu.count("gettoken", "wecom") == 2
    assert [c["errcode"] for c in emu.calls("message/send")] == [0, 42001, 0]


def test_invalidated_token_is_refetched_once(emu):
    client = get_client()
    client.send("zhangwei", TEXT)
    emu.token("wecom", "invalidate")
    assert client.send("lina", TEXT)["errcode"] == 0
    assert [c["errcode"] for c in emu.calls("message/send")] == [0, 40014, 0]


def test_a_token_that_stays_bad_fails_clearly_after_one_refetch(emu):
    emu.fault("wecom", "message/send", errcode=42001, times=10)
    with pytest.raises(RetryLater) as info:
        get_client().send("zhangwei", TEXT)
    assert info.value.code == 42001
    assert "after one refetch" in info.value.message
    assert emu.count("message/send") == 2
    assert emu.count("gettoken", "wecom") == 2


def test_concurrent_sends_with_an_empty_cache_fetch_the_token_once(emu):
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        client = WeComClient()  # one client per thread, as separate processes would have
        start.wait()
        try:
            client.send("zhangwei", {"msgtype": "text", "text": {"content": f"并发{n}"}})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert emu.count("gettoken", "wecom") == 1
    assert emu.count("message/send") == 8


def test_bad_secret_is_rejected_as_configuration(emu):
    from zhongshu.settings import Settings

    client = WeComClient(Settings(WECOM_SECRET="not-the-secret"))
    with pytest.raises(Rejected) as info:
        client.send("zhangwei", TEXT)
    assert info.value.code == 40001


# -- media/get --------------------------------------------------------------------------------

def upload(emu, data: bytes) -> str:
    token = get_client().access_token
    res = requests.post(f"{emu.base}/cgi-bin/media/upload",
                        params={"access_token": token, "type": "image"},
                        files={"media": ("photo.png", data, "image/png")}, timeout=5)
    res.raise_for_status()
    body = res.json()
    assert body["errcode"] == 0, body
    return str(body["media_id"])


def test_media_get_returns_bytes_type_and_filename(emu):
    media_id = upload(emu, PNG)
    data, content_type, filename = get_client().media_get(media_id)
    assert data == PNG
    assert content_type == "image/png"
    assert filename == f"{media_id}.png"
    assert emu.count("media/get") == 1  # served by the configured base, not qyapi


def test_media_get_json_error_body_is_a_typed_error(emu):
    with pytest.raises(WeComMediaError) as info:
        get_client().media_get("1nosuchmedia")
    assert info.value.code == 40007
    assert isinstance(info.value, Rejected)


def test_media_get_refetches_an_expired_token_once(emu):
    media_id = upload(emu, PNG)
    emu.token("wecom", "expire")
    assert get_client().media_get(media_id)[0] == PNG
    assert [c["errcode"] for c in emu.calls("media/get")] == [42001, 0]


def test_media_get_size_cap(emu):
    media_id = upload(emu, PNG)
    with pytest.raises(MediaTooLarge):
        get_client().media_get(media_id, max_bytes=10)


# -- template cards ---------------------------------------------------------------------------

def test_template_card_response_code_updates_once(emu):
    client = get_client()
    sent = client.send("zhangwei", button_card("contract-42-a"))
    assert sent["errcode"] == 0 and sent["response_code"]
    updated = client.update_template_card("zhangwei", sent["response_code"],
                                          replace_name="已同意")
    assert updated["errcode"] == 0
    card = [m for m in emu.messages("wecom", "zhangwei") if m.get("task_id") == "contract-42-a"]
    assert card[0]["card_update"] == {"replace_name": "已同意"}
    # A response_code works once: a repeat (our own retry) is reported as already done.
    again = client.update_template_card("zhangwei", sent["response_code"],
                                        replace_name="已同意")
    assert again["errcode"] == 60140
    assert "already used" in again["note"]


def test_update_with_a_whole_card(emu):
    client = get_client()
    sent = client.send("lina", button_card("contract-42-b"))
    new_card = {"card_type": "text_notice", "main_title": {"title": "已处理"},
                "card_action": {"type": 1, "url": "https://x.test"}}
    assert client.update_template_card(["lina"], sent["response_code"],
                                       template_card=new_card)["errcode"] == 0
    with pytest.raises(ValueError):
        client.update_template_card("lina", "x")


def test_reused_task_id_is_rejected_on_a_first_attempt(emu):
    client = get_client()
    client.send("zhangwei", button_card("contract-42-c"))
    with pytest.raises(Rejected) as info:
        client.send("zhangwei", button_card("contract-42-c"))
    assert info.value.code == 42014


# -- error mapping ------------------------------------------------------------------------------

@pytest.mark.parametrize("errcode,retry_after", [(-1, 5.0), (45009, 60.0), (45033, 5.0)])
def test_busy_and_frequency_errcodes_retry_later(emu, errcode, retry_after):
    emu.fault("wecom", "message/send", errcode=errcode)
    with pytest.raises(RetryLater) as info:
        get_client().send("zhangwei", TEXT)
    assert (info.value.code, info.value.retry_after) == (errcode, retry_after)


def test_http_503_retries_later(emu):
    emu.fault("wecom", "message/send", status=503)
    with pytest.raises(RetryLater) as info:
        get_client().send("zhangwei", TEXT)
    assert "503" in info.value.message


def test_gettoken_503_retries_later(emu):
    emu.fault("wecom", "gettoken", status=503)
    with pytest.raises(RetryLater):
        get_client().send("zhangwei", TEXT)


def test_timeout_retries_later_as_maybe_sent(emu, short_timeout):
    client = get_client()
    client.send("zhangwei", TEXT)  # token cached, so the slow call is message/send itself
    emu.fault("wecom", "message/send", delay=short_timeout + 1.0)
    with pytest.raises(MaybeSent):
        client.send("zhangwei", TEXT)
    emu.wait_calls("message/send", 2)


def test_connection_refused_retries_later():
    from zhongshu.settings import Settings

    client = WeComClient(Settings(WECOM_API_BASE="http://127.0.0.1:9"))
    with pytest.raises(RetryLater):
        client.send("zhangwei", TEXT)


@pytest.mark.parametrize("msg,user,errcode", [
    (TEXT, "nobody", 81013),
    ({"msgtype": "nosuch", "nosuch": {}}, "zhangwei", 40008),
    ({"msgtype": "text", "text": {"content": ""}}, "zhangwei", 44004),
])
def test_permanent_errcodes_are_rejected(emu, msg, user, errcode):
    with pytest.raises(Rejected) as info:
        get_client().send(user, msg)
    assert info.value.code == errcode


def test_the_base_url_is_per_instance_and_never_the_real_host():
    from wechatpy.enterprise import WeChatClient

    from bot.dingtalk.client import DingTalkClient
    from zhongshu.settings import Settings

    wecom = WeComClient(Settings(WECOM_API_BASE="http://wecom.test/"))
    assert wecom.API_BASE_URL == "http://wecom.test/cgi-bin/"
    assert WeChatClient.API_BASE_URL == "https://qyapi.weixin.qq.com/cgi-bin/"  # untouched
    dingtalk = DingTalkClient(Settings(DINGTALK_API_BASE="http://dingtalk.test"))
    assert dingtalk.API_BASE_URL == "http://dingtalk.test/"


def test_bad_corp_id_is_rejected(emu):
    from zhongshu.settings import Settings

    with pytest.raises(Rejected) as info:
        WeComClient(Settings(WECOM_CORP_ID="wwnotours")).send("zhangwei", TEXT)
    assert info.value.code == 40013
