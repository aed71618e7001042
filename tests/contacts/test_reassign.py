"""``转交 客户名 接手人`` (handlers.customers.reassign): who may hand which customer to whom,
and a customer with no WeChat friendship moving at once."""

from __future__ import annotations

from typing import Any

import pytest

from models.customers.customer import Customer
from zhongshu.db import session_scope


@pytest.fixture()
def customer(org: None) -> int:
    with session_scope() as session:
        row = Customer(name="杭州华东机械有限公司", name_key="", owner="zhangwei", region="华东")
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _owner(customer_id: int) -> str | None:
    with session_scope() as session:
        row = session.get(Customer, customer_id)
        assert row is not None
        return row.owner


def test_supervisor_hands_a_customer_to_a_rep_of_the_team(say: Any, customer: int) -> None:
    [reply] = say("wangfang", "转交 华东机械 李娜")
    assert reply.text == "已把「杭州华东机械有限公司」转给 李娜。"
    assert _owner(customer) == "lina"


@pytest.mark.parametrize("user,text,answer", [
    ("zhangwei", "转交 华东机械 李娜", "只有主管或总监可以转交客户。"),
    ("wangfang", "转交 华东机械", "请这样发：转交 客户名 接手人姓名，例如：转交 华东机械 李娜"),
    ("wangfang", "转交 华东机械 赵磊",
     "没有找到可以接手的同事「赵磊」（需在您的团队内、在职的销售）。"),
    ("sunli", "转交 华东机械 赵磊", "没有找到您可以转交的客户「华东机械」。"),
    ("wangfang", "转交 华东机械 张伟", "「杭州华东机械有限公司」已经由 张伟 负责。"),
])
def test_refusals_leave_the_owner(say: Any, customer: int, user: str, text: str,
                                  answer: str) -> None:
    [reply] = say(user, text)
    assert reply.text == answer
    assert _owner(customer) == "zhangwei"
