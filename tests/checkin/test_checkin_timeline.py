"""Visits on the customer's 360 page (web/customers/customer360.py): time, grade, flags and the
watermarked photo, served through a route scoped by the customer."""

from __future__ import annotations

from pathlib import Path

from jobs.visits import process_visit
from models.visits import visit as vm
from tests.visits.visitkit import HANGZHOU, camera_photo, point_at
from tests.web.webkit import add_customer, login
from zhongshu.db import session_scope


def test_visits_show_on_the_timeline_with_the_marked_photo(client, shop, check_in):
    honest = check_in("zhangwei", shop, camera_photo(1, gps=HANGZHOU))
    process_visit(honest)
    login(client, "zhangwei")
    page = client.get(f"/h5/customers/{shop}").get_data(as_text=True)
    assert "拜访签到 · 张伟 · A级" in page and "核验通过" in page
    assert "这款滤芯多久换一次？" in page
    assert f'src="/h5/visits/{honest}/photo"' in page
    photo = client.get(f"/h5/visits/{honest}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    with session_scope() as session:
        visit = session.get(vm.Visit, honest)
        assert visit is not None and visit.photo_marked_path and visit.photo_path
        original = Path(visit.photo_path).read_bytes()
    assert photo.data != original  # the watermarked copy, never the original
    # The supervisor sees it too; another team and finance do not.
    login(client, "wangfang")
    assert client.get(f"/h5/visits/{honest}/photo").status_code == 200
    for outsider in ("zhaolei", "sunli", "chenjing", "lina"):
        login(client, outsider)
        assert client.get(f"/h5/visits/{honest}/photo").status_code == 404, outsider


def test_flagged_visit_shows_its_reasons(client, shop, check_in):
    far = check_in("zhangwei", shop, camera_photo(2, gps=point_at(HANGZHOU, 10)),
                   device=point_at(HANGZHOU, 10))
    process_visit(far)
    login(client, "wangfang")
    page = client.get(f"/h5/customers/{shop}").get_data(as_text=True)
    assert "存在疑点，待主管审核" in page and "疑点：照片拍摄地点距客户登记地址" in page


def test_other_customers_visits_stay_off_the_page(client, shop, check_in):
    other = add_customer("另一家客户", "13800005555", "zhangwei")
    visit = check_in("zhangwei", other, camera_photo(3, gps=HANGZHOU))
    process_visit(visit)
    login(client, "zhangwei")
    assert "拜访签到" not in client.get(f"/h5/customers/{shop}").get_data(as_text=True)
