"""The review page of a flagged visit (web/visits/review.py): each flag explains itself with its
evidence, the supervisor dismisses or rejects in one tap, and the decision is recorded
(who, when) under the same rule as the review card's buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from jobs.visits import process_visit
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo, point_at, reencoded
from tests.web.webkit import login, outbox_rows
from zhongshu.db import session_scope


def _visit(visit_id: int) -> vm.Visit:
    with session_scope() as session:
        visit = session.get(vm.Visit, visit_id)
        assert visit is not None
        return visit


@pytest.fixture()
def far(shop, check_in) -> int:
    """A visit whose photo was taken 12 km from the customer."""
    away = point_at(HANGZHOU, 12)
    visit_id = check_in("zhangwei", shop, camera_photo(21, gps=away))
    assert process_visit(visit_id) == "flagged"
    return visit_id


def test_far_flag_shows_the_distance_and_both_points(client, far) -> None:
    login(client, "wangfang")
    page = client.get(f"/h5/visits/{far}/review").get_data(as_text=True)
    assert "距离客户过远" in page
    assert f"客户登记位置：{HANGZHOU.lat:.5f}, {HANGZHOU.lng:.5f}" in page
    away = point_at(HANGZHOU, 12)
    assert f"照片拍摄位置：{away.lat:.5f}, {away.lng:.5f}，距客户 12.00 公里" in page
    assert "确认有效（忽略提示）" in page


def test_one_tap_dismissal_is_recorded_and_the_rep_told(client, far) -> None:
    token = login(client, "wangfang")
    before = datetime.now(UTC) - timedelta(seconds=1)
    response = client.post(f"/h5/visits/{far}/review",
                           data={"decision": "confirm", "csrf_token": token})
    assert response.status_code == 302
    visit = _visit(far)
    assert (visit.status, visit.compliant, visit.decided_by) == ("confirmed", True, "wangfang")
    assert visit.decided_at is not None and visit.decided_at.replace(tzinfo=UTC) >= before
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已确认有效，已通知业务员" in page
    assert re.search(r"已由 王芳 于 \d{4}-\d\d-\d\d \d\d:\d\d 确认有效", page)
    assert "确认有效（忽略提示）" not in page  # decided once
    notice = [r for r in outbox_rows() if r.dedupe_key == f"visit:{far}:decided"]
    assert len(notice) == 1 and notice[0].recipient == "zhangwei"
    # A second tap changes nothing.
    again = client.post(f"/h5/visits/{far}/review",
                        data={"decision": "reject", "csrf_token": token})
    assert again.status_code == 409 and "已处理过" in again.get_data(as_text=True)
    assert _visit(far).status == "confirmed"


@pytest.mark.parametrize("who", ["lina", "sunli", "zhangwei"])
def test_only_the_reps_supervisor_or_director_may_decide(client, far, who) -> None:
    token = login(client, who)
    page = client.get(f"/h5/visits/{far}/review")
    assert "确认有效（忽略提示）" not in page.get_data(as_text=True)
    response = client.post(f"/h5/visits/{far}/review",
                           data={"decision": "confirm", "csrf_token": token})
    assert response.status_code in (403, 404)
    visit = _visit(far)
    assert visit.status == "checked" and visit.decided_by is None


def test_director_of_the_region_may_reject(client, far) -> None:
    token = login(client, "liuyang")
    client.post(f"/h5/visits/{far}/review", data={"decision": "reject", "csrf_token": token})
    visit = _visit(far)
    assert (visit.status, visit.compliant, visit.decided_by) == ("rejected", False, "liuyang")


def test_card_button_records_who_and_when(far) -> None:
    from tests.checkin.test_checkin_decisions import replies

    replies("wangfang", f"visit.confirm:{far}")
    visit = _visit(far)
    assert visit.decided_by == "wangfang" and visit.decided_at is not None


def test_reused_photo_shows_both_photos_side_by_side(client, shop, check_in) -> None:
    original = camera_photo(31, gps=HANGZHOU, taken=datetime.now(UTC) - timedelta(days=3))
    first = check_in("zhangwei", shop, original, at=datetime.now(UTC) - timedelta(days=3))
    process_visit(first)
    copy = check_in("zhangwei", shop, reencoded(original))
    assert process_visit(copy) == "flagged"
    login(client, "wangfang")
    page = client.get(f"/h5/visits/{copy}/review").get_data(as_text=True)
    assert "照片重复使用" in page and "对齐比对相似度" in page
    assert f'src="/h5/visits/{copy}/photo"' in page
    earlier = f"/h5/visits/{copy}/evidence/{first}/photo"
    assert f'src="{earlier}"' in page
    # The earlier visit's rep is named as people know them, not by the account id.
    caption = re.search(rf"<figcaption>([^<]*拜访 {first}[^<]*)</figcaption>", page)
    assert caption and "张伟" in caption.group(1) and "zhangwei" not in caption.group(1)
    photo = client.get(earlier)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    # Only the photo the flag names is served this way.
    assert client.get(f"/h5/visits/{copy}/evidence/{copy + 1000}/photo").status_code == 404
    login(client, "zhaolei")  # another region's rep sees neither
    assert client.get(earlier).status_code == 404


def test_live_check_in_tells_a_new_photo_of_the_storefront_from_an_edited_copy(
        shop, check_in) -> None:
    """The live job runs the same confirmation as the audit: next week's photo of the same
    door passes, a brightened crop of last week's is flagged with the earlier visit."""
    from tests.visits.visitkit import camera_exif, edited_copy, jpeg, storefront, storefront_shot

    front = storefront(7, (800, 600))
    last_week = datetime.now(UTC) - timedelta(days=7)
    first_shot = storefront_shot(front, 1)
    first = check_in("zhangwei", shop, jpeg(first_shot, exif=camera_exif(taken=last_week)),
                     at=last_week)
    assert process_visit(first) == "accepted"
    new = check_in("zhangwei", shop, jpeg(storefront_shot(front, 21),
                                          exif=camera_exif(taken=datetime.now(UTC))))
    assert process_visit(new) == "accepted"
    copy = edited_copy(first_shot, brightness=1.2, crop=(0.05, 0.04, 0.03, 0.05))
    later = datetime.now(UTC) + timedelta(hours=49)
    edited = check_in("zhangwei", shop, jpeg(copy, quality=70, exif=camera_exif(taken=later)),
                      at=later)
    assert process_visit(edited) == "flagged"
    with session_scope() as session:
        flags = vm.flags_of(session, edited)
    reuse = [f for f in flags if f.code == "photo_reused"]
    assert len(reuse) == 1
    assert reuse[0].evidence["visit"] == str(first)  # type: ignore[index]
