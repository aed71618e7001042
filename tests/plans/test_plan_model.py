"""Plans, scoped to the rep's own customers; the supervisor's live view of uncovered
high-potential customers; coverage and compliance per rep and week."""

from __future__ import annotations

from datetime import date

import pytest

from models.visits import plan as plans
from tests.plans.plankit import SHANGHAI, add_customer, add_visit, at, make_org, user
from zhongshu.db import session_scope

WEEK = date(2026, 11, 30)
OPEN = at("2026-11-27 16:00")  # Friday before the lock
LOCKED = at("2026-11-27 17:00")


@pytest.fixture()
def org() -> None:
    make_org()


def test_add_own_customers_once_and_show(org: None) -> None:
    a = add_customer("杭州精工机械", "zhangwei")
    add_customer("宁波海达贸易", "zhangwei")
    with session_scope() as session:
        me = user("zhangwei")
        found = plans.find_own_customer(session, me, "精工")
        assert found is not None and found.id == a
        assert plans.add_customers(session, me, WEEK, [found], now=OPEN, tz=SHANGHAI) == [found]
        assert plans.add_customers(session, me, WEEK, [found], now=OPEN, tz=SHANGHAI) == []
        view = plans.get_plan(session, me, WEEK, now=OPEN, tz=SHANGHAI)
        assert [c.name for c in view.customers] == ["杭州精工机械"] and not view.locked


def test_someone_elses_customer_is_not_found_and_cannot_be_added(org: None) -> None:
    add_customer("温州鑫源电器", "lina")
    with session_scope() as session:
        me = user("zhangwei")
        assert plans.find_own_customer(session, me, "温州鑫源电器") is None
        # Not even a supervisor plans the team's customers: own ones only.
        assert plans.find_own_customer(session, user("wangfang"), "温州鑫源电器") is None
        theirs = plans.find_own_customer(session, user("lina"), "温州鑫源电器")
        assert theirs is not None
        with pytest.raises(PermissionError):
            plans.add_customers(session, me, WEEK, [theirs], now=OPEN, tz=SHANGHAI)


def test_ambiguous_partial_name_is_not_guessed(org: None) -> None:
    add_customer("杭州精工一厂", "zhangwei")
    add_customer("杭州精工二厂", "zhangwei")
    with session_scope() as session:
        assert plans.find_own_customer(session, user("zhangwei"), "精工") is None


def test_locked_plan_is_read_only(org: None) -> None:
    cid = add_customer("杭州精工机械", "zhangwei")
    with session_scope() as session:
        me = user("zhangwei")
        (customer,) = plans.own_customers(session, me)
        plans.add_customers(session, me, WEEK, [customer], now=OPEN, tz=SHANGHAI)
        with pytest.raises(plans.PlanLocked):
            plans.add_customers(session, me, WEEK, [customer], now=LOCKED, tz=SHANGHAI)
        with pytest.raises(plans.PlanLocked):
            plans.remove_customer(session, me, WEEK, cid, now=LOCKED, tz=SHANGHAI)
        assert plans.get_plan(session, me, WEEK, now=LOCKED, tz=SHANGHAI).locked
        assert plans.remove_customer(session, me, WEEK, cid, now=OPEN, tz=SHANGHAI)


def test_finance_has_no_plan(org: None) -> None:
    with session_scope() as session, pytest.raises(PermissionError):
        plans.add_customers(session, user("chenjing"), WEEK, [], now=OPEN, tz=SHANGHAI)


def test_uncovered_high_potential_customers_of_the_team(org: None) -> None:
    now = at("2026-11-26 15:00")  # Thursday; the week started Monday 11-23
    a_grade = add_customer("A级未拜访", "zhangwei", grade="A")
    add_customer("高意向未拜访", "lina", intent="意向高·近期采购")
    visited = add_customer("A级已拜访", "zhangwei", grade="A")
    flagged = add_customer("A级拜访被标记", "zhangwei", grade="A")
    last_week = add_customer("A级上周拜访", "lina", grade="A")
    add_customer("C级", "zhangwei", grade="C", intent="意向低·先了解")
    add_customer("别的团队A级", "zhaolei", grade="A")
    add_visit("zhangwei", visited, at("2026-11-23 10:00"))
    add_visit("zhangwei", flagged, at("2026-11-24 10:00"), compliant=False)
    add_visit("lina", last_week, at("2026-11-22 23:00"))  # Sunday before, business time
    add_visit("zhangwei", a_grade, at("2026-11-26 16:00"))  # after "now" is still this week
    with session_scope() as session:
        names = {c.name for c in plans.uncovered_high_potential(
            session, user("wangfang"), now=now, tz=SHANGHAI)}
        assert names == {"高意向未拜访", "A级拜访被标记", "A级上周拜访"}
        assert plans.uncovered_high_potential(session, user("zhangwei"), now=now,
                                              tz=SHANGHAI) == []


def test_coverage_and_compliance_per_rep_and_week(org: None) -> None:
    week = date(2026, 11, 23)
    c1 = add_customer("客户一", "zhangwei")
    c2 = add_customer("客户二", "zhangwei")
    c3 = add_customer("客户三", "zhangwei")
    with session_scope() as session:
        me = user("zhangwei")
        mine = [c for c in plans.own_customers(session, me) if c.id in (c1, c2)]
        plans.add_customers(session, me, week, mine, now=at("2026-11-18 09:00"), tz=SHANGHAI)
    add_visit("zhangwei", c1, at("2026-11-24 10:00"))
    add_visit("zhangwei", c2, at("2026-11-25 10:00"), compliant=False, question="无")
    add_visit("zhangwei", c3, at("2026-11-26 10:00"), next_action=None, compliant=False)
    add_visit("zhangwei", c1, at("2026-11-30 00:30"))  # next week
    with session_scope() as session:
        cov = plans.coverage(session, "zhangwei", week, SHANGHAI)
        assert (cov.planned, cov.covered, cov.countable_visits) == (2, 1, 1)
        assert cov.rate == 0.5
        comp = plans.compliance(session, "zhangwei", week, SHANGHAI)
        assert (comp.visits, comp.complete) == (3, 1)
        assert plans.coverage(session, "lina", week, SHANGHAI).rate is None
        report = plans.team_report(session, "wangfang", week, SHANGHAI)
        assert {u.wecom_userid: cov.planned for u, cov, _ in report} == \
            {"lina": 0, "zhangwei": 2}
