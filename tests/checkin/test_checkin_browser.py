"""A rep checks in from the phone, in Debian's chromium driven by Playwright: the
emulator's phone opens the WeCom OAuth link to the form, the form is filled with a camera
JPEG, submitted, the job runs, and the customer's 360 page shows the watermarked photo."""

from __future__ import annotations

from urllib.parse import quote

from cards.links import wecom_oauth_url
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.visits.visitkit import HANGZHOU, camera_photo

pytestmark = needs_chromium


def test_a_rep_checks_in_from_the_phone(emulator, live_service, shop, run_jobs, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    photo = tmp_path / "visit.jpg"
    photo.write_bytes(camera_photo(21, gps=HANGZHOU))
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = phone_page(browser, problems, permissions=["geolocation"],
                          geolocation={"latitude": HANGZHOU.lat, "longitude": HANGZHOU.lng})

        page.goto(f"{emulator}/phone/wecom/zhangwei")
        link = wecom_oauth_url(f"/h5/checkin?customer={shop}")
        page.goto(f"{emulator}/phone/wecom/zhangwei/open?url={quote(link, safe='')}")
        expect(page.locator("h1")).to_have_text("拜访签到")
        expect(page.locator("#f-lat")).not_to_have_value("", timeout=5000)
        page.click("label[for=f-grade-B]")
        page.click("label:has(input[value=交期太长])")
        page.fill("#f-question", "最快什么时候能交货？")
        page.select_option("#f-next-action", "发送报价单")
        page.set_input_files("#f-photo", str(photo))
        page.click("#f-submit")
        expect(page.locator(".weui-msg__title")).to_have_text("签到已提交")

        run_jobs()
        page.click("text=查看客户")
        expect(page.locator(".zs-timeline__item_visit")).to_contain_text("拜访签到 · 张伟 · B级")
        image = page.locator("img.zs-visit-photo")
        expect(image).to_be_visible()
        assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
        browser.close()
    assert not problems, problems


def test_a_photo_over_the_cap_is_refused_on_the_phone_and_nothing_typed_is_lost(
        emulator, live_service, shop, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from web.visits.checkin import MAX_PHOTO

    huge = tmp_path / "huge.jpg"
    huge.write_bytes(b"\xff\xd8\xff" + b"\0" * (MAX_PHOTO + 1024))
    problems: list[str] = []
    posts: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = phone_page(browser, problems, viewport={"width": 414, "height": 896})
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.goto(f"{emulator}/phone/wecom/zhangwei")
        link = wecom_oauth_url(f"/h5/checkin?customer={shop}")
        page.goto(f"{emulator}/phone/wecom/zhangwei/open?url={quote(link, safe='')}")
        expect(page.locator("h1")).to_have_text("拜访签到")
        page.click("label[for=f-grade-A]")
        page.fill("#f-question", "最快什么时候能交货？")
        page.set_input_files("#f-photo", str(huge))
        error = page.locator("#photo-client-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("照片过大，最大 15 MB")
        page.click("#f-submit")
        expect(error).to_be_visible()
        assert posts == []  # never uploaded
        expect(page.locator("#f-question")).to_have_value("最快什么时候能交货？")
        expect(page.locator("#f-grade-A")).to_be_checked()
        assert page.evaluate("document.getElementById('f-photo').files.length") == 0
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 414
        browser.close()
    assert not problems, problems


def test_searching_for_the_customer_keeps_what_was_typed_and_the_photo(
        emulator, live_service, shop, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    photo = tmp_path / "visit.jpg"
    photo.write_bytes(camera_photo(22, gps=HANGZHOU))
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = phone_page(browser, problems, viewport={"width": 414, "height": 896})
        page.goto(f"{emulator}/phone/wecom/zhangwei")
        link = wecom_oauth_url("/h5/checkin")
        page.goto(f"{emulator}/phone/wecom/zhangwei/open?url={quote(link, safe='')}")
        expect(page.locator("h1")).to_have_text("拜访签到")
        page.fill("#f-question", "最快什么时候能交货？")
        page.click("label[for=f-grade-B]")
        page.set_input_files("#f-photo", str(photo))
        page.fill("#f-q", "华滤")
        page.click("#f-search")
        expect(page.locator("#f-customer-count")).to_have_text("找到 1 位")
        expect(page.locator("#f-question")).to_have_value("最快什么时候能交货？")
        expect(page.locator("#f-grade-B")).to_be_checked()
        expect(page.locator("#f-photo-kept")).to_contain_text("已保留刚才选择的照片")
        page.select_option("#f-customer", str(shop))
        page.click("label:has(input[value=交期太长])")
        page.select_option("#f-next-action", "发送报价单")
        page.click("#f-submit")  # no photo picked again: the kept one goes
        expect(page.locator(".weui-msg__title")).to_have_text("签到已提交")
        browser.close()
    assert not problems, problems
