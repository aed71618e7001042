"""Fixtures for the contract tests: the fixed org of tests/web/webkit.py (finance 陈静 also
on DingTalk, plus a second finance clerk only on WeCom), two customers in different teams
and a draft factory; plain helpers are in contractkit.py."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from handlers.contracts import actions as ops
from models.org import user as users
from tests.contracts.contractkit import approve, sign, user
from tests.web.webkit import add_customer, make_org
from zhongshu.db import session_scope


@pytest.fixture()
def org() -> None:
    make_org()
    with session_scope() as session:
        users.upsert(session, wecom_userid="chenjing", name="陈静", role="finance",
                     dingtalk_userid="dt_chenjing")
        users.upsert(session, wecom_userid="zhouqian", name="周倩", role="finance")


@pytest.fixture()
def shop(org: None) -> int:
    """zhangwei's customer (华东)."""
    return add_customer("杭州华滤环保", "13800001111", "zhangwei", region="华东")


@pytest.fixture()
def south(org: None) -> int:
    """zhaolei's customer (华南)."""
    return add_customer("广州南方滤材", "13800003333", "zhaolei", region="华南")


Step = Callable[..., int]


@pytest.fixture()
def draft(shop: int) -> Step:
    """``draft(amount=…, no=…, customer=…, by=…)`` → a new draft's id."""
    def make(amount: str | Decimal = "100000", *, no: str | None = None,
             customer: int | None = None, by: str = "zhangwei") -> int:
        with session_scope() as session:
            row = ops.create_draft(session, user=user(by), customer_id=customer or shop,
                                   amount=Decimal(amount), contract_no=no)
            assert row.id is not None
            return row.id
    return make


@pytest.fixture()
def approved(draft: Step) -> int:
    """A signed and approved ¥100,000 contract of zhangwei's, no payments yet."""
    contract_id = draft("100000", no="HT-A-001")
    sign(contract_id)
    approve(contract_id)
    return contract_id
