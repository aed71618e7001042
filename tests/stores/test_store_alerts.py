"""The weekly "busy but not selling" alert: built on demo data made the way
``zhongshu/demo/stores.py`` makes it, with three planted stores. It finds exactly those
stores once two complete weeks show the pattern, not after one, not before 09:00 on the
first working day, and only once however often the sweep runs."""

from __future__ import annotations

import json
import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from analytics import stores as metrics
from cards import store as cards
from handlers.stores.alerts import alert_due_at
from jobs.stores import sweep_store_alerts
from models.stores.store import Store, StoreAlert
from tests.stores.storekit import local, outbox_rows
from zhongshu.db import session_scope
from zhongshu.demo.stores import load_demo_stores

PLANTED = ("MD003", "MD007", "MD010")
WEEK1, WEEK2 = date(2026, 11, 2), date(2026, 11, 9)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture()
def two_weeks() -> dict[str, int]:
    return load_demo_stores(progress=False, now=local("2026-11-16T00:00"), count=12, weeks=2,
                            planted=PLANTED, traffic=6.0, first_week=WEEK1, seed=8)


def _alerted() -> list[tuple[str, str]]:
    return sorted((row.recipient, row.dedupe_key) for row in outbox_rows())


def _codes(findings: dict[int, metrics.Finding]) -> set[str]:
    with session_scope() as session:
        return {session.get(Store, sid).code for sid in findings}  # type: ignore[union-attr]


def test_the_demo_data_plants_the_pattern_in_each_week(two_weeks):
    assert two_weeks["stores"] == 12 and two_weeks["store_traffic"] > 12 * 14 * 13
    thresholds = metrics.Thresholds()
    with session_scope() as session:
        assert _codes(metrics.busy_not_selling(session, WEEK1, SHANGHAI,
                                               thresholds)) == set(PLANTED)
        assert _codes(metrics.busy_not_selling(session, WEEK2, SHANGHAI,
                                               thresholds)) == set(PLANTED)
        assert metrics.busy_not_selling(session, date(2026, 10, 26), SHANGHAI, thresholds) == {}


def test_no_alert_after_one_week_nor_before_nine_on_the_working_day(two_weeks):
    # Monday after week 1: week 1 is flagged, but the week before it has no data.
    assert sweep_store_alerts(local("2026-11-09T09:00")) == {"queued": 0, "stores": 0}
    assert sweep_store_alerts(local("2026-11-12T15:00")) == {"queued": 0, "stores": 0}
    # Monday after week 2, one minute early.
    assert sweep_store_alerts(local("2026-11-16T08:59")) == {"queued": 0, "stores": 0}
    assert outbox_rows() == []


def test_two_flagged_weeks_alert_hq_about_exactly_the_planted_stores_once(two_weeks):
    result = sweep_store_alerts(local("2026-11-16T09:00"))
    assert result == {"queued": 6, "stores": 3}  # 3 stores × 2 HQ users
    keys = _alerted()
    assert keys == sorted((user, f"store-alert:{code}:2026-11-09:{user}")
                          for code in PLANTED for user in ("zongbu", "zongbu2"))
    with session_scope() as session:
        alerts = session.exec(select(StoreAlert)).all()
        assert sorted(session.get(Store, a.store_id).code for a in alerts) == list(PLANTED)  # type: ignore[union-attr]
        figures = alerts[0].figures
    this_week = figures["this_week"]
    assert this_week["traffic"] > 1.3 * this_week["peer_traffic"]
    assert this_week["conversion"] < 0.7 * this_week["peer_conversion"]

    # The card carries the numbers and links to the store's heatmap page.
    payload = json.dumps(outbox_rows()[0].payload, ensure_ascii=False)
    assert "门店客流高、转化低" in payload and "同行中位数" in payload
    assert "%2Fh5%2Fstores%2F" in payload

    # Every later run that week (and a second scheduler) finds the same keys.
    assert sweep_store_alerts(local("2026-11-16T10:00"))["queued"] == 0
    assert sweep_store_alerts(local("2026-11-20T10:00"))["queued"] == 0
    assert len(outbox_rows()) == 6


def test_thresholds_are_settings(two_weeks, settings_env):
    settings_env(ZS_STORE_TRAFFIC_K="3.0")  # nobody is three times the median
    assert sweep_store_alerts(local("2026-11-16T09:00")) == {"queued": 0, "stores": 0}


def test_after_spring_festival_both_weeks_alert_on_the_first_working_day():
    load_demo_stores(progress=False, now=local("2026-02-24T12:00"), count=12, weeks=3,
                     planted=PLANTED, traffic=6.0, first_week=date(2026, 2, 2), seed=8)
    # 16 February (a holiday Monday) and 23 February are off: nothing until Tuesday 24th.
    assert sweep_store_alerts(local("2026-02-23T10:00"))["queued"] == 0
    assert sweep_store_alerts(local("2026-02-24T09:00")) == {"queued": 12, "stores": 6}
    weeks = {row.dedupe_key.split(":")[2] for row in outbox_rows()}
    assert weeks == {"2026-02-09", "2026-02-16"}


