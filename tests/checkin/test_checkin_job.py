"""process_visit (jobs/visits.py → handlers/visits/evaluate.py): honest visits are confirmed
to the rep, flagged ones reach the rep's supervisor as a review card with 确认有效 / 驳回
buttons; re-running the job sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from jobs.visits import process_visit
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo, point_at, screenshot
from tests.web.webkit import outbox_rows
from zhongshu.db import session_scope


def _visit(visit_id: int) -> vm.Visit:
    with session_scope() as session:
        visit = session.get(vm.Visit, visit_id)
        assert visit is not None
        return visit


def _codes(visit_id: int) -> set[str]:
    with session_scope() as session:
        return {f.code for f in vm.flags_of(session, visit_id)}


def test_honest_visit_is_recorded_and_no_card_goes_to_the_supervisor(shop, check_in):
    visit_id = check_in("zhangwei", shop, camera_photo(1, gps=HANGZHOU))
    assert process_visit(visit_id) == "accepted"
    visit = _visit(visit_id)
    assert visit.compliant is True and visit.status == vm.STATUS_CHECKED
    assert visit.photo_marked_path and Path(visit.photo_marked_path).is_file()
    rows = outbox_rows()
    assert [(r.recipient, r.dedupe_key) for r in rows] == [
        ("zhangwei", f"visit:{visit_id}:recorded")]
    assert "拜访已记录：杭州华滤环保" in rows[0].payload["text"]["content"]
    # Re-running changes nothing and sends nothing again.
    assert process_visit(visit_id) == "accepted"
    assert len(outbox_rows()) == 1


def _far(check_in, shop):
    return check_in("zhangwei", shop, camera_photo(3, gps=point_at(HANGZHOU, 10)),
                    device=point_at(HANGZHOU, 10))


def _screenshot(check_in, shop):
    return check_in("zhangwei", shop, screenshot(4))


def _reused(check_in, shop):
    photo = camera_photo(5, gps=HANGZHOU, taken=datetime.now(UTC) - timedelta(days=3))
    first = check_in("zhangwei", shop, photo, at=datetime.now(UTC) - timedelta(days=3))
    process_visit(first)
    return check_in("zhangwei", shop, photo)


def _revisit(check_in, shop):
    earlier = datetime.now(UTC) - timedelta(hours=20)
    first = check_in("zhangwei", shop, camera_photo(6, gps=HANGZHOU, taken=earlier), at=earlier)
    process_visit(first)
    return check_in("zhangwei", shop, camera_photo(7, gps=HANGZHOU))


@pytest.mark.parametrize("make,code,reason", [
    (_far, "far_from_customer", "公里"),
    (_screenshot, "no_camera_exif", "没有相机信息"),
    (_reused, "photo_reused", "照片完全相同"),
    (_revisit, "revisit_48h", "小时内已拜访过该客户"),
])
def test_flagged_visit_sends_the_supervisor_a_review_card(shop, check_in, make, code, reason):
    visit_id = make(check_in, shop)
    assert process_visit(visit_id) == "flagged"
    assert code in _codes(visit_id)
    assert _visit(visit_id).compliant is False
    mine = [r for r in outbox_rows() if r.dedupe_key.startswith(f"visit:{visit_id}:")]
    by_key = {r.dedupe_key.rsplit(":", 1)[1]: r for r in mine}
    assert set(by_key) == {"under-review", "review"}
    review = by_key["review"]
    assert review.recipient == "wangfang"
    card = review.payload["template_card"]
    assert card["card_type"] == "button_interaction"
    assert card["task_id"].startswith(f"visit{visit_id}x")
    assert [(b["text"], b["key"]) for b in card["button_list"]] == [
        ("确认有效", f"visit.confirm:{visit_id}"), ("驳回", f"visit.reject:{visit_id}")]
    assert reason in card["sub_title_text"]
    assert f"/h5/visits/{visit_id}/review" in unquote(card["card_action"]["url"])
    assert by_key["under-review"].recipient == "zhangwei"
    process_visit(visit_id)
    assert len([r for r in outbox_rows() if r.dedupe_key.startswith(f"visit:{visit_id}:")]) == 2


def test_missing_visit_is_skipped():
    assert process_visit(999999) == "missing"
