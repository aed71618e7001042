"""Playing a rep's WeChat customers: the change_external_contact callbacks the service gets
(signed, encrypted, FromUserName=sys), the WelcomeCode and send_welcome_msg, and the
phone page's 微信客户 panel."""

from __future__ import annotations

from typing import Any

import requests
import xmltodict

from tests.emulator.emukit import Emu, FakeService

HEAD = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "ChangeType",
        "UserID", "ExternalUserID"]


def play(emu: Emu, userid: str, action: str, body: dict[str, Any] | None = None,
         status: int = 200) -> dict[str, Any]:
    answer = emu.post(f"/_emu/wecom/users/{userid}/contacts/{action}", body or {})
    assert answer.status_code == status, answer.text
    data: dict[str, Any] = answer.json()
    return data


def last_event(fake: FakeService) -> dict[str, Any]:
    parsed: dict[str, Any] = xmltodict.parse(fake.wecom_plaintexts[-1])["xml"]
    return parsed


def api(emu: Emu, path: str, body: dict[str, Any] | None = None, **params: Any
        ) -> dict[str, Any]:
    url = f"/cgi-bin/externalcontact/{path}"
    token = emu.wecom_token()
    answer = (emu.get(url, access_token=token, **params) if body is None
              else emu.post(url, body, access_token=token))
    data: dict[str, Any] = answer.json()
    return data


def test_adding_a_wechat_friend_sends_the_add_callback(emu: Emu, fake: FakeService) -> None:
    result = play(emu, "zhangwei", "add", {"name": "刘备", "mobile": "13800138000",
                                           "corp_name": "蜀汉商贸有限公司", "state": "expo2026"})
    # The fake service does not know the event and acknowledges it, as the service does.
    assert (result["status"], result["tries"], result["passive_reply"]) == (200, 1, None)
    ext = result["external_userid"]
    assert ext.startswith("wm") and len(ext) == 32 and result["expires_in"] == 20
    (post,) = fake.posts("/wecom/callback")
    outer = xmltodict.parse(post.body)["xml"]
    assert list(outer) == ["ToUserName", "Encrypt", "AgentID"]  # the envelope names the app
    event = last_event(fake)
    assert list(event) == [*HEAD, "State", "WelcomeCode"]  # no AgentID inside
    assert event["ToUserName"] == emu.config.wecom_corp_id
    assert (event["FromUserName"], event["MsgType"], event["Event"], event["ChangeType"]) == (
        "sys", "event", "change_external_contact", "add_external_contact")
    assert (event["UserID"], event["ExternalUserID"], event["State"]) == (
        "zhangwei", ext, "expo2026")
    assert event["WelcomeCode"] == result["welcome_code"]
    assert abs(int(event["CreateTime"]) - emu.now()) <= 2
    # What the emulator recorded, and the new customer through the API.
    (filed,) = [m for m in emu.messages("wecom", "zhangwei") if m["channel"] == "contact"]
    assert filed["direction"] == "in" and filed["content"]["ExternalUserID"] == ext
    assert api(emu, "list", userid="zhangwei")["external_userid"] == [ext]
    (follow,) = api(emu, "get", external_userid=ext)["follow_user"]
    assert (follow["remark_corp_name"], follow["remark_mobiles"], follow["state"],
            follow["add_way"], follow["oper_userid"]) == (
        "蜀汉商贸有限公司", ["13800138000"], "expo2026", 1, ext)
    assert play(emu, "nobody", "add", {"name": "x"}, status=404)["error"]
    assert play(emu, "zhangwei", "add", {}, status=400)["error"]


def test_welcome_code_is_good_once_within_20_seconds(emu: Emu) -> None:
    code = play(emu, "lina", "add", {"name": "关羽"})["welcome_code"]
    body = {"welcome_code": code, "text": {"content": "您好，我是李娜"}}
    assert api(emu, "send_welcome_msg", body)["errcode"] == 0
    assert api(emu, "send_welcome_msg", body)["errcode"] == 41050  # used
    (welcome,) = [m for m in emu.messages("wecom", "lina") if m["channel"] == "welcome"]
    assert welcome["direction"] == "out"
    assert welcome["content"] == {"msgtype": "text", "text": {"content": "您好，我是李娜"}}
    late = play(emu, "lina", "add", {"name": "张飞"})["welcome_code"]
    emu.advance(21)
    assert api(emu, "send_welcome_msg", {"welcome_code": late, "text": {"content": "您好"}}
               )["errcode"] == 41050
    assert api(emu, "send_welcome_msg", {"text": {"content": "您好"}})["errcode"] == 41049
    fresh = play(emu, "lina", "add", {"name": "赵云"})["welcome_code"]
    assert api(emu, "send_welcome_msg", {"welcome_code": fresh})["errcode"] == 40058


