"""Helpers for the message-center tests: a small organisation (with DingTalk accounts for
the finance people), contracts and customers in given states, frozen clocks (``at``
gives the UTC instant of a Shanghai wall-clock time; every sweep is given ``now``)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from models.contracts.contract import SIGNED, Contract
from models.customers.customer import Customer, name_key
from models.org import user as users
from models.platform.outbox import OutboxMessage
from models.rules.rule import RuleFiring
from zhongshu.db import session_scope

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)

# wangfang supervises zhangwei and lina; sunli supervises zhaolei; chenjing is the
# finance lead (DingTalk user dt_chenjing), qianhui plain finance; admin administers.
ORG: list[dict[str, Any]] = [
    {"wecom_userid": "liuyang", "name": "刘洋", "role": "director", "region": "华东"},
    {"wecom_userid": "wangfang", "name": "王芳", "role": "supervisor", "region": "华东",
     "supervisor_userid": "liuyang", "dingtalk_userid": "dt_wangfang"},
    {"wecom_userid": "zhangwei", "name": "张伟", "role": "rep", "region": "华东",
     "supervisor_userid": "wangfang"},
    {"wecom_userid": "lina", "name": "李娜", "role": "rep", "region": "华东",
     "supervisor_userid": "wangfang"},
    {"wecom_userid": "sunli", "name": "孙丽", "role": "supervisor", "region": "华南"},
    {"wecom_userid": "zhaolei", "name": "赵磊", "role": "rep", "region": "华南",
     "supervisor_userid": "sunli"},
    {"wecom_userid": "chenjing", "name": "陈静", "role": "finance",
     "dingtalk_userid": "dt_chenjing"},
    {"wecom_userid": "qianhui", "name": "钱慧", "role": "finance",
     "dingtalk_userid": "ding-qianhui"},
    {"wecom_userid": "admin", "name": "赵敏", "role": "admin"},
]


def at(text: str) -> datetime:
    """'2026-11-23 10:00' in Shanghai time, as the server's UTC clock."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).astimezone(UTC)


def make_org() -> None:
    with session_scope() as session:
        for person in ORG:
            users.upsert(session, **person)
        lead = session.exec(select(users.User).where(users.User.wecom_userid == "chenjing")).one()
        lead.finance_lead = True
        session.add(lead)


def add_customer(name: str, owner: str | None, **fields: Any) -> int:
    with session_scope() as session:
        customer = Customer(name=name, name_key=name_key(name), owner=owner, **fields)
        session.add(customer)
        session.flush()
        assert customer.id is not None
        return customer.id


def add_contract(owner: str, signed: datetime, *, customer_id: int | None = None,
                 status: str = SIGNED, **fields: Any) -> int:
    if customer_id is None:
        customer_id = add_customer(f"客户{next(_numbers)}", owner)
    with session_scope() as session:
        contract = Contract(contract_no=f"HT-2026-{next(_numbers):04d}", customer_id=customer_id,
                            owner=owner, amount=Decimal("128000.00"), status=status,
                            signed_at=signed, **fields)
        session.add(contract)
        session.flush()
        assert contract.id is not None
        return contract.id


def change(model: type, row_id: int, **fields: Any) -> None:
    with session_scope() as session:
        row = session.get(model, row_id)
        assert row is not None
        for key, value in fields.items():
            setattr(row, key, value)
        session.add(row)


def get(model: type, row_id: int) -> Any:
    with session_scope() as session:
        row = session.get(model, row_id)
        assert row is not None
        session.expunge(row)
        return row


def outbox_rows(prefix: str = "rule:") -> list[OutboxMessage]:
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [r for r in rows if r.dedupe_key.startswith(prefix)]


def firings() -> list[RuleFiring]:
    with session_scope() as session:
        return list(session.exec(select(RuleFiring).order_by(RuleFiring.id)))


def content(row: OutboxMessage) -> str:
    return str(row.payload)
