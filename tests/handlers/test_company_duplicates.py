"""A company registered under another spelling is caught in the chat registration (a
signed, encrypted WeCom payload): the existing customer and its owner are named, nothing
is created. The H5 form and the import: tests/web."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from models.customers.customer import Customer, name_key
from models.platform.outbox import OutboxMessage
from tests.reliability.relkit import post_wecom_text
from zhongshu.db import session_scope

EXISTING = "苏州恒达精密机械有限公司"
OTHER_SPELLING = "恒达精密机械（苏州）有限公司"
NOTICE = f"已有名称相近的客户“{EXISTING}”，负责人：李娜"


def _existing() -> None:
    with session_scope() as session:
        session.add(Customer(name=EXISTING, name_key=name_key(EXISTING), phone="13900001111",
                             owner="lina", contact="周工", industry="机械", intent="滤袋"))


def _names() -> list[str]:
    with session_scope() as session:
        return [c.name for c in session.exec(select(Customer).order_by(Customer.id))]


def _wecom_text(client: Any, user: str, content: str) -> None:
    assert post_wecom_text(client, user, content).status_code == 200


def _replies_to(user: str) -> list[str]:
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == user)
                            .order_by(OutboxMessage.id)).all()
        return [r.payload["text"]["content"] for r in rows if "text" in r.payload]


def test_chat_registration_names_the_existing_spelling_and_its_owner(client, run_jobs, org):
    _existing()
    _wecom_text(client, "zhangwei", f"新客户 {OTHER_SPELLING}")
    run_jobs()
    assert NOTICE in _replies_to("zhangwei")[-1]
    assert _names() == [EXISTING]
