"""The emulated WeCom server API, through real HTTP: tokens, message/send rules (including
the silent ones), template cards, media, directory and fault injection."""

from __future__ import annotations

import time

import pytest
import requests

from tests.emulator.emukit import Emu

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


def button_card(task_id: str | None, **extra: object) -> dict:
    card: dict = {"card_type": "button_interaction", "main_title": {"title": "合同待审核"},
                  "button_list": [{"text": "同意", "style": 1, "key": "approve"},
                                  {"text": "驳回", "style": 3, "key": "reject"}], **extra}
    if task_id is not None:
        card["task_id"] = task_id
    return {"msgtype": "template_card", "template_card": card}


# -- tokens ---------------------------------------------------------------------------------

def test_gettoken_same_token_within_ttl_and_credential_errors(emu: Emu) -> None:
    cfg = emu.config
    first = emu.get("/cgi-bin/gettoken", corpid=cfg.wecom_corp_id,
                    corpsecret=cfg.wecom_secret).json()
    assert first["errcode"] == 0 and first["errmsg"] == "ok" and first["expires_in"] == 7200
    emu.advance(3600)
    second = emu.get("/cgi-bin/gettoken", corpid=cfg.wecom_corp_id,
                     corpsecret=cfg.wecom_secret).json()
    assert second["access_token"] == first["access_token"]
    assert second["expires_in"] == 3600
    bad_corp = emu.get("/cgi-bin/gettoken", corpid="wwnope", corpsecret=cfg.wecom_secret)
    assert bad_corp.json()["errcode"] == 40013
    bad_secret = emu.get("/cgi-bin/gettoken", corpid=cfg.wecom_corp_id, corpsecret="nope")
    assert bad_secret.json()["errcode"] == 40001


def test_missing_expired_and_invalidated_tokens(emu: Emu) -> None:
    body = {"touser": "zhangwei", "msgtype": "text", "text": {"content": "hi"},
            "agentid": emu.config.wecom_agent_id}
    assert emu.post("/cgi-bin/message/send", body).json()["errcode"] == 41001
    assert emu.post("/cgi-bin/message/send", body,
                    access_token="made-up").json()["errcode"] == 40014

    token = emu.wecom_token()
    emu.post("/_emu/wecom/token", {"action": "expire"}).raise_for_status()
    answer = emu.post("/cgi-bin/message/send", body, access_token=token).json()
    assert answer["errcode"] == 42001 and "expired" in answer["errmsg"]
    fresh = emu.wecom_token()
    assert fresh != token
    assert emu.text("zhangwei", "again", token=fresh)["errcode"] == 0

    emu.post("/_emu/wecom/token", {"action": "invalidate"}).raise_for_status()
    assert emu.post("/cgi-bin/message/send", body,
                    access_token=fresh).json()["errcode"] == 40014
    newer = emu.wecom_token()
    assert newer != fresh

    # Natural expiry on the emulated clock.
    emu.advance(7201)
    assert emu.post("/cgi-bin/message/send", body,
                    access_token=newer).json()["errcode"] == 42001
    assert len(emu.calls("gettoken")) == 3


# -- message/send validation -------------------------------------------------------------------

def test_message_send_validation_errcodes(emu: Emu) -> None:
    token = emu.wecom_token()
    assert emu.send({"touser": "zhangwei", "msgtype": "text", "text": {"content": "x"},
                     "agentid": 999}, token)["errcode"] == 40056
    assert emu.send({"touser": "zhangwei", "msgtype": "nosuch", "nosuch": {}},
                    token)["errcode"] == 40008
    assert emu.send({"touser": "zhangwei", "msgtype": "text", "text": {"content": ""}},
                    token)["errcode"] == 44004
    assert emu.send({"touser": "nobody|ghost", "msgtype": "text", "text": {"content": "x"}},
                    token)["errcode"] == 81013
    partial = emu.send({"touser": "zhangwei|ghost|lina", "msgtype": "text",
                        "text": {"content": "x"}}, token)
    assert partial["errcode"] == 0 and partial["invaliduser"] == "ghost" and partial["msgid"]
    assert len(emu.delivered("wecom", "zhangwei")) == len(emu.delivered("wecom", "lina")) == 1
    bad_json = requests.post(f"{emu.base}/cgi-bin/message/send", data=b"{not json",
                             params={"access_token": token}, timeout=5).json()
    assert bad_json["errcode"] == 47001


def test_text_over_2048_bytes_is_truncated_on_a_character_boundary(emu: Emu) -> None:
    assert emu.text("zhangwei", "报" * 700)["errcode"] == 0  # 2100 bytes
    (message,) = emu.delivered("wecom", "zhangwei")
    content = message["content"]["text"]["content"]
    assert content == "报" * 682 and len(content.encode()) == 2046
    assert message["content"]["msgtype"] == "text" and message["channel"] == "app"


