"""models.customers.registration: quick registration validates, refuses duplicates, writes nothing
when it refuses, and takes owner/source/stage only from the caller."""

from __future__ import annotations

from unittest import mock

import pytest
from sqlmodel import Session, func, select

from models.customers.customer import Customer, name_key
from models.customers.registration import (
    DuplicateCustomer,
    ValidationError,
    clean_field,
    find_duplicates,
    register_customer,
)
from models.org import user as user_model

GOOD = {"name": "绍兴华滤环保股份有限公司", "contact": "王建国", "phone": "138 0013 8000",
        "industry": "环保设备", "intent": "询价PPS除尘滤袋"}


@pytest.fixture()
def reps(session: Session) -> None:
    user_model.upsert(session, wecom_userid="wangfang", name="王芳", role="supervisor",
                      region="华东")
    user_model.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep",
                      supervisor_userid="wangfang", region="华东")
    user_model.upsert(session, wecom_userid="lina", name="李娜", role="rep",
                      supervisor_userid="wangfang", region="华东")
    session.commit()


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Customer)).one()


def test_registers_with_owner_and_defaults_from_the_caller(session: Session, reps: None) -> None:
    customer = register_customer(session, owner="zhangwei", **GOOD)
    session.commit()
    assert customer.id is not None
    assert (customer.name, customer.phone, customer.owner, customer.region, customer.stage,
            customer.source) == ("绍兴华滤环保股份有限公司", "13800138000", "zhangwei", "华东",
                                 "lead", "quick_register")
    assert customer.name_key == "绍兴华滤环保"
    assert customer.last_interaction_at is not None


def test_every_bad_field_gets_its_own_message_and_nothing_is_written(session: Session,
                                                                     reps: None) -> None:
    with pytest.raises(ValidationError) as caught:
        register_customer(session, owner="zhangwei", name="  １２３ ", contact="",
                          phone="138001380", industry=None, intent="x" * 201)
    assert caught.value.errors == {
        "name": "客户名称不能只有数字或符号",
        "contact": "请填写联系人",
        "phone": "手机号应为11位，当前为9位",
        "industry": "请填写行业",
        "intent": "初步意向过长，最多200个字",
    }
    session.commit()
    assert _count(session) == 0


def test_owner_stage_and_status_cannot_come_from_the_form(session: Session, reps: None) -> None:
    form = dict(GOOD, stage="won", owner_userid="lina")
    with pytest.raises(TypeError):
        register_customer(session, owner="zhangwei", **form)  # type: ignore[arg-type]
    assert _count(session) == 0


def test_unknown_owner_is_a_programming_error(session: Session, reps: None) -> None:
    with pytest.raises(ValueError, match="not an active user"):
        register_customer(session, owner="nobody", **GOOD)


@pytest.mark.parametrize(("name", "phone", "match", "message"), [
    ("另一家公司", "+86 138-0013-8000", "phone",
     "电话138****8000已登记为客户“绍兴华滤环保股份有限公司”，负责人：张伟"),
    ("绍兴华滤环保股份有限公司 ", "13900139000", "name",
     "客户“绍兴华滤环保股份有限公司”已存在，负责人：张伟"),
    ("绍兴 华滤环保有限公司", "13900139000", "similar_name",
     "已有名称相近的客户“绍兴华滤环保股份有限公司”，负责人：张伟"),
    ("绍兴华滤环保（有限责任公司）", "13900139000", "similar_name",
     "已有名称相近的客户“绍兴华滤环保股份有限公司”，负责人：张伟"),
])
def test_duplicates_are_refused_and_name_the_owner(session: Session, reps: None, name: str,
                                                   phone: str, match: str, message: str) -> None:
    register_customer(session, owner="zhangwei", **GOOD)
    session.commit()
    found = find_duplicates(session, name=name, phone=phone)
    assert [(d.match, d.owner, d.owner_name, d.message) for d in found] == [
        (match, "zhangwei", "张伟", message)]
    with pytest.raises(DuplicateCustomer) as caught:
        register_customer(session, owner="lina", **dict(GOOD, name=name, phone=phone))
    assert [d.message for d in caught.value.duplicates] == [message]
    session.commit()
    assert _count(session) == 1


def test_find_duplicates_lists_phone_first_then_names(session: Session, reps: None) -> None:
    a = register_customer(session, owner="zhangwei", **GOOD)
    b = register_customer(session, owner="lina", **dict(
        GOOD, name="杭州华滤环保有限公司", phone="0571-88886666"))
    c = Customer(name="杭州华滤环保", name_key=name_key("杭州华滤环保"), phone=None)
    session.add(c)
    session.commit()
    found = find_duplicates(session, name="杭州华滤环保有限公司", phone="13800138000")
    assert [(d.customer_id, d.match) for d in found] == [
        (a.id, "phone"), (b.id, "name"), (c.id, "similar_name")]
    assert found[2].message == "已有名称相近的客户“杭州华滤环保”，负责人：暂无负责人"
    # An invalid phone can't match anything; the name check still runs.
    assert [d.match for d in find_duplicates(session, name="无关公司", phone="123")] == []
    assert find_duplicates(session, name=None, phone=None) == []


def test_clean_field_for_step_by_step_chat(session: Session) -> None:
    assert clean_field("phone", "１３８００１３８０００") == "13800138000"
    assert clean_field("name", " 绍兴  华滤 ") == "绍兴 华滤"
    with pytest.raises(ValidationError) as caught:
        clean_field("phone", "12345")
    assert caught.value.errors == {"phone": "手机号应为11位，当前为5位"}


def test_a_lost_race_for_the_same_phone_is_a_duplicate_not_a_crash(session: Session,
                                                                   reps: None) -> None:
    """Two reps register the same number at once: both pass the duplicate check, the
    unique index stops the second insert, and the loser gets DuplicateCustomer."""
    from models.customers import registration

    register_customer(session, owner="zhangwei", **GOOD)
    session.commit()
    existing = find_duplicates(session, name=None, phone=GOOD["phone"])
    # The first check (before the insert) misses it, as it would in a race.
    with (mock.patch.object(registration, "find_duplicates", side_effect=[[], existing]),
          pytest.raises(DuplicateCustomer) as caught):
        register_customer(session, owner="lina", **dict(GOOD, name="别的名字"))
    assert [d.match for d in caught.value.duplicates] == ["phone"]
    session.commit()  # the session is still usable: the failed insert was a savepoint
    assert _count(session) == 1
