"""``/h5/plan``: own customers only, add/remove with CSRF, read-only once locked, the
supervisor's uncovered section (clock patched)."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from models.visits import plan as plans
from tests.plans.plankit import SHANGHAI, add_customer, at, login, make_org, user
from zhongshu.db import session_scope

OPEN = at("2026-11-27 16:59")
LOCKED = at("2026-11-27 17:00")


@pytest.fixture()
def org() -> None:
    make_org()


def _planned(userid: str, now=OPEN) -> set[str]:
    with session_scope() as session:
        view = plans.get_plan(session, user(userid), plans.next_week(now, SHANGHAI), now=now,
                              tz=SHANGHAI)
        return {c.name for c in view.customers}


def test_page_lists_own_customers_and_adds_and_removes(client, org: None) -> None:
    mine = add_customer("杭州精工机械", "zhangwei")
    theirs = add_customer("温州鑫源电器", "lina")
    token = login(client, "zhangwei")
    with mock.patch("web.visits.plans._now", return_value=OPEN):
        page = client.get("/h5/plan").get_data(as_text=True)
        assert "杭州精工机械" in page and "温州鑫源电器" not in page
        assert 'data-locked="no"' in page
        # Without the CSRF token: refused, nothing changed.
        assert client.post("/h5/plan", data={"action": "add", "customer_id": mine}
                           ).status_code in (400, 403)
        assert _planned("zhangwei") == set()
        response = client.post("/h5/plan", data={"action": "add", "customer_id": mine,
                                                 "csrf_token": token})
        assert response.status_code == 303
        # Someone else's customer id is ignored.
        client.post("/h5/plan", data={"action": "add", "customer_id": theirs,
                                      "csrf_token": token})
        assert _planned("zhangwei") == {"杭州精工机械"}
        client.post("/h5/plan", data={"action": "remove", "customer_id": mine,
                                      "csrf_token": token})
        assert _planned("zhangwei") == set()


def test_locked_page_is_read_only(client, org: None) -> None:
    mine = add_customer("杭州精工机械", "zhangwei")
    token = login(client, "zhangwei")
    with mock.patch("web.visits.plans._now", return_value=OPEN):
        client.post("/h5/plan", data={"action": "add", "customer_id": mine,
                                      "csrf_token": token})
    with mock.patch("web.visits.plans._now", return_value=LOCKED):
        page = client.get("/h5/plan").get_data(as_text=True)
        assert 'data-locked="yes"' in page and "截止，计划只读" in page
        assert 'name="action"' not in page  # no add or remove forms
        response = client.post("/h5/plan", data={"action": "remove", "customer_id": mine,
                                                 "csrf_token": token})
        assert response.status_code == 303 and "error=locked" in response.headers["Location"]
    assert _planned("zhangwei", LOCKED) == {"杭州精工机械"}


def test_supervisor_sees_uncovered_and_finance_is_refused(client, org: None) -> None:
    add_customer("A级未拜访", "zhangwei", grade="A")
    add_customer("别的团队A级", "zhaolei", grade="A")
    login(client, "wangfang")
    with mock.patch("web.visits.plans._now", return_value=OPEN):
        page = client.get("/h5/plan").get_data(as_text=True)
        assert "本周未覆盖的高潜客户" in page
        assert "A级未拜访" in page and "别的团队A级" not in page
        login(client, "zhangwei")
        assert "本周未覆盖的高潜客户" not in client.get("/h5/plan").get_data(as_text=True)
        login(client, "chenjing")
        assert client.get("/h5/plan").status_code == 403


def test_a_customer_can_be_planned_on_a_day_of_that_week(client, org: None) -> None:
    first = add_customer("杭州精工机械", "zhangwei")
    second = add_customer("宁波海达贸易", "zhangwei")
    token = login(client, "zhangwei")
    with mock.patch("web.visits.plans._now", return_value=OPEN):
        assert 'value="2026-12-02"' in client.get("/h5/plan").get_data(as_text=True)
        client.post("/h5/plan", data={"action": "add", "customer_id": first,
                                      "day": "2026-12-02", "csrf_token": token})
        # A day outside the planned week is dropped, the customer still planned.
        client.post("/h5/plan", data={"action": "add", "customer_id": second,
                                      "day": "2026-12-09", "csrf_token": token})
        page = client.get("/h5/plan").get_data(as_text=True)
    with session_scope() as session:
        view = plans.get_plan(session, user("zhangwei"), plans.next_week(OPEN, SHANGHAI),
                              now=OPEN, tz=SHANGHAI)
        assert [(c.name, c.day) for c in view.customers] == [
            ("杭州精工机械", date(2026, 12, 2)), ("宁波海达贸易", None)]
    assert "周三" in page
