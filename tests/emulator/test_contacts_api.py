"""The emulated WeCom 客户联系 read/write API (/cgi-bin/externalcontact/…): shapes, paging,
errcodes, the per-API rate limit, faults and the call log, and the generated customers."""

from __future__ import annotations

import math
import re
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.emulator import EmulatorConfig, EmulatorState, create_emulator_app
from bot.emulator.common import EXTENSION_KEY
from bot.emulator.wecom_contacts_seed import build_book
from tests.emulator.emukit import Emu

ID = re.compile(r"^w[mo][A-Za-z0-9_-]{30}$")
ADD_WAYS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 24,
            201, 202}


# -- helpers ----------------------------------------------------------------------------------

def seed(emu: Emu, userid: str, contacts: list[dict[str, Any]]) -> list[str]:
    answer = emu.post("/_emu/wecom/contacts", {"userid": userid, "contacts": contacts})
    assert answer.status_code == 200, answer.text
    ids: list[str] = answer.json()["external_userids"]
    return ids


def call(emu: Emu, api: str, body: dict[str, Any] | None = None,
         token: str | None = None, **params: Any) -> dict[str, Any]:
    """GET with query params when ``body`` is None, else POST the body."""
    path = f"/cgi-bin/externalcontact/{api}"
    token = token or emu.wecom_token()
    if body is None:
        answer = emu.get(path, access_token=token, **params)
    else:
        answer = emu.post(path, body, access_token=token)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


