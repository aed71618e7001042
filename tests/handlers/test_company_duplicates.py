"""A company registered under another spelling is caught in the chat registration (a
signed, encrypted WeCom payload): the existing customer and its owner are named, nothing
is created. The H5 form and the import: tests/web."""

from __future__ import annotations

import re
import time
from itertools import count
from typing import Any

from sqlmodel import select

from models.customer import Customer, name_key
from models.outbox import OutboxMessage
from tests.edge.edgekit import fixture_text, wecom_encrypt, wecom_envelope, wecom_query
from zhongshu.db import session_scope

EXISTING = "苏州恒达精密机械有限公司"
OTHER_SPELLING = "恒达精密机械（苏州）有限公司"
NOTICE = f"已有名称相近的客户“{EXISTING}”，负责人：李娜"
_ids = count(810001)


def _existing() -> None:
    with session_scope() as session:
        session.add(Customer(name=EXISTING, name_key=name_key(EXISTING), phone="13900001111",
                             owner="lina", contact="周工", industry="机械", intent="滤袋"))


def _names() -> list[str]:
    with session_scope() as session:
        return [c.name for c in session.exec(select(Customer).order_by(Customer.id))]


def _wecom_text(client: Any, user: str, content: str) -> None:
    xml = fixture_text("wecom", "text.xml").replace("zhangsan", user)
    xml = re.sub(r"<CreateTime>\d+</CreateTime>", f"<CreateTime>{int(time.time())}</CreateTime>",
                 xml)
    xml = re.sub(r"<MsgId>\d+</MsgId>", f"<MsgId>{next(_ids)}</MsgId>", xml)
    xml = re.sub(r"<Content><!\[CDATA\[.*?\]\]></Content>",
                 f"<Content><![CDATA[{content}]]></Content>", xml)
    encrypt = wecom_encrypt(xml)
    response = client.post(f"/wecom/callback?{wecom_query(encrypt)}",
                           data=wecom_envelope(encrypt), content_type="text/xml")
    assert response.status_code == 200


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
