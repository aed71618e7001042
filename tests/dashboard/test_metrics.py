"""Every metric computed by hand on the fixed data set of dashkit (expected values are
worked out in the comments), for the whole company, a region, a team and a rep."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from analytics import compare, drill, metrics, rollup
from handlers.contracts import actions as contracts_ops
from models.contracts.contract import Contract
from models.visits import evidence as ev
from models.visits.visit import Visit, VisitFlag
from tests.dashboard.dashkit import NOW, TZ, WEEK, build, user
from zhongshu.db import session_scope


@pytest.fixture()
def ids() -> dict[str, int]:
    return build()


def _health(userid: str, **narrow: str) -> metrics.Health:
    with session_scope() as s:
        sel = metrics.selection(s, user(userid), **narrow)
        assert sel is not None
        return metrics.health(s, sel, WEEK, tz=TZ)


def test_company_wide_figures(ids: dict[str, int]) -> None:
    h = _health("boss")
    # Plans: c1, c2 (zhangwei), c3 (lina), c4 (zhaolei); countable visits to c1 and c4.
    assert (h.sums["planned"], h.sums["covered"], h.sums.coverage) == (4, 2, 0.5)
    # Four visits, lina's lacks a next action.
    assert (h.sums["visits"], h.sums["complete_visits"], h.sums.compliance) == (4, 3, 0.75)
    # Three evaluated, zhangwei's c2 visit flagged.
    assert h.sums.fake_rate == pytest.approx(1 / 3)
    # First orders inside the 12 weeks to 11-22: c2 after 16 days, c3 after 132 → median 74.
    assert h.conversion_days == 74.0
    # Receivable in Nov: HT-1 10000−2000 paid in Oct, HT-2 5000, HT-4 6000 = 19000;
    # collected in Nov 3000 + 1000 + 6000 = 10000. HT-3 is only signed.
    assert (h.collected, h.receivable) == (Decimal(10000), Decimal(19000))
    assert h.collection_rate == pytest.approx(10 / 19)
    # Customers created by 08-22: c1, c3, c4, c5, c6; c5 (March) and c6 (none) are zombies.
    assert (h.zombies, h.customers, h.zombie_ratio) == (2, 5, 0.4)
    # Reviewed in the window: HT-1 2 days, HT-2 3.5, HT-4 1 → 6.5 / 3.
    assert h.approval_days == 2.17
    # Nov forecasts 3000 + 2000 + 4000 = 9000; paid on them in Nov 10000 → 1 − 1000/9000.
    assert (h.forecast, h.actual) == (Decimal(9000), Decimal(10000))
    assert h.forecast_accuracy == pytest.approx(8 / 9)


def test_an_incomplete_record_is_not_a_fake_visit(ids: dict[str, int]) -> None:
    # lina's visit to c3 gets evaluated: its only flag is the missing next action.
    with session_scope() as s:
        visit = s.exec(select(Visit).where(Visit.rep == "lina")).one()
        visit.compliant, visit.status = False, "checked"
        assert visit.id is not None
        s.add(VisitFlag(visit_id=visit.id, code=ev.INCOMPLETE_RECORD,
                        reason="记录不完整：未填写下一步行动"))
    with session_scope() as s:
        rollup.refresh(s, now=NOW, tz=TZ, all_weeks=True)
    h = _health("boss")
    # Four evaluated, two flagged (two review cards for supervisors: the chores proxy),
    # one suspect: only zhangwei's c2 check-in, 12 km from the customer.
    assert (h.sums["evaluated_visits"], h.sums["flagged_visits"],
            h.sums["suspect_visits"]) == (4, 2, 1)
    assert h.sums.fake_rate == 0.25


def test_team_and_region_figures(ids: dict[str, int]) -> None:
    for h in (_health("wangfang"), _health("liuyang"), _health("boss", team="wangfang")):
        assert (h.sums["planned"], h.sums["covered"]) == (3, 1)
        assert h.sums.compliance == pytest.approx(2 / 3)
        assert h.sums.fake_rate == 0.5
        assert h.conversion_days == 74.0
        assert (h.collected, h.receivable) == (Decimal(4000), Decimal(13000))
        assert (h.zombies, h.customers) == (2, 4)
        assert h.approval_days == 2.75
        # Forecast 3000 + 2000, paid 3000 + 1000 → 0.8.
        assert h.forecast_accuracy == pytest.approx(0.8)
    rep = _health("wangfang", rep="lina")
    assert (rep.sums["visits"], rep.sums["complete_visits"], rep.sums.compliance) == (1, 0, 0.0)
    assert rep.conversion_days == 132.0


def test_narrowing_outside_the_scope_is_refused(ids: dict[str, int]) -> None:
    with session_scope() as s:
        assert metrics.selection(s, user("wangfang"), team="sunli") is None
        assert metrics.selection(s, user("wangfang"), rep="zhaolei") is None
        assert metrics.selection(s, user("liuyang"), team="sunli") is None
        assert metrics.selection(s, user("boss"), team="wangfang", rep="zhaolei") is None
        for role in ("zhangwei", "admin", "chenjing"):
            assert metrics.selection(s, user(role)) is None


def test_breakdown_per_team_and_rep(ids: dict[str, int]) -> None:
    with session_scope() as s:
        sel = metrics.selection(s, user("boss"))
        assert sel is not None
        teams, reps = metrics.breakdown(s, sel, WEEK)
    assert {r.name: (r.sums["visits"], r.sums["complete_visits"]) for r in teams} == {
        "王芳": (3, 2), "孙丽": (1, 1)}
    assert reps == []  # a company is listed by team; a team lists its reps
    with session_scope() as s:
        team = metrics.selection(s, user("boss"), team="wangfang")
        own = metrics.selection(s, user("sunli"))
        assert team is not None and own is not None
        _, team_reps = metrics.breakdown(s, team, WEEK)
        _, own_reps = metrics.breakdown(s, own, WEEK)
    assert {r.name: r.sums.coverage for r in team_reps} == {"张伟": 0.5, "李娜": 0.0}
    assert {r.name: r.sums.coverage for r in own_reps} == {"赵磊": 1.0}


def test_drill_down_levels(ids: dict[str, int]) -> None:
    with session_scope() as s:
        sel = metrics.selection(s, user("boss"))
        assert sel is not None
        level = drill.regions(s, sel, WEEK)
        assert [(b.key, b.buying_customers, b.repurchasing, b.amount) for b in level.buckets] == [
            ("华东", 4, 2, Decimal(3500)), ("华南", 1, 1, Decimal(800))]
        # Week of 11-16: 2000 + 500 + 700 + 800 ordered; repeat orders c1 2000, c3 700, c4 800.
        assert level.trend.amount[-1] == 4000 and level.trend.repeat_amount[-1] == 3500
        assert level.trend.repeat_customers[-1] == 3
        grades = drill.grades(s, sel, "华东", WEEK)
        assert grades is not None
        assert [(b.key, b.buying_customers, b.repurchasing, b.amount) for b in grades.buckets] == [
            ("A", 2, 1, Decimal(2500)), ("B", 1, 1, Decimal(1000)), ("C", 1, 0, Decimal(0))]
        found = drill.repurchasers(s, sel, "华东", "A", WEEK)
        assert found is not None and found.total == 1
        assert [(r.name, r.orders, r.amount) for r in found.rows] == [
            ("杭州精工机械", 2, Decimal(3000))]
        one = drill.customer(s, sel, ids["c1"], WEEK, TZ)
        assert one is not None
        assert [(p.at.astimezone(TZ).date(), p.amount, p.models) for p in one.purchases] == [
            (date(2026, 11, 17), Decimal(2000), ["M-100", "M-200"]),
            (date(2026, 8, 11), Decimal(1000), ["M-100"])]
        assert one.trend.repeat_amount[-1] == 2000


def test_drill_down_stops_at_the_scope(ids: dict[str, int]) -> None:
    with session_scope() as s:
        sup = metrics.selection(s, user("sunli"))
        assert sup is not None
        assert drill.grades(s, sup, "华东", WEEK) is None
        assert drill.repurchasers(s, sup, "华东", "A", WEEK) is None
        assert drill.customer(s, sup, ids["c1"], WEEK, TZ) is None
        assert [b.key for b in drill.regions(s, sup, WEEK).buckets] == ["华南"]
        assert drill.grades(s, sup, "火星", WEEK) is None


def test_before_after_periods(ids: dict[str, int]) -> None:
    with session_scope() as s:
        sel = metrics.selection(s, user("boss"))
        assert sel is not None
        after = compare.period(s, sel, date(2026, 11, 1), date(2026, 11, 22), TZ)
        # Visits: 3 evaluated, 1 flagged; contracts signed in range HT-2, HT-3, and HT-2
        # was reviewed 84 h after signing (over 72 h) → (1 + 1) / (3 + 2).
        assert after.chores_share == pytest.approx(0.4)
        assert after.completeness == 0.75
        assert after.approval_days == 3.5  # HT-2 only
        assert after.forecast_accuracy == pytest.approx(8 / 9)
        before = compare.period(s, sel, date(2026, 8, 1), date(2026, 10, 31), TZ)
        # HT-1 and HT-4 signed; HT-4's review on 09-02 within 72 h; no visits.
        assert before.chores_share == 0.0 and before.completeness is None
        assert before.approval_days == 1.5
        assert before.forecast_accuracy is None


def test_the_scheduler_refresh_picks_up_todays_money_and_customers(
        ids: dict[str, int]) -> None:
    """A payment booked and a contract approved today show on the dashboard after the
    next five-minute refresh — not before (the page says how old its figures are)."""
    later = NOW + timedelta(days=1)
    with session_scope() as s:
        ht3 = s.exec(select(Contract).where(Contract.contract_no == "HT-3")).one()
        contracts_ops.review(s, user=user("chenjing"), contract_id=ht3.id, approve=True,
                             now=NOW + timedelta(hours=2))  # signed 11-16 10:00 → 4.17 days
        ht2 = s.exec(select(Contract).where(Contract.contract_no == "HT-2")).one()
        contracts_ops.book_payment(s, user=user("chenjing"), contract_id=ht2.id,
                                   amount="2000", paid_on=date(2026, 11, 20),
                                   bank_ref="BANK-77")
    assert _health("boss").collected == Decimal(10000)  # not refreshed yet
    with session_scope() as s:
        rollup.refresh(s, now=later, tz=TZ)
    h = _health("boss")
    # HT-3 (4000) joins the receivable; 2000 more collected on HT-2 (a forecast contract).
    assert (h.collected, h.receivable) == (Decimal(12000), Decimal(23000))
    assert (h.forecast, h.actual) == (Decimal(9000), Decimal(12000))
    # Approved in the window: HT-1 2 days, HT-2 3.5, HT-4 1, HT-3 4.1667 → 10.6667 / 4.
    assert h.approval_days == 2.67