def test_alerts_wait_for_the_first_working_day():
    # National Day 2026: the Monday after the week of 28 September is a holiday.
    assert alert_due_at(date(2026, 9, 28), SHANGHAI) == local("2026-10-08T09:00").astimezone(
        SHANGHAI)
    assert alert_due_at(date(2026, 9, 21), SHANGHAI).date() == date(2026, 9, 28)


def test_the_alert_card_shows_both_weeks():
    reply = cards.alert_card(
        name="幸福路店", code="S001", url="https://example.test/h5/stores/1",
        this_week=cards.WeekNumbers(date(2026, 11, 9), 1800, 0.1, 900.0, 0.31),
        last_week=cards.WeekNumbers(date(2026, 11, 2), 1750, 0.11, 880.0, 0.3))
    assert reply.card is not None
    assert reply.card.title == "门店客流高、转化低：幸福路店"
    assert reply.card.fields == (
        ("客流（11月9日—11月15日）", "1800 人（同行中位数 900）"),
        ("转化率（11月9日—11月15日）", "10.0%（同行中位数 31.0%）"),
        ("客流（11月2日—11月8日）", "1750 人（同行中位数 880）"),
        ("转化率（11月2日—11月8日）", "11.0%（同行中位数 30.0%）"))
    assert reply.card.url == "https://example.test/h5/stores/1"


def test_the_full_demo_plants_exactly_three_busy_but_not_selling_stores():
    from zhongshu.demo.stores import PLANTED as DEMO_PLANTED

    now = local("2026-11-25T12:00")
    counts = load_demo_stores(progress=False, now=now)
    assert counts["stores"] == 47 and counts["promotions"] == 2
    assert load_demo_stores(progress=False, now=now) == dict.fromkeys(counts, 0)
    assert sweep_store_alerts(local("2026-11-23T09:00"))["stores"] == 3
    with session_scope() as session:
        alerts = [(session.get(Store, a.store_id).code, a.week.isoformat())  # type: ignore[union-attr]
                  for a in session.exec(select(StoreAlert))]
    assert sorted(alerts) == [(code, "2026-11-16") for code in sorted(DEMO_PLANTED)]


def test_a_chain_wide_director_also_gets_the_alert_a_regional_one_does_not(two_weeks):
    from models.org import user as users

    with session_scope() as session:
        users.upsert(session, wecom_userid="liuyang", name="刘洋", role="director")
        users.upsert(session, wecom_userid="huadong", name="华东总监", role="director",
                     region="华东")
        users.upsert(session, wecom_userid="zhangwei", name="张伟", role="rep")
    assert sweep_store_alerts(local("2026-11-16T09:00"))["queued"] == 9
    assert {row.recipient for row in outbox_rows()} == {"zongbu", "zongbu2", "liuyang"}


def test_the_list_and_the_store_page_mark_the_alerted_stores_with_the_reason(client,
                                                                             two_weeks):
    from unittest import mock

    from tests.web.webkit import login
    from zhongshu.demo.stores import HQ_USERS

    sweep_store_alerts(local("2026-11-16T09:00"))
    with mock.patch("web.stores.common.now", return_value=local("2026-11-18T10:00")):
        login(client, HQ_USERS[0][0])
        listing = client.get("/h5/stores").get_data(as_text=True)
        busy = re.findall(r'data-store="(MD\d+)" data-busy', listing)
        assert busy == list(PLANTED)
        row = listing.split(f'data-store="{PLANTED[0]}"', 1)[1].split("</a>", 1)[0]
        assert "客流高·转化低" in row
        assert re.search(r"连续两周客流高于同行、成交转化低于同行（11月9日—11月15日：客流 \d+ 人，"
                         r"同行中位数 \d+；转化率 \d+\.\d%，同行中位数 \d+\.\d%）", row)
        quiet = listing.split('data-store="MD001"', 1)[1].split("</a>", 1)[0]
        assert "客流高·转化低" not in quiet
        with session_scope() as session:
            ids = {s.code: s.id for s in session.exec(select(Store))}
        page = client.get(f"/h5/stores/{ids[PLANTED[1]]}").get_data(as_text=True)
        assert 'id="store-busy"' in page and "已提醒总部：客流高、转化低" in page
        assert "连续两周客流高于同行" in page
        assert 'id="store-busy"' not in client.get(f"/h5/stores/{ids['MD001']}").get_data(
            as_text=True)
    # Weeks later the mark is gone: it follows the alert, not forever.
    with mock.patch("web.stores.common.now", return_value=local("2026-12-20T10:00")):
        assert "data-busy" not in client.get("/h5/stores").get_data(as_text=True)