def test_31st_message_in_a_minute_is_silently_dropped(emu: Emu) -> None:
    token = emu.wecom_token()
    answers = [emu.text("lina", f"第{i}条", token=token) for i in range(31)]
    assert all(a["errcode"] == 0 for a in answers)
    messages = emu.messages("wecom", "lina")
    assert [m["delivered"] for m in messages] == [True] * 30 + [False]
    assert messages[-1]["dropped_reason"] == "rate_limit"
    # Each user has their own window.
    assert emu.text("zhangwei", "别人的", token=token)["errcode"] == 0
    assert emu.delivered("wecom", "zhangwei")
    emu.advance(61)
    emu.text("lina", "一分钟后", token=token)
    assert emu.messages("wecom", "lina")[-1]["delivered"] is True


def test_hourly_cap_is_silent_too(emu: Emu) -> None:
    token = emu.wecom_token()
    for minute in range(34):  # 30 a minute for 34 minutes: 1020 attempts within the hour
        for i in range(30):
            emu.text("chenjing", f"{minute}-{i}", token=token)
        emu.advance(61)
    delivered = emu.delivered("wecom", "chenjing")
    assert len(delivered) == 1000
    dropped = [m for m in emu.messages("wecom", "chenjing") if not m["delivered"]]
    assert {m["dropped_reason"] for m in dropped} == {"rate_limit"}


def test_duplicate_check(emu: Emu) -> None:
    token = emu.wecom_token()
    emu.text("zhangwei", "同一条", token=token)  # sent without the flag
    assert emu.text("zhangwei", "同一条", token=token, enable_duplicate_check=1)["errcode"] == 0
    assert [m["dropped_reason"] for m in emu.messages("wecom", "zhangwei")] == [
        None, "duplicate"]
    # Without the flag the platform does not check.
    emu.text("zhangwei", "同一条", token=token)
    # Another user, or other content, is not a duplicate.
    emu.text("lina", "同一条", token=token, enable_duplicate_check=1)
    emu.text("zhangwei", "另一条", token=token, enable_duplicate_check=1)
    assert len(emu.delivered("wecom", "zhangwei")) == 3
    assert len(emu.delivered("wecom", "lina")) == 1
    # The interval (default 1800 s) bounds the look-back.
    emu.advance(1801)
    emu.text("zhangwei", "同一条", token=token, enable_duplicate_check=1)
    assert emu.messages("wecom", "zhangwei")[-1]["delivered"] is True
    emu.advance(100)
    emu.text("zhangwei", "同一条", token=token, enable_duplicate_check=1,
             duplicate_check_interval=60)
    assert emu.messages("wecom", "zhangwei")[-1]["delivered"] is True


# -- template cards -----------------------------------------------------------------------------

@pytest.mark.parametrize("task_id", [None, "", "has space", "中文", "x" * 129])
def test_bad_task_ids_answer_42014(emu: Emu, task_id: str | None) -> None:
    answer = emu.send({"touser": "zhangwei", **button_card(task_id)})
    assert answer["errcode"] == 42014
    assert answer["errmsg"].startswith("taskid has existed or empty or exceed max len")
    assert emu.messages("wecom", "zhangwei") == []


def test_task_id_unique_per_app_and_response_code(emu: Emu) -> None:
    token = emu.wecom_token()
    ok = emu.send({"touser": "zhangwei", **button_card("a-Z_0@9-" + "x" * 120)}, token)
    assert ok["errcode"] == 0 and ok["response_code"]
    first = emu.send({"touser": "zhangwei", **button_card("contract-1")}, token)
    assert first["errcode"] == 0
    # Unique per app, whoever the recipient.
    assert emu.send({"touser": "lina", **button_card("contract-1")}, token)["errcode"] == 42014
    notice = {"msgtype": "template_card", "template_card": {
        "card_type": "text_notice", "main_title": {"title": "通知"},
        "card_action": {"type": 1, "url": "https://example.test"}}}
    plain = emu.send({"touser": "zhangwei", **notice}, token)
    assert plain["errcode"] == 0 and "response_code" not in plain
    no_action = {"msgtype": "template_card", "template_card": {
        "card_type": "text_notice", "main_title": {"title": "通知"}}}
    assert emu.send({"touser": "zhangwei", **no_action}, token)["errcode"] == 40058


