"""The supervisor's decision on a flagged visit (handlers/visits/decide.py): 确认有效 makes it
count and teaches a customer without coordinates where it is; 驳回 keeps it out; anyone
but the rep's supervisor (or their director) is refused and nothing changes. End to end
through the emulator: the card's button text changes the moment it is tapped."""

from __future__ import annotations

import itertools

import pytest
import requests
from sqlmodel import func, select

from handlers import router
from jobs.visits import process_visit
from lib.chat import Event, Reply
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo, screenshot
from tests.web.webkit import add_customer, customers, outbox_rows
from zhongshu.db import session_scope

_ids = itertools.count(1)


def replies(user: str, key: str) -> list[Reply]:
    event = Event(platform="wecom", kind="card_action", key=key, user_id=user,
                  dedupe_key=f"test:{next(_ids)}", created_at=0,
                  payload={"task_id": "t", "card_type": "button_interaction"})
    with session_scope() as session:
        return router.dispatch(event, session)


def click(user: str, key: str) -> str:
    """What the clicker is told."""
    return "\n".join(r.text or "" for r in replies(user, key) if r.to_user is None)


def _visit(visit_id: int) -> vm.Visit:
    with session_scope() as session:
        visit = session.get(vm.Visit, visit_id)
        assert visit is not None
        return visit


def _counted() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(vm.Visit)
                            .where(vm.countable())).one()


@pytest.fixture()
def nowhere(org) -> int:
    """zhangwei's customer without coordinates."""
    return add_customer("无锡新客户", "13800002222", "zhangwei")


@pytest.fixture()
def flagged(nowhere, check_in) -> int:
    visit_id = check_in("zhangwei", nowhere, screenshot(9))
    assert process_visit(visit_id) == "flagged"
    return visit_id


def test_supervisor_confirms_visit_counts_and_customer_learns_its_place(flagged, nowhere):
    assert _counted() == 0
    button, answer, to_rep = replies("wangfang", f"visit.confirm:{flagged}")
    assert button.update_button == "已确认有效"
    assert "已确认张伟对无锡新客户的拜访有效" in (answer.text or "")
    assert to_rep.to_user == "zhangwei" and "已由王芳确认有效" in (to_rep.text or "")
    visit = _visit(flagged)
    assert (visit.status, visit.compliant) == ("confirmed", True)
    assert _counted() == 1
    (customer,) = customers(id=nowhere)
    assert (customer.latitude, customer.longitude, customer.coord) == pytest.approx(
        (HANGZHOU.lat, HANGZHOU.lng, "wgs84"))
    # Decided once: a second tap (or the other button) changes nothing.
    assert "已处理过（已确认有效）" in click("wangfang", f"visit.reject:{flagged}")
    assert _visit(flagged).status == "confirmed"
    # Re-running the job does not undo the decision.
    assert process_visit(flagged) == "decided"
    assert _visit(flagged).compliant is True


def test_director_over_the_rep_may_reject(flagged, nowhere):
    button, answer, to_rep = replies("liuyang", f"visit.reject:{flagged}")
    assert button.update_button == "已驳回"
    assert "已驳回张伟对无锡新客户的拜访" in (answer.text or "")
    assert to_rep.to_user == "zhangwei" and "已被刘洋驳回" in (to_rep.text or "")
    visit = _visit(flagged)
    assert (visit.status, visit.compliant) == ("rejected", False)
    assert customers(id=nowhere)[0].latitude is None


@pytest.mark.parametrize("who", ["lina", "zhangwei", "sunli", "zhaolei", "admin", "chenjing",
                                 "nobody"])
def test_anyone_else_is_refused_and_nothing_changes(flagged, nowhere, who):
    before = len(outbox_rows())
    # One reply and no update_button: the tapped button keeps its text.
    (answer,) = replies(who, f"visit.confirm:{flagged}")
    assert "只有该业务员的主管" in (answer.text or "") and answer.to_user is None
    assert answer.update_button is None
    visit = _visit(flagged)
    assert (visit.status, visit.compliant) == ("checked", False)
    assert customers(id=nowhere)[0].latitude is None
    assert len(outbox_rows()) == before


def test_unknown_or_malformed_visit(org):
    assert click("wangfang", "visit.confirm:424242").startswith("找不到这条拜访记录")
    assert click("wangfang", "visit.confirm").startswith("找不到这条拜访记录")


def test_a_missing_and_a_foreign_visit_get_the_same_answer(flagged):
    # Ids cannot be enumerated by clicking: a visit one may not decide reads like a
    # missing one.
    assert click("lina", f"visit.confirm:{flagged}") == click("lina",
                                                              f"visit.confirm:{flagged + 4242}")


def test_confirm_through_the_emulator_updates_the_card(nowhere, check_in, run_jobs, emulator):
    visit_id = check_in("zhangwei", nowhere, screenshot(11))
    assert process_visit(visit_id) == "flagged"
    run_jobs()  # deliver the review card and the rep's notice
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "wangfang"}, timeout=5).json()
    card = next(m for m in messages if m["msgtype"] == "template_card")
    task_id = card["task_id"]
    assert card["content"]["template_card"]["task_id"] == task_id
    answer = requests.post(f"{emulator}/_emu/wecom/users/wangfang/card_click",
                           json={"task_id": task_id, "key": f"visit.confirm:{visit_id}"},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    run_jobs()  # the handler, then its messages
    messages = requests.get(f"{emulator}/_emu/messages",
                            params={"platform": "wecom", "user": "wangfang"}, timeout=5).json()
    card = next(m for m in messages if m["msgtype"] == "template_card")
    assert card["card_update"] == {"replace_name": "已确认有效"}
    assert _visit(visit_id).status == "confirmed"
    assert any("确认张伟对无锡新客户的拜访有效" in m["content"].get("text", {}).get("content", "")
               for m in messages), messages
    to_rep = requests.get(f"{emulator}/_emu/messages",
                          params={"platform": "wecom", "user": "zhangwei"}, timeout=5).json()
    assert any("已由王芳确认有效" in m["content"].get("text", {}).get("content", "")
               for m in to_rep)


def test_checkin_button_links_to_the_form(org):
    event = Event(platform="wecom", kind="click", key="checkin", user_id="zhangwei",
                  dedupe_key="test:checkin", created_at=0)
    with session_scope() as session:
        (reply,) = router.dispatch(event, session)
    assert reply.card is not None and reply.card.title == "拜访签到"
    assert "%2Fh5%2Fcheckin" in (reply.card.url or "")
    event = Event(platform="wecom", kind="click", key="checkin", user_id="admin",
                  dedupe_key="test:checkin2", created_at=0)
    with session_scope() as session:
        (reply,) = router.dispatch(event, session)
    assert "仅限业务员" in (reply.text or "")


def test_honest_visit_gets_no_review_card(shop, check_in):
    visit_id = check_in("zhangwei", shop, camera_photo(12, gps=HANGZHOU))
    assert process_visit(visit_id) == "accepted"
    assert not [r for r in outbox_rows() if r.recipient == "wangfang"]
