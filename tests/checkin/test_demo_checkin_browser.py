"""A newcomer tries the demo: on the emulator's phone they pick "at the customer" and
check in (clean), then pick the office 12 km away and check in again (flagged, with a
reason a supervisor can act on). The H5 page takes the place picked on the phone."""

from __future__ import annotations

from urllib.parse import quote

from bot.emulator.common import EXTENSION_KEY
from cards.links import wecom_oauth_url
from lib.geo import wgs84_to_gcj02
from models.visits import visit as vm
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.visits.visitkit import HANGZHOU, camera_photo, point_at
from zhongshu.db import session_scope

pytestmark = needs_chromium


def _latest() -> tuple[vm.Visit, list[str]]:
    with session_scope() as session:
        from sqlmodel import col, select

        visit = session.exec(select(vm.Visit).order_by(col(vm.Visit.id).desc())).first()
        assert visit is not None
        return visit, [f.reason for f in vm.flags_of(session, visit.id or 0)]


def test_demo_places_give_a_clean_and_a_flagged_check_in(emulator_app, emulator, shop,
                                                         run_jobs, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    near = point_at(HANGZHOU, 0.12, 80)
    office = point_at(HANGZHOU, 12, 200)
    config = emulator_app.extensions[EXTENSION_KEY].config
    saved = config.locations
    config.locations = [
        {"name": "在 杭州华滤环保（约 120 米）", "coord": "gcj02", "user": "zhangwei",
         **dict(zip(("lat", "lng"), wgs84_to_gcj02(near.lat, near.lng), strict=True))},
        {"name": "公司办公室（距 杭州华滤环保 约 12 公里）", "coord": "gcj02", "user": "zhangwei",
         **dict(zip(("lat", "lng"), wgs84_to_gcj02(office.lat, office.lng), strict=True))},
    ]
    photo = tmp_path / "visit.jpg"
    problems: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = phone_page(browser, problems)
            page.goto(f"{emulator}/phone/wecom/zhangwei")  # this browser is zhangwei's phone
            link = quote(wecom_oauth_url(f"/h5/checkin?customer={shop}"), safe="")
            verdicts = []
            for place, seed in ((0, 41), (1, 42)):
                photo.write_bytes(camera_photo(seed))  # a camera photo, no GPS in it
                page.goto(f"{emulator}/phone/wecom/zhangwei/open?url={link}&place={place}")
                expect(page.locator("h1")).to_have_text("拜访签到")
                expect(page.locator("#f-coord")).to_have_value("gcj02")
                page.click("label[for=f-grade-B]")
                page.click("label:has(input[value=交期太长])")
                page.fill("#f-question", "交期?")
                page.select_option("#f-next-action", "发送报价单")
                page.set_input_files("#f-photo", str(photo))
                page.click("#f-submit")
                expect(page.locator(".weui-msg__title")).to_have_text("签到已提交")
                run_jobs()
                verdicts.append(_latest())
            browser.close()
    finally:
        config.locations = saved
    assert not problems, problems
    (clean, clean_reasons), (flagged, reasons) = verdicts
    assert clean.compliant is True and clean_reasons == []
    assert flagged.compliant is False
    assert any("签到定位距客户登记地址 12.0 公里" in r for r in reasons), reasons
