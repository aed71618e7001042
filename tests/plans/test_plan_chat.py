"""``下周计划`` and ``未覆盖`` end to end: typed in the emulator's WeCom chat, answered
through the real endpoint, router, RQ worker and outbox (the handler's clock frozen)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import requests

from jobs.schedule import sweep_inbox
from models.base import utcnow
from models.platform import inbox
from models.visits import plan as plans
from tests.plans.plankit import SHANGHAI, add_customer, add_visit, at, make_org
from zhongshu.db import session_scope

OPEN = at("2026-11-27 16:30")  # Friday, before the 17:00 lock
LOCKED = at("2026-11-27 17:00")


def _say(emulator: str, user: str, text: str) -> None:
    requests.post(f"{emulator}/_emu/wecom/users/{user}/text", json={"content": text},
                  timeout=10).raise_for_status()


def _replies(emulator: str, user: str) -> list[str]:
    response = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": user}, timeout=5)
    response.raise_for_status()
    return [str(m["content"]) for m in response.json() if m["direction"] == "out"]


def test_plan_next_week_over_wecom(emulator, run_jobs) -> None:
    make_org()
    add_customer("杭州精工机械", "zhangwei")
    add_customer("宁波海达贸易", "zhangwei")
    add_customer("温州鑫源电器", "lina")  # someone else's: must read as unknown
    with mock.patch("handlers.visits.plans._now", return_value=OPEN):
        _say(emulator, "zhangwei", "下周计划 杭州精工机械，温州鑫源电器、宁波海达")
        run_jobs()
        first = _replies(emulator, "zhangwei")
        _say(emulator, "zhangwei", "下周计划")
        run_jobs()
        shown = _replies(emulator, "zhangwei")[len(first):]
    text = "\n".join(first)
    assert "已加入下周计划：杭州精工机械、宁波海达贸易" in text
    assert "没有找到客户「温州鑫源电器」" in text
    assert "李娜" not in text  # nothing about whose customer it is
    assert len(shown) == 1
    assert "杭州精工机械" in shown[0] and "宁波海达贸易" in shown[0]
    assert "温州鑫源电器" not in shown[0]
    with session_scope() as session:
        from tests.plans.plankit import user

        view = plans.get_plan(session, user("zhangwei"), plans.next_week(OPEN, SHANGHAI),
                              now=OPEN, tz=SHANGHAI)
        assert {c.name for c in view.customers} == {"杭州精工机械", "宁波海达贸易"}

    with mock.patch("handlers.visits.plans._now", return_value=LOCKED):
        _say(emulator, "zhangwei", "下周计划 杭州精工机械")
        run_jobs()
    (refusal,) = _replies(emulator, "zhangwei")[len(first) + 1:]
    assert "下周计划已于 11-27 周五 17:00 截止，不能再修改" in refusal


def test_uncovered_for_a_supervisor_only(emulator, run_jobs) -> None:
    make_org()
    add_customer("A级未拜访", "zhangwei", grade="A")
    done = add_customer("A级已拜访", "lina", grade="A")
    add_visit("lina", done, at("2026-11-24 10:00"))
    with mock.patch("handlers.visits.plans._now", return_value=at("2026-11-26 15:00")):
        _say(emulator, "wangfang", "未覆盖")
        _say(emulator, "zhangwei", "未覆盖")
        run_jobs()
    (supervisor,) = _replies(emulator, "wangfang")
    assert "A级未拜访" in supervisor and "A级已拜访" not in supervisor
    assert "A级未拜访" not in "\n".join(_replies(emulator, "zhangwei"))


def _messages(emulator: str, user: str) -> list[dict]:
    response = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": user}, timeout=5)
    response.raise_for_status()
    return [m for m in response.json() if m["direction"] == "out"]


def test_uncovered_with_more_than_a_card_holds_shows_the_first_and_links_all(
        emulator, run_jobs, client) -> None:
    from tests.plans.plankit import login

    make_org()
    for n in range(125):
        add_customer(f"高潜客户{n:03d}", "zhangwei" if n % 2 else "lina", grade="A")
    add_customer("别的团队A级", "zhaolei", grade="A")
    now = at("2026-11-26 15:00")
    with mock.patch("handlers.visits.plans._now", return_value=now):
        _say(emulator, "wangfang", "未覆盖")
        run_jobs()
    (message,) = _messages(emulator, "wangfang")
    assert message["msgtype"] == "template_card", message
    card = message["content"]["template_card"]
    assert card["main_title"]["title"] == "本周未覆盖的高潜客户（125 位）"
    rows = card["horizontal_content_list"]
    assert 1 <= len(rows) <= 6
    assert "另有 120 位，点开查看全部" in card["sub_title_text"]
    assert card["card_action"]["url"].endswith("/h5/login?next=%2Fh5%2Fplan")
    login(client, "wangfang")  # the link's page lists every one, the team's only
    with mock.patch("web.visits.plans._now", return_value=now):
        page = client.get("/h5/plan").get_data(as_text=True)
    assert all(f"高潜客户{n:03d}" in page for n in range(125))
    assert "别的团队A级" not in page


def test_a_reply_that_fails_tells_the_user_in_chinese(emulator, run_jobs) -> None:
    make_org()
    with mock.patch("models.visits.plan.uncovered_high_potential",
                    side_effect=RuntimeError("database went away")):
        _say(emulator, "wangfang", "未覆盖")
        run_jobs()
        # Run again by the scheduler's sweeps: silent until the last attempt fails.
        for attempt in range(2, inbox.MAX_ATTEMPTS + 1):
            assert _replies(emulator, "wangfang") == []
            assert sweep_inbox(utcnow() + timedelta(minutes=2 * attempt))["retried"] == 1
            run_jobs()
    (notice,) = _replies(emulator, "wangfang")
    assert "没有处理成功" in notice and "请稍后再试" in notice
    assert "database" not in notice and "RuntimeError" not in notice
