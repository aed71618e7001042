"""The store pages in Debian's chromium driven by Playwright: the weekday × hour heatmap
and the cross-store comparison draw (vendored ECharts, under our CSP, no console error);
a store manager checks in a promotion item with a photo from the phone and HQ sees the
execution rate; another store's page, opened by editing the URL, reads "not found".

Set ZS_SCREENSHOT_DIR (e.g. docs/img) to keep screenshots of the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.base import utcnow
from models.stores.store import Promotion
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.browserkit import shot as _shot
from tests.stores.storekit import SHANGHAI, add_sale, add_traffic
from tests.visits.visitkit import camera_photo
from web.auth.identity import SESSION_CSRF, SESSION_USER
from zhongshu.db import session_scope

pytestmark = needs_chromium




def _sign_in(context, app, live_service: str, userid: str) -> None:
    """The session cookie the OAuth exchange would have set (the store staff are not in
    the emulator's directory)."""
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {SESSION_USER: userid, SESSION_CSRF: f"csrf-{userid}-0123456789abcdef"})
    context.clear_cookies()
    context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie,
                          "url": live_service}])


@pytest.fixture()
def busy_week(chain):
    """A week of hourly traffic for every store, ending yesterday (business time)."""
    today = utcnow().astimezone(SHANGHAI).date()
    for n, code in enumerate(("S001", "S002", "S003")):
        for back in range(1, 8):
            day = today - timedelta(days=back)
            start = utcnow().astimezone(SHANGHAI).replace(
                year=day.year, month=day.month, day=day.day, hour=7, minute=0, second=0,
                microsecond=0)
            add_traffic(chain[code], start, [10 + 5 * n + (h % 6) * 4 for h in range(14)])
        add_sale(chain[code], f"R-{code}", start + timedelta(hours=2))
    with session_scope() as session:
        session.add(Promotion(title="双十二生鲜节", starts_on=today,
                              ends_on=today + timedelta(days=7),
                              checklist=["堆头陈列到位", "价签更换", "库存充足"],
                              created_by="zongbu"))
    return chain


def test_heatmaps_promotion_checkin_and_url_editing(app, live_service, busy_week, run_jobs,
                                                    tmp_path):
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with session_scope() as session:
        promotion_id = session.exec(select(Promotion.id)).one()
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(camera_photo(31))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = phone_page(browser, problems, device_scale_factor=2)
        context = page.context

        # HQ: one store's weekday × hour heatmap, then all stores side by side.
        _sign_in(context, app, live_service, "zongbu")
        page.goto(f"{live_service}/h5/stores")
        page.click("[data-store=S001]")
        expect(page.locator("#store-name")).to_have_text("幸福路店")
        heatmap = page.locator("#heatmap")
        expect(heatmap).to_have_attribute("data-ready", "168", timeout=15_000)  # 7 × 24
        expect(heatmap.locator("canvas").first).to_be_visible()
        box = heatmap.bounding_box()
        assert box is not None and box["height"] >= 240 and box["width"] > 300
        # The canvas is really painted: not one flat colour.
        colours = page.evaluate("""() => {
            const c = document.querySelector('#heatmap canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
            return seen.size; }""")
        assert colours > 10
        _shot(page, "store-heatmap.png")
        page.goto(f"{live_service}/h5/stores/compare")
        expect(page.locator("#compare")).to_have_attribute("data-ready", "72", timeout=15_000)
        _shot(page, "store-compare.png")

        # The manager of S001 and S003 checks in one item with a photo.
        _sign_in(context, app, live_service, "dz1")
        page.goto(f"{live_service}/h5/promotions")
        page.click(f"[data-promotion='{promotion_id}']")
        expect(page.locator("#promotion-title")).to_have_text("双十二生鲜节")
        item = page.locator("[data-store=S001] [data-item='0']")
        expect(item).to_have_attribute("data-status", "todo")
        item.locator("input[type=file]").set_input_files(str(photo))
        item.locator("button[type=submit]").click()
        expect(page.locator("#checkin-notice")).to_have_text(
            "已收到「堆头陈列到位」的照片，正在校验。")
        run_jobs()
        page.reload()
        item = page.locator("[data-store=S001] [data-item='0']")
        expect(item).to_have_attribute("data-status", "ok")
        # The watermarked copy behind the link (fetched, not navigated to: Chrome's own
        # image viewer page would trip our CSP, which is about our pages).
        href = item.locator("a", has_text="查看照片").get_attribute("href")
        shown = page.request.get(f"{live_service}{href}")
        assert shown.status == 200 and shown.headers["content-type"] == "image/jpeg"
        _shot(page, "promotion-manager.png")

        # Editing the URL to another manager's store: not found, page and JSON alike.
        other = busy_week["S002"]
        response = page.goto(f"{live_service}/h5/stores/{other}")
        assert response is not None and response.status == 404
        expect(page.locator(".weui-msg__title")).to_have_text("找不到门店")
        assert page.request.get(f"{live_service}/h5/stores/{other}.json").status == 404
        assert page.request.get(f"{live_service}/h5/stores/{other}/export.csv").status == 404

        # HQ reads the execution rate.
        _sign_in(context, app, live_service, "zongbu")
        page.goto(f"{live_service}/h5/promotions/{promotion_id}")
        expect(page.locator("#execution-rate")).to_have_text(
            "执行率 0%（0/3 家门店完成，检查项 1/9）")
        expect(page.locator("[data-store=S001]")).to_contain_text("1/3")
        _shot(page, "promotion-hq.png")
        browser.close()
    # The 404 above is the page's own answer; everything else must be clean.
    assert [p for p in problems if "404" not in p] == []
