"""Follow-up tasks (models/visits/followup.py, handlers/visits/reminders.py,
handlers/visits/followups.py): a visit with a next action and a date becomes ONE task; the
sweep reminds the owner at 09:00 on the due (working) day and, if still open a working day
later, the owner and supervisor; only the owner may mark it done from the card. And a bad
upload is answered plainly."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlmodel import select

from handlers import router
from jobs.followups import sweep_followup_reminders
from jobs.schedule import SCHEDULE
from jobs.visits import process_visit
from lib.chat import Event, Reply
from models.visits import followup as fu
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo, truncated
from tests.web.webkit import outbox_rows
from zhongshu.db import session_scope

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ids = itertools.count(1)


def at(text: str) -> datetime:
    """'2026-12-01 09:00' in Shanghai time, as the server's UTC clock."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).astimezone(UTC)


def _with_date(visit_id: int, due: date | None) -> None:
    with session_scope() as session:
        visit = session.get(vm.Visit, visit_id)
        assert visit is not None
        visit.next_action_date = due
        session.add(visit)


def _tasks() -> list[fu.FollowUpTask]:
    with session_scope() as session:
        return list(session.exec(select(fu.FollowUpTask).order_by(fu.FollowUpTask.id)))


def _task(task_id: int) -> fu.FollowUpTask:
    with session_scope() as session:
        task = session.get(fu.FollowUpTask, task_id)
        assert task is not None
        return task


def _reminders() -> list[tuple[str, str]]:
    return [(r.recipient, r.dedupe_key) for r in outbox_rows()
            if r.dedupe_key.startswith("followup:")]


@pytest.fixture()
def task(shop, check_in) -> int:
    """zhangwei's honest visit with 寄送样品 due Tuesday 2026-12-01; its task id."""
    visit_id = check_in("zhangwei", shop, camera_photo(1, gps=HANGZHOU))
    _with_date(visit_id, date(2026, 12, 1))
    assert process_visit(visit_id) == "accepted"
    (row,) = _tasks()
    assert row.id is not None
    return row.id


def replies(user: str, key: str) -> list[Reply]:
    event = Event(platform="wecom", kind="card_action", key=key, user_id=user,
                  dedupe_key=f"test:fu:{next(_ids)}", created_at=0,
                  payload={"task_id": "t", "card_type": "button_interaction"})
    with session_scope() as session:
        return router.dispatch(event, session)


def test_the_sweep_is_scheduled() -> None:
    assert "followup-reminder-sweep" in [p.name for p in SCHEDULE]


def test_next_action_with_date_becomes_one_task(shop, check_in, task):
    (row,) = _tasks()
    assert (row.owner, row.action, row.due_date, row.status, row.reminded_at) == (
        "zhangwei", "寄送样品", date(2026, 12, 1), "open", None)
    assert row.customer_id == shop
    # Re-running the job creates nothing more.
    process_visit(row.visit_id)
    process_visit(row.visit_id)
    assert len(_tasks()) == 1


def test_without_a_date_no_task(shop, check_in):
    visit_id = check_in("zhangwei", shop, camera_photo(2, gps=HANGZHOU))
    process_visit(visit_id)
    assert _tasks() == []


def test_flagged_visit_still_gets_its_task(shop, check_in):
    visit_id = check_in("zhangwei", shop, truncated(camera_photo(3, gps=HANGZHOU)))
    _with_date(visit_id, date(2026, 12, 1))
    assert process_visit(visit_id) == "flagged"
    (row,) = _tasks()
    assert row.visit_id == visit_id


def test_reminder_at_nine_once(task):
    assert sweep_followup_reminders(at("2026-11-30 09:00")) == {"queued": 0, "skipped": 0}
    assert sweep_followup_reminders(at("2026-12-01 08:59")) == {"queued": 0, "skipped": 0}
    assert _reminders() == []
    for minute in ("09:00", "09:01", "15:30"):
        sweep_followup_reminders(at(f"2026-12-01 {minute}"))
    assert _reminders() == [("zhangwei", f"followup:{task}:due")]
    (row,) = [r for r in outbox_rows() if r.dedupe_key == f"followup:{task}:due"]
    card = row.payload["template_card"]
    assert card["main_title"]["title"] == "今日跟进提醒"
    assert "寄送样品" in str(card) and f"followup.done:{task}" in str(card)
    assert _task(task).reminded_at is not None


def test_missed_while_down_is_sent_once_on_return(task):
    sweep_followup_reminders(at("2026-12-01 16:45"))
    sweep_followup_reminders(at("2026-12-01 16:46"))
    assert _reminders() == [("zhangwei", f"followup:{task}:due")]


def test_due_on_a_public_holiday_moves_to_the_next_working_day(shop, check_in):
    visit_id = check_in("zhangwei", shop, camera_photo(4, gps=HANGZHOU))
    _with_date(visit_id, date(2026, 10, 5))  # National Day holiday (Monday)
    process_visit(visit_id)
    (row,) = _tasks()
    for day in ("2026-10-05", "2026-10-06", "2026-10-07"):
        sweep_followup_reminders(at(f"{day} 09:00"))
    assert _reminders() == []
    sweep_followup_reminders(at("2026-10-08 08:59"))
    assert _reminders() == []
    sweep_followup_reminders(at("2026-10-08 09:00"))
    assert _reminders() == [("zhangwei", f"followup:{row.id}:due")]
    # Overdue counts from the moved day: the next working day is Friday 10-09.
    sweep_followup_reminders(at("2026-10-08 18:00"))
    assert len(_reminders()) == 1
    sweep_followup_reminders(at("2026-10-09 09:00"))
    assert len(_reminders()) == 3


