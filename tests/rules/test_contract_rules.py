"""The 72 h review reminder and the 24 h risk contract, with a frozen clock: due rows
fire once at the first sweep after the deadline, repeat (review only) once per working
day with a different text, respect weekends, holidays and make-up Saturdays, and stop
when the contract is reviewed or its stamped page arrives."""

from __future__ import annotations

import threading
from datetime import timedelta

from handlers.rules.contracts import risk_filter
from jobs.rules import run_rule, sweep_rules
from jobs.schedule import SCHEDULE
from models.contracts.contract import APPROVED, Contract
from models.platform.outbox import CHANNEL_DINGTALK_WORK, CHANNEL_WECOM_APP
from models.rules import rule as rules
from tests.rules.rulekit import add_contract, at, change, content, firings, get, outbox_rows
from zhongshu.db import session_scope

REVIEW = rules.REVIEW_72H
STAMP = rules.STAMP_24H


def _review_rows() -> list:
    return outbox_rows(f"rule:{REVIEW}:")


def test_the_sweep_is_scheduled() -> None:
    assert "rules-sweep" in [p.name for p in SCHEDULE]


def test_signed_monday_reminds_the_finance_lead_in_dingtalk_at_thursday_10_once(org):
    cid = add_contract("zhangwei", at("2026-11-23 10:00"), stamped_at=at("2026-11-23 11:00"))
    assert run_rule(REVIEW, at("2026-11-26 09:59")) == 0
    assert run_rule(REVIEW, at("2026-11-26 10:00")) == 1
    (row,) = _review_rows()
    # chenjing is marked finance lead; qianhui (plain finance) is not told.
    assert row.channel == CHANNEL_DINGTALK_WORK and row.recipient == "dt_chenjing"
    text = content(row)
    assert "已签约 72 小时仍未审核" in text and "第 1 次提醒" in text and "2026-11-26" in text
    assert "张伟" in text
    # Every later sweep that day: nothing more.
    for moment in ("2026-11-26 10:01", "2026-11-26 17:00", "2026-11-26 23:59"):
        assert run_rule(REVIEW, at(moment)) == 0
    assert len(_review_rows()) == 1
    # Next working day (Friday) at the rule's time: again, with a different text.
    assert run_rule(REVIEW, at("2026-11-27 08:59")) == 0
    assert run_rule(REVIEW, at("2026-11-27 09:00")) == 1
    first, second = _review_rows()
    assert content(first) != content(second)
    assert "第 2 次提醒" in content(second) and "2026-11-27" in content(second)
    assert "已签约 95 小时" in content(second)
    assert first.dedupe_key != second.dedupe_key
    # The weekend is not a working day; Monday 09:00 is the next reminder.
    assert run_rule(REVIEW, at("2026-11-28 09:00")) == 0
    assert run_rule(REVIEW, at("2026-11-29 12:00")) == 0
    assert run_rule(REVIEW, at("2026-11-30 09:00")) == 1
    # Reviewed: no more reminders.
    change(Contract, cid, status=APPROVED, reviewed_at=at("2026-11-30 10:00"))
    assert run_rule(REVIEW, at("2026-12-01 09:00")) == 0
    assert len(_review_rows()) == 3


def test_reviewed_at_71h59_is_never_reminded(org):
    cid = add_contract("zhangwei", at("2026-11-23 10:00"))
    change(Contract, cid, status=APPROVED,
           reviewed_at=at("2026-11-23 10:00") + timedelta(hours=71, minutes=59))
    for moment in ("2026-11-26 10:00", "2026-11-27 09:00"):
        assert run_rule(REVIEW, at(moment)) == 0
    assert _review_rows() == []


def test_finance_lead_defaults_to_every_finance_user(org):
    with session_scope() as session:
        from sqlmodel import select

        from models.org.user import User
        lead = session.exec(select(User).where(User.wecom_userid == "chenjing")).one()
        lead.finance_lead = False
        session.add(lead)
    add_contract("zhangwei", at("2026-11-23 10:00"))
    assert run_rule(REVIEW, at("2026-11-26 10:00")) == 2
    assert sorted(r.recipient for r in _review_rows()) == ["ding-qianhui", "dt_chenjing"]


def test_a_re_signed_contract_starts_a_new_72_hours(org):
    cid = add_contract("zhangwei", at("2026-11-23 10:00"))
    assert run_rule(REVIEW, at("2026-11-26 10:00")) == 1
    # Returned and re-signed on Friday 11:00: the old count ends, a new 72 h starts.
    change(Contract, cid, signed_at=at("2026-11-27 11:00"))
    assert run_rule(REVIEW, at("2026-11-27 12:00")) == 0
    assert run_rule(REVIEW, at("2026-11-30 09:00")) == 0  # Monday: only 70 h
    assert run_rule(REVIEW, at("2026-11-30 11:00")) == 1  # the new deadline, same day
    assert "第 1 次提醒" in content(_review_rows()[-1])


def test_deadline_on_a_holiday_fires_on_the_next_working_day_at_nine(org):
    # Signed Wednesday 2026-09-30 10:00: due Saturday 10-03, inside the National Day
    # holiday (10-01..10-07); the next working day is Thursday 10-08.
    add_contract("zhangwei", at("2026-09-30 10:00"))
    for moment in ("2026-10-03 10:00", "2026-10-05 09:00", "2026-10-07 23:59",
                   "2026-10-08 08:59"):
        assert run_rule(REVIEW, at(moment)) == 0, moment
    assert run_rule(REVIEW, at("2026-10-08 09:00")) == 1
    assert len(_review_rows()) == 1


