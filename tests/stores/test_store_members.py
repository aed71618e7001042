"""Member trajectories: purchases across stores over time, the median repurchase
interval, and members lapsed for more than the configured number of days."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from analytics.stores import repurchase_days
from tests.stores.storekit import SHANGHAI, add_sale, local
from tests.web.webkit import login


def test_repurchase_interval_is_the_median_gap_between_purchase_days():
    days = [local(t) for t in ("2026-11-01T09:00", "2026-11-01T19:00", "2026-11-04T09:00",
                               "2026-11-05T09:00", "2026-11-15T09:00")]
    assert repurchase_days(days, SHANGHAI) == 3.0  # gaps 3, 1, 10
    assert repurchase_days(days[:2], SHANGHAI) is None  # one day only
    # 23:30 and 00:30 in Shanghai are two days even though UTC says one.
    assert repurchase_days([local("2026-11-01T23:30"), local("2026-11-02T00:30")],
                           SHANGHAI) == 1.0


def test_lapsed_members_follow_the_setting(client, chain, settings_env):
    add_sale(chain["S001"], "A1", local("2026-09-01T10:00"), member="OLD")
    add_sale(chain["S001"], "A2", local("2026-09-20T10:00"), member="OLD")
    add_sale(chain["S002"], "B1", local("2026-11-20T10:00"), member="NEW")
    add_sale(chain["S002"], "B2", local("2026-10-01T10:00"), member="OTHER")
    now = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    with mock.patch("web.stores.common.now", return_value=now):
        login(client, "zongbu")
        page = client.get("/h5/members/lapsed").get_data(as_text=True)
        assert "超过 30 天未购买" in page
        assert 'data-member="OLD"' in page and 'data-member="OTHER"' in page
        assert 'data-member="NEW"' not in page
        assert "2 笔，最后购买 2026-09-20（66 天前）" in page
        settings_env(ZS_MEMBER_LAPSED_DAYS="60")
        page = client.get("/h5/members/lapsed").get_data(as_text=True)
        assert 'data-member="OLD"' in page and 'data-member="OTHER"' not in page
        login(client, "dz1")  # S001 and S003 only
        page = client.get("/h5/members/lapsed?days=30").get_data(as_text=True)
        assert 'data-member="OLD"' in page and 'data-member="OTHER"' not in page
