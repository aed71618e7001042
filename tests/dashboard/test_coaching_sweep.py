"""The Monday coaching card: 09:00 business time on the first Chinese working day, one per
supervisor and week however often the sweep runs, with a chart link that works."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from analytics import coaching
from jobs.dashboard import sweep_coaching
from models.platform.outbox import OutboxMessage
from tests.dashboard.dashkit import TZ, build
from zhongshu.db import session_scope


def _cards() -> dict[str, dict]:
    with session_scope() as s:
        return {m.recipient: m.payload for m in s.exec(select(OutboxMessage))}


def test_monday_nine_oclock_once_per_supervisor(client, run_jobs) -> None:
    build()
    assert sweep_coaching(datetime(2026, 11, 23, 8, 59, tzinfo=TZ)) == {"queued": 0,
                                                                       "skipped": 0}
    assert sweep_coaching(datetime(2026, 11, 23, 9, 0, tzinfo=TZ))["queued"] == 2
    again = sweep_coaching(datetime(2026, 11, 23, 15, 0, tzinfo=TZ))
    assert again == {"queued": 0, "skipped": 2}
    cards = _cards()
    card = cards["wangfang"]["template_card"]
    # 张伟 (100 %) needs no coaching: only 李娜 is named.
    assert card["main_title"]["title"] == "本周辅导名单：王芳团队合规率最低的 1 位"
    assert [(r["keyname"], r["value"]) for r in card["horizontal_content_list"]] == [
        ("李娜", "0%（0/1 次拜访）")]
    with session_scope() as s:
        keys = sorted(m.dedupe_key for m in s.exec(select(OutboxMessage)))
    assert keys == ["coaching:sunli:2026-11-16", "coaching:wangfang:2026-11-16"]
    # The card opens the team's chart: a PNG behind a signed link.
    url = urlsplit(card["card_action"]["url"])
    image = client.get(f"{url.path}?{url.query}")
    assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("week", "expected"), [
    (date(2026, 11, 23), datetime(2026, 11, 23, 9, 0, tzinfo=TZ)),
    # National Day: Monday 10-05 is a holiday; Thursday 10-08 is the first working day.
    (date(2026, 10, 5), datetime(2026, 10, 8, 9, 0, tzinfo=TZ)),
    # Spring Festival 2026: 02-23 off, Tuesday 02-24 back at work.
    (date(2026, 2, 23), datetime(2026, 2, 24, 9, 0, tzinfo=TZ)),
])
def test_send_time_follows_the_chinese_calendar(week: date, expected: datetime) -> None:
    assert coaching.send_at(week, TZ) == expected


def test_holiday_monday_waits_for_the_first_working_day() -> None:
    build()
    assert sweep_coaching(datetime(2026, 10, 5, 9, 30, tzinfo=TZ))["queued"] == 0
    assert sweep_coaching(datetime(2026, 10, 8, 9, 0, tzinfo=TZ))["queued"] == 2


def test_rollup_sweeps_queue_one_job_each_and_refresh_incrementally(run_jobs) -> None:
    from decimal import Decimal
    from unittest import mock

    from analytics import metrics
    from jobs.dashboard import sweep_dashboard_rollup, sweep_dashboard_rollup_full
    from models.customers.customer import Customer
    from models.customers.orders import Line, add_order
    from tests.dashboard.dashkit import NOW, WEEK, t, user

    ids = build()
    with session_scope() as s:  # c6, a zombie, orders this week
        add_order(s, order_no="SO-NEW", customer_id=ids["c6"], ordered_at=t("2026-11-20 09:00"),
                  owner="lina", lines=[Line("N-1", Decimal(1), Decimal(250))])
        assert s.get(Customer, ids["c6"]) is not None
    assert sweep_dashboard_rollup(NOW) == {"queued": 1}
    assert sweep_dashboard_rollup(NOW) == {"queued": 0}  # already waiting
    assert sweep_dashboard_rollup_full(NOW) == {"queued": 1}
    with mock.patch("jobs.dashboard.utcnow", return_value=NOW):
        assert run_jobs() == 2
    with session_scope() as s:
        sel = metrics.selection(s, user("boss"))
        assert sel is not None
        week = metrics.period_sums(s, sel, WEEK, WEEK)
        assert week["order_amount"] == Decimal(4250) and week["ordering_customers"] == 5
        h = metrics.health(s, sel, WEEK, tz=TZ)
        assert h.conversion_days == 132.0  # c2 16, c3 132, c6 292 days
    assert sweep_dashboard_rollup(NOW) == {"queued": 1}  # the finished job is replaced
