"""Helpers for the visit plan tests: a small organisation, customers, visits, frozen
clocks (``at`` gives an aware datetime in business time; every sweep and page is given
``now`` or has its clock patched, so the server's own time zone never matters)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from models.customers.customer import Customer, name_key
from models.org import user as users
from models.platform.outbox import OutboxMessage
from models.visits.visit import Visit
from web.auth.identity import SESSION_CSRF, SESSION_USER
from zhongshu.db import session_scope

SHANGHAI = ZoneInfo("Asia/Shanghai")

# wangfang supervises zhangwei and lina (and gone, inactive); sunli supervises zhaolei.
ORG: list[dict[str, Any]] = [
    {"wecom_userid": "liuyang", "name": "刘洋", "role": "director"},
    {"wecom_userid": "wangfang", "name": "王芳", "role": "supervisor",
     "supervisor_userid": "liuyang"},
    {"wecom_userid": "zhangwei", "name": "张伟", "role": "rep", "supervisor_userid": "wangfang"},
    {"wecom_userid": "lina", "name": "李娜", "role": "rep", "supervisor_userid": "wangfang"},
    {"wecom_userid": "sunli", "name": "孙丽", "role": "supervisor"},
    {"wecom_userid": "zhaolei", "name": "赵磊", "role": "rep", "supervisor_userid": "sunli"},
    {"wecom_userid": "chenjing", "name": "陈静", "role": "finance"},
    {"wecom_userid": "gone", "name": "离职员工", "role": "rep", "supervisor_userid": "wangfang"},
]


def at(text: str) -> datetime:
    """'2026-11-20 16:59' in Shanghai time, returned in UTC (the server's clock)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).astimezone(UTC)


def make_org() -> None:
    with session_scope() as session:
        for person in ORG:
            users.upsert(session, **person)
        gone = session.exec(select(users.User).where(users.User.wecom_userid == "gone")).one()
        gone.active = False
        session.add(gone)


def user(userid: str) -> users.User:
    with session_scope() as session:
        found = session.exec(select(users.User).where(users.User.wecom_userid == userid)).one()
        session.expunge(found)
        return found


def add_customer(name: str, owner: str | None, **fields: Any) -> int:
    with session_scope() as session:
        customer = Customer(name=name, name_key=name_key(name), owner=owner, **fields)
        session.add(customer)
        session.flush()
        assert customer.id is not None
        return customer.id


def add_visit(rep: str, customer_id: int, when: datetime, *, compliant: bool | None = True,
              **fields: Any) -> int:
    values: dict[str, Any] = {"grade": "A", "pain_points": ["价格偏高"],
                              "question": "这款滤芯多久换一次？", "next_action": "寄送样品",
                              "photo_path": "x.jpg", "status": "checked"}
    values.update(fields)
    with session_scope() as session:
        visit = Visit(rep=rep, customer_id=customer_id, at=when, compliant=compliant, **values)
        session.add(visit)
        session.flush()
        assert visit.id is not None
        return visit.id


def login(client: Any, userid: str) -> str:
    token = f"csrf-{userid}-0123456789abcdef"
    with client.session_transaction() as sess:
        sess.clear()
        sess[SESSION_USER] = userid
        sess[SESSION_CSRF] = token
    return token


def outbox_rows(prefix: str = "") -> list[OutboxMessage]:
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [r for r in rows if r.dedupe_key.startswith(prefix)]
