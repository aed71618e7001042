"""Fixtures for handler tests: a small sales organisation and a ``say`` helper that runs
one event through the router in its own committed transaction, as jobs/inbound.py does."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from lib.chat import Event, Reply
from models.customers.customer import Customer
from models.org import user as users
from models.platform.conversation import Conversation
from zhongshu.db import session_scope

# wecom userid, name, role, supervisor, dingtalk userid, region — the emulator's directory
# plus a second team (zhaolei under sunli) to test that scopes stop at team borders.
ORG = [
    ("zhangwei", "张伟", "rep", "wangfang", "dt_zhangwei", "华东"),
    ("lina", "李娜", "rep", "wangfang", "dt_lina", "华东"),
    ("wangfang", "王芳", "supervisor", None, "dt_wangfang", "华东"),
    ("liuyang", "刘洋", "director", None, "dt_liuyang", None),
    ("chenjing", "陈静", "finance", None, "dt_chenjing", None),
    ("admin", "赵敏", "admin", None, "dt_admin", None),
    ("zhaolei", "赵磊", "rep", "sunli", "dt_zhaolei", "华南"),
    ("sunli", "孙丽", "supervisor", None, "dt_sunli", "华南"),
]

Say = Callable[..., list[Reply]]


@pytest.fixture()
def org() -> None:
    with session_scope() as session:
        for wecom, name, role, supervisor, dingtalk, region in ORG:
            users.upsert(session, wecom_userid=wecom, name=name, role=role,
                         supervisor_userid=supervisor, dingtalk_userid=dingtalk, region=region)


@pytest.fixture()
def say() -> Say:
    """``say(user, text, platform="wecom", kind="text", key="")`` → the handler's replies."""
    from handlers import router

    counter = itertools.count(1)

    def run(user: str, text: str = "", *, platform: str = "wecom", kind: str = "text",
            key: str = "") -> list[Reply]:
        event = Event(platform=platform, kind=kind, key=key, user_id=user,
                      dedupe_key=f"test:{next(counter)}", created_at=0,
                      payload={"content": text} if kind == "text" else {})
        with session_scope() as session:
            return router.dispatch(event, session)

    return run


@pytest.fixture()
def customers(session: Session) -> Callable[..., list[Customer]]:
    def rows(**where: Any) -> list[Customer]:
        session.expire_all()
        stmt = select(Customer).order_by(Customer.id)  # type: ignore[arg-type]
        for name, value in where.items():
            stmt = stmt.where(getattr(Customer, name) == value)
        return list(session.exec(stmt))

    return rows


@pytest.fixture()
def flow_state(session: Session) -> Callable[[str, str], Conversation | None]:
    def row(user: str, platform: str = "wecom") -> Conversation | None:
        session.expire_all()
        return session.exec(select(Conversation).where(Conversation.platform == platform,
                                                       Conversation.user_id == user)).first()

    return row
