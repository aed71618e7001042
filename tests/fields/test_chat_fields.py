"""Custom fields in the chat: ``新建字段`` from a signed, encrypted WeCom text payload
(supervisor: created; rep: refused politely, nothing created), the list/rename/retire
commands, and the chat check-in asking a required visit field with numbered options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlmodel import select

from lib.geo import wgs84_to_gcj02
from models.config import custom_fields as cf
from models.config import team_config as tc
from models.config import undo as config_undo
from models.platform.outbox import OutboxMessage
from models.visits.visit import Visit
from tests.reliability.relkit import post_wecom_text
from tests.visits.visitkit import HANGZHOU, camera_photo
from zhongshu.db import session_scope

SHOP = "杭州华滤环保"


def _wecom_text(client: Any, user: str, content: str) -> None:
    assert post_wecom_text(client, user, content).status_code == 200


def _replies_to(user: str) -> list[str]:
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == user)
                            .order_by(OutboxMessage.id)).all()
        return [r.payload["text"]["content"] for r in rows if "text" in r.payload]


def _fields() -> list[dict]:
    with session_scope() as session:
        return [f.snapshot() for f in session.exec(select(cf.FieldDef))]


def test_supervisor_creates_a_field_from_wecom_and_a_rep_is_refused(client, run_jobs, org):
    _wecom_text(client, "wangfang", "新建字段 拜访 竞品品牌 单选 A牌/B牌/其他 必填")
    run_jobs()
    (field,) = _fields()
    assert (field["entity"], field["name"], field["kind"], field["options"], field["required"]) \
        == ("visit", "竞品品牌", "select", ["A牌", "B牌", "其他"], True)
    assert "已新建拜访字段：竞品品牌（单选：A牌/B牌/其他，必填）" in _replies_to("wangfang")[-1]
    with session_scope() as session:
        (change,) = tc.history(session)
        assert (change.actor, change.area, change.before) == ("wangfang", "field", None)

    _wecom_text(client, "zhangwei", "新建字段 拜访 拜访时长 数字")
    run_jobs()
    assert "字段只能由主管、销售总监或管理员修改" in _replies_to("zhangwei")[-1]
    assert len(_fields()) == 1

    # A bad definition: the reason, and nothing created.
    _wecom_text(client, "wangfang", "新建字段 拜访 竞品品牌 文本")
    run_jobs()
    assert _replies_to("wangfang")[-1] == "拜访已有名为“竞品品牌”的字段，请换一个名称"
    _wecom_text(client, "wangfang", "新建字段 客户 渠道 单选 代理/直销/代理")
    run_jobs()
    assert _replies_to("wangfang")[-1] == "选项“代理”重复"
    assert len(_fields()) == 1


def test_list_rename_and_retire(say, org):
    say("wangfang", "新建字段 客户 年用量 数字")
    renamed = say("wangfang", "重命名字段 客户 年用量 年采购量")[0].text
    assert "已将客户字段“年用量”改名为“年采购量”" in renamed
    listed = say("zhangwei", "字段列表 客户")[0].text
    assert "1. 年采购量（数字）" in listed
    assert "已停用客户字段“年采购量”" in say("wangfang", "停用字段 客户 年采购量")[0].text
    assert say("zhangwei", "字段列表 客户")[0].text == "客户还没有自定义字段。"
    assert "已停用" in say("wangfang", "字段列表 客户")[0].text
    assert "抱歉" in say("chenjing", "停用字段 客户 年采购量")[0].text
    assert say("wangfang", "停用字段 客户 没有的")[0].text.startswith("客户没有名为“没有的”的字段")


class Chat:
    """One emulated WeCom user (as in tests/checkin): each action goes through the
    emulator's signed, encrypted callbacks, then the worker runs."""

    def __init__(self, emulator: str, run_jobs: Callable[[], int], user: str) -> None:
        self.base = f"{emulator}/_emu/wecom/users/{user}"
        self.emulator, self.run_jobs, self.user, self.seen = emulator, run_jobs, user, 0

    def _after(self, answer: requests.Response) -> str:
        assert answer.status_code == 200 and answer.json()["status"] == 200
        self.run_jobs()
        params: dict[str, str | int] = {"platform": "wecom", "user": self.user,
                                        "since": self.seen}
        messages = requests.get(f"{self.emulator}/_emu/messages", timeout=5,
                                params=params).json()
        if messages:
            self.seen = max(m["id"] for m in messages)
        return "\n".join(str(m["content"][m["content"]["msgtype"]].get("content", ""))
                         for m in messages if m["direction"] == "out"
                         and isinstance(m["content"].get(m["content"]["msgtype"]), dict))

    def send(self, text: str) -> str:
        return self._after(requests.post(f"{self.base}/text", json={"content": text},
                                         timeout=10))

    def photo(self, data: bytes) -> str:
        return self._after(requests.post(f"{self.base}/image", timeout=10,
                                         files={"file": ("visit.jpg", data, "image/jpeg")}))

    def location(self, lat: float, lng: float) -> str:
        return self._after(requests.post(f"{self.base}/location", timeout=10,
                                         json={"lat": lat, "lng": lng, "precision": 20}))


