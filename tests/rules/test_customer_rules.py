"""Wake-up tasks, zombie customers and the supervisors' Monday digest, with a frozen
clock: thresholds by grade, one open wake-up task per customer, completing it from the
card logs an interaction that clears the inactivity."""

from __future__ import annotations

import itertools
from datetime import timedelta
from unittest import mock

from sqlmodel import select

from handlers import router
from jobs.rules import run_rule
from lib.chat import Event, Reply
from models.customers.communication import Communication
from models.customers.customer import Customer
from models.rules import rule as rules
from models.visits import followup as fu
from models.visits.visit import Visit
from tests.rules.rulekit import add_contract, add_customer, at, change, content, get, outbox_rows
from zhongshu.db import session_scope

INACTIVE = rules.INACTIVE
ZOMBIE = rules.ZOMBIE
DIGEST = rules.DIGEST
_ids = itertools.count(1)


def _wakeups() -> list[fu.FollowUpTask]:
    with session_scope() as session:
        return list(session.exec(select(fu.FollowUpTask)
                                 .where(fu.FollowUpTask.kind == fu.KIND_WAKEUP)
                                 .order_by(fu.FollowUpTask.id)))


def tap(user: str, key: str) -> list[Reply]:
    event = Event(platform="wecom", kind="card_action", key=key, user_id=user,
                  dedupe_key=f"test:rules:{next(_ids)}", created_at=0,
                  payload={"task_id": "t", "card_type": "button_interaction"})
    with session_scope() as session:
        replies = router.dispatch(event, session)
    return replies if isinstance(replies, list) else [replies]


def test_a_grade_customer_quiet_for_15_days_gets_one_wakeup_task(org):
    cid = add_customer("杭州精工机械", "zhangwei", grade="A",
                       last_interaction_at=at("2026-11-01 10:00"))
    add_customer("宁波海达贸易", "zhangwei", grade="B",
                 last_interaction_at=at("2026-11-01 10:00"))  # B: 30 days, not yet
    assert run_rule(INACTIVE, at("2026-11-16 09:59")) == 0
    assert run_rule(INACTIVE, at("2026-11-16 10:00")) == 2
    (task,) = _wakeups()
    assert (task.customer_id, task.owner, task.status) == (cid, "zhangwei", "open")
    assert task.visit_id is None and task.due_date.isoformat() == "2026-11-16"
    rows = outbox_rows(f"rule:{INACTIVE}:")
    assert sorted(r.recipient for r in rows) == ["wangfang", "zhangwei"]
    to_rep = next(r for r in rows if r.recipient == "zhangwei")
    to_boss = next(r for r in rows if r.recipient == "wangfang")
    assert f"followup.done:{task.id}" in content(to_rep)
    assert "followup.done" not in content(to_boss)
    assert "15 天" in content(to_rep)
    # It shows in the rep's open tasks.
    with session_scope() as session:
        assert [t.id for t in fu.open_for(session, "zhangwei")] == [task.id]
    # No second task, no second message, however often the sweep runs.
    for moment in ("2026-11-16 10:01", "2026-11-17 09:00", "2026-12-20 09:00"):
        assert run_rule(INACTIVE, at(moment)) == 0
    assert len(_wakeups()) == 1


