"""The store manager's daily report: yesterday's numbers are already filled in, the
manager adds notes, and a store's day can be submitted once."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from sqlmodel import select

from models.stores.store import Promotion, StoreDailyReport
from tests.stores.storekit import add_sale, add_traffic, local
from tests.web.webkit import login
from zhongshu.db import session_scope

NOW = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # Tuesday 09:30 in Shanghai


@pytest.fixture()
def yesterday(chain):
    add_traffic(chain["S001"], local("2026-11-23T08:00"), [40, 60])
    add_traffic(chain["S001"], local("2026-11-22T08:00"), [999])  # the day before: not counted
    add_sale(chain["S001"], "R1", local("2026-11-23T08:30"), "25.50")
    add_sale(chain["S001"], "R2", local("2026-11-23T09:05"), "14.50")
    with session_scope() as session:
        session.add(Promotion(title="周末特卖", starts_on=NOW.date(), ends_on=NOW.date(),
                              checklist=["堆头", "价签"], created_by="zongbu"))
    with mock.patch("web.stores.common.now", return_value=NOW):
        yield chain


def test_the_report_is_prefilled_and_submitted_once(client, yesterday):
    store = yesterday["S001"]
    login(client, "dz1")
    page = client.get(f"/h5/stores/{store}/report").get_data(as_text=True)
    assert "2026-11-23" in page
    for fragment in ('id="r-traffic">100<', 'id="r-transactions">2<', 'id="r-conversion">2.0%<',
                     'id="r-sales">¥40.00<', 'id="r-pending">2<'):
        assert fragment in page
    token = login(client, "dz1")
    response = client.post(f"/h5/stores/{store}/report",
                           data={"csrf_token": token, "notes": "上午到货晚", "issues": ""})
    assert response.status_code == 200 and "日报已提交" in response.get_data(as_text=True)
    again = client.post(f"/h5/stores/{store}/report",
                        data={"csrf_token": token, "notes": "改一下"})
    assert again.status_code == 409 and "已经提交过了" in again.get_data(as_text=True)
    with session_scope() as session:
        (report,) = session.exec(select(StoreDailyReport)).all()
    assert report.notes == "上午到货晚" and report.figures["traffic"] == 100
    assert report.figures["sales"] == "40.00"
    shown = client.get(f"/h5/stores/{store}/report").get_data(as_text=True)
    assert "已于" in shown and "提交日报" not in shown


def test_too_long_notes_are_refused_with_the_text_kept(client, yesterday):
    token = login(client, "dz1")
    response = client.post(f"/h5/stores/{yesterday['S001']}/report",
                           data={"csrf_token": token, "notes": "长" * 1001})
    assert response.status_code == 422 and "内容不能超过 1000 字" in response.get_data(as_text=True)
    with session_scope() as session:
        assert session.exec(select(StoreDailyReport)).all() == []


def test_money_is_shown_with_thousands_separators(client, yesterday):
    store = yesterday["S001"]
    add_sale(store, "R3", local("2026-11-23T10:00"), "12345.60", member="M77")
    login(client, "dz1")
    report = client.get(f"/h5/stores/{store}/report").get_data(as_text=True)
    assert 'id="r-sales">¥12,385.60<' in report
    with mock.patch("web.stores.common.today", return_value=NOW.date()):
        page = client.get(f"/h5/stores/{store}").get_data(as_text=True)
    assert "¥12,385.60" in page and "¥12385.60" not in page
    member = client.get("/h5/members/M77").get_data(as_text=True)
    assert "¥12,345.60" in member