def test_overdue_goes_to_owner_and_supervisor_once(task):
    sweep_followup_reminders(at("2026-12-01 09:00"))
    sweep_followup_reminders(at("2026-12-02 08:59"))
    assert len(_reminders()) == 1
    for minute in ("09:00", "09:01", "11:00"):
        sweep_followup_reminders(at(f"2026-12-02 {minute}"))
    assert sorted(_reminders()) == sorted([
        ("zhangwei", f"followup:{task}:due"),
        ("zhangwei", f"followup:{task}:overdue"),
        ("wangfang", f"followup:{task}:overdue:wangfang")])
    (to_boss,) = [r for r in outbox_rows() if r.recipient == "wangfang"
                  and r.dedupe_key.startswith("followup:")]
    assert "跟进任务已逾期" in str(to_boss.payload) and "张伟" in str(to_boss.payload)
    # The supervisor's copy has no 标记完成 button: only the owner may mark it done.
    assert "followup.done" not in str(to_boss.payload)


def test_overdue_after_downtime_sends_both_at_once(task):
    sweep_followup_reminders(at("2026-12-03 10:00"))
    sweep_followup_reminders(at("2026-12-03 10:01"))
    assert {key for _, key in _reminders()} == {
        f"followup:{task}:due", f"followup:{task}:overdue", f"followup:{task}:overdue:wangfang"}


def test_done_task_is_not_reminded(task):
    button, answer = replies("zhangwei", f"followup.done:{task}")
    assert button.update_button == "已完成"
    assert "已完成跟进" in (answer.text or "")
    sweep_followup_reminders(at("2026-12-03 10:00"))
    assert _reminders() == []


@pytest.mark.parametrize("who", ["wangfang", "lina", "nobody"])
def test_someone_else_is_refused_and_nothing_changes(task, who):
    before = len(outbox_rows())
    (answer,) = replies(who, f"followup.done:{task}")
    assert "只有该跟进任务的负责人" in (answer.text or "") and answer.to_user is None
    assert answer.update_button is None  # the tapped button keeps its text
    row = _task(task)
    assert (row.status, row.done_at) == ("open", None)
    assert len(outbox_rows()) == before


def test_unknown_task(org):
    (answer,) = replies("zhangwei", "followup.done:424242")
    assert answer.text.startswith("找不到这条跟进任务")


def test_a_missing_and_a_foreign_task_get_the_same_answer(task):
    # Ids cannot be enumerated by clicking: someone else's task reads like a missing one.
    (foreign,) = replies("lina", f"followup.done:{task}")
    (missing,) = replies("lina", f"followup.done:{task + 4242}")
    assert foreign.text == missing.text and foreign.update_button == missing.update_button


def test_owner_marks_done_through_the_emulator(task, run_jobs, emulator):
    run_jobs()  # the visit's own messages
    sweep_followup_reminders(at("2026-12-01 09:00"))
    run_jobs()
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "zhangwei"}, timeout=5).json()
    card = next(m for m in messages if m["msgtype"] == "template_card")
    task_id = card["task_id"]
    answer = requests.post(f"{emulator}/_emu/wecom/users/zhangwei/card_click",
                           json={"task_id": task_id, "key": f"followup.done:{task}"},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    run_jobs()
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "zhangwei"}, timeout=5).json()
    card = next(m for m in messages if m["msgtype"] == "template_card")
    assert card["card_update"] == {"replace_name": "已完成"}
    row = _task(task)
    assert row.status == "done" and row.done_at is not None


def test_bad_photo_tells_the_rep_why(shop, check_in):
    visit_id = check_in("zhangwei", shop, truncated(camera_photo(5, gps=HANGZHOU)))
    assert process_visit(visit_id) == "flagged"
    (reason,) = [f.reason for f in _flags(visit_id) if f.code == "bad_photo"]
    to_rep = [r for r in outbox_rows() if r.recipient == "zhangwei"]
    (bad,) = [r for r in to_rep if r.dedupe_key == f"visit:{visit_id}:bad-photo"]
    text = bad.payload["text"]["content"]
    assert text.startswith("照片无法使用：") and "请重新拍照签到" in text
    assert reason.rstrip("。，,；;") in text
    # The supervisor still gets the review card; a re-run sends nothing twice.
    assert any(r.recipient == "wangfang" for r in outbox_rows())
    count = len(outbox_rows())
    process_visit(visit_id)
    assert len(outbox_rows()) == count


def test_honest_visit_gets_no_bad_photo_message(shop, check_in):
    visit_id = check_in("zhangwei", shop, camera_photo(6, gps=HANGZHOU))
    process_visit(visit_id)
    assert not any(r.dedupe_key.endswith(":bad-photo") for r in outbox_rows())


def _flags(visit_id: int) -> list:
    with session_scope() as session:
        return vm.flags_of(session, visit_id)
