"""The reps' WeChat customers end to end, against the emulator over real HTTP: the full
sync (fewest calls, resumable, idempotent), a friend added on the rep's phone showing up in
``我的客户``, and a supervisor's 转交 moving the WeChat friendship before the owner."""

from __future__ import annotations

import math
from typing import Any

import pytest
import requests
from sqlmodel import select

from bot.delivery import RetryLater
from bot.wecom.contacts import ContactsApi
from handlers.contacts import sync
from handlers.contacts.handover import poll_transfers
from models.contacts.contact import WeChatContact, WeChatFollow, WeChatTransfer
from models.customers.customer import Customer
from models.platform.outbox import OutboxMessage
from zhongshu.db import session_scope

DAY = 24 * 3600


def _seed(emulator: str, userid: str, contacts: list[dict[str, Any]]) -> list[str]:
    answer = requests.post(f"{emulator}/_emu/wecom/contacts", timeout=10,
                           json={"userid": userid, "contacts": contacts})
    answer.raise_for_status()
    return list(answer.json()["external_userids"])


def _calls(emulator: str, api: str) -> int:
    calls = requests.get(f"{emulator}/_emu/calls", timeout=10).json()
    return sum(1 for c in calls if str(c.get("api", "")).endswith(api))


def _customers() -> list[Customer]:
    with session_scope() as session:
        return list(session.exec(select(Customer).order_by(Customer.id)))  # type: ignore[arg-type]


def _texts_to(userid: str) -> list[str]:
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == userid))
        return [str(r.payload) for r in rows]


def test_full_sync_pages_with_the_fewest_calls_and_links_existing(
        org: None, emulator: str) -> None:
    with session_scope() as session:
        session.add(Customer(name="宁波海纳贸易有限公司", name_key="", phone="13900139000",
                             owner="lina", source="manual"))
    _seed(emulator, "zhangwei", [{"name": f"客户{i}", "corp_name": f"测试公司{i}"}
                                 for i in range(230)])
    [shared] = _seed(emulator, "lina", [{"name": "海纳老周", "mobile": "139 0013 9000"}])
    _seed(emulator, "zhangwei", [{"external_userid": shared, "name": "海纳老周"}])
    report = sync.sync(["zhangwei", "lina"])
    assert report.errors == []
    assert report.calls == math.ceil(232 / 100) == _calls(emulator, "batch/get_by_user")
    customers = _customers()
    assert len(customers) == 231  # 230 new + the existing one, linked by its mobile
    haina = next(c for c in customers if c.phone == "13900139000")
    assert haina.owner == "lina" and haina.source == "manual"
    again = sync.sync(["zhangwei", "lina"])
    assert again.counts["customers_created"] == 0 and len(_customers()) == 231


class _Interrupted(ContactsApi):
    """Answers two pages, then fails as a dropped connection would, until told not to."""

    def __init__(self) -> None:
        super().__init__()
        self.pages = 0
        self.broken = True

    def batch_get_by_user(self, userids: list[str], cursor: str = "",
                          limit: int = 100) -> dict[str, Any]:
        if self.broken and self.pages == 2:
            raise RetryLater(None, "connection reset")
        self.pages += 1
        return super().batch_get_by_user(userids, cursor, limit)


def test_an_interrupted_sync_resumes_where_it_stopped(org: None, emulator: str) -> None:
    _seed(emulator, "zhangwei", [{"name": f"客户{i}"} for i in range(350)])
    api = _Interrupted()
    first = sync.sync(["zhangwei"], api=api, sleep=lambda _s: None)
    assert first.errors and len(_customers()) == 200
    api.broken = False
    second = sync.sync(["zhangwei"], api=api, sleep=lambda _s: None)
    assert second.errors == [] and second.pages == 2  # pages 3 and 4 only
    assert len(_customers()) == 350
    with session_scope() as session:
        assert len(session.exec(select(WeChatContact)).all()) == 350


def test_rate_limit_backs_off_and_finishes(org: None, emulator: str) -> None:
    _seed(emulator, "zhangwei", [{"name": f"客户{i}"} for i in range(120)])
    requests.post(f"{emulator}/_emu/faults", timeout=10, json={
        "platform": "wecom", "api": "externalcontact/batch/get_by_user", "errcode": 45009,
        "times": 2}).raise_for_status()
    waits: list[float] = []
    report = sync.sync(["zhangwei"], sleep=waits.append)
    assert report.errors == [] and len(waits) == 2 and min(waits) >= 60
    assert len(_customers()) == 120


