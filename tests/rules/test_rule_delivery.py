"""End to end through the RQ worker and the platform emulator: the review reminders reach
the finance lead's DingTalk (each day's text differs, so DingTalk's same-day duplicate
filter never drops one), the wake-up card reaches the rep's WeCom with its button."""

from __future__ import annotations

import requests

from jobs.rules import run_rule
from models.rules import rule as rules
from tests.rules.rulekit import add_contract, add_customer, at


def _messages(emulator: str, platform: str, user: str) -> list[dict]:
    return requests.get(f"{emulator}/_emu/messages", params={"platform": platform, "user": user},
                        timeout=5).json()


def test_review_reminders_arrive_in_dingtalk_each_different(org, run_jobs, emulator):
    add_contract("zhangwei", at("2026-11-23 10:00"), stamped_at=at("2026-11-23 12:00"))
    assert run_rule(rules.REVIEW_72H, at("2026-11-26 10:00")) == 1
    run_jobs()
    assert run_rule(rules.REVIEW_72H, at("2026-11-27 09:00")) == 1
    run_jobs()
    received = _messages(emulator, "dingtalk", "dt_chenjing")
    assert len(received) == 2, received
    first, second = (str(m) for m in received)
    assert "第 1 次提醒" in first and "第 2 次提醒" in second


def test_wakeup_card_reaches_the_rep_with_its_button(org, run_jobs, emulator):
    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    assert run_rule(rules.INACTIVE, at("2026-11-16 10:00")) == 2
    run_jobs()
    (card,) = _messages(emulator, "wecom", "zhangwei")
    assert card["msgtype"] == "template_card"
    assert "followup.done:" in str(card) and "客户唤醒任务" in str(card)
    (to_boss,) = _messages(emulator, "wecom", "wangfang")
    assert "张伟" in str(to_boss)


def test_rules_run_cli_enqueues_what_is_due_once(org):
    from click.testing import CliRunner

    from tests.rules.rulekit import outbox_rows
    from zhongshu.cli import main

    add_contract("zhangwei", at("2026-11-23 10:00"), stamped_at=at("2026-11-23 12:00"))
    runner = CliRunner()
    first = runner.invoke(main, ["rules", "run", "--at", "2026-11-26T10:00:00+08:00"])
    assert first.exit_code == 0, first.output
    assert "contract_review_72h\t1" in first.output
    # A naive time is business time; running it again queues nothing more.
    again = runner.invoke(main, ["rules", "run", "--at", "2026-11-26T10:05"])
    assert again.exit_code == 0 and "contract_review_72h\t0" in again.output
    assert len(outbox_rows("rule:contract_review_72h:")) == 1
    bad = runner.invoke(main, ["rules", "run", "--at", "next thursday"])
    assert bad.exit_code == 2 and "not an ISO 8601 time" in bad.output


def test_a_large_batch_is_fanned_out_by_a_worker_and_delivered(org, run_jobs, emulator):
    from unittest import mock

    add_customer("杭州精工机械", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    add_customer("宁波海达贸易", "zhangwei", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    with mock.patch("zhongshu.queues.FAN_OUT_ABOVE", 1):
        assert run_rule(rules.INACTIVE, at("2026-11-16 10:00")) == 3
    run_jobs()
    assert len(_messages(emulator, "wecom", "zhangwei")) == 2
    assert len(_messages(emulator, "wecom", "wangfang")) == 1


def test_dingtalk_copies_link_through_the_dingtalk_sign_in(org):
    """One reply built for both channels: the DingTalk copy's links go through the DingTalk
    entry (免登), the WeCom copy's through WeCom OAuth."""
    import json

    from models.platform.outbox import CHANNEL_DINGTALK_WORK, CHANNEL_WECOM_APP
    from tests.rules.rulekit import outbox_rows
    from zhongshu.db import session_scope

    with session_scope() as session:
        rules.update_rule(session, code=rules.INACTIVE, changes={"channel": "both"},
                          actor="admin")
    add_customer("杭州精工机械", "wangfang", grade="A",
                 last_interaction_at=at("2026-11-01 10:00"))
    assert run_rule(rules.INACTIVE, at("2026-11-16 10:00")) >= 1
    rows = outbox_rows("rule:customer_inactive:")
    ding = json.dumps([r.payload for r in rows if r.channel == CHANNEL_DINGTALK_WORK],
                      ensure_ascii=False)
    wecom = json.dumps([r.payload for r in rows if r.channel == CHANNEL_WECOM_APP],
                       ensure_ascii=False)
    assert "杭州精工机械" in ding and "/h5/login/dingtalk?next=%2Fh5%2Fcustomers%2F" in ding
    assert "/h5/login?next=" not in ding
    assert "/h5/login?next=%2Fh5%2Fcustomers%2F" in wecom and "/h5/login/dingtalk" not in wecom
