"""Helpers for the H5 page tests: a small fixed organisation, customers, signing in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from models.customers.customer import Customer, name_key
from models.org import user as users
from models.platform.outbox import OutboxMessage
from web.auth.identity import SESSION_CSRF, SESSION_USER
from zhongshu.db import session_scope

# The org every permission test uses:
#   liuyang   director, region 华东
#   wangfang  supervisor (华东) of zhangwei and lina
#   sunli     supervisor (华南) of zhaolei
#   admin     admin;  chenjing finance;  gone  an inactive rep of wangfang
ORG: list[dict[str, Any]] = [
    {"wecom_userid": "liuyang", "name": "刘洋", "role": "director", "region": "华东"},
    {"wecom_userid": "wangfang", "name": "王芳", "role": "supervisor", "region": "华东",
     "supervisor_userid": "liuyang"},
    {"wecom_userid": "zhangwei", "name": "张伟", "role": "rep", "region": "华东",
     "supervisor_userid": "wangfang"},
    {"wecom_userid": "lina", "name": "李娜", "role": "rep", "region": "华东",
     "supervisor_userid": "wangfang"},
    {"wecom_userid": "sunli", "name": "孙丽", "role": "supervisor", "region": "华南"},
    {"wecom_userid": "zhaolei", "name": "赵磊", "role": "rep", "region": "华南",
     "supervisor_userid": "sunli"},
    {"wecom_userid": "admin", "name": "赵敏", "role": "admin"},
    {"wecom_userid": "chenjing", "name": "陈静", "role": "finance"},
    {"wecom_userid": "gone", "name": "离职员工", "role": "rep", "region": "华东",
     "supervisor_userid": "wangfang"},
]


def make_org() -> None:
    with session_scope() as session:
        for person in ORG:
            users.upsert(session, **person)
        gone = session.exec(select(users.User).where(users.User.wecom_userid == "gone")).one()
        gone.active = False
        session.add(gone)


def add_customer(name: str, phone: str, owner: str | None, **fields: Any) -> int:
    with session_scope() as session:
        customer = Customer(name=name, name_key=name_key(name), phone=phone, owner=owner,
                            **fields)
        session.add(customer)
        session.flush()
        assert customer.id is not None
        return customer.id


def login(client: Any, userid: str) -> str:
    """Sign ``userid`` in as the OAuth exchange would; returns the CSRF token."""
    token = f"csrf-{userid}-0123456789abcdef"
    with client.session_transaction() as sess:
        sess.clear()
        sess[SESSION_USER] = userid
        sess[SESSION_CSRF] = token
    return token


def customers(**where: Any) -> list[Customer]:
    with session_scope() as session:
        stmt = select(Customer)
        for column, value in where.items():
            stmt = stmt.where(getattr(Customer, column) == value)
        return list(session.exec(stmt.order_by(Customer.id)))  # type: ignore[arg-type]


def outbox_rows() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