def test_a_first_sweep_over_many_quiet_customers_sends_a_rep_few_cards(org):
    """An existing base where twelve of a rep's customers are long quiet: twelve tasks,
    but cards with a button only for the five quiet longest, one list for the other
    seven, and one list of all twelve for the supervisor."""
    for n in range(12):
        add_customer(f"沉睡客户{n:02d}", "zhangwei", grade="A",
                     last_interaction_at=at("2026-10-01 10:00") - timedelta(days=n))
    assert run_rule(INACTIVE, at("2026-11-16 10:00")) == 7  # 5 cards, 2 lists
    assert len(_wakeups()) == 12
    to_rep = [r for r in outbox_rows(f"rule:{INACTIVE}:") if r.recipient == "zhangwei"]
    cards = [r for r in to_rep if "followup.done" in content(r)]
    assert sorted(c for r in cards for c in ("沉睡客户07", "沉睡客户08", "沉睡客户09",
                                             "沉睡客户10", "沉睡客户11") if c in content(r)) \
        == ["沉睡客户07", "沉睡客户08", "沉睡客户09", "沉睡客户10", "沉睡客户11"]
    (rest,) = [r for r in to_rep if "followup.done" not in content(r)]
    assert "另有 7 位" in content(rest)
    assert all(f"沉睡客户{n:02d}" in content(rest) for n in range(7))
    (boss,) = [r for r in outbox_rows(f"rule:{INACTIVE}:") if r.recipient == "wangfang"]
    assert "12 位" in content(boss)
    # Nothing is sent twice, however often the sweep runs.
    assert run_rule(INACTIVE, at("2026-11-16 10:05")) == 0


def test_completing_it_from_the_card_logs_an_interaction_and_clears_it(org):
    cid = add_customer("杭州精工机械", "zhangwei", grade="A",
                       last_interaction_at=at("2026-11-01 10:00"))
    run_rule(INACTIVE, at("2026-11-16 10:00"))
    (task,) = _wakeups()
    done_at = at("2026-11-16 14:00")
    with mock.patch("handlers.visits.followups.utcnow", return_value=done_at):
        button, answer = tap("zhangwei", f"followup.done:{task.id}")
    assert button.update_button == "已完成"
    assert answer.text == "已完成跟进：唤醒客户（15天未互动）"
    assert get(fu.FollowUpTask, task.id).status == "done"
    with session_scope() as session:
        (record,) = session.exec(select(Communication)).all()
    assert record.customer_id == cid and record.user_id == "zhangwei"
    assert "唤醒客户" in record.summary
    assert get(Customer, cid).last_interaction_at == done_at
    # Not inactive any more; a new task only 15 days after that interaction.
    assert run_rule(INACTIVE, at("2026-11-20 10:00")) == 0
    assert run_rule(INACTIVE, at("2026-12-01 13:59")) == 0
    assert run_rule(INACTIVE, at("2026-12-01 14:00")) == 2
    assert [t.status for t in _wakeups()] == ["done", "open"]


def test_someone_else_cannot_complete_it(org):
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    run_rule(INACTIVE, at("2026-11-16 10:00"))
    (task,) = _wakeups()
    (answer,) = tap("lina", f"followup.done:{task.id}")
    assert "只有该跟进任务的负责人可以标记完成" in answer.text
    assert get(fu.FollowUpTask, task.id).status == "open"


def test_a_visit_or_an_order_is_an_interaction(org):
    from models.customers.orders import refresh_last_order_at

    visited = add_customer("杭州精工机械", "zhangwei", grade="A",
                           last_interaction_at=at("2026-11-01 10:00"))
    ordered = add_customer("宁波海达贸易", "zhangwei", grade="A",
                           last_interaction_at=at("2026-11-01 10:00"))
    with session_scope() as session:
        from models.customers.communication import touch_interaction

        session.add(Visit(rep="zhangwei", customer_id=visited, at=at("2026-11-10 10:00"),
                          grade="A", question="q", next_action="n", photo_path="x.jpg"))
        touch_interaction(session, customer_id=visited, at=at("2026-11-10 10:00"))
        from models.customers.orders import SalesOrder
        session.add(SalesOrder(order_no="SO-1", customer_id=ordered,
                               ordered_at=at("2026-11-12 10:00"), owner="zhangwei"))
        session.flush()
        refresh_last_order_at(session, [ordered])
    assert get(Customer, ordered).last_interaction_at == at("2026-11-12 10:00")
    assert run_rule(INACTIVE, at("2026-11-16 10:00")) == 0


def test_an_unowned_or_never_touched_customer(org):
    add_customer("无人认领", None, grade="A", last_interaction_at=at("2026-01-01 10:00"))
    assert run_rule(INACTIVE, at("2026-11-16 10:00")) == 0
    # Imported without any interaction: counted from its creation.
    cid = add_customer("导入客户", "lina", created_at=at("2026-10-01 10:00"))
    assert run_rule(INACTIVE, at("2026-11-02 09:00")) == 2
    assert get(Customer, cid).last_interaction_at == at("2026-10-01 10:00")


