"""客户联系 transfers in the emulator: 在职继承 finishing 24 h later on the emulated clock,
refusals reported by transfer_result and a transfer_fail callback, the 90-day limit, and
离职继承 with get_unassigned_list."""

from __future__ import annotations

import time
from typing import Any

import xmltodict

from bot.emulator import EmulatorConfig, create_emulator_app
from bot.emulator.common import EXTENSION_KEY
from tests.emulator.emukit import Emu, FakeService, serving

DAY = 24 * 3600
EVENT_HEAD = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "ChangeType"]


def seed(emu: Emu, userid: str, names: list[str]) -> list[str]:
    answer = emu.post("/_emu/wecom/contacts",
                      {"userid": userid, "contacts": [{"name": n} for n in names]})
    assert answer.status_code == 200, answer.text
    ids: list[str] = answer.json()["external_userids"]
    return ids


def api(emu: Emu, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = emu.post(f"/cgi-bin/externalcontact/{path}", body,
                      access_token=emu.wecom_token())
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def transfer(emu: Emu, handover: str, takeover: str, ids: list[str],
             resigned: bool = False) -> dict[str, int]:
    path = "resigned/transfer_customer" if resigned else "transfer_customer"
    answer = api(emu, path, {"handover_userid": handover, "takeover_userid": takeover,
                             "external_userid": ids, "transfer_success_msg": "您好，我来接手"})
    assert answer["errcode"] == 0, answer
    return {c["external_userid"]: c["errcode"] for c in answer["customer"]}


def results(emu: Emu, handover: str, takeover: str,
            resigned: bool = False) -> dict[str, tuple[int, int]]:
    path = "resigned/transfer_result" if resigned else "transfer_result"
    answer = api(emu, path, {"handover_userid": handover, "takeover_userid": takeover,
                             "cursor": ""})
    assert answer["errcode"] == 0 and answer["next_cursor"] == "", answer
    return {c["external_userid"]: (c["status"], c["takeover_time"]) for c in answer["customer"]}


def contacts_of(emu: Emu, userid: str) -> list[str]:
    answer = emu.get("/cgi-bin/externalcontact/list", access_token=emu.wecom_token(),
                     userid=userid).json()
    return list(answer.get("external_userid") or [])


def events(fake: FakeService) -> list[dict[str, Any]]:
    parsed = [xmltodict.parse(p)["xml"] for p in fake.wecom_plaintexts]
    return [e for e in parsed if e.get("Event") == "change_external_contact"]


def test_transfer_completes_after_24_hours_or_fails_when_refused(
        emu: Emu, fake: FakeService) -> None:
    done, refused, full = seed(emu, "zhangwei", ["甲", "乙", "丙"])
    (linas,) = seed(emu, "lina", ["丁"])
    for ext, reason in ((refused, "customer_refused"), (full, "customer_limit_exceed")):
        emu.post("/_emu/wecom/contacts/refuse",
                 {"external_userid": ext, "reason": reason}).raise_for_status()
    unknown = "wm" + "u" * 30
    started = emu.now()
    codes = transfer(emu, "zhangwei", "lina", [done, refused, full, unknown, linas])
    assert codes == {done: 0, refused: 0, full: 0, unknown: 40096, linas: 40131}
    assert transfer(emu, "zhangwei", "lina", [done]) == {done: 40129}  # still in flight
    waiting = results(emu, "zhangwei", "lina")
    assert {e: s for e, (s, _) in waiting.items()} == {done: 2, refused: 2, full: 2}
    assert all(abs(t - (started + DAY)) <= 2 for _, t in waiting.values())

    emu.advance(DAY - 60)
    assert results(emu, "zhangwei", "lina")[done][0] == 2 and events(fake) == []
    answer = emu.post("/_emu/clock", {"advance": 61}).json()
    assert [(e["change_type"], e["userid"], e["status"]) for e in answer["contact_events"]] == [
        ("del_external_contact", "zhangwei", 200), ("transfer_fail", "lina", 200),
        ("transfer_fail", "lina", 200)]

    final = results(emu, "zhangwei", "lina")
    assert {e: s for e, (s, _) in final.items()} == {done: 1, refused: 3, full: 4}
    assert contacts_of(emu, "lina") == [linas, done]
    assert contacts_of(emu, "zhangwei") == [refused, full]
    moved = emu.get("/cgi-bin/externalcontact/get", access_token=emu.wecom_token(),
                    external_userid=done).json()["follow_user"]
    assert [(f["userid"], f["add_way"], f["oper_userid"]) for f in moved] == [
        ("lina", 202, "zhangwei")]

    sent = events(fake)
    assert [list(e) for e in sent] == [
        [*EVENT_HEAD, "UserID", "ExternalUserID", "Source"],
        [*EVENT_HEAD, "FailReason", "UserID", "ExternalUserID"],
        [*EVENT_HEAD, "FailReason", "UserID", "ExternalUserID"]]
    assert all(e["FromUserName"] == "sys" and "AgentID" not in e for e in sent)
    assert (sent[0]["UserID"], sent[0]["ExternalUserID"], sent[0]["Source"]) == (
        "zhangwei", done, "DELETE_BY_TRANSFER")
    assert [(e["FailReason"], e["UserID"], e["ExternalUserID"]) for e in sent[1:]] == [
        ("customer_refused", "lina", refused), ("customer_limit_exceed", "lina", full)]
    # The emulator filed each callback under the rep it is about.
    filed = [m for m in emu.messages("wecom", "lina") if m["channel"] == "contact"]
    assert [m["content"]["ChangeType"] for m in filed] == ["transfer_fail", "transfer_fail"]


def test_at_most_two_transfers_per_customer_in_90_days(emu: Emu) -> None:
    (ext,) = seed(emu, "zhangwei", ["王五"])
    assert transfer(emu, "zhangwei", "lina", [ext]) == {ext: 0}
    emu.advance(DAY + 1)
    assert transfer(emu, "lina", "zhangwei", [ext]) == {ext: 0}
    emu.advance(DAY + 1)
    assert contacts_of(emu, "zhangwei") == [ext]
    assert transfer(emu, "zhangwei", "lina", [ext]) == {ext: 40128}  # the third
    emu.advance(89 * DAY)
    assert transfer(emu, "zhangwei", "lina", [ext]) == {ext: 0}


def test_transfer_call_errcodes(emu: Emu) -> None:
    (ext,) = seed(emu, "zhangwei", ["钱六"])
    body = {"handover_userid": "zhangwei", "takeover_userid": "lina", "external_userid": [ext]}
    assert api(emu, "transfer_customer", {**body, "takeover_userid": "nobody"})["errcode"] == 60111
    assert api(emu, "transfer_customer", {**body, "takeover_userid": "zhangwei"}
               )["errcode"] == 40130
    assert api(emu, "transfer_customer", {**body, "external_userid": []})["errcode"] == 40058
    assert api(emu, "transfer_customer", {**body, "external_userid": [ext] * 101}
               )["errcode"] == 40058
    assert api(emu, "transfer_customer", {**body, "transfer_success_msg": "长" * 201}
               )["errcode"] == 40058
    assert api(emu, "resigned/transfer_customer", body)["errcode"] == 40097  # not left


def test_resigned_transfer_and_unassigned_list(emu: Emu, fake: FakeService) -> None:
    first, second = seed(emu, "zhangwei", ["孙七", "周八"])
    assert api(emu, "get_unassigned_list", {})["info"] == []
    left = emu.post("/_emu/wecom/contacts/resign", {"userid": "zhangwei"}).json()
    page = api(emu, "get_unassigned_list", {"page_size": 1})
    assert page["info"] == [{"handover_userid": "zhangwei", "external_userid": first,
                             "dimission_time": left["dimission_time"]}]
    assert page["is_last"] is False and page["next_cursor"]
    rest = api(emu, "get_unassigned_list", {"page_size": 1, "cursor": page["next_cursor"]})
    assert [i["external_userid"] for i in rest["info"]] == [second]
    assert rest["is_last"] is True and rest["next_cursor"] == ""
    assert api(emu, "get_unassigned_list", {"page_size": 1001})["errcode"] == 40058

    assert transfer(emu, "zhangwei", "wangfang", [first], resigned=True) == {first: 0}
    assert [i["external_userid"] for i in api(emu, "get_unassigned_list", {})["info"]] == [second]
    assert results(emu, "zhangwei", "wangfang", resigned=True)[first][0] == 2
    assert results(emu, "zhangwei", "wangfang") == {}  # 在职继承 has its own results
    emu.advance(DAY + 1)
    assert results(emu, "zhangwei", "wangfang", resigned=True)[first][0] == 1
    assert contacts_of(emu, "wangfang") == [first]
    assert [e["ChangeType"] for e in events(fake)] == ["del_external_contact"]


def test_due_transfers_settle_on_the_next_api_call(
        fake_service_server: tuple[FakeService, str], fake: FakeService) -> None:
    """With no control call at all, the next 客户联系 call after the due time sees the
    result, and the callback reaches the service after that call's answer."""
    config = EmulatorConfig(service_url=fake_service_server[1], callback_timeout=0.5)
    app = create_emulator_app(config)
    state = app.extensions[EXTENSION_KEY]
    with serving(app) as base:
        emu = Emu(base, config)
        (ext,) = seed(emu, "zhangwei", ["吴九"])
        assert transfer(emu, "zhangwei", "lina", [ext]) == {ext: 0}
        state.advance(DAY + 1)  # the clock moves with no request at all
        ((done, (status, when)),) = results(emu, "zhangwei", "lina").items()
        assert (done, status) == (ext, 1) and abs(when - (state.now() - 1)) <= 2
        deadline = time.monotonic() + 5
        while not events(fake) and time.monotonic() < deadline:
            time.sleep(0.05)
        (sent,) = events(fake)
        assert (sent["ChangeType"], sent["UserID"], sent["Source"]) == (
            "del_external_contact", "zhangwei", "DELETE_BY_TRANSFER")
