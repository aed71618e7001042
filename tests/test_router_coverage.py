"""Meta-test: every event type the router serves has a recorded platform fixture, and
each one, signed and encrypted like WeCom sends it, goes through the real endpoint and a
worker without error (STYLE.md practice 8)."""

from __future__ import annotations

import re
import time

import pytest

from handlers import router
from models.org import user as users
from models.platform import inbox
from models.platform.outbox import OutboxMessage
from tests.edge import edgekit
from zhongshu.db import session_scope

# The fixture that carries each served kind of event.
FIXTURE_FOR_KIND = {"text": "text.xml", "click": "click.xml", "image": "image.xml",
                    "location": "location.xml", "enter_agent": "enter_agent.xml",
                    "card_action": "template_card_event_button.xml",
                    "contact_change": "external_contact_edit.xml"}
# Stored, deliberately not answered (a WeChat customer's change has no sender to answer).
SILENT = {"location", "enter_agent", "contact_change"}


def _plaintext(served: str, msg_id: int) -> str:
    kind, _, key = served.partition(":")
    xml = edgekit.fixture_text("wecom", FIXTURE_FOR_KIND[kind])
    xml = xml.replace("zhangsan", "zhangwei")
    xml = re.sub(r"<CreateTime>\d+</CreateTime>", f"<CreateTime>{int(time.time())}</CreateTime>",
                 xml)
    xml = re.sub(r"<MsgId>\d+</MsgId>", f"<MsgId>{msg_id}</MsgId>", xml)
    if kind == "text":
        xml = re.sub(r"<Content><!\[CDATA\[.*?\]\]></Content>",
                     f"<Content><![CDATA[{key}]]></Content>", xml)
    if kind in ("click", "card_action"):
        xml = re.sub(r"<EventKey><!\[CDATA\[.*?\]\]></EventKey>",
                     f"<EventKey><![CDATA[{key}]]></EventKey>", xml)
    return xml


def test_every_served_kind_has_a_fixture():
    kinds = {served.partition(":")[0] for served in router.served()}
    assert kinds <= set(FIXTURE_FOR_KIND), kinds - set(FIXTURE_FOR_KIND)
    for name in FIXTURE_FOR_KIND.values():
        assert edgekit.fixture_text("wecom", name).startswith("<xml>")


@pytest.mark.parametrize("served", router.served())
def test_served_event_runs_from_a_signed_payload(served, client, run_jobs, emulator):
    with session_scope() as session:
        users.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep")
    encrypt = edgekit.wecom_encrypt(_plaintext(served, 900000 + len(served)))
    response = client.post(f"/wecom/callback?{edgekit.wecom_query(encrypt)}",
                           data=edgekit.wecom_envelope(encrypt),
                           content_type="text/xml")
    assert response.status_code == 200
    run_jobs()
    with session_scope() as session:
        rows = session.exec(inbox.select(inbox.InboxEvent)).all()
        assert [(r.status, r.error) for r in rows] == [("done", None)]
        replies = session.exec(inbox.select(OutboxMessage)).all()
    if served.partition(":")[0] in SILENT:
        assert replies == []
    else:
        assert replies, f"{served} queued no reply"
