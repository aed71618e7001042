"""``健康度`` from a signed, encrypted WeCom payload, through the real callback, the
inbox job and the outbox; the card builder's exact output; the refusals."""

from __future__ import annotations

import re
import time
from datetime import date
from unittest import mock

import pytest
from sqlmodel import select

from cards import dashboard as cards
from lib.chat import Card, Reply
from models.platform.outbox import OutboxMessage
from tests.dashboard.dashkit import NOW, build
from tests.edge.edgekit import fixture_text, wecom_encrypt, wecom_envelope, wecom_query
from tests.handlers.chatkit import text_of
from zhongshu.db import session_scope


def _post(client, user: str, text: str, msg_id: int, *, signature: str | None = None):
    xml = fixture_text("wecom", "text.xml").replace("zhangsan", user)
    xml = re.sub(r"<CreateTime>\d+</CreateTime>", f"<CreateTime>{int(time.time())}</CreateTime>",
                 xml)
    xml = re.sub(r"<MsgId>\d+</MsgId>", f"<MsgId>{msg_id}</MsgId>", xml)
    xml = re.sub(r"<Content><!\[CDATA\[.*?\]\]></Content>",
                 f"<Content><![CDATA[{text}]]></Content>",
                 xml)
    encrypt = wecom_encrypt(xml)
    return client.post(f"/wecom/callback?{wecom_query(encrypt, signature=signature)}",
                       data=wecom_envelope(encrypt), content_type="text/xml")


def _sent_to(user: str) -> list[dict]:
    with session_scope() as s:
        return [m.payload for m in s.exec(select(OutboxMessage)
                                          .where(OutboxMessage.recipient == user))]


@pytest.fixture()
def data() -> dict[str, int]:
    return build()


def test_supervisor_gets_the_teams_four_metrics(client, run_jobs, data) -> None:
    with mock.patch("handlers.dashboard.commands._now", return_value=NOW):
        assert _post(client, "wangfang", "健康度", 9001).status_code == 200
        run_jobs()
    (payload,) = _sent_to("wangfang")
    card = payload["template_card"]
    assert card["main_title"]["title"] == "销售健康度 · 我的团队"
    rows = {r["keyname"]: r["value"] for r in card["horizontal_content_list"]}
    assert rows == {"拜访覆盖率": "33.3%", "线索转化周期": "74.0 天", "回款率": "30.8%",
                    "流程合规率": "66.7%"}
    assert "%2Fh5%2Fdashboard" in card["card_action"]["url"]


def test_director_of_a_region_and_a_polite_refusal_for_a_rep(client, run_jobs, data) -> None:
    with mock.patch("handlers.dashboard.commands._now", return_value=NOW):
        _post(client, "liuyang", "健康度", 9002)
        _post(client, "zhangwei", "健康度", 9003)
        run_jobs()
    (director,) = _sent_to("liuyang")
    assert director["template_card"]["main_title"]["title"] == "销售健康度 · 华东"
    (rep,) = _sent_to("zhangwei")
    assert rep["text"]["content"] == cards.HEALTH_REFUSED


def test_bad_signature_is_refused_and_nothing_is_queued(client, run_jobs, data) -> None:
    response = _post(client, "wangfang", "健康度", 9004, signature="0" * 40)
    assert response.status_code in (401, 403)
    run_jobs()
    assert _sent_to("wangfang") == []


def test_health_card_exact_output() -> None:
    figures = cards.HealthFigures(scope="华东", week=date(2026, 11, 16), coverage="50.0%",
                                  conversion="74.0 天", collection="52.6%",
                                  compliance="75.0%", freshness="数据更新于 11-20 12:00")
    assert cards.health_card(figures, url="https://x/h5/dashboard") == Reply(card=Card(
        title="销售健康度 · 华东", description="11月16日—11月22日 周 · 数据更新于 11-20 12:00",
        fields=(("拜访覆盖率", "50.0%"), ("线索转化周期", "74.0 天"), ("回款率", "52.6%"),
                ("流程合规率", "75.0%")), url="https://x/h5/dashboard"))


def test_coaching_card_exact_output() -> None:
    rows = [cards.CoachRow("李娜", 4, 1, "25%"), cards.CoachRow("张伟", 0, 0, "无拜访")]
    reply = cards.coaching_card("王芳", date(2026, 11, 16), rows, url="https://x/c.png")
    assert reply == Reply(card=Card(
        title="本周辅导名单：王芳团队合规率最低的 2 位",
        description="11月16日—11月22日 周的流程合规率（记录、客户需求、下一步齐全的拜访占比）。"
                    "点开查看全队图表。",
        fields=(("李娜", "25%（1/4 次拜访）"), ("张伟", "本周无拜访")), url="https://x/c.png"))
    assert text_of([cards.coaching_card("王芳", date(2026, 11, 16), [], url="u")]) == \
        "本周团队没有业务员。"