def test_a_friend_added_on_the_phone_is_in_my_customers(
        org: None, emulator: str, run_jobs: Any, say: Any) -> None:
    answer = requests.post(f"{emulator}/_emu/wecom/users/zhangwei/contacts/add", timeout=10,
                           json={"name": "陈总", "corp_name": "温州瑞丰五金有限公司",
                                 "state": "expo2026"})
    assert answer.status_code == 200, answer.text
    run_jobs()
    [customer] = _customers()
    assert (customer.name, customer.owner, customer.source) == (
        "温州瑞丰五金有限公司", "zhangwei", "wechat")
    assert customer.extra == {"wechat_channel": "expo2026"}
    replies = say("zhangwei", "我的客户")
    shown = " ".join(str(r.card or r.text or r.markdown or "") for r in replies)
    assert "温州瑞丰五金有限公司" in shown and "微信好友" in shown
    assert any("新的微信客户" in t for t in _texts_to("zhangwei"))
    # The same callback again (WeCom retries) changes nothing.
    run_jobs()
    assert len(_customers()) == 1


def test_customer_deleting_the_rep_is_kept_and_the_supervisor_told(
        org: None, emulator: str, run_jobs: Any) -> None:
    [ext] = _seed(emulator, "zhangwei", [{"name": "周经理", "corp_name": "嘉兴天成机电"}])
    sync.sync(["zhangwei"])
    requests.post(f"{emulator}/_emu/wecom/users/zhangwei/contacts/{ext}/deleted_by_customer",
                  timeout=10).raise_for_status()
    run_jobs()
    with session_scope() as session:
        follow = session.exec(select(WeChatFollow)).one()
        assert follow.status == "deleted_by_customer"
    assert len(_customers()) == 1
    assert any("删除了" in t for t in _texts_to("wangfang"))


def test_reassigning_a_wechat_customer_moves_the_friendship_first(
        org: None, emulator: str, run_jobs: Any, say: Any) -> None:
    [ext] = _seed(emulator, "zhangwei", [{"name": "吴总", "corp_name": "苏州金桥精密机械"}])
    sync.sync(["zhangwei"])
    [reply] = say("wangfang", "转交 金桥精密 李娜")
    assert "已发起" in (reply.text or "")
    run_jobs()
    [transfer] = requests.get(f"{emulator}/_emu/wecom/contacts/transfers", timeout=10).json()
    assert (transfer["handover"], transfer["takeover"], transfer["external_userid"]) == (
        "zhangwei", "lina", ext)
    with session_scope() as session:
        assert poll_transfers(session) == {"done": 0, "failed": 0, "waiting": 1}
    assert _customers()[0].owner == "zhangwei"  # not before WeCom has moved it
    requests.post(f"{emulator}/_emu/clock", json={"advance": DAY + 60},
                  timeout=10).raise_for_status()
    with session_scope() as session:
        assert poll_transfers(session)["done"] == 1
    assert _customers()[0].owner == "lina"
    assert any("转接完成" in t for t in _texts_to("wangfang"))


@pytest.mark.parametrize("refusal", ["customer_refused", "customer_limit_exceed"])
def test_a_refused_transfer_keeps_the_owner_and_tells_the_supervisor(
        org: None, emulator: str, run_jobs: Any, say: Any, refusal: str) -> None:
    [ext] = _seed(emulator, "zhangwei", [{"name": "郑总", "corp_name": "绍兴盛世纺织"}])
    sync.sync(["zhangwei"])
    requests.post(f"{emulator}/_emu/wecom/contacts/refuse", timeout=10,
                  json={"external_userid": ext, "reason": refusal}).raise_for_status()
    say("wangfang", "转交 盛世纺织 李娜")
    run_jobs()
    requests.post(f"{emulator}/_emu/clock", json={"advance": DAY + 60},
                  timeout=10).raise_for_status()
    run_jobs()  # the transfer_fail callback
    with session_scope() as session:
        poll_transfers(session)
        transfer = session.exec(select(WeChatTransfer)).one()
        assert transfer.status == "failed"
    assert _customers()[0].owner == "zhangwei"
    assert any("没有转给" in t for t in _texts_to("wangfang"))


def test_a_third_transfer_in_ninety_days_is_refused_by_wecom(
        org: None, emulator: str, run_jobs: Any, say: Any) -> None:
    [ext] = _seed(emulator, "zhangwei", [{"name": "钱总", "corp_name": "常州同创电子"}])
    sync.sync(["zhangwei"])
    for takeover, back in (("李娜", "lina"), ("张伟", "zhangwei")):
        say("wangfang", f"转交 同创电子 {takeover}")
        run_jobs()
        requests.post(f"{emulator}/_emu/clock", json={"advance": DAY + 60},
                      timeout=10).raise_for_status()
        run_jobs()
        with session_scope() as session:
            assert poll_transfers(session)["done"] == 1
        assert _customers()[0].owner == back
    say("wangfang", "转交 同创电子 李娜")
    run_jobs()
    assert _customers()[0].owner == "zhangwei"
    assert any("90 天内已转接过两次" in t for t in _texts_to("wangfang"))
    assert ext