def test_response_code_is_usable_once(emu: Emu) -> None:
    token = emu.wecom_token()
    sent = emu.send({"touser": "zhangwei|lina", **button_card("contract-2")}, token)
    update = {"userids": ["zhangwei"], "agentid": emu.config.wecom_agent_id,
              "response_code": sent["response_code"], "button": {"replace_name": "已同意"}}
    first = emu.post("/cgi-bin/message/update_template_card", update,
                     access_token=token).json()
    assert first == {"errcode": 0, "errmsg": "ok", "invaliduser": []}
    (card,) = emu.messages("wecom", "zhangwei")
    assert card["card_update"] == {"replace_name": "已同意"}
    (other,) = emu.messages("wecom", "lina")
    assert other["card_update"] is None
    again = emu.post("/cgi-bin/message/update_template_card", update,
                     access_token=token).json()
    assert again["errcode"] == 60140
    made_up = {**update, "response_code": "nope"}
    assert emu.post("/cgi-bin/message/update_template_card", made_up,
                    access_token=token).json()["errcode"] == 60140


def test_response_code_expires_after_72_hours(emu: Emu) -> None:
    sent = emu.send({"touser": "zhangwei", **button_card("contract-3")})
    emu.advance(72 * 3600 + 1)
    token = emu.wecom_token()
    update = {"userids": ["zhangwei"], "agentid": emu.config.wecom_agent_id,
              "response_code": sent["response_code"], "button": {"replace_name": "已处理"}}
    assert emu.post("/cgi-bin/message/update_template_card", update,
                    access_token=token).json()["errcode"] == 60140


# -- media ----------------------------------------------------------------------------------

def upload(emu: Emu, data: bytes, token: str) -> str:
    answer = requests.post(f"{emu.base}/cgi-bin/media/upload",
                           params={"access_token": token, "type": "image"},
                           files={"media": ("photo.png", data, "image/png")}, timeout=5).json()
    assert answer["errcode"] == 0 and answer["type"] == "image", answer
    assert answer["created_at"].isdigit()
    return str(answer["media_id"])


def test_media_get_bytes_headers_range_and_errors(emu: Emu) -> None:
    token = emu.wecom_token()
    media_id = upload(emu, PNG, token)
    url = f"{emu.base}/cgi-bin/media/get"
    whole = requests.get(url, params={"access_token": token, "media_id": media_id}, timeout=5)
    assert whole.status_code == 200 and whole.content == PNG
    assert whole.headers["Content-Type"] == "image/png"
    assert whole.headers["Content-disposition"] == f'attachment; filename="{media_id}.png"'
    assert whole.headers["Content-Length"] == str(len(PNG))

    part = requests.get(url, params={"access_token": token, "media_id": media_id},
                        headers={"Range": "bytes=2-9"}, timeout=5)
    assert part.status_code == 206 and part.content == PNG[2:10]
    assert part.headers["Content-Range"] == f"bytes 2-9/{len(PNG)}"

    missing = requests.get(url, params={"access_token": token, "media_id": "1nope"}, timeout=5)
    assert missing.headers["Content-Type"].startswith("application/json")
    assert missing.json()["errcode"] == 40007

    emu.advance(3 * 24 * 3600 + 1)
    token = emu.wecom_token()
    expired = requests.get(url, params={"access_token": token, "media_id": media_id}, timeout=5)
    assert expired.json()["errcode"] == 40007


def test_media_upload_refuses_non_images(emu: Emu) -> None:
    token = emu.wecom_token()
    answer = requests.post(f"{emu.base}/cgi-bin/media/upload",
                           params={"access_token": token, "type": "image"},
                           files={"media": ("a.png", b"not an image at all", "image/png")},
                           timeout=5).json()
    assert answer["errcode"] == 40005


# -- directory, OAuth, JS-SDK ------------------------------------------------------------------

def test_directory_oauth_and_jsapi_ticket(emu: Emu) -> None:
    token = emu.wecom_token()
    depts = emu.get("/cgi-bin/department/list", access_token=token).json()
    assert {d["name"] for d in depts["department"]} >= {"销售部", "财务部"}
    users = emu.get("/cgi-bin/user/list", access_token=token, department_id=3).json()
    assert {u["userid"] for u in users["userlist"]} == {"zhangwei", "lina", "wangfang"}
    everyone = emu.get("/cgi-bin/user/simplelist", access_token=token, department_id=1,
                       fetch_child=1).json()
    assert len(everyone["userlist"]) == 6
    assert emu.get("/cgi-bin/user/list", access_token=token,
                   department_id=99).json()["errcode"] == 60123

    issued = emu.post("/_emu/wecom/users/wangfang/oauth",
                      {"redirect": "http://svc.test/m/register?x=1", "state": "s1"}).json()
    assert issued["url"].startswith("http://svc.test/m/register?x=1&code=")
    info = emu.get("/cgi-bin/user/getuserinfo", access_token=token, code=issued["code"]).json()
    assert info["errcode"] == 0 and info["UserId"] == "wangfang"
    # One use only, and five minutes.
    assert emu.get("/cgi-bin/user/getuserinfo", access_token=token,
                   code=issued["code"]).json()["errcode"] == 40029
    late = emu.post("/_emu/wecom/users/lina/oauth", {}).json()["code"]
    emu.advance(301)
    token = emu.wecom_token()
    assert emu.get("/cgi-bin/user/getuserinfo", access_token=token,
                   code=late).json()["errcode"] == 40029

    ticket = emu.get("/cgi-bin/get_jsapi_ticket", access_token=token).json()
    assert ticket["errcode"] == 0 and ticket["ticket"] and ticket["expires_in"] == 7200


