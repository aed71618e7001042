"""Finance works the review queue on the phone, in Debian's chromium driven by Playwright:
through the emulator's WeCom OAuth to /h5/contracts/review, oldest signing first; a return
without a reason is refused on the page, with one it is returned; the other is approved.
No script error or CSP violation on the way."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

from cards.links import wecom_oauth_url
from models.base import utcnow
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page
from tests.contracts.contractkit import contract, sign

pytestmark = needs_chromium


def test_finance_works_the_review_queue(emulator, live_service, draft):
    from playwright.sync_api import expect, sync_playwright

    old, new = draft("88000", no="HT-Q-OLD"), draft("12000", no="HT-Q-NEW")
    sign(new, now=utcnow() - timedelta(hours=3))
    sign(old, now=utcnow() - timedelta(hours=75))
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = phone_page(browser, problems)
        page.set_default_timeout(15_000)
        page.goto(f"{emulator}/phone/wecom/chenjing")  # the emulator knows who holds the phone
        link = wecom_oauth_url("/h5/contracts/review")
        page.goto(f"{emulator}/phone/wecom/chenjing/open?url={quote(link, safe='')}")
        # (#wechat_redirect, which WeCom's authorize URL must carry, survives the redirects.)
        expect(page).to_have_url(re.compile(
            re.escape(f"{live_service}/h5/contracts/review") + "(#wechat_redirect)?$"))
        expect(page.locator("h1")).to_have_text("待审核合同")
        cards = page.locator("form.zs-review")
        expect(cards).to_have_count(2)
        expect(cards.nth(0)).to_have_attribute("data-contract", "HT-Q-OLD")
        expect(cards.nth(0)).to_contain_text("已等待 75 小时")

        first = page.locator("form[data-contract=HT-Q-OLD]")
        first.locator("button[value=return]").click()
        expect(page.locator("#contract-error")).to_have_text("退回合同必须写明原因。")
        assert contract(old).status == "signed"

        page.goto(f"{live_service}/h5/contracts/review")
        first = page.locator("form[data-contract=HT-Q-OLD]")
        first.locator("input[name=reason]").fill("付款条款与报价单不一致")
        first.locator("button[value=return]").click()
        expect(page.locator("#review-done")).to_have_text("已退回，已通知业务员。")
        expect(page.locator("form.zs-review")).to_have_count(1)
        page.locator("form[data-contract=HT-Q-NEW] button[value=approve]").click()
        expect(page.locator("#review-done")).to_have_text("已审核通过，已通知业务员。")
        expect(page.locator(".weui-loadmore__tips")).to_have_text("没有待审核的合同")
        browser.close()
    assert (contract(old).status, contract(old).return_reason) == ("returned",
                                                                   "付款条款与报价单不一致")
    assert (contract(new).status, contract(new).reviewed_by) == ("approved", "chenjing")
    # The refused return answers 400 on purpose (the page with the message); nothing else.
    assert [m for m in problems if "status of 400" not in m] == []
    assert len(problems) <= 1
