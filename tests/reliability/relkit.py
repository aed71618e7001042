"""Helpers shared by the reliability, security and fuzz tests: signed WeCom callbacks
through the real endpoint, and small reads of what was stored or sent."""

from __future__ import annotations

import itertools
import time
from typing import Any
from xml.sax.saxutils import escape

from sqlmodel import func, select

from models.platform.inbox import InboxEvent
from models.platform.outbox import OutboxMessage
from tests.edge.edgekit import wecom_encrypt, wecom_envelope, wecom_query
from zhongshu.db import session_scope

_msgids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)


def wecom_text_xml(user: str, content: str, *, msgid: int | None = None) -> str:
    mid = next(_msgids) if msgid is None else msgid
    # CDATA cannot hold "]]>": split it the way XML writers do.
    safe = content.replace("]]>", "]]]]><![CDATA[>")
    return (f"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>"
            f"<FromUserName><![CDATA[{escape(user)}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{safe}]]></Content><MsgId>{mid}</MsgId>"
            f"<AgentID>1000002</AgentID></xml>")


def post_wecom(client: Any, plaintext: str) -> Any:
    """POST one signed, encrypted callback to /wecom/callback (Flask test client)."""
    encrypt = wecom_encrypt(plaintext)
    return client.post(f"/wecom/callback?{wecom_query(encrypt)}", data=wecom_envelope(encrypt),
                       content_type="text/xml")


def post_wecom_text(client: Any, user: str, content: str, *, msgid: int | None = None) -> Any:
    return post_wecom(client, wecom_text_xml(user, content, msgid=msgid))


def inbox_count(**where: Any) -> int:
    with session_scope() as session:
        stmt = select(func.count()).select_from(InboxEvent)
        for column, value in where.items():
            stmt = stmt.where(getattr(InboxEvent, column) == value)
        return int(session.exec(stmt).one())


def outbox_rows(**where: Any) -> list[OutboxMessage]:
    with session_scope() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        for column, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, column) == value)
        return list(session.exec(stmt))