# -- fault injection ----------------------------------------------------------------------------

def test_faults_errcode_status_delay_and_clear(emu: Emu) -> None:
    token = emu.wecom_token()
    emu.post("/_emu/faults", {"platform": "wecom", "api": "message/send", "errcode": 45009,
                              "times": 2}).raise_for_status()
    assert emu.text("zhangwei", "1", token=token)["errcode"] == 45009
    assert emu.text("zhangwei", "2", token=token)["errcode"] == 45009
    assert emu.text("zhangwei", "3", token=token)["errcode"] == 0
    assert len(emu.delivered("wecom", "zhangwei")) == 1

    emu.post("/_emu/faults", {"platform": "wecom", "api": "/cgi-bin/gettoken",
                              "status": 503}).raise_for_status()
    down = emu.get("/cgi-bin/gettoken", corpid=emu.config.wecom_corp_id,
                   corpsecret=emu.config.wecom_secret)
    assert down.status_code == 503 and "json" not in down.headers["Content-Type"]

    emu.post("/_emu/faults", {"platform": "wecom", "api": "message/send",
                              "delay": 0.3}).raise_for_status()
    started = time.monotonic()
    assert emu.text("zhangwei", "slow", token=token)["errcode"] == 0
    assert time.monotonic() - started >= 0.3

    emu.post("/_emu/faults", {"platform": "wecom", "api": "message/send", "errcode": -1,
                              "times": 5}).raise_for_status()
    assert len(emu.get("/_emu/faults").json()) == 1
    assert requests.delete(f"{emu.base}/_emu/faults", timeout=5).json()["cleared"] == 1
    assert emu.text("zhangwei", "after clear", token=token)["errcode"] == 0

    log = emu.calls("message/send")
    assert [c["errcode"] for c in log] == [45009, 45009, 0, 0, 0]
    assert log[0]["json"]["text"] == {"content": "1"}
    assert log[0]["query"]["access_token"] == token and log[0]["method"] == "POST"
    assert [c["status"] for c in emu.calls("gettoken")][-1] == 503


def test_menu_create_sets_the_workbench_and_refuses_what_wecom_would(emu: Emu) -> None:
    token = emu.wecom_token()
    agent = emu.config.wecom_agent_id
    view = {"type": "view", "name": "报备客户", "url": "http://svc.test/h5/register"}
    click = {"type": "click", "name": "帮助", "key": "help"}
    for bad in ({"button": [click] * 4},  # at most 3 first-level entries
                {"button": [{"name": "更多", "sub_button": [click] * 6}]},
                {"button": [{"type": "view", "name": "x", "url": "javascript:1"}]},
                {"button": [{"type": "click", "name": "x"}]}):
        answer = emu.post("/cgi-bin/menu/create", bad, access_token=token, agentid=agent)
        assert answer.json()["errcode"] == 40058, bad
    assert emu.post("/cgi-bin/menu/create", {"button": [view]}, access_token=token,
                    agentid=999).json()["errcode"] == 40056
    menu = {"button": [view, {"name": "更多", "sub_button": [click]}]}
    assert emu.post("/cgi-bin/menu/create", menu, access_token=token,
                    agentid=agent).json()["errcode"] == 0
    assert emu.get("/_emu/directory").json()["workbench"] == [
        {"url": "http://svc.test/h5/register", "name": "报备客户"},
        {"key": "help", "name": "帮助"}]
    got = emu.get("/cgi-bin/menu/get", access_token=token, agentid=agent).json()
    assert got["errcode"] == 0 and got["button"] == menu["button"]
    page = emu.get("/phone/wecom/zhangwei").text
    assert 'class="wb" href="/phone/wecom/zhangwei/open?url=http' in page
    emu.post("/_emu/reset")
    assert [w["name"] for w in emu.get("/_emu/directory").json()["workbench"]] == [
        "报备客户", "拜访签到", "我的客户", "帮助"]