def test_a_threshold_change_counts_from_the_next_sweep(org):
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    with session_scope() as session:
        rules.update_rule(session, code=INACTIVE, changes={"threshold": {"A": 20}},
                          actor="admin")
    assert run_rule(INACTIVE, at("2026-11-16 10:00")) == 0
    assert run_rule(INACTIVE, at("2026-11-23 09:00")) == 2  # day 20 was a Saturday


def test_zombie_at_90_days_told_once(org):
    cid = add_customer("杭州精工机械", "zhangwei", grade="B",
                       last_interaction_at=at("2026-11-15 10:00"),
                       last_order_at=at("2026-08-18 10:00"))
    assert run_rule(ZOMBIE, at("2026-11-16 09:59")) == 0
    assert run_rule(ZOMBIE, at("2026-11-16 10:00")) == 2
    rows = outbox_rows(f"rule:{ZOMBIE}:")
    assert sorted(r.recipient for r in rows) == ["wangfang", "zhangwei"]
    assert "僵尸客户" in content(rows[0]) and "90 天" in content(rows[0])
    assert run_rule(ZOMBIE, at("2026-11-17 10:00")) == 0
    # A later order (entered late), and 90 quiet days after it: a new occurrence.
    change(Customer, cid, last_order_at=at("2026-09-01 10:00"))
    assert run_rule(ZOMBIE, at("2026-11-30 09:59")) == 0
    assert run_rule(ZOMBIE, at("2026-11-30 10:00")) == 2


def test_monday_digest_with_the_team_numbers(org):
    # Last week (2026-11-16..22): zhangwei registered one customer and made two visits,
    # one flagged; lina has a risk contract; zhaolei (sunli's team) a zombie.
    add_customer("新客户", "zhangwei", created_at=at("2026-11-17 10:00"),
                 last_interaction_at=at("2026-11-17 10:00"))
    cid = add_customer("老客户", "zhangwei", created_at=at("2026-01-05 10:00"),
                       last_interaction_at=at("2026-11-18 10:00"))
    with session_scope() as session:
        for day, ok in (("2026-11-18 10:00", True), ("2026-11-19 10:00", False)):
            session.add(Visit(rep="zhangwei", customer_id=cid, at=at(day), compliant=ok,
                              grade="A", question="q", next_action="n", photo_path="x"))
    add_contract("lina", at("2026-11-10 10:00"), risk_at=at("2026-11-11 10:00"))
    add_customer("沉睡客户", "zhaolei", last_order_at=at("2026-05-01 10:00"),
                 last_interaction_at=at("2026-11-20 10:00"))
    assert run_rule(DIGEST, at("2026-11-23 08:59")) == 0
    assert run_rule(DIGEST, at("2026-11-23 09:00")) == 2
    rows = {r.recipient: content(r) for r in outbox_rows(f"rule:{DIGEST}:")}
    assert set(rows) == {"wangfang", "sunli"}
    team = rows["wangfang"]
    assert "2026-11-16 至 2026-11-22" in team
    for line in ("新增客户：1", "拜访：2（异常 1）", "风险单：1", "僵尸客户：0"):
        assert line in team, (line, team)
    assert "僵尸客户：1" in rows["sunli"]
    assert run_rule(DIGEST, at("2026-11-24 09:00")) == 0  # once a week


def test_digest_on_a_holiday_monday_moves_to_the_next_working_day(org):
    # Monday 2026-10-05 is inside the National Day holiday: Thursday 10-08 09:00.
    assert run_rule(DIGEST, at("2026-10-05 09:00")) == 0
    assert run_rule(DIGEST, at("2026-10-08 08:59")) == 0
    assert run_rule(DIGEST, at("2026-10-08 09:00")) == 2


