"""A rep registers a customer on the phone, in Debian's chromium driven by Playwright:
the emulator's phone opens the WeCom OAuth link, the form is filled and sent, the success
page shows, the confirmation card arrives and its link opens the customer's 360 view.

Set ZS_SCREENSHOT_DIR (e.g. docs/img) to keep screenshots of the pages."""

from __future__ import annotations

import re
from urllib.parse import quote

from cards.links import wecom_oauth_url
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.browserkit import shot as _shot
from tests.web.webkit import customers

pytestmark = needs_chromium




def _fill(page, *, name: str, phone: str) -> None:
    page.fill("#f-name", name)
    page.fill("#f-contact", "王经理")
    page.fill("#f-phone", phone)
    page.select_option("#f-industry", "环保")
    page.select_option("#f-intent", "意向高·近期采购")


def test_a_rep_registers_a_customer_from_the_phone(emulator, live_service, org, run_jobs):
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Any CSP violation or script error on our pages fails the test.
        page = phone_page(browser, problems, device_scale_factor=2)
        context = page.context
        context.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                   if r.status >= 400 else None)

        page.goto(f"{emulator}/phone/wecom/zhangwei")
        link = wecom_oauth_url("/h5/register")
        page.goto(f"{emulator}/phone/wecom/zhangwei/open?url={quote(link, safe='')}")
        # Through the OAuth page and our code exchange, to the form with no code in the URL.
        # (#wechat_redirect, which WeCom's authorize URL must carry, survives the redirects.)
        expect(page).to_have_url(re.compile(
            re.escape(f"{live_service}/h5/register") + "(#wechat_redirect)?$"))
        expect(page.locator("h1")).to_have_text("报备新客户")
        expect(page.locator("#f-name")).to_be_focused()
        _fill(page, name="杭州恒达环保科技有限公司", phone="13912345678")
        _shot(page, "register-form.png")
        page.click("button[type=submit]")

        expect(page.locator(".weui-msg__title")).to_have_text("报备成功")
        expect(page.locator(".weui-msg__desc")).to_contain_text("负责人：张伟")
        _shot(page, "register-done.png")
        (customer,) = customers()
        assert customer.owner == "zhangwei" and customer.phone == "13912345678"

        # Same phone again: the duplicate, with its owner, and nothing created.
        page.click("text=再报备一个")
        expect(page.locator("h1")).to_have_text("报备新客户")
        _fill(page, name="恒达环保（杭州）", phone="139-1234-5678")
        page.click("button[type=submit]")
        notice = page.locator(".zs-duplicate").first
        expect(notice).to_contain_text("电话139****5678已登记为客户“杭州恒达环保科技有限公司”")
        expect(notice).to_contain_text("负责人：张伟")
        _shot(page, "register-duplicate.png")
        assert len(customers()) == 1

        # A bad phone: the Chinese message under the phone field, the rest kept.
        page.fill("#f-name", "宁波新客户有限公司")
        page.fill("#f-phone", "1391234")
        page.click("button[type=submit]")
        error = page.locator("#phone-error")
        expect(error).to_have_text("手机号应为11位，当前为7位")
        expect(page.locator("#f-name")).to_have_value("宁波新客户有限公司")
        expect(page.locator("#f-phone")).to_be_focused()
        # Right under the phone field (the next row of the form).
        assert page.evaluate("document.querySelector('#f-phone').closest('label')"
                             ".nextElementSibling.id") == "phone-error"
        _shot(page, "register-error.png")
        assert len(customers()) == 1

        # The confirmation card reached the phone; its link opens the customer's 360.
        run_jobs()
        page.goto(f"{emulator}/phone/wecom/zhangwei")
        card = page.locator(".card-link", has_text="查看详情").last
        expect(card).to_be_visible(timeout=15_000)
        with context.expect_page() as opened:
            card.click()
        detail = opened.value
        detail.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        expect(detail).to_have_url(f"{live_service}/h5/customers/{customer.id}")
        expect(detail.locator("h1")).to_have_text("杭州恒达环保科技有限公司")
        expect(detail.locator("a.zs-tel")).to_have_attribute("href", "tel:13912345678")
        _shot(detail, "customer-360.png")
        browser.close()
    assert problems == []
