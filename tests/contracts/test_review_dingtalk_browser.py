"""The DingTalk sign-in page (免登) in Debian's chromium driven by Playwright: our real page
and script (static/dingtalk-login.js) run, with the DingTalk client's ``dd`` supplied by
the test: its ``runtime.permission.requestAuthCode`` hands the page a code the emulator
issued for 陈静, the page posts it, the server does the real exchange with the emulator
and she lands on the contract to review. Outside DingTalk the vendored dingtalk-jsapi
says so and the page shows 请在钉钉中打开. No script error or CSP violation either way."""

from __future__ import annotations

import re
from typing import Any

import requests

from cards.links import DINGTALK_LOGIN_PATH, dingtalk_login_url
from tests.browserkit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, phone_page, shot
from tests.contracts.contractkit import sign
from zhongshu.settings import get_settings

pytestmark = needs_chromium

# What the DingTalk webview gives the page, as far as the sign-in uses it. Defined so that
# the vendored dingtalk-jsapi (which declares its own global ``dd``) cannot replace it:
# inside DingTalk its calls reach the native client, which this test plays.
FAKE_DD = """
(() => {
  const dd = {
    env: {platform: "android"},
    ready(callback) { setTimeout(callback, 0); },
    error() {},
    runtime: {permission: {requestAuthCode(params) {
      return window.emuRequestAuthCode(params.corpId).then((code) => {
        const result = {code};
        if (params.onSuccess) { params.onSuccess(result); }
        return result;
      });
    }}},
  };
  Object.defineProperty(window, "dd", {get: () => dd, set: () => {}, configurable: false});
})();
"""


def _browser(p: Any) -> Any:
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _page(browser: Any, problems: list[str]) -> Any:
    page = phone_page(browser, problems)
    page.set_default_timeout(15_000)
    return page


def test_dingtalk_finance_signs_in_through_the_page(emulator, live_service, draft):
    from playwright.sync_api import expect, sync_playwright

    cid = draft("66000", no="HT-DD-WEB")
    sign(cid)
    issued: list[str] = []
    asked: list[str] = []

    def request_auth_code(corp_id: str) -> str:
        # The DingTalk client of 陈静: a code for the corp the page asked for.
        asked.append(corp_id)
        answer = requests.post(f"{emulator}/_emu/dingtalk/users/dt_chenjing/authcode",
                               json={"corpId": corp_id}, timeout=5)
        answer.raise_for_status()
        issued.append(answer.json()["code"])
        return str(answer.json()["code"])

    problems: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        page = _page(browser, problems)
        page.expose_function("emuRequestAuthCode", request_auth_code)
        page.add_init_script(FAKE_DD)
        page.goto(dingtalk_login_url(f"/h5/contracts/{cid}"))
        expect(page).to_have_url(f"{live_service}/h5/contracts/{cid}")
        expect(page.locator("body")).to_contain_text("HT-DD-WEB")
        expect(page.locator(".zs-whoami")).to_contain_text("陈静")
        shot(page, "dingtalk-signed-in.png")

        # Outside DingTalk: the real vendored dingtalk-jsapi, nothing supplied.
        outside = _page(browser, problems)
        outside.goto(dingtalk_login_url("/h5/contracts/review"))
        expect(outside.locator("#dd-not-in-dingtalk")).to_be_visible()
        expect(outside.locator("#dd-not-in-dingtalk")).to_contain_text("请在钉钉中打开")
        expect(outside.locator("#dd-waiting")).to_be_hidden()
        assert outside.evaluate("window.dd.env.platform") == "notInDingTalk"
        assert re.search(r"/h5/login/dingtalk\?next=", outside.url)
        shot(outside, "dingtalk-not-in-dingtalk.png")
        browser.close()
    assert asked == [get_settings().dingtalk_corp_id] and len(issued) == 1
    exchanges = requests.get(f"{emulator}/_emu/calls",
                             params={"api": "topapi/v2/user/getuserinfo"}, timeout=5).json()
    assert len(exchanges) == 1
    assert problems == []


def test_the_emulator_phone_opens_the_notification_signed_in(emulator, live_service, draft,
                                                             run_jobs):
    """The demo's way: 陈静's DingTalk phone page shows the work notification; tapping its
    link opens our entry page, which asks the phone (its opener, the emulator's origin)
    for the auth code — the phone plays the DingTalk client."""
    from playwright.sync_api import expect, sync_playwright

    cid = draft("42000", no="HT-DD-PHONE")
    sign(cid)
    run_jobs()
    problems: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        phone = _page(browser, problems)
        phone.goto(f"{emulator}/phone/dingtalk/dt_chenjing")
        link = phone.locator("a[data-dd-signin]").first
        expect(link).to_have_attribute("href", re.compile(re.escape(DINGTALK_LOGIN_PATH)))
        with phone.context.expect_page() as opened:
            link.click()
        review = opened.value
        review.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        review.on("pageerror", lambda e: problems.append(str(e)))
        expect(review).to_have_url(f"{live_service}/h5/contracts/{cid}")
        expect(review.locator("body")).to_contain_text("HT-DD-PHONE")
        expect(review.locator(".zs-whoami")).to_contain_text("陈静")
        browser.close()
    assert problems == []