@pytest.fixture()
def brand(org) -> int:
    with session_scope() as session:
        field = cf.create_field(session, actor="wangfang", entity="拜访", name="竞品品牌",
                                kind="单选", options="A牌/B牌/其他", required=True)
        return field.id


def test_chat_checkin_asks_the_required_field(emulator, run_jobs, shop, brand):
    rep = Chat(emulator, run_jobs, "zhangwei")
    assert "共7步" in rep.send(f"拜访签到 {SHOP}")
    rep.photo(camera_photo(31, gps=HANGZHOU))
    rep.location(*wgs84_to_gcj02(HANGZHOU.lat, HANGZHOU.lng))
    rep.send("A")
    rep.send("1")
    rep.send("这款滤芯多久需要更换一次？")
    asked = rep.send("1")
    assert "第7步：竞品品牌？回复编号或原文" in asked and "2. B牌" in asked
    with session_scope() as session:
        assert session.exec(select(Visit)).all() == []
    again = rep.send("5")
    assert "没有第5项" in again and "竞品品牌" in again
    assert "不在列表里" in rep.send("D牌")
    done = rep.send("2")
    assert "拜访已提交" in done
    with session_scope() as session:
        (visit,) = session.exec(select(Visit)).all()
        assert cf.values_for(session, cf.VISIT, [visit.id]) == {visit.id: {brand: "B牌"}}


def test_a_field_added_mid_flow_is_asked_before_submitting(emulator, run_jobs, shop, org):
    rep = Chat(emulator, run_jobs, "zhangwei")
    assert "共6步" in rep.send(f"拜访签到 {SHOP}")
    rep.photo(camera_photo(32, gps=HANGZHOU))
    rep.send("跳过")
    rep.send("B")
    rep.send("2")
    rep.send("最快什么时候能交货？")
    with session_scope() as session:
        cf.create_field(session, actor="wangfang", entity="拜访", name="采购量", kind="数字",
                        required=True)
    asked = rep.send("3")
    assert "请填写采购量（数字）" in asked
    assert "“采购量”应为数字" in rep.send("很多")
    assert "拜访已提交" in rep.send("200")


def test_reorder_by_chat_and_undo_as_one(say, org):
    for name in ("甲", "乙", "丙"):
        say("wangfang", f"新建字段 拜访 {name} 文本")
    assert say("wangfang", "字段排序 拜访 丙 甲")[0].text == "拜访字段顺序：丙、甲、乙"
    assert say("wangfang", "字段排序 拜访 丁")[0].text == "拜访没有使用中的字段“丁”"
    assert "抱歉" in say("zhangwei", "字段排序 拜访 乙")[0].text
    with session_scope() as session:
        latest = tc.history(session)[0]
        config_undo.undo(session, latest.id, actor="wangfang")
    with session_scope() as session:
        assert [f.name for f in cf.fields_of(session, cf.VISIT)] == ["甲", "乙", "丙"]


def test_chat_registration_asks_required_customer_fields(say, org):
    say("wangfang", "新建字段 客户 客户来源 单选 展会/转介绍/网络 必填")
    say("wangfang", "新建字段 客户 年用量 数字 必填")
    say("wangfang", "新建字段 客户 跟进照片 照片 必填")  # can't be answered in chat: not asked
    asked = say("zhangwei", "新客户 绍兴滤材有限公司 王经理 13912345678 制造业 想采购滤芯")
    text = asked[-1].text
    assert "请选择客户来源，回复编号或原文" in text and "2. 转介绍" in text
    assert "还差2项" in text
    assert "“客户来源”没有第7项" in say("zhangwei", "7")[-1].text
    assert "请输入年用量（数字）" in say("zhangwei", "2")[-1].text
    assert "“年用量”应为数字" in say("zhangwei", "不少")[-1].text
    done = say("zhangwei", "1200")
    assert done[-1].card is not None  # the registered card
    with session_scope() as session:
        from models.customers.customer import Customer

        (customer,) = session.exec(select(Customer)).all()
        values = cf.values_for(session, cf.CUSTOMER, [customer.id])[customer.id]
        assert sorted(values.values()) == ["1200", "转介绍"]
