"""Promotion execution: HQ publishes a checklist, store managers check in each item with
a camera photo (same rules and watermark as visit check-ins), HQ reads the execution
rate (stores done / stores due, items done)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlmodel import select

from models.base import utcnow
from models.stores.store import Promotion, PromotionCheckin
from tests.visits.visitkit import camera_photo, screenshot
from tests.web.webkit import login
from zhongshu.db import session_scope

# Around the real today: the check-in page takes the real clock.
TODAY = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
START, END = TODAY - timedelta(days=7), TODAY + timedelta(days=15)


def _publish(client, **fields):
    token = login(client, "zongbu")
    data = {"csrf_token": token, "title": "双十二生鲜节", "starts_on": START.isoformat(),
            "ends_on": END.isoformat(), "region": "",
            "checklist": "堆头陈列到位\n价签更换\n\n库存充足"}
    return client.post("/h5/promotions", data=data | fields)


@pytest.fixture()
def promotion(client, chain) -> int:
    response = _publish(client)
    assert response.status_code == 303
    with session_scope() as session:
        promo = session.exec(select(Promotion)).one()
        assert promo.checklist == ["堆头陈列到位", "价签更换", "库存充足"]
        assert promo.id is not None
        return promo.id


def _check_in(client, user: str, promotion_id: int, store_id: int, item: int, photo: bytes):
    token = login(client, user)
    return client.post(f"/h5/promotions/{promotion_id}/checkin",
                       data={"csrf_token": token, "store_id": str(store_id), "item": str(item),
                             "photo": (io.BytesIO(photo), "photo.jpg")},
                       content_type="multipart/form-data")


def _checkins() -> dict[tuple[int, int], PromotionCheckin]:
    with session_scope() as session:
        return {(c.store_id, c.item): c for c in session.exec(select(PromotionCheckin))}


def test_publishing_checks_the_form(client, chain):
    response = _publish(client, title=" ", checklist="",
                        ends_on=(START - timedelta(days=1)).isoformat())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in ("请填写促销名称", "结束日期不能早于开始日期", "请至少填写一项执行检查项"):
        assert text in page
    token = login(client, "dz1")
    assert client.post("/h5/promotions", data={"csrf_token": token, "title": "x"}
                       ).status_code == 403
    with session_scope() as session:
        assert session.exec(select(Promotion)).all() == []


def test_camera_photos_complete_items_and_hq_sees_the_rate(client, chain, promotion,
                                                           run_jobs):
    s1, s3 = chain["S001"], chain["S003"]
    for item, seed in ((0, 11), (1, 12), (2, 13)):
        response = _check_in(client, "dz1", promotion, s1, item, camera_photo(seed))
        assert response.status_code == 303
    assert _check_in(client, "dz1", promotion, s3, 0, camera_photo(14)).status_code == 303
    run_jobs()
    done = _checkins()
    assert {key: c.status for key, c in done.items()} == {
        (s1, 0): "ok", (s1, 1): "ok", (s1, 2): "ok", (s3, 0): "ok"}
    marked = Path(done[(s1, 0)].photo_marked_path or "")
    with Image.open(marked) as image:  # the watermarked copy, a band along the bottom
        assert image.format == "JPEG"
    assert marked != Path(done[(s1, 0)].photo_path)

    login(client, "zongbu")
    page = client.get(f"/h5/promotions/{promotion}").get_data(as_text=True)
    # 3 stores due, S001 done; items 4 of 9.
    assert "执行率 33%（1/3 家门店完成，检查项 4/9）" in page
    listing = client.get("/h5/promotions").get_data(as_text=True)
    assert "执行率 33%（1/3 家门店完成，检查项 4/9）" in listing
    photo = client.get(f"/h5/promotions/checkins/{done[(s1, 0)].id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"

    # Another manager can't see that photo, nor check in for S001.
    login(client, "dz2")
    assert client.get(f"/h5/promotions/checkins/{done[(s1, 0)].id}/photo").status_code == 404
    assert _check_in(client, "dz2", promotion, s1, 0, camera_photo(15)).status_code == 404
    assert _checkins()[(s1, 0)].by == "dz1"


def test_screenshots_reused_photos_and_non_images_are_refused(client, chain, promotion,
                                                              run_jobs):
    s1 = chain["S001"]
    assert _check_in(client, "dz1", promotion, s1, 0, screenshot()).status_code == 303
    reused = camera_photo(21)
    assert _check_in(client, "dz1", promotion, s1, 1, reused).status_code == 303
    assert _check_in(client, "dz1", promotion, s1, 2, reused).status_code == 303
    run_jobs()
    done = _checkins()
    assert done[(s1, 0)].status == "bad" and "相机" in (done[(s1, 0)].reason or "")
    assert done[(s1, 1)].status == "ok"
    assert done[(s1, 2)].status == "bad" and done[(s1, 2)].reason == ("这张照片已用于其他检查项，"
                                                                      "请现场重新拍摄")
    login(client, "dz1")
    page = client.get(f"/h5/promotions/{promotion}").get_data(as_text=True)
    assert "照片不合格：" in page and "本店已完成 1/3 项" in page

    response = _check_in(client, "dz1", promotion, s1, 0, b"%PDF-1.4 not a photo")
    assert response.status_code == 422 and "只接受 JPEG 或 PNG" in response.get_data(as_text=True)
    response = _check_in(client, "dz1", promotion, s1, 7, camera_photo(22))  # no such item
    assert response.status_code == 404

    # A re-take replaces the refused photo.
    assert _check_in(client, "dz1", promotion, s1, 0, camera_photo(23)).status_code == 303
    run_jobs()
    assert _checkins()[(s1, 0)].status == "ok"


def test_no_check_in_after_the_promotion_ended(client, chain, promotion, run_jobs):
    after = datetime.combine(END + timedelta(days=1), datetime.min.time(), UTC)
    with mock.patch("web.stores.common.now", return_value=after):
        response = _check_in(client, "dz1", promotion, chain["S001"], 0, camera_photo(41))
    assert response.status_code == 409
    assert f"该促销已于 {END.isoformat()} 结束，不能再打卡" in response.get_data(as_text=True)
    assert _checkins() == {}


def test_a_regional_promotion_is_due_only_in_its_region(client, chain):
    response = _publish(client, region="西区", checklist="海报")
    assert response.status_code == 303
    login(client, "dz2")  # 东区 only
    assert "双十二生鲜节" not in client.get("/h5/promotions").get_data(as_text=True)
    login(client, "zongbu")
    with session_scope() as session:
        promo_id = session.exec(select(Promotion.id)).one()
    assert "0/1 家门店完成" in client.get(f"/h5/promotions/{promo_id}").get_data(as_text=True)
