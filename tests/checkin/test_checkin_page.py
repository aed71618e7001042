"""The check-in form /h5/checkin (web/visits/checkin.py): scoped customer choice, the record's
Chinese error messages with the inputs kept, cheap up-front photo checks that write
nothing, and a successful check-in that runs the job after commit."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo, jpeg_bomb, png_bomb, truncated
from tests.web.webkit import add_customer, login, outbox_rows
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

GOOD = {"grade": "A", "pain_points": ["价格偏高", "交期太长"],
        "question": "这款滤芯多久换一次？", "next_action": "寄送样品",
        "lat": str(HANGZHOU.lat), "lng": str(HANGZHOU.lng), "coord": "wgs84"}


@pytest.fixture(autouse=True)
def _no_originals() -> None:
    """The instance folder outlives a test; start each with no stored originals."""
    shutil.rmtree(get_settings().instance_dir / "visits" / "originals", ignore_errors=True)


def _visits() -> list[vm.Visit]:
    with session_scope() as session:
        return list(session.exec(select(vm.Visit).order_by(vm.Visit.id)))  # type: ignore[arg-type]


def _originals() -> list[Path]:
    folder = get_settings().instance_dir / "visits" / "originals"
    return sorted(folder.rglob("*.*")) if folder.exists() else []


def post(client, token: str, customer: int | str, photo: bytes | None, *,
         name: str = "photo.jpg", **overrides):
    form = {**GOOD, **overrides, "customer": str(customer), "csrf_token": token}
    if photo is not None:
        form["photo"] = (io.BytesIO(photo), name)
    return client.post("/h5/checkin", data=form, content_type="multipart/form-data")


def test_form_lists_only_my_customers_and_the_options(client, shop):
    add_customer("李娜的客户", "13800003333", "lina")
    token = login(client, "zhangwei")
    assert token
    page = client.get("/h5/checkin").get_data(as_text=True)
    assert "杭州华滤环保" in page and "李娜的客户" not in page
    assert "价格偏高" in page and "寄送样品" in page
    assert 'accept="image/jpeg,image/png" capture="environment"' in page
    prefilled = client.get(f"/h5/checkin?customer={shop}").get_data(as_text=True)
    assert f'<option value="{shop}" selected>' in prefilled


def test_another_reps_customer_is_not_found(client, shop, run_jobs):
    theirs = add_customer("赵磊的客户", "13800004444", "zhaolei")
    token = login(client, "zhangwei")
    assert client.get(f"/h5/checkin?customer={theirs}").status_code == 404
    response = post(client, token, theirs, camera_photo(1, gps=HANGZHOU))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "找不到该客户，或该客户不归你负责" in page and "赵磊的客户" not in page
    assert _visits() == [] and _originals() == [] and outbox_rows() == []


def test_honest_check_in_end_to_end(client, shop, run_jobs):
    token = login(client, "zhangwei")
    response = post(client, token, shop, camera_photo(1, gps=HANGZHOU))
    assert response.status_code == 303, response.get_data(as_text=True)
    (visit,) = _visits()
    assert response.headers["Location"].endswith(f"/h5/checkin/done/{visit.id}")
    assert (visit.rep, visit.grade, visit.pain_points) == ("zhangwei", "A",
                                                          ["价格偏高", "交期太长"])
    assert visit.device_coord == "wgs84" and visit.status == vm.STATUS_PENDING
    assert len(_originals()) == 1
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "签到已提交" in done
    run_jobs()
    (visit,) = _visits()
    assert visit.compliant is True and visit.photo_marked_path
    assert [r.recipient for r in outbox_rows()] == ["zhangwei"]


def test_record_errors_are_shown_and_inputs_kept(client, shop):
    token = login(client, "zhangwei")
    response = post(client, token, shop, camera_photo(1), grade="", question="同上",
                    pain_points=[], next_action_date="2000-01-01")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未选择客户等级（A/B/C）" in page
    assert "未选择客户痛点（至少一项）" in page
    assert "客户问题“同上”不是具体问题" in page
    assert "下一步行动日期不能早于今天" in page
    # The photo was fine: it is kept for the next send, not asked for again.
    assert "请重新选择照片" not in page and "已保留刚才选择的照片" in page
    assert f'<option value="{shop}" selected>' in page
    assert '<option value="寄送样品" selected>' in page
    assert _visits() == [] and _originals() == []


@pytest.mark.parametrize("photo,name,message", [
    (b"", "photo.jpg", "照片为空"),
    (b"<html><body>not a photo</body></html>", "photo.jpg", "不是 JPEG 或 PNG 图片"),
])
def test_bad_uploads_are_refused_and_write_nothing(client, shop, photo, name, message):
    token = login(client, "zhangwei")
    response = post(client, token, shop, photo, name=name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _visits() == [] and _originals() == []


def test_no_photo_at_all(client, shop):
    token = login(client, "zhangwei")
    response = post(client, token, shop, None)
    assert response.status_code == 422 and "照片为空" in response.get_data(as_text=True)
    assert _visits() == []


def test_body_over_the_cap_is_refused_before_reading(client, shop):
    token = login(client, "zhangwei")
    response = post(client, token, shop, b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "15 MB" in response.get_data(as_text=True)
    assert _visits() == [] and _originals() == []


@pytest.mark.parametrize("photo", [truncated(camera_photo(3)), jpeg_bomb(),
                                   jpeg_bomb(20_000, 20_000), png_bomb()],
                         ids=["truncated", "jpeg-64MP", "jpeg-400MP", "png-3600MP"])
def test_broken_images_are_accepted_then_flagged_by_the_job(client, shop, run_jobs, photo):
    token = login(client, "zhangwei")
    assert post(client, token, shop, photo).status_code == 303
    run_jobs()
    (visit,) = _visits()
    with session_scope() as session:
        codes = {f.code for f in vm.flags_of(session, visit.id)}  # type: ignore[arg-type]
    assert "bad_photo" in codes and visit.compliant is False
    assert any(r.recipient == "wangfang" for r in outbox_rows())


def test_the_same_form_sent_twice_makes_one_visit(client, shop, run_jobs):
    token = login(client, "zhangwei")
    photo = camera_photo(1, gps=HANGZHOU)
    first = post(client, token, shop, photo, submit_id="s" * 24)
    again = post(client, token, shop, photo, submit_id="s" * 24)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(_visits()) == 1


def test_refused_form_keeps_its_submit_id(client, shop):
    token = login(client, "zhangwei")
    page = post(client, token, shop, camera_photo(1), grade="", submit_id="k" * 24)
    assert 'name="submit_id" value="kkkkkkkkkkkkkkkkkkkkkkkk"' in page.get_data(as_text=True)


def test_csrf_is_required(client, shop):
    login(client, "zhangwei")
    response = post(client, "wrong-token", shop, camera_photo(1))
    assert response.status_code == 400
    assert _visits() == []


def test_finance_may_not_check_in(client, org):
    login(client, "chenjing")
    assert client.get("/h5/checkin").status_code == 403


def test_counting_helper_sanity(shop):
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(vm.Visit)).one() == 0