class Local:
    """An emulator of its own (its own config) driven through Flask's test client."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.state: EmulatorState = app.extensions[EXTENSION_KEY]
        config = self.state.config
        self.token = self.client.get("/cgi-bin/gettoken", query_string={
            "corpid": config.wecom_corp_id, "corpsecret": config.wecom_secret,
        }).json["access_token"]

    def get(self, api: str, **params: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.client.get(
            f"/cgi-bin/externalcontact/{api}",
            query_string={"access_token": self.token, **params}).json
        return data

    def post(self, api: str, body: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = self.client.post(
            f"/cgi-bin/externalcontact/{api}?access_token={self.token}", json=body).json
        return data


def local(**config: Any) -> Local:
    # Nothing listens on port 9: a callback this emulator sends is refused at once.
    return Local(create_emulator_app(EmulatorConfig(service_url="http://127.0.0.1:9",
                                                    **config)))


@pytest.fixture(scope="module")
def seeded() -> Iterator[Local]:
    yield local(wecom_contacts_per_user=30, wecom_contacts_seed=7)


# -- reading ----------------------------------------------------------------------------------

def test_list_and_get_show_what_was_seeded(emu: Emu) -> None:
    (ext,) = seed(emu, "zhangwei", [{"name": "王建国", "remark": "王总-华东机械",
                                     "corp_name": "杭州华东机械有限公司",
                                     "mobile": "138 0013 8000", "tags": ["A级", "制造"],
                                     "state": "expo2026", "description": "展会认识"}])
    assert ID.match(ext) and ext.startswith("wm")
    assert call(emu, "list", userid="zhangwei") == {"errcode": 0, "errmsg": "ok",
                                                    "external_userid": [ext]}
    got = call(emu, "get", external_userid=ext)
    assert got["errcode"] == 0 and got["next_cursor"] == ""
    contact = got["external_contact"]
    assert {k: contact[k] for k in ("external_userid", "name", "type")} == {
        "external_userid": ext, "name": "王建国", "type": 1}
    assert "corp_name" not in contact  # a WeChat customer has no corp in WeCom
    (follow,) = got["follow_user"]
    assert list(follow) == ["userid", "remark", "description", "createtime", "tags",
                            "remark_corp_name", "remark_mobiles", "oper_userid", "add_way",
                            "state"]
    assert (follow["userid"], follow["remark"], follow["remark_corp_name"]) == (
        "zhangwei", "王总-华东机械", "杭州华东机械有限公司")
    assert follow["remark_mobiles"] == ["138 0013 8000"] and follow["state"] == "expo2026"
    assert [(t["group_name"], t["tag_name"], t["type"]) for t in follow["tags"]] == [
        ("客户等级", "A级", 1), ("行业", "制造", 1)]
    assert all(t["tag_id"].startswith("et") for t in follow["tags"])


def test_reading_errcodes(emu: Emu) -> None:
    token = emu.wecom_token()
    assert call(emu, "list", token=token, userid="nobody")["errcode"] == 60111
    assert call(emu, "list", token=token, userid="lina")["errcode"] == 84061
    assert call(emu, "get", token=token, external_userid="wm" + "x" * 30)["errcode"] == 40096
    assert call(emu, "get", token=token)["errcode"] == 41035
    batch = "batch/get_by_user"
    assert call(emu, batch, {"userid_list": []}, token)["errcode"] == 40058
    assert call(emu, batch, {"userid_list": ["zhangwei"] * 101}, token)["errcode"] == 40058
    assert call(emu, batch, {"userid_list": ["zhangwei"], "limit": 101}, token)["errcode"] == 40058
    assert call(emu, batch, {"userid_list": ["zhangwei"], "limit": 0}, token)["errcode"] == 40058
    assert call(emu, batch, {"userid_list": ["nobody"]}, token)["errcode"] == 60111
    assert call(emu, batch, {"userid_list": ["zhangwei"], "cursor": "bogus!"},
                token)["errcode"] == 50100
    bad_token = emu.get("/cgi-bin/externalcontact/list", access_token="nope",
                        userid="zhangwei").json()
    assert bad_token["errcode"] == 40014


def test_paging_covers_every_record_once_with_the_fewest_calls(emu: Emu) -> None:
    seed(emu, "zhangwei", [{"name": f"客户{i}"} for i in range(7)])
    seed(emu, "wangfang", [{"name": f"客户W{i}"} for i in range(5)])
    users = ["zhangwei", "lina", "wangfang"]  # lina has none: skipped, not a page
    expected = [(u, e) for u in users
                for e in (call(emu, "list", userid=u).get("external_userid") or [])]
    assert len(expected) == 12
    token = emu.wecom_token()
    since = emu.get("/_emu/calls").json()[-1]["id"]
    for limit in (4, 5, 12, 100):
        seen: list[tuple[str, str]] = []
        cursor, calls = "", 0
        while True:
            page = call(emu, "batch/get_by_user", {"userid_list": users, "cursor": cursor,
                                                   "limit": limit}, token)
            calls += 1
            assert page["errcode"] == 0 and len(page["external_contact_list"]) <= limit
            seen += [(i["follow_info"]["userid"], i["external_contact"]["external_userid"])
                     for i in page["external_contact_list"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == expected  # stable: the userid_list order, each rep's in order
        assert calls == math.ceil(12 / limit), limit
    logged = [c for c in emu.get("/_emu/calls", since=since).json()
              if c["api"] == "externalcontact/batch/get_by_user"]
    assert len(logged) == 3 + 3 + 1 + 1


def test_paging_a_generated_corp(seeded: Local) -> None:
    users = [u["userid"] for u in seeded.state.config.users]
    pairs = {(u, e) for u in users for e in seeded.get("list", userid=u)["external_userid"]}
    assert len(pairs) == 30 * len(users)
    seen: list[tuple[str, str]] = []
    cursor, calls = "", 0
    while True:
        page = seeded.post("batch/get_by_user", {"userid_list": users, "cursor": cursor})
        calls += 1
        item = page["external_contact_list"][0]
        assert list(item["follow_info"]) == ["userid", "remark", "description", "createtime",
                                             "tag_id", "remark_corp_name", "remark_mobiles",
                                             "oper_userid", "add_way", "state"]
        seen += [(i["follow_info"]["userid"], i["external_contact"]["external_userid"])
                 for i in page["external_contact_list"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) and set(seen) == pairs
    assert calls == math.ceil(len(pairs) / 50)  # limit defaults to 50


# -- writing ----------------------------------------------------------------------------------

def test_remark_and_mark_tag(emu: Emu, fake: Any) -> None:
    (ext,) = seed(emu, "zhangwei", [{"name": "李娜娜"}])
    token = emu.wecom_token()
    posts_before = len(fake.posts("/wecom/callback"))
    ok = call(emu, "remark", {"userid": "zhangwei", "external_userid": ext, "remark": "李总",
                              "description": "老客户", "remark_company": "远景商贸",
                              "remark_mobiles": ["+86-13800138000", "13800138000"]}, token)
    assert ok == {"errcode": 0, "errmsg": "ok"}
    tags = call(emu, "get_corp_tag_list", {}, token)["tag_group"]
    assert [(g["group_name"], [t["name"] for t in g["tag"]]) for g in tags] == [
        ("客户等级", ["A级", "B级", "C级"]), ("行业", ["制造", "零售", "医疗", "教育"])]
    a_level, b_level = tags[0]["tag"][0]["id"], tags[0]["tag"][1]["id"]
    retail = tags[1]["tag"][1]["id"]
    only = call(emu, "get_corp_tag_list", {"tag_id": [retail]}, token)["tag_group"]
    assert [(g["group_name"], [t["name"] for t in g["tag"]]) for g in only] == [("行业", ["零售"])]
    by_group = call(emu, "get_corp_tag_list", {"group_id": [tags[0]["group_id"]],
                                               "tag_id": [retail]}, token)["tag_group"]
    assert [g["group_name"] for g in by_group] == ["客户等级"]  # group_id wins
    body = {"userid": "zhangwei", "external_userid": ext}
    assert call(emu, "mark_tag", {**body, "add_tag": [a_level, retail]}, token)["errcode"] == 0
    assert call(emu, "mark_tag", {**body, "add_tag": [b_level], "remove_tag": [a_level]},
                token)["errcode"] == 0
    (follow,) = call(emu, "get", token=token, external_userid=ext)["follow_user"]
    assert (follow["remark"], follow["description"], follow["remark_corp_name"]) == (
        "李总", "老客户", "远景商贸")
    assert follow["remark_mobiles"] == ["+86-13800138000", "13800138000"]
    assert [t["tag_name"] for t in follow["tags"]] == ["零售", "B级"]
    # Changes made through the API fire no callback.
    assert len(fake.posts("/wecom/callback")) == posts_before


def test_writing_errcodes(emu: Emu) -> None:
    (ext,) = seed(emu, "zhangwei", [{"name": "赵云"}])
    token = emu.wecom_token()
    mine = {"userid": "zhangwei", "external_userid": ext}
    assert call(emu, "remark", {**mine, "remark": "很" * 21}, token)["errcode"] == 40058
    assert call(emu, "remark", {**mine, "description": "长" * 151}, token)["errcode"] == 40058
    assert call(emu, "remark", {**mine, "remark_company": "公" * 21}, token)["errcode"] == 40058
    assert call(emu, "remark", {**mine, "remark": "很" * 20}, token)["errcode"] == 0
    not_mine = {"userid": "lina", "external_userid": ext}
    assert call(emu, "remark", {**not_mine, "remark": "x"}, token)["errcode"] == 84061
    assert call(emu, "remark", {"userid": "zhangwei", "external_userid": "wm" + "0" * 30,
                                "remark": "x"}, token)["errcode"] == 40096
    assert call(emu, "mark_tag", {**mine, "add_tag": ["etNOPE"]}, token)["errcode"] == 40068
    assert call(emu, "mark_tag", {**mine}, token)["errcode"] == 40058
    tag = call(emu, "get_corp_tag_list", {}, token)["tag_group"][0]["tag"][0]["id"]
    assert call(emu, "mark_tag", {**not_mine, "add_tag": [tag]}, token)["errcode"] == 84061
    assert call(emu, "send_welcome_msg", {"welcome_code": "made-up",
                                          "text": {"content": "您好"}}, token)["errcode"] == 41050


# -- limits, faults, call log -------------------------------------------------------------------

def test_rate_limit_per_api_on_the_emulated_clock() -> None:
    emu = local(wecom_contacts_per_minute=5)
    answers = [emu.get("list", userid="zhangwei")["errcode"] for _ in range(6)]
    assert answers == [84061] * 5 + [45009]
    over = emu.get("list", userid="zhangwei")
    assert over["errcode"] == 45009 and over["errmsg"].startswith("api freq out of limit")
    # Per API: another one is still open.
    assert emu.get("get", external_userid="wm" + "x" * 30)["errcode"] == 40096
    emu.client.post("/_emu/clock", json={"advance": 59})
    assert emu.get("list", userid="zhangwei")["errcode"] == 45009  # blocked for 60 s
    emu.client.post("/_emu/clock", json={"advance": 2})
    assert emu.get("list", userid="zhangwei")["errcode"] == 84061


def test_faults_and_the_call_log_name_the_api_by_its_path(emu: Emu) -> None:
    token = emu.wecom_token()
    emu.post("/_emu/faults", {"platform": "wecom", "api": "/cgi-bin/externalcontact/list",
                              "errcode": -1}).raise_for_status()
    assert call(emu, "list", token=token, userid="zhangwei")["errcode"] == -1
    assert call(emu, "list", token=token, userid="zhangwei")["errcode"] == 84061
    emu.post("/_emu/faults", {"platform": "wecom", "api": "externalcontact/batch/get_by_user",
                              "status": 502}).raise_for_status()
    failed = emu.post("/cgi-bin/externalcontact/batch/get_by_user",
                      {"userid_list": ["zhangwei"]}, access_token=token)
    assert failed.status_code == 502
    logged = emu.calls("externalcontact/list")
    assert [(c["errcode"], c["fault"]) for c in logged] == [(-1, True), (84061, False)]
    assert logged[0]["query"]["userid"] == "zhangwei"
    assert [c["status"] for c in emu.calls("externalcontact/batch/get_by_user")] == [502]


# -- generated customers ------------------------------------------------------------------------

def test_generated_customers_look_real(seeded: Local) -> None:
    book = seeded.state.contacts
    users = [u["userid"] for u in seeded.state.config.users]
    records = [r for u in users for r in book.rep_records(u)]
    assert len(records) == 30 * len(users)
    assert all(ID.match(e) for e in book.contacts)
    assert any(len(reps) == 2 for reps in book.followers.values())  # shared customers
    now = seeded.state.now()
    assert all(now - 2 * 365 * 86400 <= r.createtime <= now for r in records)
    assert all(r.add_way in ADD_WAYS for r in records)
    assert {t for r in records for t in r.tag_ids} <= set(book.tags)
    assert all(r.state in ("", "expo2026", "web_form", "poster_shanghai", "live0312")
               for r in records)


def test_generation_is_deterministic_and_spread_like_a_real_list() -> None:
    users = [{"userid": f"rep{i:02d}", "name": f"销售{i}", "department": [3]}
             for i in range(50)]
    config = EmulatorConfig(users=users, wecom_contacts_per_user=1000, wecom_contacts_seed=3)
    started = time.perf_counter()
    book = build_book(config, 1_780_000_000)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed
    records = [r for u in users for r in book.rep_records(str(u["userid"]))]
    assert len(records) == 50_000
    names = [c.name for c in book.contacts.values()]
    assert 0.01 < names.count("") / len(names) < 0.06
    assert any(ord(ch) > 0x2600 and not "\u4e00" <= ch <= "\u9fff" for n in names for ch in n)
    remarked = sum(1 for r in records if r.remark) / len(records)
    assert 0.4 < remarked < 0.6
    assert any(re.match(r"^.{1,3}总-", r.remark) for r in records)
    corp = [r.remark_corp_name for r in records if r.remark_corp_name]
    assert 0.15 < len(corp) / len(records) < 0.4 and len(set(corp)) <= 40
    assert all(c.endswith("公司") for c in corp)
    mobiles = {m for r in records for m in r.remark_mobiles}
    assert any(" " in m for m in mobiles) and any(m.startswith("+86-") for m in mobiles)
    assert any(m.isdigit() for m in mobiles)
    shared = [e for e, reps in book.followers.items() if len(reps) > 1]
    assert 0 < len(shared) < 0.05 * len(records)
    # The same seed gives the same customers; another seed others.
    small = EmulatorConfig(users=users[:3], wecom_contacts_per_user=200, wecom_contacts_seed=3)
    again, twice = build_book(small, 1_780_000_000), build_book(small, 1_780_000_000)
    assert (again.contacts, again.follows) == (twice.contacts, twice.follows)
    small.wecom_contacts_seed = 4
    assert set(build_book(small, 1_780_000_000).contacts).isdisjoint(again.contacts)


def test_generation_takes_little_memory() -> None:
    users = [{"userid": f"rep{i:02d}", "name": f"销售{i}", "department": [3]}
             for i in range(10)]
    tracemalloc.start()
    try:
        build_book(EmulatorConfig(users=users, wecom_contacts_per_user=1000), 1_780_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 15_000_000, peak  # 10,000 customers: well under 1.5 kB each