def test_deadline_on_a_weekend_fires_at_the_configured_time(org):
    with session_scope() as session:
        rules.update_rule(session, code=REVIEW, changes={"schedule": {"time": "10:30"}},
                          actor="admin")
    add_contract("zhangwei", at("2026-11-25 15:00"))  # Wednesday: due Saturday 15:00
    assert run_rule(REVIEW, at("2026-11-28 15:00")) == 0
    assert run_rule(REVIEW, at("2026-11-30 10:29")) == 0
    assert run_rule(REVIEW, at("2026-11-30 10:30")) == 1


def test_make_up_saturday_is_a_working_day(org):
    # Signed Wednesday 10-07 (holiday) 10:00: due Saturday 10-10 10:00, a make-up working
    # day (调休), so it fires then — not on Monday.
    add_contract("zhangwei", at("2026-10-07 10:00"))
    assert run_rule(REVIEW, at("2026-10-10 09:59")) == 0
    assert run_rule(REVIEW, at("2026-10-10 10:00")) == 1


def test_scheduler_down_across_the_deadline_fires_once_on_return(org):
    add_contract("zhangwei", at("2026-11-23 10:00"))
    # Down from Wednesday to Thursday 15:40: one reminder then, none more.
    assert run_rule(REVIEW, at("2026-11-26 15:40")) == 1
    assert run_rule(REVIEW, at("2026-11-26 15:41")) == 0
    assert len(_review_rows()) == 1


def test_down_for_days_fires_one_reminder_not_one_per_missed_day(org):
    add_contract("zhangwei", at("2026-11-23 10:00"))
    assert run_rule(REVIEW, at("2026-12-02 11:00")) == 1
    assert len(_review_rows()) == 1


def test_two_sweeps_at_once_give_one_outbox_row(org):
    add_contract("zhangwei", at("2026-11-23 10:00"))
    add_contract("lina", at("2026-11-23 10:05"), stamped_at=at("2026-11-23 12:00"))
    now = at("2026-11-26 10:10")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            sweep_rules(now)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(_review_rows()) == 2  # one per contract
    # The risk rule fired for the unstamped one only: rep and supervisor, once each.
    assert sorted(r.recipient for r in outbox_rows(f"rule:{STAMP}:")) == ["wangfang",
                                                                          "zhangwei"]
    assert len([f for f in firings() if f.rule_code in (REVIEW, STAMP)]) == 3


def test_the_outbox_key_is_the_same_on_a_re_run(org):
    add_contract("zhangwei", at("2026-11-23 10:00"))
    assert run_rule(REVIEW, at("2026-11-26 10:00")) == 1
    keys = [r.dedupe_key for r in _review_rows()]
    # As if the ledger row were lost (a crash between the two, a restore): the re-run
    # rebuilds exactly the same key, and the outbox's UNIQUE key refuses the duplicate.
    with session_scope() as session:
        for firing in session.exec(rules.select(rules.RuleFiring)):
            session.delete(firing)
    assert run_rule(REVIEW, at("2026-11-26 10:05")) == 0
    assert [r.dedupe_key for r in _review_rows()] == keys
    assert len(firings()) == 1  # re-recorded, without a second message


def test_stamped_page_missing_at_24h_makes_a_risk_contract(org):
    cid = add_contract("zhangwei", at("2026-11-23 10:00"))
    assert run_rule(STAMP, at("2026-11-24 09:59")) == 0
    assert get(Contract, cid).risk_at is None
    assert run_rule(STAMP, at("2026-11-24 10:00")) == 2
    assert get(Contract, cid).risk_at == at("2026-11-24 10:00")
    rows = outbox_rows(f"rule:{STAMP}:")
    assert sorted(r.recipient for r in rows) == ["wangfang", "zhangwei"]
    assert all(r.channel == CHANNEL_WECOM_APP for r in rows)
    to_rep = next(r for r in rows if r.recipient == "zhangwei")
    assert "风险单" in content(to_rep) and "上传后自动解除" in content(to_rep)
    assert _risk_ids() == [cid]
    # Once only.
    assert run_rule(STAMP, at("2026-11-24 10:01")) == 0
    assert run_rule(STAMP, at("2026-11-25 09:00")) == 0
    # The page arrives: no longer a risk contract, and never told again.
    change(Contract, cid, stamped_at=at("2026-11-25 11:00"))
    assert _risk_ids() == []
    assert run_rule(STAMP, at("2026-11-26 09:00")) == 0
    assert len(outbox_rows(f"rule:{STAMP}:")) == 2


def test_page_within_24h_is_no_risk(org):
    cid = add_contract("zhangwei", at("2026-11-23 10:00"))
    change(Contract, cid, stamped_at=at("2026-11-24 09:30"))
    assert run_rule(STAMP, at("2026-11-24 10:00")) == 0
    assert get(Contract, cid).risk_at is None


def test_a_draft_is_never_a_risk(org):
    add_contract("zhangwei", at("2026-11-23 10:00"), status="draft")
    assert run_rule(STAMP, at("2026-11-25 10:00")) == 0


def test_a_disabled_rule_does_nothing(org):
    with session_scope() as session:
        rules.update_rule(session, code=STAMP, changes={"enabled": False}, actor="admin")
    add_contract("zhangwei", at("2026-11-23 10:00"))
    assert run_rule(STAMP, at("2026-11-24 10:00")) == 0


def _risk_ids() -> list[int]:
    from sqlmodel import select

    with session_scope() as session:
        return list(session.exec(select(Contract.id).where(risk_filter())))