def test_edit_and_both_kinds_of_delete(emu: Emu, fake: FakeService) -> None:
    ext = play(emu, "wangfang", "add", {"name": "诸葛亮"})["external_userid"]
    edited = play(emu, "wangfang", f"{ext}/edit", {"remark": "诸葛总", "description": "军师"})
    assert (edited["status"], edited["change_type"]) == (200, "edit_external_contact")
    assert list(last_event(fake)) == HEAD
    (follow,) = api(emu, "get", external_userid=ext)["follow_user"]
    assert (follow["remark"], follow["description"]) == ("诸葛总", "军师")
    assert play(emu, "wangfang", f"{ext}/edit", {"remark": "长" * 21}, status=400)

    gone = play(emu, "wangfang", f"{ext}/deleted_by_customer")
    assert gone["change_type"] == "del_follow_user"
    assert (last_event(fake)["ChangeType"], last_event(fake)["UserID"]) == (
        "del_follow_user", "wangfang")
    # The rep keeps the record, marked as deleted by the customer.
    assert api(emu, "list", userid="wangfang")["external_userid"] == [ext]
    (view,) = emu.get("/_emu/wecom/contacts", userid="wangfang").json()
    assert view["deleted_by_customer"] is True
    play(emu, "wangfang", f"{ext}/deleted_by_customer", status=409)

    deleted = play(emu, "wangfang", f"{ext}/delete")
    assert deleted["change_type"] == "del_external_contact"
    assert list(last_event(fake)) == HEAD  # no Source: the rep deleted them
    assert api(emu, "list", userid="wangfang")["errcode"] == 84061
    assert api(emu, "get", external_userid=ext)["errcode"] == 84061
    play(emu, "wangfang", f"{ext}/delete", status=404)


def test_a_failing_service_is_retried_and_reported(emu: Emu, fake: FakeService) -> None:
    fake.statuses = [500, 500, 500]
    result = play(emu, "zhangwei", "add", {"name": "马超"})
    assert (result["status"], result["tries"]) == (500, 3)
    bodies = {p.body for p in fake.posts("/wecom/callback")}
    assert len(bodies) == 1  # byte-identical re-POSTs


def test_control_seed_with_a_shared_customer(emu: Emu) -> None:
    (ext,) = emu.post("/_emu/wecom/contacts", {"userid": "zhangwei", "contacts": [
        {"name": "黄忠", "tags": ["B级"], "remark": "黄总"}]}).json()["external_userids"]
    again = emu.post("/_emu/wecom/contacts", {"userid": "lina", "contacts": [
        {"external_userid": ext, "remark": "黄老板"}]}).json()
    assert again["external_userids"] == [ext]
    follows = api(emu, "get", external_userid=ext)["follow_user"]
    assert [(f["userid"], f["remark"]) for f in follows] == [("zhangwei", "黄总"),
                                                             ("lina", "黄老板")]
    bad = emu.post("/_emu/wecom/contacts", {"userid": "zhangwei",
                                            "contacts": [{"name": "x", "tags": ["S级"]}]})
    assert bad.status_code == 400 and "S级" in bad.json()["error"]
    assert emu.post("/_emu/wecom/contacts", {"userid": "nobody", "contacts": []}
                    ).status_code == 404
    assert emu.post("/_emu/wecom/contacts/refuse", {"external_userid": ext, "reason": "x"}
                    ).status_code == 400


def test_phone_page_has_the_wechat_customers_panel(emu: Emu) -> None:
    emu.post("/_emu/wecom/contacts", {"userid": "lina", "contacts": [
        {"name": "孙尚香", "remark": "孙总-东吴贸易", "tags": ["A级", "零售"]}]})
    page = requests.get(f"{emu.base}/phone/wecom/lina", timeout=5)
    assert page.status_code == 200
    for text in ("微信客户", "添加微信好友", "微信昵称", "手机号", "公司", "孙尚香",
                 "孙总-东吴贸易", "A级", "零售", "我删除客户", "客户删除了我", "contacts.js"):
        assert text in page.text, text
    assert "http://" not in page.text and "https://" not in page.text
    fragment = requests.get(f"{emu.base}/phone/wecom/lina/contacts", timeout=5)
    assert fragment.status_code == 200 and "孙尚香" in fragment.text
    assert "共 1 位" in fragment.text
    script = requests.get(f"{emu.base}/_emu/static/contacts.js", timeout=5)
    assert script.status_code == 200 and "/contacts" in script.text
    empty = requests.get(f"{emu.base}/phone/wecom/zhangwei", timeout=5).text
    assert "还没有微信客户" in empty
    assert "微信客户" not in requests.get(f"{emu.base}/phone/dingtalk/dt_lina", timeout=5).text