def test_digest_missed_while_down_is_sent_once_later_that_week(org):
    assert run_rule(DIGEST, at("2026-11-25 15:00")) == 2
    assert run_rule(DIGEST, at("2026-11-26 09:00")) == 0
    assert run_rule(DIGEST, at("2026-11-30 09:00")) == 2  # next week's


def test_wakeup_tasks_are_not_reminded_by_the_followup_sweep(org):
    from jobs.followups import sweep_followup_reminders

    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    run_rule(INACTIVE, at("2026-11-16 10:00"))
    sweep_followup_reminders(at("2026-11-18 09:00"))
    assert outbox_rows("followup:") == []


def test_years_beyond_the_holiday_table_fall_back_to_weekdays(org):
    # chinese_calendar ships holidays up to its release year; a later date must not stop
    # the rules: Monday-Friday count as working days until the package is updated.
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-12-31 10:00") + timedelta(days=30))
    assert run_rule(INACTIVE, at("2027-02-15 10:00")) == 2  # a Monday


def test_incremental_sweeps_still_catch_a_deadline_passed_while_down(org):
    add_customer("早已活跃", "lina", grade="A", last_interaction_at=at("2026-11-09 10:00"))
    assert run_rule(INACTIVE, at("2026-11-10 10:00")) == 0  # a full sweep: nothing due
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))  # due 11-16 10:00
    # Down from 11-10 to 11-20: the next (incremental) sweep finds it, once.
    assert run_rule(INACTIVE, at("2026-11-20 10:00")) == 2
    assert run_rule(INACTIVE, at("2026-11-20 10:01")) == 0


def test_a_lower_threshold_reaches_deadlines_already_behind_the_sweep(org):
    with session_scope() as session:
        rules.update_rule(session, code=INACTIVE, changes={"threshold": {"A": 30}},
                          actor="admin")
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-10-20 10:00"))  # A 30: due 11-19
    assert run_rule(INACTIVE, at("2026-11-10 10:00")) == 0
    assert run_rule(INACTIVE, at("2026-11-12 10:00")) == 0
    # Back to 15 days: the deadline (11-04) is long behind the last sweep — and still
    # fires at the next one, because a rule change makes that one look at everyone.
    with session_scope() as session:
        rules.update_rule(session, code=INACTIVE, changes={"threshold": {"A": 15}},
                          actor="admin")
    assert run_rule(INACTIVE, at("2026-11-12 10:01")) == 2


def test_a_grade_change_is_caught_by_the_weekly_full_sweep(org):
    cid = add_customer("杭州精工机械", "zhangwei", grade="B",
                       last_interaction_at=at("2026-10-20 10:00"))  # B 30: due 11-19
    assert run_rule(INACTIVE, at("2026-11-10 10:00")) == 0  # full
    change(Customer, cid, grade="A")  # A 15: due 11-04, behind the incremental window
    assert run_rule(INACTIVE, at("2026-11-12 10:00")) == 0
    assert run_rule(INACTIVE, at("2026-11-17 10:00")) == 0
    assert run_rule(INACTIVE, at("2026-11-17 10:01")) == 2  # > 7 days since the full one


def test_the_supervisor_gets_one_list_per_sweep_not_one_card_per_customer(org):
    for name, owner in (("杭州精工机械", "zhangwei"), ("宁波海达贸易", "zhangwei"),
                        ("温州华强电器", "lina")):
        add_customer(name, owner, grade="A", last_interaction_at=at("2026-11-01 10:00"))
    assert run_rule(INACTIVE, at("2026-11-16 10:00")) == 4  # 3 rep cards + 1 list
    rows = outbox_rows(f"rule:{INACTIVE}:")
    assert sorted(r.recipient for r in rows) == ["lina", "wangfang", "zhangwei", "zhangwei"]
    (summary,) = [r for r in rows if r.recipient == "wangfang"]
    text = content(summary)
    assert "3 位客户" in text
    for name in ("杭州精工机械", "宁波海达贸易", "温州华强电器"):
        assert name in text
    assert ":summary:" in summary.dedupe_key
