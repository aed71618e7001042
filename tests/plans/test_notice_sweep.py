"""The morning-meeting notice sweep with a frozen clock: one card per supervisor listing
the reps without a plan, exactly once however often and however concurrently it runs."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from handlers.rules.plans import notice_key
from jobs.plans import sweep_plan_notices
from jobs.schedule import SCHEDULE
from models.visits import plan as plans
from tests.plans.plankit import SHANGHAI, add_customer, at, make_org, outbox_rows, user
from zhongshu.db import session_scope


@pytest.fixture()
def org() -> None:
    make_org()


def _plan(userid: str, week: date, customer: str) -> None:
    cid = add_customer(customer, userid)
    with session_scope() as session:
        me = user(userid)
        (customer_row,) = [c for c in plans.own_customers(session, me) if c.id == cid]
        # Planned while still open: the Monday before the lock.
        plans.add_customers(session, me, week, [customer_row],
                            now=plans.lock_at(week, SHANGHAI).replace(hour=9), tz=SHANGHAI)


def _for_week(week: str) -> list:
    """Notice rows about one planned week (a sweep also catches up on the week before,
    whose notice is still due until that week ends)."""
    return [r for r in outbox_rows("plan-notice:") if r.dedupe_key.endswith(week)]


def _notices() -> dict[str, str]:
    return {row.recipient: str(row.payload) for row in outbox_rows("plan-notice:")}


def test_the_sweep_is_scheduled() -> None:
    assert "plan-notice-sweep" in [p.name for p in SCHEDULE]


def test_normal_monday(org: None) -> None:
    week = date(2026, 11, 23)
    _plan("zhangwei", week, "杭州精工机械")
    assert sweep_plan_notices(at("2026-11-23 08:29")) == {"queued": 0, "skipped": 0}
    assert outbox_rows("plan-notice:") == []
    assert sweep_plan_notices(at("2026-11-23 08:30"))["queued"] == 2
    notices = _notices()
    assert set(notices) == {"wangfang", "sunli"}
    # A rep with a plan is not listed; an inactive rep neither.
    assert "李娜" in notices["wangfang"] and "张伟" not in notices["wangfang"]
    assert "离职员工" not in notices["wangfang"]
    assert "赵磊" in notices["sunli"]
    keys = {row.dedupe_key for row in outbox_rows("plan-notice:")}
    assert keys == {notice_key("wangfang", week), notice_key("sunli", week)}
    assert notice_key("wangfang", week) == "plan-notice:wangfang:2026-11-23"


def test_a_team_with_every_plan_in_gets_no_notice(org: None) -> None:
    week = date(2026, 11, 23)
    _plan("zhangwei", week, "杭州精工机械")
    _plan("lina", week, "宁波海达贸易")
    sweep_plan_notices(at("2026-11-23 08:30"))
    assert set(_notices()) == {"sunli"}


def test_three_runs_give_one_notice_per_supervisor(org: None) -> None:
    for minute in ("08:30", "08:31", "09:45"):
        sweep_plan_notices(at(f"2026-11-23 {minute}"))
    rows = outbox_rows("plan-notice:")
    assert sorted(r.recipient for r in rows) == ["sunli", "wangfang"]


def test_two_concurrent_sweeps_give_one_notice_per_supervisor(org: None) -> None:
    now = at("2026-11-23 08:30")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            sweep_plan_notices(now)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    rows = outbox_rows("plan-notice:")
    assert sorted(r.recipient for r in rows) == ["sunli", "wangfang"]


def test_missed_while_the_scheduler_was_down_is_sent_once_when_it_comes_back(
        org: None) -> None:
    # Down from Friday evening to Tuesday 10:00.
    assert sweep_plan_notices(at("2026-11-24 10:00"))["queued"] == 2
    assert sweep_plan_notices(at("2026-11-24 10:01"))["queued"] == 0
    assert len(outbox_rows("plan-notice:")) == 2


def test_a_week_that_is_over_is_not_announced_late(org: None) -> None:
    assert sweep_plan_notices(at("2026-11-30 00:00")) == {"queued": 0, "skipped": 0}


def test_national_day_week_monday_holiday(org: None) -> None:
    # Week of Monday 2026-10-05 (holiday until Wednesday 10-07): notice on Thursday 10-08.
    for moment in ("2026-10-02 17:00", "2026-10-05 08:30", "2026-10-07 23:59",
                   "2026-10-08 08:29"):
        sweep_plan_notices(at(moment))
    assert _for_week("2026-10-05") == []
    assert sweep_plan_notices(at("2026-10-08 08:30"))["queued"] == 2
    assert {r.dedupe_key for r in _for_week("2026-10-05")} == {
        "plan-notice:wangfang:2026-10-05", "plan-notice:sunli:2026-10-05"}


def test_qingming_monday_pushes_the_notice_to_tuesday(org: None) -> None:
    sweep_plan_notices(at("2026-04-06 08:30"))
    assert _for_week("2026-04-06") == []
    sweep_plan_notices(at("2026-04-07 08:30"))
    assert sorted(r.recipient for r in _for_week("2026-04-06")) == ["sunli", "wangfang"]


def test_make_up_saturday_is_a_working_day(org: None) -> None:
    # Lock Friday 2026-10-09 17:00 for the week of 10-12; Saturday 10-10 is a make-up
    # working day, so the notice goes out then, not on Monday.
    sweep_plan_notices(at("2026-10-09 17:00"))
    sweep_plan_notices(at("2026-10-10 08:29"))
    week_keys = _for_week("2026-10-12")
    assert week_keys == []
    sweep_plan_notices(at("2026-10-10 08:30"))
    week_keys = _for_week("2026-10-12")
    assert sorted(r.recipient for r in week_keys) == ["sunli", "wangfang"]
    sweep_plan_notices(at("2026-10-12 08:30"))  # Monday: nothing more for that week
    week_keys = _for_week("2026-10-12")
    assert len(week_keys) == 2
