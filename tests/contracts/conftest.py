"""Fixtures for the contract tests: the fixed org of tests/web/webkit.py (finance 陈静 also
on DingTalk, plus a second finance clerk only on WeCom), two customers in different teams
and helpers that drive a contract through its lifecycle with the real functions."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

_TESTS = Path(__file__).resolve().parent.parent
for folder in ("web", "edge", "handlers"):
    if str(_TESTS / folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / folder))

from webkit import add_customer, make_org

from models import contracts_ops as ops
from models import user as users
from models.contract import Contract, ContractEvent, Payment
from models.outbox import OutboxMessage
from zhongshu.db import session_scope


def user(userid: str) -> users.User:
    with session_scope() as session:
        return session.exec(select(users.User).where(users.User.wecom_userid == userid)).one()


def contract(contract_id: int) -> Contract:
    with session_scope() as session:
        row = session.get(Contract, contract_id)
        assert row is not None
        return row


def events(contract_id: int) -> list[tuple[str, str | None, str | None]]:
    with session_scope() as session:
        return [(e.kind, e.from_status, e.to_status) for e in session.exec(
            select(ContractEvent).where(ContractEvent.contract_id == contract_id)
            .order_by(ContractEvent.id))]  # type: ignore[arg-type]


def payments(contract_id: int | None = None) -> list[Payment]:
    with session_scope() as session:
        stmt = select(Payment).order_by(Payment.id)  # type: ignore[arg-type]
        if contract_id is not None:
            stmt = stmt.where(Payment.contract_id == contract_id)
        return list(session.exec(stmt))


def outbox() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


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


def sign(contract_id: int, by: str = "zhangwei", *, now: datetime | None = None) -> Contract:
    with session_scope() as session:
        return ops.sign(session, user=user(by), contract_id=contract_id, now=now)


def approve(contract_id: int, by: str = "chenjing", **kw: Any) -> Contract:
    with session_scope() as session:
        return ops.review(session, user=user(by), contract_id=contract_id, approve=True, **kw)


def pay(contract_id: int, amount: str, by: str = "chenjing", **kw: Any) -> Payment | None:
    with session_scope() as session:
        return ops.book_payment(session, user=user(by), contract_id=contract_id,
                                amount=amount, **kw)


@pytest.fixture()
def approved(draft: Step) -> int:
    """A signed and approved ¥100,000 contract of zhangwei's, no payments yet."""
    contract_id = draft("100000", no="HT-A-001")
    sign(contract_id)
    approve(contract_id)
    return contract_id
