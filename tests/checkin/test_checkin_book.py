"""The check-in form over a rep's whole book: the customer choice is searched on the
server (name or phone, only the rep's own), ordered by this week's plan, grade and recent
contact, and says how much of the book it lists; a form sent back (an error, a search)
keeps everything typed, the accepted photo included — only a photo that was itself the
problem is picked again."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from models.visits import visit as vm
from models.visits.plan import VisitPlan, VisitPlanItem, week_of
from tests.visits.visitkit import HANGZHOU, camera_photo
from tests.web.webkit import add_customer, login
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

GOOD = {"grade": "B", "pain_points": ["价格偏高"], "question": "这款滤芯多久换一次？",
        "next_action": "寄送样品", "lat": str(HANGZHOU.lat), "lng": str(HANGZHOU.lng),
        "coord": "wgs84"}


@pytest.fixture(autouse=True)
def _no_photos() -> None:
    for folder in ("originals", "kept"):
        shutil.rmtree(get_settings().instance_dir / "visits" / folder, ignore_errors=True)


def _options(page: str) -> list[str]:
    select_html = page.split('id="f-customer"', 1)[1].split("</select>", 1)[0]
    return [name for value, name in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)<', select_html)]


def _book() -> dict[str, int]:
    """zhangwei's 156 customers: 150 plain ones named so that, by name, the planned and
    the A-grade ones would sort last."""
    ids = {}
    now = datetime.now(UTC)
    for n in range(150):
        ids[f"客户{n:03d}"] = add_customer(f"客户{n:03d}", f"1380000{n:04d}", "zhangwei",
                                           grade="C",
                                           last_interaction_at=now - timedelta(days=n + 1))
    ids["甲·A级久未联系"] = add_customer("甲·A级久未联系", "13911110001", "zhangwei", grade="A")
    ids["乙·A级昨天联系"] = add_customer("乙·A级昨天联系", "13911110002", "zhangwei",
                                     grade="A", last_interaction_at=now - timedelta(hours=20))
    ids["丙·今天计划"] = add_customer("丙·今天计划", "13911110003", "zhangwei")
    ids["丁·本周计划"] = add_customer("丁·本周计划", "13911110004", "zhangwei", grade="B")
    ids["戊·B级"] = add_customer("戊·B级", "13911110005", "zhangwei", grade="B")
    ids["己·没有等级"] = add_customer("己·没有等级", "13911110006", "zhangwei")
    today = datetime.now(ZoneInfo(get_settings().timezone)).date()
    with session_scope() as db:
        plan = VisitPlan(rep="zhangwei", week=week_of(today))
        db.add(plan)
        db.flush()
        db.add(VisitPlanItem(plan_id=plan.id, customer_id=ids["丙·今天计划"], day=today))
        db.add(VisitPlanItem(plan_id=plan.id, customer_id=ids["丁·本周计划"]))
    return ids


def test_the_list_is_planned_then_graded_then_recent_and_says_what_it_holds(client, org):
    _book()
    add_customer("李娜的A级客户", "13922220001", "lina", grade="A")
    login(client, "zhangwei")
    page = client.get("/h5/checkin").get_data(as_text=True)
    names = _options(page)
    assert len(names) == 50
    assert names[:6] == ["丙·今天计划", "丁·本周计划", "乙·A级昨天联系", "甲·A级久未联系",
                         "戊·B级", "客户000"]
    assert "李娜的A级客户" not in page
    count = page.split('id="f-customer-count">', 1)[1].split("<", 1)[0]
    assert count.startswith("共 156 位客户") and "前 50 位" in count and "搜索" in count


def test_search_reaches_the_whole_book_by_name_or_phone_and_only_mine(client, org):
    _book()
    add_customer("客户李娜的", "13800000149x", "lina")
    login(client, "zhangwei")
    page = client.get("/h5/checkin?q=客户149").get_data(as_text=True)
    assert _options(page) == ["客户149"]  # the last one by name, far beyond the first 50
    assert "找到 1 位" in page
    assert _options(client.get("/h5/checkin?q=0149").get_data(as_text=True)) == ["客户149"]
    nothing = client.get("/h5/checkin?q=李娜").get_data(as_text=True)
    assert _options(nothing) == [] and "没有找到匹配的客户" in nothing


def _post(client, token, data, photo=None):
    form = {**data, "csrf_token": token}
    if photo is not None:
        form["photo"] = (io.BytesIO(photo), "photo.jpg")
    return client.post("/h5/checkin", data=form, content_type="multipart/form-data")


def _visits() -> list[vm.Visit]:
    with session_scope() as db:
        return list(db.exec(select(vm.Visit)))


def test_an_accepted_photo_is_kept_across_an_error_and_used_on_the_resend(client, shop,
                                                                          run_jobs):
    token = login(client, "zhangwei")
    photo = camera_photo(7, gps=HANGZHOU)
    sent = {**GOOD, "customer": str(shop), "question": "同上"}
    first = _post(client, token, sent, photo)
    assert first.status_code == 422
    page = first.get_data(as_text=True)
    assert "客户问题“同上”不是具体问题" in page
    assert "已保留刚才选择的照片" in page and "请重新选择照片" not in page
    kept = re.search(r'name="photo_token" id="f-photo-token" value="([^"]+)"', page).group(1)
    assert ('<input type="radio" class="weui-check" name="grade" value="B" id="f-grade-B" '
            'checked>') in page

    # Another person can't use the token; the same person re-sends without re-picking.
    other = login(client, "lina")
    refused = _post(client, other, {**GOOD, "customer": str(shop), "photo_token": kept})
    assert refused.status_code == 422 and _visits() == []
    token = login(client, "zhangwei")
    again = _post(client, token, {**GOOD, "customer": str(shop), "photo_token": kept})
    assert again.status_code == 303, again.get_data(as_text=True)
    (visit,) = _visits()
    with open(visit.photo_path, "rb") as stored:
        assert stored.read() == photo
    assert not list((get_settings().instance_dir / "visits" / "kept").rglob("*.bin"))


def test_a_photo_that_is_itself_the_error_is_the_only_thing_to_pick_again(client, shop):
    token = login(client, "zhangwei")
    page = _post(client, token, {**GOOD, "customer": str(shop)},
                 b"<html>not a photo</html>").get_data(as_text=True)
    assert 'id="photo-error"' in page and "不是 JPEG 或 PNG 图片" in page
    assert "已保留" not in page
    assert "这款滤芯多久换一次？</textarea>" in page
    assert '<option value="寄送样品" selected>' in page


def test_searching_inside_the_form_keeps_everything_typed(client, org):
    ids = _book()
    token = login(client, "zhangwei")
    photo = camera_photo(8, gps=HANGZHOU)
    res = _post(client, token, {**GOOD, "customer": "", "q": "客户120", "action": "search"},
                photo)
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    assert _options(page) == ["客户120"] and 'value="客户120"' in page
    assert "这款滤芯多久换一次？</textarea>" in page and "已保留刚才选择的照片" in page
    assert 'role="alert"' not in page.replace('id="photo-client-error" role="alert" hidden', "")
    kept = re.search(r'name="photo_token" id="f-photo-token" value="([^"]+)"', page).group(1)
    done = _post(client, token, {**GOOD, "customer": str(ids["客户120"]), "photo_token": kept})
    assert done.status_code == 303
    assert [v.customer_id for v in _visits()] == [ids["客户120"]]
